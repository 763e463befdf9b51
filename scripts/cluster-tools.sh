#!/usr/bin/env bash
# The cluster tools: what the local control plane tier (`npm run local`, scripts/local.ts) runs, built
# from source and cached by version. scripts/tools.sh calls it; it also runs alone:
#
#   bash scripts/cluster-tools.sh              idempotent; a second run takes seconds
#   CNAI_SKIP_CLUSTER_TOOLS=1 bash scripts/tools.sh   skip all of it (unit tests only; the local
#                                                     control plane tests then say they were skipped)
#
# Where:   ${CNAI_TOOLS_DIR:-$HOME/.cache/cnai-tools}
#            cluster/kubernetes-<v>/   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
#            cluster/etcd-<v>/etcd
#            cluster/kwok-<v>/         kwok (the fake-node controller), kwokctl (starts the control plane)
#            cluster/kueue-<v>/kueue   Kueue's manager, the version of the kueue chart
#            cluster/kuberay-<v>/kuberay-operator   the KubeRay operator, the version of the kuberay-operator
#                                      chart (its source may need a snapshot, see below)
#            cluster/jobset-<v>/jobset-controller, cluster/trainer-<v>/trainer-controller-manager   the JobSet
#                                      and Kubeflow Trainer controllers, the versions of their charts
#            providers-real/           filesystem mirror of the REAL helm, kubernetes, random and kind
#                                      providers, built from source snapshots (see below)
#            tofurc-real               CLI config: the real providers from providers-real/, the cloud
#                                      providers (schema-only) from providers/, nothing from the network
#          <repo>/.tools/cluster-tools.json   what was built where, for scripts/local.ts and the tests
#          (per checkout, so two worktrees with different pins each find their own binaries)
#
# Cold builds take long (about 35 minutes in all on 2 cores, of it kube-apiserver 4.5, Kueue 8, JobSet 2.5, the
# Trainer 4 and the KubeRay operator 3: 183 s with empty Go caches, 222 CPU-s, 0.8 GiB; README, "Local control
# plane"); each build runs alone, since one `go build` of these takes up to 1.9 GiB. A warm Go build cache relinks a binary in seconds,
# and a stamp per binary (its cache key) makes a second run skip it.
#
# KubeRay's source. The Go module proxy serves ray-operator v1.7.0's go.mod, and the checksum database knows
# its zip, but the proxy refuses the zip itself (403 "This module version is not available", Nov 2026). When
# the module is in neither the Go module cache nor the proxy, CNAI_KUBERAY_SOURCE=<file> names a source
# snapshot: a .tar.gz of ray-project/kuberay at the tag ray-operator/<version> holding LICENSE and
# ray-operator/ under one top folder, e.g.
#   git archive --prefix=kuberay/ ray-operator/v1.7.0 LICENSE ray-operator | gzip -n > kuberay.src.tar.gz
# Go makes the module from it as it would from GitHub and checks it against the checksum database
# (sum.golang.org, reached through the proxy): a snapshot that differs in any byte is refused.
#
# Provider sources. The provider releases are no valid Go module versions (scripts/tools.sh says why), so
# they are built from source snapshots (`<namespace>_terraform-provider-<type>_<version>.src.tar.gz`,
# each unpacking into terraform-provider-<type>-<version>/), taken from the first of:
#   1. CNAI_PROVIDER_SOURCES=<dir>        checked against <dir>/SHA256SUMS when it has one
#   2. <repo>/../shared/offline/providers checked against its SHA256SUMS (must be there)
# With neither it stops with a message. With network access the snapshots are not needed: a plain
# `tofu init` without TF_CLI_CONFIG_FILE downloads the real providers from the OpenTofu registry, and
# CNAI_SKIP_REAL_PROVIDERS=1 skips this part.
set -euo pipefail

