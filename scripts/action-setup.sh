#!/usr/bin/env bash
# scripts/action-setup.sh: the first step of action.yml. It installs gantry
# into the runner's tool cache and puts it on PATH.
#
# Which gantry:
#   - the version input (v1.2.3), else
#   - the action's own ref: a release tag (v1.2.3) is that release; a major or
#     minor tag (v1, v1.2) is the release named in the action's VERSION file
#     at that commit; a branch, a SHA or a local action (uses: ./) builds
#     gantry from the action's source with the runner's Go, go.mod's toolchain
#     selected by GOTOOLCHAIN for this step only.
#
# A release is downloaded from
#   ${GANTRY_RELEASE_URL:-https://github.com/gantry-ci/gantry/releases/download}/<tag>/<archive>
# with its checksums.txt, and verified before anything is extracted: a
# mismatch fails the step and installs nothing.
#
# Step outputs: version (the version installed, or "source-<key>"), bin (the
# binary), source (release, source), cached (true when the tool cache already
# had it). bin's folder is appended to GITHUB_PATH.
set -euo pipefail
action="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: this script runs as a step of action.yml}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: this script runs as a step of action.yml}"

fail() {
	echo "::error title=gantry setup::$*"
	exit 1
}

if command -v sha256sum >/dev/null 2>&1; then
	sha256() { sha256sum "$@"; }
else
	sha256() { shasum -a 256 "$@"; }
fi

# The platform, in release archive names (os, arch) and tool cache names (tcarch).
case "${RUNNER_OS:-$(uname -s)}" in
Linux) os=linux ;;
macOS | Darwin) os=darwin ;;
Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
*) fail "unsupported runner OS ${RUNNER_OS:-$(uname -s)}" ;;
esac
case "${RUNNER_ARCH:-$(uname -m)}" in
X64 | x86_64 | amd64) arch=amd64 tcarch=x64 ;;
ARM64 | aarch64 | arm64) arch=arm64 tcarch=arm64 ;;
*) fail "unsupported runner architecture ${RUNNER_ARCH:-$(uname -m)}: releases are built for amd64 and arm64" ;;
esac
exe=gantry
if [ "$os" = windows ]; then
	exe=gantry.exe
fi
cache="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}}/gantry"

# The action's ref: the runner checks a downloaded action out at
# _actions/OWNER/REPO/REF (REF may hold slashes; backslashes on Windows), so
# the path names it. Only for an action that was not downloaded (uses: ./)
# is github.action_ref used, which action.yml passes as ACTION_REF:
# GITHUB_ACTION_REF is empty inside composite actions (actions/runner#2473),
# and inside a composite action that another composite action uses,
# github.action_ref is the outer action's ref, not this one's.
ref=
checkout="${action//\\//}"
if [[ $checkout == */_actions/*/*/* ]]; then
	ref="${checkout##*/_actions/}" # OWNER/REPO/REF
	ref="${ref#*/}"
	ref="${ref#*/}"
fi
ref="${ref:-${ACTION_REF:-${GITHUB_ACTION_REF:-}}}"

release_re='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'
version="${INPUT_VERSION:-}"
version="${version//[[:space:]]/}"
if [ -n "$version" ]; then
	if [[ $version =~ ^[0-9] ]]; then
		version="v$version"
	fi
	[[ $version =~ $release_re ]] || fail "input version must be a release such as v1.2.3, not \"$version\""
elif [[ $ref =~ $release_re ]]; then
	version=$ref
elif [[ $ref =~ ^v[0-9]+(\.[0-9]+)?$ ]]; then
	recorded=$(tr -d '[:space:]' <"$action/VERSION" 2>/dev/null || true)
	[[ $recorded =~ $release_re ]] || fail "the action at $ref records no release version in VERSION (found \"$recorded\"); set the version input"
	case "$recorded" in
	"$ref".*) version=$recorded ;;
	*) fail "the action at $ref records version $recorded, which is not a $ref release; set the version input" ;;
	esac
fi

output() {
	{
		echo "version=$1"
		echo "bin=$2"
		echo "source=$3"
		echo "cached=$4"
	} >>"$GITHUB_OUTPUT"
	if [ -n "${GITHUB_PATH:-}" ]; then
		dirname "$2" >>"$GITHUB_PATH"
	fi
}

