#!/usr/bin/env bash
# Run every test: set up, ruff (lint and format), then pytest (lib tests, the smoke build, nbval over tests/reference), then the
# lib tests again on the JAX and PyTorch backends. Arguments go to the first pytest alone, and skip the others.
# Needs the KMNIST files: set REPORT_DATA_DIR (e.g. REPORT_DATA_DIR=../shared/data), or let them download.
set -euo pipefail
# The tests run in the project's folder, so relative data and output folders are made absolute first
# (-m: a folder that does not exist stays named as given, and the run says so).
[ -z "${REPORT_DATA_DIR:-}" ] || export REPORT_DATA_DIR="$(realpath -m -- "$REPORT_DATA_DIR")"
[ -z "${REPORT_OUTPUT_DIR:-}" ] || export REPORT_OUTPUT_DIR="$(realpath -m -- "$REPORT_OUTPUT_DIR")"
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "ruff: lint and format check (fix with: .venv/bin/ruff check --fix . && .venv/bin/ruff format .)"
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/python -m pytest "$@"
if [ $# -eq 0 ]; then
  for backend in jax torch; do
    echo "The lib tests again, on Keras' $backend backend (CPU):"
    KERAS_BACKEND=$backend .venv/bin/python -m pytest -p no:nbval -o addopts=-ra tests/test_cache_keys.py \
      tests/test_models.py tests/test_training.py tests/test_evaluation.py tests/test_study.py
  done
fi