# ---- pinned versions: the one place ----------------------------------------------------------------
KUBERNETES_VERSION=v1.35.8     # k8s.io/kubernetes; its staging modules (k8s.io/api, ...) at v0.35.8
ETCD_VERSION=v3.6.16           # go.etcd.io/etcd/server/v3 (Debian's 3.4 lacks what the 1.35 apiserver wants)
KWOK_VERSION=v0.8.0            # sigs.k8s.io/kwok: kwok and kwokctl
KUEUE_VERSION=v0.19.2          # sigs.k8s.io/kueue ./cmd/kueue; must equal the kueue chart in platform/versions.ts
KUBERAY_VERSION=v1.7.0         # github.com/ray-project/kuberay/ray-operator; must equal the kuberay-operator chart
JOBSET_VERSION=v0.12.0         # sigs.k8s.io/jobset (package main at its root); must equal the jobset chart
TRAINER_VERSION=v2.3.0         # github.com/kubeflow/trainer/v2 ./cmd/trainer-controller-manager; must equal the kubeflow-trainer chart
# The providers built for real (namespace/type/version); each must be a pin of platform/versions.ts (checked below).
REAL_PROVIDERS=(
  hashicorp/helm/3.1.1
  hashicorp/kubernetes/2.38.0
  hashicorp/random/3.7.2
  tehcyx/kind/0.11.0
)
# -----------------------------------------------------------------------------------------------------

cd "$(dirname "$0")/.."
REPO=$PWD
TOOLS=${CNAI_TOOLS_DIR:-$HOME/.cache/cnai-tools}
mkdir -p "$TOOLS/stamps" "$TOOLS/src" "$TOOLS/cluster"
TOOLS=$(cd "$TOOLS" && pwd)
MANIFEST=$REPO/.tools/cluster-tools.json

say() { printf 'tools: %s\n' "$*"; }
die() {
  printf 'tools: error: %s\n' "$*" >&2
  exit 1
}
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
stamp_ok() { [[ -f $TOOLS/stamps/$1 && $(cat "$TOOLS/stamps/$1") == "$2" ]]; }
stamp_set() { printf '%s' "$2" > "$TOOLS/stamps/$1"; }

if [[ ${CNAI_SKIP_CLUSTER_TOOLS:-} == 1 ]]; then
  rm -f "$MANIFEST" # the local control plane tests read its absence as "skipped on purpose"
  say "cluster tools: skipped (CNAI_SKIP_CLUSTER_TOOLS=1); npm run local and its tests need them"
  exit 0
fi

command -v go > /dev/null || die "Go is needed to build the cluster tools (go not found on PATH)"
# No toolchain download: a module asking for a newer Go than this one should fail with that message.
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0
PLATFORM=$(go env GOOS)_$(go env GOARCH)

# ---- the pins must agree with platform/versions.ts ----------------------------------------------------
# <variable> <chart key as written in platform/versions.ts> <what runs locally>: the local process is the chart's version.
chart_pin() {
  local variable=$1 key=$2 what=$3 chart
  chart=$(awk -v key="  $key: {" 'index($0, key) == 1 { inside = 1 } inside && /version:/ { gsub(/[^0-9.]/, "", $2); print $2; exit }' platform/versions.ts)
  [[ v$chart == "${!variable}" ]] ||
    die "$variable in scripts/cluster-tools.sh is ${!variable}, but the ${key//\"/} chart in platform/versions.ts is ${chart:-(not found)}: the local $what must be the chart's version; set $variable=v$chart"
}
chart_pin KUEUE_VERSION kueue "Kueue manager"
chart_pin KUBERAY_VERSION '"kuberay-operator"' "KubeRay operator"
chart_pin JOBSET_VERSION jobset "JobSet controller"
chart_pin TRAINER_VERSION '"kubeflow-trainer"' "Kubeflow Trainer controller"
pinned_providers=$(grep -E 'kind: "provider"' platform/versions.ts |
  sed -nE 's/.*source: "([^"]+)", version: "([^"]+)".*/\1\/\2/p' | sort)
for pin in "${REAL_PROVIDERS[@]}"; do
  grep -qxF "$pin" <<< "$pinned_providers" ||
    die "REAL_PROVIDERS in scripts/cluster-tools.sh names $pin, which platform/versions.ts does not pin (${pinned_providers//$'\n'/ }); update REAL_PROVIDERS"
done

say "cluster tools in $TOOLS/cluster ($(go env GOVERSION), $(nproc) cores)"
total_start=$(now)

