#!/usr/bin/env bash
# Runs `tofu init -backend=false` and `tofu validate` on every synthesized stack, offline, with the
# OpenTofu and provider mirror that scripts/tools.sh builds.
#
#   bash scripts/tofu-validate.sh          synthesize every profile into a temporary directory, validate
#   bash scripts/tofu-validate.sh DIR      validate the stacks already synthesized in DIR (DIR/stacks/*/)
#
# Prints one line per stack and exits non-zero if any stack fails.
# CNAI_TOOLS_DIR   where scripts/tools.sh put the tools (default $HOME/.cache/cnai-tools)
# CNAI_TOFU=registry   use `tofu` from PATH and the real providers from the OpenTofu registry
#                      (machines with internet access, e.g. the GitHub workflow)
set -euo pipefail

cd "$(dirname "$0")/.."
TOOLS=${CNAI_TOOLS_DIR:-$HOME/.cache/cnai-tools}
TOFU=$TOOLS/bin/tofu
PROVIDER_SOURCE="$TOOLS/providers (schema-only mirror)"

if [[ ${CNAI_TOFU:-} == registry ]]; then
  TOFU=$(command -v tofu) || { echo "tofu-validate: CNAI_TOFU=registry but no tofu on PATH" >&2; exit 2; }
  PROVIDER_SOURCE="the OpenTofu registry"
else
  missing=()
  [[ -x $TOFU ]] || missing+=("$TOFU")
  [[ -f $TOOLS/tofurc ]] || missing+=("$TOOLS/tofurc")
  [[ -d $TOOLS/providers/registry.opentofu.org ]] || missing+=("$TOOLS/providers (the provider mirror)")
  if ((${#missing[@]})); then
    printf 'tofu-validate: missing %s\n' "${missing[@]}" >&2
    echo "tofu-validate: OpenTofu or the provider mirror is missing: run 'bash scripts/tools.sh' (npm run tools) first" >&2
    exit 2
  fi
  export TF_CLI_CONFIG_FILE=$TOOLS/tofurc
fi
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
unset TF_PLUGIN_CACHE_DIR # the mirror is local: init links from it, a cache adds nothing

now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fs", b - a }'; }

if (($# > 0)); then
  out=$1
  [[ -d $out/stacks ]] || { echo "tofu-validate: $out/stacks does not exist (expected a cdktf output directory)" >&2; exit 2; }
else
  out=$(mktemp -d "${TMPDIR:-/tmp}/cnai-tofu-validate.XXXXXX")
  trap 'rm -rf "$out"' EXIT
  start=$(now)
  CDKTF_OUTDIR=$out CNAI_PROFILE=all npx tsx stacks/main.ts
  echo "tofu-validate: synthesized every profile in $(secs "$start" "$(now)")"
fi

stacks=("$out"/stacks/*/)
[[ -f ${stacks[0]}cdk.tf.json ]] || { echo "tofu-validate: no stacks in $out/stacks" >&2; exit 1; }

version=$("$TOFU" version)
echo "tofu-validate: ${version%%$'\n'*}, providers from $PROVIDER_SOURCE"
failed=0
for dir in "${stacks[@]}"; do
  stack=$(basename "$dir")
  t0=$(now)
  if ! init_log=$(cd "$dir" && "$TOFU" init -backend=false -input=false -no-color 2>&1); then
    printf 'FAIL %-22s tofu init failed:\n%s\n' "$stack" "$init_log"
    failed=$((failed + 1))
    continue
  fi
  t1=$(now)
  status=0
  result=$(cd "$dir" && "$TOFU" validate -json -no-color 2>&1) || status=$?
  t2=$(now)
  # one line per diagnostic: severity, summary, detail, where
  report=$(node -e '
    let r;
    try { r = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { process.exit(3); }
    for (const d of r.diagnostics || []) {
      const where = d.snippet ? ` [${d.snippet.context || ""} line ${d.range.start.line}]` : "";
      console.log(`  ${d.severity}: ${d.summary}: ${(d.detail || "").replace(/\s+/g, " ")}${where}`);
    }
    process.exit(r.valid ? 0 : 1);
  ' <<< "$result") || status=$((status ? status : $?))
  timing="init $(secs "$t0" "$t1"), validate $(secs "$t1" "$t2")"
  if ((status == 0)); then
    printf 'ok   %-22s %s\n' "$stack" "$timing"
    [[ -z $report ]] || echo "$report"
  else
    printf 'FAIL %-22s %s\n' "$stack" "$timing"
    echo "${report:-$result}"
    failed=$((failed + 1))
  fi
done

if ((failed)); then
  echo "tofu-validate: $failed of ${#stacks[@]} stacks failed"
  exit 1
fi
echo "tofu-validate: all ${#stacks[@]} stacks valid"
