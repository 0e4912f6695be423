#!/usr/bin/env bash
# Make the Pulumi engine (CLI + Node.js language host + the dynamic-provider
# plugin) available without any download other than Go modules, and print the
# directory that holds them as the LAST line on stdout:
#
#   PATH="$(bash scripts/pulumi-engine.sh | tail -1):$PATH"          # CLI 3.248.0
#   PATH="$(bash scripts/pulumi-engine.sh 3.276.0 | tail -1):$PATH"  # the newest end
#
# The CLI version is the first argument, else $SWITCHYARD_PULUMI_VERSION, else
# 3.248.0 (the oldest @pulumi/pulumi the SDK supports). The project tests both
# ends of its @pulumi/pulumi range: 3.248.0 and 3.276.0.
#
# Everything else (progress, errors) goes to stderr. Exit status is non-zero,
# with the failing step named, when no engine can be made available.
#
# Order of preference:
#   1. `pulumi` on PATH reporting that version, with pulumi-language-nodejs and
#      pulumi-resource-pulumi-nodejs on PATH too            -> its directory
#   2. the cache  $SWITCHYARD_ENGINE_CACHE
#        (default ${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/pulumi-v<version>)
#      when its bin/ is complete and was made by this recipe -> <cache>/bin
#   3. build into the cache with Go (module proxy only), then as 2.
#
# What ends up in <cache>/bin:
#   pulumi                         github.com/pulumi/pulumi/pkg/v3/cmd/pulumi @ v<version>
#   pulumi-language-nodejs         a sh script: loads inspect-guard.js into every program it runs
#                                  (NODE_OPTIONS --require), then runs the host below
#   langhost-nodejs-v3.68.0        github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
#                                  @ v3.68.0 (see LANGHOST_* below for why not <version>)
#   inspect-guard.js               sdk/inspect-guard.ts transpiled: keeps a program that throws
#                                  from hanging for a minute and 4 GB on Node.js 20.19.6+,
#                                  22.20+ and 24.7-24.18 (docs/node20-trap.md)
#   pulumi-resource-pulumi-nodejs  copied from the installed @pulumi/pulumi npm package
#                                  (a 4-line sh script that resolves @pulumi/pulumi from
#                                  its working directory, so it is checkout-independent)
#
# Knobs: SWITCHYARD_ENGINE_CACHE, XDG_CACHE_HOME, GO (go binary), GOCACHE,
# GOMODCACHE, GOPROXY (all the usual Go variables are honoured).
set -euo pipefail

PULUMI_VERSION="${1:-${SWITCHYARD_PULUMI_VERSION:-3.248.0}}"
[[ "$PULUMI_VERSION" =~ ^3\.[0-9]+\.[0-9]+$ ]] || { echo "pulumi-engine: '$PULUMI_VERSION' is not a Pulumi 3.x version (e.g. 3.248.0)" >&2; exit 2; }
# The Node.js language host lives upstream in its own module
# (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3), which has
# no tags and which the module proxy reachable here refuses to serve at any
# version/commit ("403 This module version is not available"). The newest
# upstream language host the proxy does serve is the one that was still part
# of the sdk/v3 module, last at v3.68.0 (it moved out before v3.90.0). The
# v3.248.0 engine still speaks to it (it falls back from GetRequiredPackages to
# GetRequiredPlugins, and a spawned host needs no Handshake), and it drives the
# v3.248.0 @pulumi/pulumi `cmd/run` entry point unchanged. Known limits of this
# older host: it ignores the `runtime.options` of Pulumi.yaml (TypeScript via
# the SDK's ts-node is always on; tsconfig/nodeargs/packagemanager are not
# read), and it has none of the host features added after v3.68 (e.g.
# component-provider RunPlugin, policy packs, package-manager installs).
LANGHOST_MODULE="github.com/pulumi/pulumi/sdk/v3"
LANGHOST_VERSION="v3.68.0"
LANGHOST_PKG="github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"

