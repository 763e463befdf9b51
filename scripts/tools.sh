#!/usr/bin/env bash
# The tools step (`npm test` runs it as pretest). Builds what the tests and verification commands
# run, and decides where the pinned upstream reference data comes from:
#   - the OpenTofu toolchain that `scripts/tofu-validate.sh` runs offline: the `tofu` CLI, built from
#     its Go module, and a filesystem mirror that holds the seven providers the stacks pin;
#   - helm, built from its Go module, which fetches the pinned charts (scripts/fetch-upstream.ts);
#   - kubernetes-validate (Python), for the core-object checks of verify:upstream;
#   - the cluster tools (scripts/cluster-tools.sh): etcd, the Kubernetes control plane, kubectl, kwok,
#     Kueue's manager, the KubeRay operator and the real helm/kubernetes/random/kind providers, for the local
#     control plane tier (`npm run local`); CNAI_SKIP_CLUSTER_TOOLS=1 skips them (a cold build takes about 28
#     minutes);
#   - the reference data (chart values files and CRDs): scripts/reference.sh takes CNAI_REFERENCE_DIR,
#     else ../shared/reference, else a copy helm-pulled once into reference/<key> (from each chart's
#     own repository, or from CNAI_CHART_REPOSITORY, a chart mirror), and records its choice in
#     .tools/reference-dir for the tests and verify:upstream. With none of the three it stops here
#     with one message that names them.
#
#   bash scripts/tools.sh        (or: npm run tools)     idempotent; a second run takes seconds
#
# Where:   ${CNAI_TOOLS_DIR:-$HOME/.cache/cnai-tools}  (outside the repo, so a fresh clone reuses it)
#            bin/tofu                 OpenTofu, built from github.com/opentofu/opentofu at TOFU_VERSION
#            bin/helm                 Helm, built from helm.sh/helm/v3 at HELM_VERSION
#            providers/               unpacked filesystem mirror:
#                                     registry.opentofu.org/<namespace>/<type>/<version>/<os>_<arch>/
#                                       terraform-provider-<type>_v<version>
#            tofurc                   CLI config: TF_CLI_CONFIG_FILE=<tools>/tofurc uses only the mirror
#            venv/                    kubernetes-validate
#            reference/<key>/         the helm-fetched reference data, when it is fetched (see scripts/reference.sh)
#            src/, stamps/            build trees and what each build was made from (the cache keys)
#
# Why the providers are schema-only: the provider releases cannot be had as Go modules. The
# kubernetes, helm and random providers tag v2.x/v3.x releases from go.mod files that declare no /v2 or
# /v3 module path, so `<module>@v2.38.0` is no valid module version anywhere (only pseudo-versions
# of commits are), and the Go module proxy this project reaches refuses those and tehcyx/kind v0.11.0
# ("403 This module version is not available"). So each provider here is one small program
# (terraform-plugin-go) that serves that release's exact schema and validates nothing beyond it:
#   - hashicorp/kubernetes, helm, random: the schema is rebuilt from the prebuilt cdktf bindings in
#     node_modules (@cdktf/provider-*), which were generated from those exact provider releases (the
#     script checks the release each binding names); their generated TypeScript, kept in the source
#     maps, carries every attribute with its type and computed/optional/required flags.
#   - tehcyx/kind (no prebuilt binding): the kind_cluster schema, transcribed from the provider's Go
#     schema (kind/resource_cluster.go, kind/schema_kind_config.go) and its docs.
# `tofu validate` then checks what OpenTofu itself checks against a schema: unknown or misspelled
# arguments and blocks, value types, required arguments, references to attributes. It does not run
# the providers' own validators (value ranges, conflicting arguments); those run in `tofu plan` with
# the real providers from the registry. The binaries answer plan/apply with an error that says so.
set -euo pipefail