# ---- where the real providers' sources come from: decided before any build, so a missing one fails at once
snapshot() { echo "${1}_terraform-provider-${2}_${3}.src.tar.gz"; } # <namespace> <type> <version>
if [[ ${CNAI_SKIP_REAL_PROVIDERS:-} != 1 ]]; then
  wanted=()
  for pin in "${REAL_PROVIDERS[@]}"; do
    IFS=/ read -r ns type version <<< "$pin"
    wanted+=("$(snapshot "$ns" "$type" "$version")")
  done
  shared=$(dirname "$REPO")/shared/offline/providers
  if [[ -n ${CNAI_PROVIDER_SOURCES:-} ]]; then
    sources=$(cd "$REPO" && cd "$CNAI_PROVIDER_SOURCES" 2> /dev/null && pwd) ||
      die "CNAI_PROVIDER_SOURCES is \"$CNAI_PROVIDER_SOURCES\", which is not a directory (a relative path is taken from $REPO)"
    from="CNAI_PROVIDER_SOURCES"
    sums_required=0
  elif [[ -d $shared ]]; then
    sources=$(cd "$shared" && pwd)
    from="../shared/offline/providers"
    sums_required=1
  else
    die "no provider source snapshots for the real providers. Either set CNAI_PROVIDER_SOURCES=<dir> holding
  ${wanted[*]}
