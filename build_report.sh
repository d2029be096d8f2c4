#!/usr/bin/env bash
# Build the report: set up, execute the notebooks in order, export report/<profile>/report.{html,pdf}.
#   ./build_report.sh                      the full profile (the seed's protocol)
#   ./build_report.sh --profile quick      a subset and a few epochs
#   ./build_report.sh --profile smoke --update-references   refresh the nbval references
# Data: set REPORT_DATA_DIR to a folder with kmnist/ (the official files), or let it download.
set -euo pipefail
# Notebooks run in other folders, so a relative data folder is made absolute first.
[ -z "${REPORT_DATA_DIR:-}" ] || export REPORT_DATA_DIR="$(realpath "$REPORT_DATA_DIR")"
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/python -m lib.report "$@"