# ---- pinned versions: the one place ----------------------------------------------------------------
TOFU_VERSION=v1.12.6             # github.com/opentofu/opentofu, newest stable release
TERRAFORM_PLUGIN_GO=v0.31.0      # github.com/hashicorp/terraform-plugin-go, for the schema-only providers
KUBERNETES_VALIDATE=1.37.0       # PyPI kubernetes-validate: strict Kubernetes JSON schemas for verify:upstream
HELM_VERSION=v3.22.0             # helm.sh/helm/v3: pulls and renders the pinned charts (the reference data)
# namespace/type/version; must equal PROVIDERS in platform/versions.ts (checked below)
PROVIDERS=(
  hashicorp/kubernetes/2.38.0
  hashicorp/helm/3.1.1
  hashicorp/random/3.7.2
  tehcyx/kind/0.11.0
  hashicorp/aws/6.25.0
  hashicorp/google/6.50.0
  hashicorp/azurerm/4.55.0
)
# -----------------------------------------------------------------------------------------------------

cd "$(dirname "$0")/.."
REPO=$PWD
TOOLS=${CNAI_TOOLS_DIR:-$HOME/.cache/cnai-tools}
mkdir -p "$TOOLS/bin" "$TOOLS/stamps" "$TOOLS/src"
TOOLS=$(cd "$TOOLS" && pwd)

say() { printf 'tools: %s\n' "$*"; }
die() {
  printf 'tools: error: %s\n' "$*" >&2
  exit 1
}
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
stamp_ok() { [[ -f $TOOLS/stamps/$1 && $(cat "$TOOLS/stamps/$1") == "$2" ]]; }
stamp_set() { printf '%s' "$2" > "$TOOLS/stamps/$1"; }

command -v go > /dev/null || die "Go is needed to build the tools (go not found on PATH)"
PLATFORM=$(go env GOOS)_$(go env GOARCH) # tofu and the providers are built for this machine
command -v node > /dev/null || die "Node.js is needed (node not found on PATH)"

# ---- the provider pins must be the ones the stacks write -------------------------------------------
expected=$(printf '%s\n' "${PROVIDERS[@]}" | sort)
actual=$(grep -E 'kind: "provider"' platform/versions.ts |
  sed -nE 's/.*source: "([^"]+)", version: "([^"]+)".*/\1\/\2/p' | sort)
if [[ $expected != "$actual" ]]; then
  die "provider versions in scripts/tools.sh differ from PROVIDERS in platform/versions.ts:
  scripts/tools.sh:     $(echo $expected)
  platform/versions.ts:   $(echo $actual)
Update PROVIDERS at the top of scripts/tools.sh to match platform/versions.ts."
fi

say "tools dir $TOOLS ($(go env GOVERSION), $(nproc) cores)"
total_start=$(now)

# ---- OpenTofu ---------------------------------------------------------------------------------------
# `go install github.com/opentofu/opentofu/cmd/tofu@VERSION` refuses a module whose go.mod has
# replace directives, and the module cache is read-only. So: a small wrapper module that requires
# opentofu at TOFU_VERSION and repeats its replace directives (read from the downloaded go.mod);
# with no other requirement, minimal version selection picks exactly the dependency versions
# opentofu's own go.mod lists, and go.sum is checked against the checksum database as usual.
# Flags as in opentofu's .goreleaser.yaml: CGO off, -trimpath, -s -w, version.dev=no (else "-dev").
TOFU_LDFLAGS="-s -w -X 'github.com/opentofu/opentofu/version.dev=no'"
tofu_key="opentofu $TOFU_VERSION cgo=0 -trimpath $TOFU_LDFLAGS"
if [[ -x $TOOLS/bin/tofu ]] && stamp_ok tofu "$tofu_key"; then
  say "tofu $TOFU_VERSION: up to date ($TOOLS/bin/tofu)"