(source trees of the provider release tags, each unpacking into terraform-provider-<type>-<version>/), or put
them in $shared. With network access you need neither: a plain \`tofu init\` without TF_CLI_CONFIG_FILE
downloads the real providers from the OpenTofu registry (registry.opentofu.org); then skip this step with
CNAI_SKIP_REAL_PROVIDERS=1."
  fi
  for file in "${wanted[@]}"; do
    [[ -f $sources/$file ]] || die "$sources ($from) has no $file: add it, or point CNAI_PROVIDER_SOURCES at a folder that has it"
  done
  if [[ -f $sources/SHA256SUMS ]]; then
    for file in "${wanted[@]}"; do
      line=$(grep -E "  \*?$file\$" "$sources/SHA256SUMS") || die "$sources/SHA256SUMS lists no checksum for $file"
      (cd "$sources" && sha256sum --quiet -c <<< "$line") ||
        die "$sources/$file does not match its checksum in $sources/SHA256SUMS: fetch it again"
    done
  elif ((sums_required)); then
    die "$sources has no SHA256SUMS: the snapshots there cannot be checked"
  fi
  say "real providers' sources: $sources ($from)"
fi


# A wrapper module that requires <module>@<version> (plus the given replace lines) and imports the given
# packages, so `go mod tidy` resolves exactly the dependency versions that module's go.mod lists. Prints
# its directory (per run, so two checkouts building at once do not collide).
wrapper_module() { # <name> <module> <version> <replace lines> <package>...
  local name=$1 module=$2 version=$3 replaces=$4
  shift 4
  local dir
  dir=$(mktemp -d "$TOOLS/src/$name.XXXXXX")
  {
    echo "module cnai.local/$name-build"
    echo
    echo "go $(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/').0"
    echo
    echo "require $module $version"
    [[ -z $replaces ]] || printf '\nreplace (\n%s\n)\n' "$replaces"
  } > "$dir/go.mod"
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    printf '\t_ "%s"\n' "$@"
    printf ')\n'
  } > "$dir/tools.go"
  local start
  start=$(now)
  (cd "$dir" && go mod tidy) > "$dir/tidy.log" 2>&1 || {
    cat "$dir/tidy.log" >&2
    rm -rf "$dir"
    die "go mod tidy for $module@$version failed (above): check that the Go module proxy (GOPROXY=$(go env GOPROXY)) is reachable and serves that version"
  }
  say "$name: modules of $module@$version resolved in $(elapsed "$start")" >&2
  echo "$dir"
}

# Builds one binary in a wrapper module: <label> <wrapper dir> <package> <output path> <ldflags> <check:
# arguments whose output must have a line containing the next argument> <expected text>.
build_binary() {
  local label=$1 dir=$2 pkg=$3 out=$4 ldflags=$5 check=$6 expect=$7 start got output
  start=$(now)
  say "$label: building $pkg (a cold build takes minutes) ..."
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$out.new.$$" "$pkg") ||
    die "building $label failed (see the go output above)"
  # shellcheck disable=SC2086 # the check is a list of arguments
  output=$("$out.new.$$" $check 2>&1) || true # --help exits 2 in some
  got=$(grep -m1 -F -- "$expect" <<< "$output") || {
    rm -f "$out.new.$$"
    die "the built $label does not answer '$check' with a line containing '$expect'"
  }
  mv -f "$out.new.$$" "$out"
  stamp_set "cluster-$label" "$(binary_key "$pkg" "$ldflags")"
  say "$label: built in $(elapsed "$start") ($got; $(du -m "$out" | cut -f1) MB)"
}
binary_key() { echo "$1 cgo=0 -trimpath $2"; } # <package> <ldflags>: what a binary was built from
up_to_date() { [[ -x $3 ]] && stamp_ok "cluster-$1" "$(binary_key "$2" "$4")"; } # <label> <package> <output> <ldflags>

# Builds the binaries of one module whose stamps are missing or stale, one at a time, resolving the wrapper
# module only when at least one needs building:
#   <name> <module> <version> <replace lines> <n> <n packages...> then per binary the 6 arguments of build_binary
#   except the wrapper dir: <label> <package> <output> <ldflags> <check> <expected>.
build_all() {
  local name=$1 module=$2 version=$3 replaces=$4 n=$5
  shift 5
  local packages=("${@:1:n}")
  shift "$n"
  local specs=("$@") todo=() dir i
  for ((i = 0; i < ${#specs[@]}; i += 6)); do
    if up_to_date "${specs[i]}" "${specs[i + 1]}" "${specs[i + 2]}" "${specs[i + 3]}"; then
      say "${specs[i]}: up to date (${specs[i + 2]})"
    else
      todo+=("$i")
    fi
  done
  ((${#todo[@]})) || return 0
  dir=$(wrapper_module "$name-$version" "$module" "$version" "$replaces" "${packages[@]}")
  for i in "${todo[@]}"; do
    build_binary "${specs[i]}" "$dir" "${specs[i + 1]}" "${specs[i + 2]}" "${specs[i + 3]}" "${specs[i + 4]}" "${specs[i + 5]}"
  done
  rm -rf "$dir"
}

# ---- the KubeRay operator's source: decided before any build, so a missing one fails at once --------------
KUBERAY_MODULE=github.com/ray-project/kuberay/ray-operator
KUBERAY_DIR=$TOOLS/cluster/kuberay-$KUBERAY_VERSION
# Whether the module can be had: from the Go module cache or the proxy, else made from CNAI_KUBERAY_SOURCE (see
# the top). Without either the operator is skipped: it serves only RayJobs in `npm run simulate`, and the tier
# says so where it needs it.
kuberay_module() {
  local answer refused tree repo=https://github.com/ray-project/kuberay
  answer=$(go mod download -json "$KUBERAY_MODULE@$KUBERAY_VERSION" 2>&1) && return 0
  refused=$(sed -nE 's/^\s*"Error": "(.*)",?$/\1/p' <<< "$answer" | sed 's/\\n\\t/ /g')
  if [[ -z ${CNAI_KUBERAY_SOURCE:-} ]]; then
    say "kuberay-operator: skipped: the Go module proxy does not give $KUBERAY_MODULE@$KUBERAY_VERSION (${refused:-$answer}). RayJobs in 'npm run simulate' need it: set CNAI_KUBERAY_SOURCE to a source snapshot of ray-project/kuberay at the tag ray-operator/$KUBERAY_VERSION (how: the top of scripts/cluster-tools.sh); Go checks it against the checksum database"
    return 1
  fi
  [[ -f $CNAI_KUBERAY_SOURCE ]] || die "CNAI_KUBERAY_SOURCE is \"$CNAI_KUBERAY_SOURCE\", which is not a file"
  tree=$(mktemp -d "$TOOLS/src/kuberay-$KUBERAY_VERSION.XXXXXX")
  tar -xzf "$CNAI_KUBERAY_SOURCE" -C "$tree" --strip-components=1
  [[ -f $tree/ray-operator/go.mod && -f $tree/LICENSE ]] || {
    rm -rf "$tree"
    die "$CNAI_KUBERAY_SOURCE does not unpack into one folder holding LICENSE and ray-operator/go.mod"
  }
  # A repository with the release tag stands in for GitHub: Go makes the module zip from it and checks its hash.
  (
    cd "$tree" && git init -q && git add -A &&
      git -c user.name=cnai -c user.email=cnai@localhost -c commit.gpgSign=false commit -qm snapshot &&
      git -c tag.gpgSign=false tag "ray-operator/$KUBERAY_VERSION"
  ) || {
    rm -rf "$tree"
    die "could not make a git repository of $CNAI_KUBERAY_SOURCE in $tree"
  }
  GONOPROXY=github.com/ray-project/kuberay GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="url.file://$tree.insteadOf" \
    GIT_CONFIG_VALUE_0=$repo go mod download "$KUBERAY_MODULE@$KUBERAY_VERSION" || {
    rm -rf "$tree"
    die "$CNAI_KUBERAY_SOURCE is not $KUBERAY_MODULE@$KUBERAY_VERSION as published (go's message above)"
  }
  rm -rf "$tree"
  say "kuberay-operator: module $KUBERAY_MODULE@$KUBERAY_VERSION made from $CNAI_KUBERAY_SOURCE, checksum verified"
}
KUBERAY_LABEL="kuberay-operator $KUBERAY_VERSION"
# A binary built earlier counts only while its source can still be had: a checkout never runs what it could not rebuild.
KUBERAY_BINARY=""
kuberay_module && KUBERAY_BINARY=$KUBERAY_DIR/kuberay-operator

# ---- Kubernetes: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl --------------------
# k8s.io/kubernetes replaces its 31 staging modules with ./staging/src/... paths, which mean nothing
# outside its repository: the wrapper replaces each with the published staging module at v0.<minor>.<patch>
# (the list is read from the downloaded go.mod). Versions stamped as the release build does, else every
# binary says v0.0.0-master (kwokctl and clients read it).
K8S_DIR=$TOOLS/cluster/kubernetes-$KUBERNETES_VERSION
k8s_gomod=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -nE 's/^\s*"GoMod": "(.*)",?$/\1/p')
[[ -f $k8s_gomod ]] || die "could not download k8s.io/kubernetes@$KUBERNETES_VERSION's go.mod: check that the Go module proxy (GOPROXY=$(go env GOPROXY)) is reachable"
staging_version=v0.${KUBERNETES_VERSION#v1.}
k8s_replaces=$(awk '/^replace \(/ { inblock = 1; next } inblock && /^\)/ { inblock = 0 } inblock && $2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$k8s_gomod" |
  while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$staging_version"; done)
[[ $(wc -l <<< "$k8s_replaces") -ge 20 ]] || die "found only $(wc -l <<< "$k8s_replaces") staging replace lines in $k8s_gomod: its replace block changed shape"
k8s_minor=${KUBERNETES_VERSION#v1.}
k8s_minor=${k8s_minor%%.*}
K8S_LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor -X $pkg.gitTreeState=clean"
done
build_all kubernetes k8s.io/kubernetes "$KUBERNETES_VERSION" "$k8s_replaces" 4 \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
  "kube-apiserver $KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kube-apiserver "$K8S_DIR/kube-apiserver" "$K8S_LDFLAGS" --version "Kubernetes $KUBERNETES_VERSION" \
  "kube-controller-manager $KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kube-controller-manager "$K8S_DIR/kube-controller-manager" "$K8S_LDFLAGS" --version "Kubernetes $KUBERNETES_VERSION" \
  "kube-scheduler $KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kube-scheduler "$K8S_DIR/kube-scheduler" "$K8S_LDFLAGS" --version "Kubernetes $KUBERNETES_VERSION" \
  "kubectl $KUBERNETES_VERSION" k8s.io/kubernetes/cmd/kubectl "$K8S_DIR/kubectl" "$K8S_LDFLAGS" "version --client" "Client Version: $KUBERNETES_VERSION"

# ---- etcd -----------------------------------------------------------------------------------------------
# server/v3's own replace lines point at sibling folders of its repository; its require lines already
# name the same release of those modules, so the wrapper needs none.
ETCD_DIR=$TOOLS/cluster/etcd-$ETCD_VERSION
build_all etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" "" 1 go.etcd.io/etcd/server/v3 \
  "etcd $ETCD_VERSION" go.etcd.io/etcd/server/v3 "$ETCD_DIR/etcd" "-s -w" --version "etcd Version: ${ETCD_VERSION#v}"

# ---- kwok, kwokctl ----------------------------------------------------------------------------------------
# Stamped as kwok's hack/releases.sh does; KubeVersion is what kwokctl assumes for the control plane.
KWOK_DIR=$TOOLS/cluster/kwok-$KWOK_VERSION
KWOK_LDFLAGS="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${KUBERNETES_VERSION#v}"
build_all kwok sigs.k8s.io/kwok "$KWOK_VERSION" "" 2 sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl \
  "kwok $KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok "$KWOK_DIR/kwok" "$KWOK_LDFLAGS" --version "${KWOK_VERSION#v}" \
  "kwokctl $KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwokctl "$KWOK_DIR/kwokctl" "$KWOK_LDFLAGS" --version "${KWOK_VERSION#v}"

# ---- Kueue's manager ------------------------------------------------------------------------------------
# Stamped as kueue's Makefile does (GitVersion; the commit is not known from the module, so it stays).
KUEUE_DIR=$TOOLS/cluster/kueue-$KUEUE_VERSION
build_all kueue sigs.k8s.io/kueue "$KUEUE_VERSION" "" 1 sigs.k8s.io/kueue/cmd/kueue \
  "kueue $KUEUE_VERSION" sigs.k8s.io/kueue/cmd/kueue "$KUEUE_DIR/kueue" "-s -w -X sigs.k8s.io/kueue/pkg/version.GitVersion=$KUEUE_VERSION" --help "-config string"

# ---- the KubeRay operator ---------------------------------------------------------------------------------
# No version stamp: the version is a constant in its source (controllers/ray/utils: KUBERAY_VERSION).
if [[ -n $KUBERAY_BINARY ]]; then
  build_all kuberay "$KUBERAY_MODULE" "$KUBERAY_VERSION" "" 1 "$KUBERAY_MODULE" \
    "$KUBERAY_LABEL" "$KUBERAY_MODULE" "$KUBERAY_BINARY" "-s -w" --help "-health-probe-bind-address string"
fi

# ---- the JobSet and Kubeflow Trainer controllers -----------------------------------------------------------
# What TrainJobs run on in `npm run simulate` (scripts/local/trainer.ts). Cold, each with an empty Go build cache,
# on a busy 2-core machine (load 6-7): JobSet 2.5 min (214 CPU-s, 0.9 GiB), the Trainer 4.1 min (195 CPU-s, 0.8 GiB);
# with a warm cache each relinks in under 10 s. JobSet stamped as its Makefile does; the Trainer has no version variable.
JOBSET_DIR=$TOOLS/cluster/jobset-$JOBSET_VERSION
build_all jobset sigs.k8s.io/jobset "$JOBSET_VERSION" "" 1 sigs.k8s.io/jobset \
  "jobset-controller $JOBSET_VERSION" sigs.k8s.io/jobset "$JOBSET_DIR/jobset-controller" "-s -w -X sigs.k8s.io/jobset/pkg/version.GitVersion=$JOBSET_VERSION" --help "-health-probe-bind-address string"
TRAINER_DIR=$TOOLS/cluster/trainer-$TRAINER_VERSION
build_all trainer github.com/kubeflow/trainer/v2 "$TRAINER_VERSION" "" 1 github.com/kubeflow/trainer/v2/cmd/trainer-controller-manager \
  "trainer-controller-manager $TRAINER_VERSION" github.com/kubeflow/trainer/v2/cmd/trainer-controller-manager "$TRAINER_DIR/trainer-controller-manager" "-s -w" --help "-config string"

# ---- the real providers, from the source snapshots found above ----------------------------------------------
REAL_MIRROR=$TOOLS/providers-real
if [[ ${CNAI_SKIP_REAL_PROVIDERS:-} == 1 ]]; then
  say "real providers: skipped (CNAI_SKIP_REAL_PROVIDERS=1)"
  real_rc=""
else
  for pin in "${REAL_PROVIDERS[@]}"; do
    IFS=/ read -r ns type version <<< "$pin"
    file=$(snapshot "$ns" "$type" "$version")
    sha=$(sha256sum "$sources/$file" | cut -c1-64)
    ldflags="-s -w -X main.Version=$version"
    key="$file sha256=$sha cgo=0 -trimpath $ldflags"
    exe=$REAL_MIRROR/registry.opentofu.org/$ns/$type/$version/$PLATFORM/terraform-provider-${type}_v$version
    label="provider $ns/$type $version"
    if [[ -x $exe ]] && stamp_ok "real-$ns-$type" "$key"; then
      say "$label: up to date (real, in $REAL_MIRROR)"
      continue
    fi
    start=$(now)
    say "$label: building from $from/$file (a cold build takes minutes) ..."
    tree=$(mktemp -d "$TOOLS/src/provider-$type-$version.XXXXXX")
    tar -xzf "$sources/$file" -C "$tree"
    [[ -f $tree/terraform-provider-$type-$version/go.mod ]] || {
      rm -rf "$tree"
      die "$sources/$file does not unpack into terraform-provider-$type-$version/ with a go.mod"
    }
    mkdir -p "$(dirname "$exe")"
    (cd "$tree/terraform-provider-$type-$version" && go build -trimpath -ldflags "$ldflags" -o "$exe.new.$$" .) || {
      rm -rf "$tree"
      die "building $label failed (see the go output above)"
    }
    rm -rf "$tree"
    mv -f "$exe.new.$$" "$exe"
    stamp_set "real-$ns-$type" "$key"
    say "$label: built in $(elapsed "$start") ($(du -m "$exe" | cut -f1) MB)"
  done
  # The real providers from their mirror, the rest of the pins (the cloud providers) from the schema-only
  # mirror of scripts/tools.sh: an exact include list each, so nothing falls through to the network.
  real_list=$(for pin in "${REAL_PROVIDERS[@]}"; do printf '"registry.opentofu.org/%s", ' "${pin%/*}"; done)
  other_list=$(while read -r pin; do
    [[ " ${REAL_PROVIDERS[*]} " == *" $pin "* ]] || printf '"registry.opentofu.org/%s", ' "${pin%/*}"
  done <<< "$pinned_providers")
  cat > "$TOOLS/tofurc-real.new.$$" << RC
# Written by scripts/cluster-tools.sh: the real providers built from source, the cloud providers schema-only
# (they validate and cannot plan). Nothing is installed from the network.
provider_installation {
  filesystem_mirror {
    path    = "$REAL_MIRROR"
    include = [${real_list%, }]
  }
  filesystem_mirror {
    path    = "$TOOLS/providers"
    include = [${other_list%, }]
  }
}
RC
  mv -f "$TOOLS/tofurc-real.new.$$" "$TOOLS/tofurc-real"
  real_rc=$TOOLS/tofurc-real
fi

# ---- the record scripts/local.ts reads ---------------------------------------------------------------------
mkdir -p "$REPO/.tools"
cat > "$MANIFEST.$$" << JSON
{
  "kubernetesVersion": "$KUBERNETES_VERSION",
  "etcdVersion": "$ETCD_VERSION",
  "kwokVersion": "$KWOK_VERSION",
  "kueueVersion": "$KUEUE_VERSION",
  "kuberayVersion": "$KUBERAY_VERSION",
  "jobsetVersion": "$JOBSET_VERSION",
  "trainerVersion": "$TRAINER_VERSION",
  "binaries": {
    "kube-apiserver": "$K8S_DIR/kube-apiserver",
    "kube-controller-manager": "$K8S_DIR/kube-controller-manager",
    "kube-scheduler": "$K8S_DIR/kube-scheduler",
    "kubectl": "$K8S_DIR/kubectl",
    "etcd": "$ETCD_DIR/etcd",
    "kwok": "$KWOK_DIR/kwok",
    "kwokctl": "$KWOK_DIR/kwokctl",
    "kueue": "$KUEUE_DIR/kueue",
    "kuberay-operator": "$KUBERAY_BINARY",
    "jobset-controller": "$JOBSET_DIR/jobset-controller",
    "trainer-controller-manager": "$TRAINER_DIR/trainer-controller-manager"
  },
  "tofu": "$TOOLS/bin/tofu",
  "helm": "$TOOLS/bin/helm",
  "tofurcReal": "$real_rc"
}
JSON
mv -f "$MANIFEST.$$" "$MANIFEST"
say "cluster tools done in $(elapsed "$total_start") (recorded in $MANIFEST)"
