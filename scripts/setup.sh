#!/usr/bin/env bash
# Set up everything the project needs, idempotently: a virtual environment in .venv with the pinned
# Python packages (reinstalled only when pyproject.toml changes), and the LaTeX tools that the PDF
# export needs (installed with apt-get when run as root; otherwise the command to run is printed).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "setup: Python 3.11 is required (TensorFlow 2.21 and the pinned packages); found $("$PYTHON" --version)." >&2
  echo "setup: install Python 3.11 or point PYTHON=/path/to/python3.11, or use environment.yml with conda." >&2
  exit 1
fi

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing the Python packages into .venv (first time: a few minutes) ..."
  [ -d .venv ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -qq --disable-pip-version-check --upgrade pip
  # -qq: the packages' own build chatter (setuptools' notes on editable installs) is not for a new user;
  # errors still show.
  .venv/bin/python -m pip install -qq --disable-pip-version-check -e ".[test]"
  # PyTorch's CPU build comes from its own index (see pyproject.toml) where that index can be reached;
  # elsewhere pip takes torch from its other sources, without a screen of retry warnings per package.
  torch_index=https://download.pytorch.org/whl/cpu
  if .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/', timeout=10)" \
    "$torch_index" 2>/dev/null; then
    .venv/bin/python -m pip install -qq --disable-pip-version-check -e ".[torch]" --extra-index-url "$torch_index"
  else
    .venv/bin/python -m pip install -qq --disable-pip-version-check -e ".[torch]"
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi

pdf_packages="pandoc texlive-xetex texlive-fonts-recommended texlive-plain-generic lmodern"
if ! command -v xelatex >/dev/null || ! command -v pandoc >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing the PDF export tools with apt-get (about 2 minutes) ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pdf_packages >/dev/null
  else
    echo "setup: the PDF export needs xelatex and pandoc; install them with:" >&2
    echo "         sudo apt-get install $pdf_packages" >&2
    echo "setup: (the HTML report and the tests work without them)" >&2
  fi
fi
