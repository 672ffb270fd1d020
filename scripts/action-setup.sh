#!/usr/bin/env bash
# scripts/action-setup.sh: the first step of action.yml. It names the gantry
# binary built from this action's source (GITHUB_ACTION_PATH) for this
# runner, and says whether the runner's tool cache already has it.
#
# Step outputs: bin (the binary's path), key (a hash of the source), cached
# (true when bin is already built). It also puts bin's folder on PATH for
# the job's later steps.
set -euo pipefail
src="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: this script runs as a step of action.yml}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: this script runs as a step of action.yml}"

if command -v sha256sum >/dev/null 2>&1; then
	hash() { sha256sum; }
else
	hash() { shasum -a 256; }
fi

# The key covers every file that goes into the binary, so a tag, a branch and
# a SHA of the same source share one build, and any change builds anew.
# shellcheck disable=SC2016 # the inner script expands its own arguments
key=$(cd "$src" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) \
	-not -name '*_test.go' -not -path '*/testdata/*' -not -path './.git/*' -print0 |
	LC_ALL=C sort -z | xargs -0 sh -c 'for f do printf "%s\n" "$f"; cat -- "$f"; done' sh | hash | cut -c1-16)

cache="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}"
os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
dir="$cache/gantry/$key/$os-$arch"
exe=gantry
if [ "$os" = Windows ]; then
	exe=gantry.exe
fi
bin="$dir/$exe"

cached=false
if [ -x "$bin" ] && [ -f "$dir.complete" ]; then
	cached=true
	echo "gantry: using $bin from the tool cache"
else
	echo "gantry: building gantry from $src (source $key)"
fi

{
	echo "bin=$bin"
	echo "key=$key"
	echo "cached=$cached"
} >>"$GITHUB_OUTPUT"
if [ -n "${GITHUB_PATH:-}" ]; then
	echo "$dir" >>"$GITHUB_PATH"
fi