else
  start=$(now)
  say "tofu $TOFU_VERSION: building from github.com/opentofu/opentofu@$TOFU_VERSION (a cold build takes minutes) ..."
  gomod=$(go mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" | sed -nE 's/^\s*"GoMod": "(.*)",?$/\1/p')
  [[ -f $gomod ]] || die "could not download github.com/opentofu/opentofu@$TOFU_VERSION"
  if grep -qE '^exclude' "$gomod"; then die "opentofu's go.mod has exclude directives; copy them into the wrapper too"; fi
  wrapper=$TOOLS/src/tofu-$TOFU_VERSION
  rm -rf "$wrapper" && mkdir -p "$wrapper"
  {
    echo "module cnai.local/tofu-build"
    echo
    grep -E '^go [0-9.]+$' "$gomod"
    echo
    echo "require github.com/opentofu/opentofu $TOFU_VERSION"
    echo
    # single-line replace directives and replace ( ... ) blocks
    awk '/^replace \(/ { inblock = 1 } inblock { print } inblock && /^\)/ { inblock = 0; next } /^replace [^(]/ { print }' "$gomod"
  } > "$wrapper/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/opentofu/opentofu/cmd/tofu"\n' > "$wrapper/tools.go"
  (
    cd "$wrapper"
    go mod tidy
    CGO_ENABLED=0 go build -trimpath -ldflags "$TOFU_LDFLAGS" -o "$TOOLS/bin/tofu.new" github.com/opentofu/opentofu/cmd/tofu
  ) || die "building tofu failed (see the go output above)"
  mv "$TOOLS/bin/tofu.new" "$TOOLS/bin/tofu"
  built=$(TF_CLI_CONFIG_FILE=/dev/null "$TOOLS/bin/tofu" version)
  built=${built%%$'\n'*}
  [[ $built == "OpenTofu $TOFU_VERSION" ]] || die "the built tofu reports '$built', not 'OpenTofu $TOFU_VERSION'"
  stamp_set tofu "$tofu_key"
  say "tofu $TOFU_VERSION: built in $(elapsed "$start") ($built)"
fi

# ---- Helm -----------------------------------------------------------------------------------------
# Pulls and renders the pinned charts for the reference data (scripts/reference.sh runs
# scripts/fetch-upstream.ts with it). Built like tofu: a wrapper module that requires helm.sh/helm/v3
# at HELM_VERSION (its go.mod has no replace or exclude directives: checked), so minimal version
# selection picks exactly helm's own dependency versions. Flags as in helm's Makefile for a release
# tag: CGO off, -trimpath, -s -w, the version, and the Kubernetes version `helm template` assumes by
# default (major+1.minor of the k8s.io/client-go v0.x.y helm requires; without it helm says v1.20.0).
# The wrapper and the new binary are per run, so two runs at once (two worktrees) do not collide.
helm_key="helm $HELM_VERSION cgo=0 -trimpath -s -w version+kube-version ldflags"
if [[ -x $TOOLS/bin/helm ]] && stamp_ok helm "$helm_key"; then
  say "helm $HELM_VERSION: up to date ($TOOLS/bin/helm)"
else
  start=$(now)
  say "helm $HELM_VERSION: building from helm.sh/helm/v3@$HELM_VERSION (a cold build takes minutes) ..."
  gomod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -nE 's/^\s*"GoMod": "(.*)",?$/\1/p')
  [[ -f $gomod ]] || die "could not download helm.sh/helm/v3@$HELM_VERSION: check that the Go module proxy (GOPROXY=$(go env GOPROXY)) is reachable"
  if grep -qE '^(replace|exclude)' "$gomod"; then
    die "helm $HELM_VERSION's go.mod has replace or exclude directives: copy them into the wrapper module, as for tofu"
  fi
  client_go=$(sed -nE 's/^\s*k8s\.io\/client-go v0\.([0-9]+)\.[0-9]+.*$/\1/p' "$gomod")
  [[ $client_go =~ ^[0-9]+$ ]] || die "could not read the k8s.io/client-go version from helm $HELM_VERSION's go.mod ($gomod)"
  HELM_LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    HELM_LDFLAGS+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$client_go"
  done
  wrapper=$(mktemp -d "$TOOLS/src/helm-$HELM_VERSION.XXXXXX")
  {
    echo "module cnai.local/helm-build"
    echo
    grep -E '^go [0-9.]+$' "$gomod"
    echo
    echo "require helm.sh/helm/v3 $HELM_VERSION"
  } > "$wrapper/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v3/cmd/helm"\n' > "$wrapper/tools.go"
  (
    cd "$wrapper"
    go mod tidy
    CGO_ENABLED=0 go build -trimpath -ldflags "$HELM_LDFLAGS" -o "$wrapper/helm" helm.sh/helm/v3/cmd/helm
  ) || {
    rm -rf "$wrapper"
    die "building helm failed (see the go output above)"
  }
  built=$("$wrapper/helm" version --template '{{ .Version }}')
  if [[ $built != "$HELM_VERSION" ]]; then
    rm -rf "$wrapper"
    die "the built helm reports '$built', not '$HELM_VERSION'"
  fi
  mv -f "$wrapper/helm" "$TOOLS/bin/helm"
  rm -rf "$wrapper"
  stamp_set helm "$helm_key"
  say "helm $HELM_VERSION: built in $(elapsed "$start") (helm version: $built, default Kubernetes v1.$client_go)"
