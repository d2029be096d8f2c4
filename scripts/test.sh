#!/usr/bin/env bash
# Run every test: set up, then pytest (lib tests, the smoke build, nbval over tests/reference).
# Needs the KMNIST files: set REPORT_DATA_DIR (e.g. REPORT_DATA_DIR=../shared/data), or let them download.
set -euo pipefail
# Notebooks run in other folders, so relative data and output folders are made absolute first.
[ -z "${REPORT_DATA_DIR:-}" ] || export REPORT_DATA_DIR="$(realpath "$REPORT_DATA_DIR")"
[ -z "${REPORT_OUTPUT_DIR:-}" ] || export REPORT_OUTPUT_DIR="$(realpath -m "$REPORT_OUTPUT_DIR")"
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
