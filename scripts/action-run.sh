#!/usr/bin/env bash
# scripts/action-run.sh: the last step of action.yml. gantry reads the
# action's inputs from INPUT_* variables (`gantry github-action`), runs the
# command they describe, and writes the step outputs itself.
set -euo pipefail
bin="${GANTRY_BIN:?GANTRY_BIN is not set: run scripts/action-setup.sh first}"
exec "$bin" github-action