VERSION_PKG="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
# Bump when the build recipe changes, so that stale caches get rebuilt.
RECIPE="pulumi=v${PULUMI_VERSION};langhost=${LANGHOST_MODULE}@${LANGHOST_VERSION};recipe=2"
# The Go-built host, which the pulumi-language-nodejs script runs.
LANGHOST_BIN="langhost-nodejs-${LANGHOST_VERSION}"
COLD_BUILD_ESTIMATE="~5 min on 2 cores"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
GUARD_SRC="$REPO_ROOT/sdk/inspect-guard.ts"

STEP="start"
log() { printf 'pulumi-engine: %s\n' "$*" >&2; }
die() { printf 'pulumi-engine: ERROR in step "%s": %s\n' "$STEP" "$*" >&2; exit 1; }
trap 'rc=$?; printf "pulumi-engine: ERROR in step \"%s\" (command exited %s at line %s)\n" "$STEP" "$rc" "$LINENO" >&2' ERR

# Prints the version `pulumi version` reports for the binary $1 (empty if it fails).
pulumi_version_of() {
  PULUMI_SKIP_UPDATE_CHECK=true "$1" version 2>/dev/null | tr -d '[:space:]' || true
}

# ---------------------------------------------------------------------------
# 1. An engine already on PATH.
# ---------------------------------------------------------------------------
STEP="look for pulumi on PATH"
if on_path="$(command -v pulumi 2>/dev/null)" \
  && [[ "$(pulumi_version_of "$on_path")" == "v${PULUMI_VERSION}" ]] \
  && command -v pulumi-language-nodejs >/dev/null 2>&1 \
  && command -v pulumi-resource-pulumi-nodejs >/dev/null 2>&1; then
  log "using pulumi v${PULUMI_VERSION} found on PATH at $on_path"
  dirname "$on_path"
  exit 0
fi

# ---------------------------------------------------------------------------
# 2. The cache.
# ---------------------------------------------------------------------------
STEP="locate cache"
if [[ -n "${SWITCHYARD_ENGINE_CACHE:-}" ]]; then
  CACHE_ROOT="$SWITCHYARD_ENGINE_CACHE"
else
  [[ -n "${XDG_CACHE_HOME:-}" || -n "${HOME:-}" ]] || die "neither SWITCHYARD_ENGINE_CACHE, XDG_CACHE_HOME nor HOME is set"
  CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/pulumi-v${PULUMI_VERSION}"
fi
BIN="$CACHE_ROOT/bin"

cache_ok() {
  [[ -x "$BIN/pulumi" && -x "$BIN/pulumi-language-nodejs" && -x "$BIN/pulumi-resource-pulumi-nodejs" ]] || return 1
  [[ -x "$BIN/$LANGHOST_BIN" && -f "$BIN/inspect-guard.js" ]] || return 1
  [[ -f "$BIN/.recipe" && "$(cat "$BIN/.recipe")" == "$RECIPE" ]] || return 1
  [[ "$(pulumi_version_of "$BIN/pulumi")" == "v${PULUMI_VERSION}" ]] || return 1
}

if cache_ok; then
  log "using cached engine in $BIN"
  printf '%s\n' "$BIN"
  exit 0
fi

# ---------------------------------------------------------------------------
# 3. Build.
# ---------------------------------------------------------------------------
STEP="prepare cache directory"
mkdir -p "$CACHE_ROOT" || die "cannot create cache directory $CACHE_ROOT"

# Serialise concurrent builders (parallel test runs, two checkouts).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_ROOT/.lock"
  if ! flock -n 9; then
    log "another process is building the engine in $CACHE_ROOT; waiting for it"
    flock 9
  fi
  if cache_ok; then
    log "using cached engine in $BIN (built by another process)"
    printf '%s\n' "$BIN"
    exit 0
  fi
  # We hold the lock: build directories left behind are from killed builds.
  rm -rf "$CACHE_ROOT"/build.* "$CACHE_ROOT/bin.old"
fi