fi

# ---- schema-only providers --------------------------------------------------------------------------
SP=$TOOLS/src/schema-provider
mkdir -p "$SP/schemas" "$SP/gen"
cp "$REPO/scripts/schema-provider/schema-from-cdktf.js" "$SP/gen/schema-from-cdktf.js"

# The kind_cluster schema of tehcyx/kind (no prebuilt cdktf binding exists), transcribed from the
# provider's Go schema: kind/resource_cluster.go and kind/schema_kind_config.go (SDKv2: MaxItems 1
# lists are list blocks with max_items 1; Timeouts add the timeouts block; SDKv2 adds id).
KIND_SCHEMA_VERSION=0.11.0
cp "$REPO/scripts/schema-provider/kind-schema.json" "$SP/gen/kind_$KIND_SCHEMA_VERSION.json"

cp "$REPO/scripts/schema-provider/main.go" "$SP/main.go"

cat > "$SP/go.mod" <<GOMOD
module cnai.local/tofu-schema-provider

go 1.25.0

require github.com/hashicorp/terraform-plugin-go $TERRAFORM_PLUGIN_GO
GOMOD

sha() { sha256sum "$@" | sha256sum | cut -c1-16; }
converter_sha=$(sha "$SP/gen/schema-from-cdktf.js")
wanted_schemas=()
for pin in "${PROVIDERS[@]}"; do
  IFS=/ read -r ns type version <<< "$pin"
  out=$SP/schemas/${type}_$version.json
  wanted_schemas+=("$out")
  if [[ $type == kind ]]; then
    [[ $version == "$KIND_SCHEMA_VERSION" ]] ||
      die "the kind_cluster schema in scripts/schema-provider/kind-schema.json is for tehcyx/kind $KIND_SCHEMA_VERSION, not $version: transcribe the new release's schema"
    from="scripts/schema-provider/kind-schema.json (transcribed)"
    key="kind $version $(sha "$SP/gen/kind_$version.json")"
  else
    pkg=node_modules/@cdktf/provider-$type
    [[ -f $pkg/package.json ]] || die "$pkg is missing: run 'npm ci' first (the $ns/$type schema is read from it)"
    pkg_version=$(node -p "require('./$pkg/package.json').version")
    from="@cdktf/provider-$type $pkg_version"
    key="$type $version $from converter=$converter_sha"
  fi
  if [[ -f $out ]] && stamp_ok "schema-$type" "$key"; then
    say "$ns/$type $version: schema up to date (from $from)"
    continue
  fi
  start=$(now)
  if [[ $type == kind ]]; then
    cp "$SP/gen/kind_$version.json" "$out"
  else
    node "$SP/gen/schema-from-cdktf.js" "$REPO/$pkg" "$type" "$version" > "$out.new" ||
      die "could not rebuild the $ns/$type $version schema from $pkg"
    mv "$out.new" "$out"
  fi
  stamp_set "schema-$type" "$key"
  say "$ns/$type $version: schema written in $(elapsed "$start") (from $from)"
