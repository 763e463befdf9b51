#!/usr/bin/env bash
# Decides, once, where the tests and `npm run verify:upstream` read the pinned upstream reference data:
# the chart values files and CRDs at the versions of platform/versions.ts (layout: verify/reference.ts).
# scripts/tools.sh runs it as its last step (so `npm test` runs it in pretest); it also runs alone:
#
#   bash scripts/reference.sh [ROOT]     ROOT: the repository root to decide for (default: this checkout)
#
# The first of these that applies wins:
#   1. CNAI_REFERENCE_DIR=<dir>   a reference folder you provide; it must exist and hold charts/
#                                 (a relative path is taken from ROOT)
#   2. ROOT/../shared/reference   a reference folder next to the checkout
#   3. $TOOLS/reference/<key>     fetched once with helm by scripts/fetch-upstream.ts (npm run fetch:upstream),
#                                 from each chart's own Helm repository or OCI registry, or, with
#                                 CNAI_CHART_REPOSITORY=<Helm repository URL>, from that one repository (a chart
#                                 mirror). <key> hashes the chart table and the fetch script, so a version bump
#                                 fetches again. The fetch writes into a temporary folder beside it and renames
#                                 it into place only when every chart arrived: a failed fetch leaves nothing.
# If none applies, it exits 1 with one message that names the three ways.
#
# The decision goes to ROOT/.tools/reference-dir (git-ignored): line 1 the absolute path, line 2 how it
# was chosen. test/support/reference.ts and scripts/verify-upstream.ts read it.
#
# CNAI_TOOLS_DIR   the tools cache (default ~/.cache/cnai-tools)
# HELM             the helm binary for the fetch (default: $TOOLS/bin/helm, which scripts/tools.sh builds)
set -euo pipefail

SELF=$(cd "$(dirname "$0")/.." && pwd) # the checkout whose fetch script runs
ROOT=$(cd "${1:-$SELF}" && pwd)
TOOLS=${CNAI_TOOLS_DIR:-$HOME/.cache/cnai-tools}
RECORD=$ROOT/.tools/reference-dir
SHARED=$(dirname "$ROOT")/shared/reference

die() {
  printf 'tools: error: %s\n' "$*" >&2
  exit 1
}
record() { # <absolute dir> <how it was chosen>
  mkdir -p "$ROOT/.tools"
  printf '%s\n%s\n' "$1" "$2" > "$RECORD.$$"
  mv -f "$RECORD.$$" "$RECORD"
  printf 'tools: reference data: %s (%s)\n' "$1" "$2"
}

rm -f "$RECORD" # a failed decision leaves no stale one behind

# ---- 1. CNAI_REFERENCE_DIR ------------------------------------------------------------------------
if [[ -n ${CNAI_REFERENCE_DIR:-} ]]; then
  dir=$(cd "$ROOT" && cd "$CNAI_REFERENCE_DIR" 2> /dev/null && pwd) ||
    die "CNAI_REFERENCE_DIR is \"$CNAI_REFERENCE_DIR\", which is not a directory (a relative path is taken from $ROOT): set it to a reference folder (charts/ and crds/, see verify/reference.ts) or unset it"
  [[ -d $dir/charts ]] ||
    die "CNAI_REFERENCE_DIR is \"$CNAI_REFERENCE_DIR\", which has no charts/ folder ($dir/charts): set it to a reference folder (charts/ and crds/, see verify/reference.ts) or unset it"
  record "$dir" "CNAI_REFERENCE_DIR"
  exit 0
fi

# ---- 2. ../shared/reference -----------------------------------------------------------------------
if [[ -d $SHARED ]]; then
  record "$(cd "$SHARED" && pwd)" "../shared/reference"
  exit 0
fi

# ---- 3. the tools cache, fetched once with helm ------------------------------------------------------
fetch() { (cd "$SELF" && node node_modules/tsx/dist/cli.mjs scripts/fetch-upstream.ts "$@"); }
key=$(fetch --key) || die "could not compute the reference cache key with scripts/fetch-upstream.ts --key: run 'npm ci' first"
mkdir -p "$TOOLS/reference"
TOOLS=$(cd "$TOOLS" && pwd)
cache=$TOOLS/reference/$key
if [[ -d $cache ]]; then
  record "$cache" "tools cache: $(cat "$cache/fetched.txt" 2> /dev/null || echo fetched earlier)"
  exit 0
fi

helm=${HELM:-$TOOLS/bin/helm}
if [[ -n ${CNAI_CHART_REPOSITORY:-} ]]; then
  from="the chart mirror CNAI_CHART_REPOSITORY=$CNAI_CHART_REPOSITORY"
else
  from="each chart's own repository (platform/versions.ts)"
fi
tmp=$(mktemp -d "$TOOLS/reference/.$key.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
printf 'tools: reference data: fetching the pinned charts with helm from %s ...\n' "$from"
exec 3>&1
if ! reason=$(HELM=$helm fetch --out "$tmp" 2>&1 1>&3); then
  reason=${reason#fetch-upstream: }
  die "no reference data (the pinned charts' values files and CRDs the tests check against): CNAI_REFERENCE_DIR is not set, $SHARED does not exist, and helm could not fetch the pinned charts from $from: ${reason//$'\n'/ }
Provide the data in one of three ways, then run npm test again:
  1. set CNAI_REFERENCE_DIR to a reference folder (charts/ and crds/, see verify/reference.ts);
  2. put the reference folder at $SHARED;
  3. allow network access, so helm can pull the pinned charts into $TOOLS/reference/ (once per version table),
     or set CNAI_CHART_REPOSITORY to a Helm repository URL that mirrors the pinned charts."
fi
printf 'helm %s from %s\n' "$("$helm" version --template '{{ .Version }}')" "$from" > "$tmp/fetched.txt"
# Into place in one rename; if another run got there first, its copy is as good as ours.
mv -T "$tmp" "$cache" 2> /dev/null || [[ -d $cache ]] || die "could not move the fetched reference data into $cache"
record "$cache" "tools cache: $(cat "$cache/fetched.txt")"