# install_release downloads, verifies and installs release $version.
install_release() {
	local dir="$cache/${version#v}/$tcarch"
	local bin="$dir/$exe"
	if [ -x "$bin" ] && [ -f "$dir.complete" ]; then
		echo "gantry: using $version from the tool cache ($bin)"
		output "$version" "$bin" release true
		return
	fi
	local name="gantry_${version#v}_${os}_${arch}"
	local archive="$name.tar.gz"
	if [ "$os" = windows ]; then
		archive="$name.zip"
	fi
	local base="${GANTRY_RELEASE_URL:-https://github.com/gantry-ci/gantry/releases/download}"
	base="${base%/}/$version"
	local tmp temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
	mkdir -p "$temp"
	tmp=$(mktemp -d "$temp/gantry-setup.XXXXXX")
	# shellcheck disable=SC2064 # expand tmp now
	trap "rm -rf '$tmp'" EXIT
	echo "gantry: downloading $base/$archive"
	for f in checksums.txt "$archive"; do
		curl --fail --silent --show-error --location --retry 3 --connect-timeout 20 --max-time 300 \
			--output "$tmp/$f" "$base/$f" || fail "cannot download $base/$f"
	done

	local want got
	want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")
	[ -n "$want" ] || fail "checksums.txt of $version has no entry for $archive"
	got=$(cd "$tmp" && sha256 "$archive" | cut -d' ' -f1)
	if [ "$got" != "$want" ]; then
		rm -rf "$tmp"
		fail "checksum mismatch for $archive: checksums.txt says $want, the download is $got; nothing was installed"
	fi
	echo "gantry: verified $archive (sha256 $got)"

	# extract next to the final folder, then rename it into place
	mkdir -p "$(dirname "$dir")"
	local stage="$dir.tmp.$$"
	rm -rf "$stage" "$dir" "$dir.complete"
	mkdir -p "$stage"
	if [ "$os" = windows ]; then
		if command -v unzip >/dev/null 2>&1; then
			unzip -q "$tmp/$archive" "$exe" -d "$stage"
		else
			pwsh -NoProfile -Command "Expand-Archive -LiteralPath '$tmp/$archive' -DestinationPath '$stage'"
		fi
	else
		tar -xzf "$tmp/$archive" -C "$stage" "$exe"
	fi
	chmod 0755 "$stage/$exe"
	local reported
	reported=$("$stage/$exe" --version 2>&1 || true)
	if [ "$reported" != "gantry version $version" ]; then
		rm -rf "$stage"
		fail "the $archive binary reports \"$reported\", not gantry version $version; nothing was installed"
	fi
	mv "$stage" "$dir"
	touch "$dir.complete"
	rm -rf "$tmp"
	echo "gantry: installed $version in $dir"
	output "$version" "$bin" release false
}

# build_source builds gantry from the action's source with the runner's Go.
build_source() {
	# the key covers every file that goes into the binary, so a tag, a branch
	# and a SHA of the same source share one build, and any change builds anew
	local key
	# shellcheck disable=SC2016 # the inner script expands its own arguments
	key=$(cd "$action" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) \
		-not -name '*_test.go' -not -path '*/testdata/*' -not -path './.git/*' -print0 |
		LC_ALL=C sort -z | xargs -0 sh -c 'for f do printf "%s\n" "$f"; cat -- "$f"; done' sh | sha256 | cut -c1-16)
	local dir="$cache/source-$key/$tcarch"
	local bin="$dir/$exe"
	if [ -x "$bin" ] && [ -f "$dir.complete" ]; then
		echo "gantry: using $bin from the tool cache (source $key)"
		output "source-$key" "$bin" source true
		return
	fi
	command -v go >/dev/null 2>&1 ||
		fail "the action is used at ${ref:-a local path}, which is not a release, so gantry is built from source, and there is no go on PATH; use a release tag (gantry-ci/gantry@v1) or set the version input"
	local gover
	gover=$(sed -n 's/^toolchain go//p' "$action/go.mod")
	gover=${gover:-$(sed -n 's/^go //p' "$action/go.mod")}
	echo "gantry: building gantry from $action (source $key) with go$gover"
	mkdir -p "$dir"
	local tmp="$bin.tmp.$$"
	# -tags grpcnotrace as scripts/release builds it: gRPC's
	# golang.org/x/net/trace brings html/template, which turns off the
	# linker's dead-code elimination of methods
	(cd "$action" && GOTOOLCHAIN="go$gover" CGO_ENABLED=0 go build -trimpath -tags grpcnotrace \
		-ldflags "-s -w -X github.com/gantry-ci/gantry/lint.version=${ref:-source-$key}" \
		-o "$tmp" ./cmd/gantry)
	mv -f "$tmp" "$bin"
	touch "$dir.complete"
	echo "gantry: built $("$bin" --version)"
	output "source-$key" "$bin" source false
}

if [ -n "$version" ]; then
	install_release
else
	build_source
fi
