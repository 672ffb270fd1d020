#!/usr/bin/env bash
# scripts/action-build.sh: builds gantry from the action's source into the
# tool cache path that scripts/action-setup.sh chose (GANTRY_BIN), then marks
# it complete so that later jobs on the same runner reuse it.
set -euo pipefail
src="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: this script runs as a step of action.yml}"
bin="${GANTRY_BIN:?GANTRY_BIN is not set: run scripts/action-setup.sh first}"
dir=$(dirname "$bin")
mkdir -p "$dir"

# the version gantry reports: the tag, branch or SHA the action was used at
version="${GITHUB_ACTION_REF:-dev}"
tmp="$bin.tmp.$$"
(cd "$src" && go build \
	-ldflags "-s -w -X github.com/gantry-ci/gantry/lint.version=$version" \
	-o "$tmp" ./cmd/gantry)
mv -f "$tmp" "$bin"
touch "$dir.complete"
echo "gantry: built $("$bin" --version)"