done
for f in "$SP"/schemas/*.json; do # drop schemas of providers no longer pinned
  [[ " ${wanted_schemas[*]} " == *" $f "* ]] || rm -f "$f"
done

SPBIN=$SP/terraform-provider-schema-only
sp_key="terraform-plugin-go $TERRAFORM_PLUGIN_GO $(sha "$SP/main.go" "$SP"/schemas/*.json)"
if [[ -x $SPBIN ]] && stamp_ok schema-provider "$sp_key"; then
  say "schema-only provider binary: up to date"
else
  start=$(now)
  (
    cd "$SP"
    go mod tidy
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$SPBIN.new" .
  ) || die "building the schema-only provider failed (see the go output above)"
  mv "$SPBIN.new" "$SPBIN"
  stamp_set schema-provider "$sp_key"
  say "schema-only provider binary: built in $(elapsed "$start") (terraform-plugin-go $TERRAFORM_PLUGIN_GO)"
fi

for pin in "${PROVIDERS[@]}"; do
  IFS=/ read -r ns type version <<< "$pin"
  dir=$TOOLS/providers/registry.opentofu.org/$ns/$type/$version/$PLATFORM
  exe=$dir/terraform-provider-${type}_v$version
  if cmp -s "$SPBIN" "$exe"; then
    say "$ns/$type $version: in the mirror"
    continue
  fi
  mkdir -p "$dir"
  rm -f "$dir"/terraform-provider-*
  ln -f "$SPBIN" "$exe" 2> /dev/null || cp "$SPBIN" "$exe" # one binary, seven names
  "$exe" -check > /dev/null || die "$exe does not load its schema"
  say "$ns/$type $version: installed ($("$exe" -check))"
done

cat > "$TOOLS/tofurc" <<RC
# Written by scripts/tools.sh: install providers only from the local filesystem mirror (no network).
provider_installation {
  filesystem_mirror {
    path    = "$TOOLS/providers"
    include = ["registry.opentofu.org/*/*"]
  }
}
RC

# ---- kubernetes-validate (Python): the Kubernetes schemas npm run verify:upstream checks core objects against
KV=$TOOLS/venv/bin/kubernetes-validate
if [[ -x $KV ]] && stamp_ok kubernetes-validate "$KUBERNETES_VALIDATE"; then
  say "kubernetes-validate $KUBERNETES_VALIDATE: up to date"
else
  start=$(now)
  command -v python3 > /dev/null || die "python3 is needed for kubernetes-validate"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE" ||
    die "pip could not install kubernetes-validate==$KUBERNETES_VALIDATE"
  stamp_set kubernetes-validate "$KUBERNETES_VALIDATE"
  say "kubernetes-validate $KUBERNETES_VALIDATE: installed in $(elapsed "$start")"
fi

# ---- the cluster tools: the local control plane tier's binaries and the real providers (cached by version)
CNAI_TOOLS_DIR=$TOOLS bash "$REPO/scripts/cluster-tools.sh"

# ---- the reference data: decided here, once, for the tests and verify:upstream ------------------------
start=$(now)
CNAI_TOOLS_DIR=$TOOLS HELM=${HELM:-$TOOLS/bin/helm} bash "$REPO/scripts/reference.sh"
say "reference data decided in $(elapsed "$start") (recorded in $REPO/.tools/reference-dir)"

# ---- the pinned manifests of components without a chart (the Feast operator): synthesis reads them from the
# reference data or the tools cache; download (sha256 checked) only those neither has. Fails with one line naming
# the URL when it cannot be reached.
(cd "$REPO" && CNAI_TOOLS_DIR=$TOOLS npx --no-install tsx scripts/fetch-manifests.ts --missing) ||
  die "the pinned manifests could not be fetched (see above); or give reference data that has them (CNAI_REFERENCE_DIR)"

say "done in $(elapsed "$total_start")"
cat <<USAGE

Use them (offline):
  export TF_CLI_CONFIG_FILE=$TOOLS/tofurc
  $TOOLS/bin/tofu init -backend=false && $TOOLS/bin/tofu validate
or run every stack: npm run verify:tofu   (scripts/tofu-validate.sh)
The providers in the mirror serve schemas only: they validate, they cannot plan or apply.
helm: $TOOLS/bin/helm (npm run fetch:upstream uses it)
A local control plane shaped like a profile (no containers): npm run local -- up <profile>
USAGE