STEP="find the @pulumi/pulumi npm package (for pulumi-resource-pulumi-nodejs)"
DYN_PROVIDER=""
if command -v node >/dev/null 2>&1; then
  pkg_json="$(cd "$REPO_ROOT" && node -p "require.resolve('@pulumi/pulumi/package.json')" 2>/dev/null || true)"
  if [[ -n "$pkg_json" ]]; then
    # The plugin is a version-independent launcher: it runs the dynamic-provider host of the
    # @pulumi/pulumi that the program itself has installed.
    DYN_PROVIDER="$(dirname "$pkg_json")/pulumi-resource-pulumi-nodejs"
  fi
fi
[[ -n "$DYN_PROVIDER" ]] || DYN_PROVIDER="$REPO_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
[[ -f "$DYN_PROVIDER" ]] \
  || die "$DYN_PROVIDER not found: run 'npm ci' in $REPO_ROOT first (the dynamic-provider plugin ships in @pulumi/pulumi)"

STEP="find the Go toolchain"
GO="${GO:-}"
if [[ -z "$GO" ]]; then
  GO="$(command -v go 2>/dev/null || true)"
  [[ -n "$GO" ]] || { [[ -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go; }
fi
[[ -n "$GO" && -x "$GO" ]] \
  || die "no pulumi v$PULUMI_VERSION on PATH, no usable cache in $BIN, and no Go toolchain to build one (install Go >= 1.25 or set GO=/path/to/go)"
log "$("$GO" version)"

# -mod=mod: the throwaway modules have no go.sum; Go fills it in (checksums are
# still verified against the checksum database).
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

STEP="create build directory"
WORK="$(mktemp -d "$CACHE_ROOT/build.XXXXXX")" || die "mktemp in $CACHE_ROOT failed"
HEARTBEAT_PID=""
CHILD_PID=""
cleanup() {
  for pid in $CHILD_PID $HEARTBEAT_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
# Runs "$@" in the background and waits for it, so that INT/TERM are handled at
# once (cleanup kills the child) instead of after a multi-minute `go build`.
run_child() {
  local rc=0
  "$@" &
  CHILD_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$WORK/bin" "$WORK/cli" "$WORK/langhost"

START=$SECONDS
heartbeat() {
  # Sleep in short slices so that cleanup's kill takes effect at once.
  local n=0
  while kill -0 "$$" 2>/dev/null; do
    sleep 1
    n=$((n + 1))
    if (( n % 30 == 0 )); then log "  ... still building ($((SECONDS - START))s elapsed)"; fi
  done
}
heartbeat >/dev/null &
HEARTBEAT_PID=$!

log "building pulumi CLI ${PULUMI_VERSION} (one time, ${COLD_BUILD_ESTIMATE}) into $BIN …"

# A throwaway module: upstream go.mod files use relative replace directives, so
# `go install pkg@version` cannot build them. The replace below is copied from
# github.com/pulumi/pulumi/pkg/v3@v3.248.0's go.mod (replace directives of
# dependencies are not inherited).
STEP="read the go directive of github.com/pulumi/pulumi/pkg/v3@v${PULUMI_VERSION}"
UPSTREAM_MOD="$(cd "$WORK/cli" && GOFLAGS= "$GO" mod download -json "github.com/pulumi/pulumi/pkg/v3@v${PULUMI_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
[[ -f "$UPSTREAM_MOD" ]] || die "the module proxy did not serve github.com/pulumi/pulumi/pkg/v3@v${PULUMI_VERSION}"
GO_DIRECTIVE="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$UPSTREAM_MOD" | head -n1)"

STEP="build pulumi CLI v${PULUMI_VERSION}"
cat >"$WORK/cli/go.mod" <<EOF
module switchyard.local/pulumi-engine/cli

go ${GO_DIRECTIVE:-1.25.11}

require (
	github.com/pulumi/pulumi/pkg/v3 v${PULUMI_VERSION}
	github.com/pulumi/pulumi/sdk/v3 v${PULUMI_VERSION}
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
cat >"$WORK/cli/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
EOF
run_child bash -c 'cd "$1" && shift && exec "$@"' _ "$WORK/cli" "$GO" build -trimpath \
  -ldflags "-s -w -X ${VERSION_PKG}=v${PULUMI_VERSION}" \
  -o "$WORK/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
  || die "go build of github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v${PULUMI_VERSION} failed (see the Go output above)"
log "pulumi CLI built ($((SECONDS - START))s)"

STEP="build pulumi-language-nodejs (${LANGHOST_MODULE}@${LANGHOST_VERSION})"
log "building pulumi-language-nodejs from ${LANGHOST_MODULE}@${LANGHOST_VERSION} …"
cat >"$WORK/langhost/go.mod" <<EOF
module switchyard.local/pulumi-engine/langhost

go 1.21

require ${LANGHOST_MODULE} ${LANGHOST_VERSION}
EOF
cat >"$WORK/langhost/tools.go" <<EOF
//go:build tools

package tools

import _ "${LANGHOST_PKG}"
EOF
run_child bash -c 'cd "$1" && shift && exec "$@"' _ "$WORK/langhost" "$GO" build -trimpath \
  -ldflags "-s -w -X ${VERSION_PKG}=${LANGHOST_VERSION}" \
  -o "$WORK/bin/$LANGHOST_BIN" "$LANGHOST_PKG" \
  || die "go build of ${LANGHOST_PKG}@${LANGHOST_VERSION} failed (see the Go output above)"
log "pulumi-language-nodejs built ($((SECONDS - START))s)"

# On Node.js 20.19.6+, 22.20+ and 24.7-24.18, @pulumi/pulumi's report of a program's unhandled
# error makes util.inspect loop until the heap is full (docs/node20-trap.md). The host that the
# CLI runs is a script that preloads the guard into every program, then runs the Go-built host.
STEP="install the inspect guard and the pulumi-language-nodejs script"
[[ -f "$GUARD_SRC" ]] || die "$GUARD_SRC not found"
(cd "$REPO_ROOT" && node -e '
  const fs = require("node:fs");
  const ts = require("typescript");
  const { outputText } = ts.transpileModule(fs.readFileSync(process.argv[1], "utf8"), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  fs.writeFileSync(process.argv[2], outputText);' "$GUARD_SRC" "$WORK/bin/inspect-guard.js") \
  || die "cannot transpile $GUARD_SRC with the repository's typescript: run 'npm ci' in $REPO_ROOT first"
cat >"$WORK/bin/pulumi-language-nodejs" <<EOF
#!/bin/sh
# Made by switchyard's scripts/pulumi-engine.sh: the Node.js language host, with the inspect
# guard preloaded into every program it runs (docs/node20-trap.md).
here="\$(cd "\$(dirname "\$0")" && pwd -P)"
NODE_OPTIONS="--require \\"\$here/inspect-guard.js\\"\${NODE_OPTIONS:+ \$NODE_OPTIONS}"
export NODE_OPTIONS
exec "\$here/$LANGHOST_BIN" "\$@"
EOF
chmod 0755 "$WORK/bin/pulumi-language-nodejs"

STEP="install pulumi-resource-pulumi-nodejs"
cp "$DYN_PROVIDER" "$WORK/bin/pulumi-resource-pulumi-nodejs"
chmod 0755 "$WORK/bin/pulumi-resource-pulumi-nodejs"

STEP="verify the built CLI"
got="$(pulumi_version_of "$WORK/bin/pulumi")"
[[ "$got" == "v${PULUMI_VERSION}" ]] \
  || die "the built pulumi reports version '$got', expected v${PULUMI_VERSION} (ldflags -X ${VERSION_PKG} not applied?)"
printf '%s' "$RECIPE" >"$WORK/bin/.recipe"

# Swap the finished bin/ into place with renames on the same filesystem, so an
# interrupted build never leaves a half-filled cache.
STEP="install into cache"
if [[ -e "$BIN" ]]; then
  rm -rf "$CACHE_ROOT/bin.old"
  mv "$BIN" "$CACHE_ROOT/bin.old"
fi
mv "$WORK/bin" "$BIN"
rm -rf "$CACHE_ROOT/bin.old"

log "engine ready in $BIN (built in $((SECONDS - START))s)"
printf '%s\n' "$BIN"
