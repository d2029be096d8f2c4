#!/usr/bin/env bash
# Build the report: set up, execute the notebooks in order, export report/<profile>/report.{html,pdf}.
#   ./build_report.sh                      the full profile (the seed's protocol)
#   ./build_report.sh --profile quick      a subset and a few epochs
#   ./build_report.sh --profile smoke --update-references   refresh the test references
#   ./build_report.sh train --profile full --backend jax     the training stage alone (lib/training_stage.py)
# Data: set REPORT_DATA_DIR to a folder with kmnist/ (the official files), or let it download.
set -euo pipefail
# Every path the user gives means a place seen from the caller's folder: Python runs in that folder
# and makes them absolute (lib/paths.py) before the notebooks start in notebooks/.
project="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"  # the project, also when run through a link
"$project/scripts/setup.sh"
stage=lib.report
if [ "${1:-}" = train ]; then stage=lib.training_stage; shift; fi
# -P: lib is imported from the project (PYTHONPATH), never from a lib/ in the caller's folder.
PYTHONPATH="$project${PYTHONPATH:+:$PYTHONPATH}" exec "$project/.venv/bin/python" -P -m "$stage" "$@"
