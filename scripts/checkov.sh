#!/usr/bin/env bash
# The config scan: checkov over the synthesized Terraform JSON of every stack and the rendered manifests
# of our local charts. Installs checkov once into the tools cache, then runs scripts/checkov.ts.
#
#   bash scripts/checkov.sh          (or: npm run verify:checkov)   synthesize every profile into a temporary directory, scan
#   bash scripts/checkov.sh DIR      scan the stacks already synthesized in DIR (DIR/stacks/*/)
#
# Exits non-zero on a failed check that verify/checkov-skips.yaml does not list (printed with check id,
# resource and file), on a skip that no longer matches anything, and on a scan that parsed nothing.
# Where:   ${CNAI_TOOLS_DIR:-$HOME/.cache/cnai-tools}/checkov-venv   (its own venv: checkov pins many
#          dependencies exactly, so it stays apart from the venv of scripts/tools.sh)
#          .../stamps/checkov                                         what it was installed from
set -euo pipefail

CHECKOV_VERSION=3.3.30 # PyPI checkov, newest release; verify/checkov.ts works around its parser (see there)

cd "$(dirname "$0")/.."
TOOLS=${CNAI_TOOLS_DIR:-$HOME/.cache/cnai-tools}
mkdir -p "$TOOLS/stamps"
TOOLS=$(cd "$TOOLS" && pwd)
VENV=$TOOLS/checkov-venv

say() { printf 'checkov: %s\n' "$*"; }
die() {
  printf 'checkov: error: %s\n' "$*" >&2
  exit 2
}
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

command -v python3 > /dev/null || die "python3 (with venv) is needed for checkov"
key="checkov $CHECKOV_VERSION $(python3 --version 2>&1)"
if [[ -x $VENV/bin/checkov && -f $TOOLS/stamps/checkov && $(cat "$TOOLS/stamps/checkov") == "$key" ]]; then
  : # installed
else
  start=$(now)
  say "installing checkov $CHECKOV_VERSION into $VENV (takes a minute or two) ..."
  python3 -m venv --clear "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" ||
    die "pip could not install checkov==$CHECKOV_VERSION"
  printf '%s' "$key" > "$TOOLS/stamps/checkov"
  say "checkov $CHECKOV_VERSION installed in $(elapsed "$start")"
fi

start=$(now)
if (($# > 0)); then
  out=$1
  [[ -d $out/stacks ]] || die "$out/stacks does not exist (expected a cdktf output directory)"
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/cnai-checkov.XXXXXX")
  trap 'rm -rf "$out"' EXIT
  CDKTF_OUTDIR=$out CNAI_PROFILE=all npx tsx stacks/main.ts
  say "synthesized every profile in $(elapsed "$start")"
fi

status=0
npx tsx scripts/checkov.ts --checkov "$VENV/bin/checkov" "$out" || status=$?
say "checkov $CHECKOV_VERSION, done in $(elapsed "$start")"
exit $status
