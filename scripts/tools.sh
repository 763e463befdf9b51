#!/usr/bin/env bash
# Builds the OpenTofu toolchain that `scripts/tofu-validate.sh` runs offline: the `tofu` CLI, built
# from its Go module, and a filesystem mirror that holds the four providers the stacks pin.
#
#   bash scripts/tools.sh        (or: npm run tools)     idempotent; a second run takes seconds
#
# Where:   ${CNAI_TOOLS_DIR:-$HOME/.cache/cnai-tools}  (outside the repo, so a fresh clone reuses it)
#            bin/tofu                 OpenTofu, built from github.com/opentofu/opentofu at TOFU_VERSION
#            providers/               unpacked filesystem mirror:
#                                     registry.opentofu.org/<namespace>/<type>/<version>/linux_amd64/
#                                       terraform-provider-<type>_v<version>
#            tofurc                   CLI config: TF_CLI_CONFIG_FILE=<tools>/tofurc uses only the mirror
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
# namespace/type/version; must equal PROVIDERS in stacks/versions.ts (checked below)
PROVIDERS=(
  hashicorp/kubernetes/2.38.0
  hashicorp/helm/3.1.1
  hashicorp/random/3.7.2
  tehcyx/kind/0.11.0
)
PLATFORM=linux_amd64
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

[[ $(uname -s)/$(uname -m) == Linux/x86_64 ]] || die "this script builds for $PLATFORM only (found $(uname -s)/$(uname -m))"
command -v go > /dev/null || die "Go is needed to build the tools (go not found on PATH)"
command -v node > /dev/null || die "Node.js is needed (node not found on PATH)"

# ---- the provider pins must be the ones the stacks write -------------------------------------------
expected=$(printf '%s\n' "${PROVIDERS[@]}" | sort)
actual=$(grep -E 'kind: "provider"' stacks/versions.ts |
  sed -nE 's/.*source: "([^"]+)", version: "([^"]+)".*/\1\/\2/p' | sort)
if [[ $expected != "$actual" ]]; then
  die "provider versions in scripts/tools.sh differ from PROVIDERS in stacks/versions.ts:
  scripts/tools.sh:     $(echo $expected)
  stacks/versions.ts:   $(echo $actual)
Update PROVIDERS at the top of scripts/tools.sh to match stacks/versions.ts."
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
  built=$("$TOOLS/bin/tofu" version | head -1)
  [[ $built == "OpenTofu $TOFU_VERSION" ]] || die "the built tofu reports '$built', not 'OpenTofu $TOFU_VERSION'"
  stamp_set tofu "$tofu_key"
  say "tofu $TOFU_VERSION: built in $(elapsed "$start") ($built)"
fi

# ---- schema-only providers --------------------------------------------------------------------------
SP=$TOOLS/src/schema-provider
mkdir -p "$SP/schemas" "$SP/gen"
cat > "$SP/gen/schema-from-cdktf.js" <<'JS'
// Rebuilds a provider's schema (the `tofu providers schema -json` shape) from a prebuilt cdktf
// binding package: the generated TypeScript, kept in each file's inline source map, carries every
// attribute's name, type and computed/optional/required flags, and whether a nested type is a block.
"use strict";
const fs = require("fs");
const path = require("path");

const [pkgDir, providerName, expectedVersion] = process.argv.slice(2);
if (!pkgDir || !providerName || !expectedVersion) {
  console.error("usage: node schema-from-cdktf.js <node_modules/@cdktf/provider-X> <provider-name> <provider-version>");
  process.exit(2);
}

function tsSources(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsSources(p));
    else if (entry.name.endsWith(".js")) {
      const js = fs.readFileSync(p, "utf8");
      const m = js.match(/sourceMappingURL=data:application\/json;base64,(\S+)/);
      if (!m) continue;
      const map = JSON.parse(Buffer.from(m[1], "base64").toString("utf8"));
      for (const src of map.sourcesContent || []) if (src) out.push(src);
    }
  }
  return out;
}

/** Splits generated TypeScript into top-level declarations (they start and end at column 0). */
function declarations(src) {
  const decls = [];
  const lines = src.split("\n");
  let cur = null;
  for (const line of lines) {
    if (!cur) {
      const m = line.match(/^export (class|function|interface) (\w+)/);
      if (m) cur = { kind: m[1], name: m[2], header: line, body: [] };
      continue;
    }
    if (line === "}") {
      decls.push(cur);
      cur = null;
    } else cur.body.push(line);
  }
  return decls;
}

/** `name: { value: EXPR, isBlock: B, type: "T", storageClassType: "S" }` entries of an HCL mapper. */
function hclAttrs(bodyLines) {
  const text = bodyLines.join("\n");
  const attrs = {};
  const re = /^\s+(\w+): \{\n\s+value: (.*),\n\s+isBlock: (true|false),\n\s+type: "(\w+)",\n\s+storageClassType: "(\w+)",\n\s+\}/gm;
  let m;
  while ((m = re.exec(text))) attrs[m[1]] = { value: m[2], type: m[4], storage: m[5] };
  return attrs;
}

/** `// name - computed: X, optional: Y, required: Z` comments of a class, with the code after each. */
function flaggedAttrs(bodyLines) {
  const out = [];
  for (let i = 0; i < bodyLines.length; i++) {
    const m = bodyLines[i].match(/^  \/\/ (\w+) - computed: (true|false), optional: (true|false), required: (true|false)$/);
    if (!m) continue;
    const code = [];
    for (let j = i + 1; j < bodyLines.length && j < i + 6; j++) code.push(bodyLines[j]);
    out.push({ name: m[1], computed: m[2] === "true", optional: m[3] === "true", required: m[4] === "true", code: code.join("\n") });
  }
  return out;
}

function interfaceFields(bodyLines) {
  const fields = {};
  let anchor = null;
  for (const line of bodyLines) {
    const a = line.match(/\{@link \S+#(\w+) \w+#\w+\}/);
    if (a) anchor = a[1];
    const f = line.match(/^  readonly (\w+)(\??):/);
    if (f && anchor) {
      fields[anchor] = { optional: f[2] === "?" };
      anchor = null;
    }
  }
  return fields;
}

const PRIMITIVE = { string: "string", number: "number", boolean: "bool" };

function build(files) {
  const fns = {};
  const classes = {};
  const ifaces = {};
  for (const src of files) {
    for (const d of declarations(src)) {
      if (d.kind === "function" && d.name.endsWith("ToHclTerraform")) fns[d.name] = hclAttrs(d.body);
      else if (d.kind === "class") {
        const ext = (d.header.match(/extends ([\w.]+)/) || [])[1];
        const tf = d.body.join("\n").match(/static readonly tfResourceType = "(\w+)"/);
        const synth = [];
        let inSynth = false;
        for (const l of d.body) {
          if (/^  protected synthesizeHclAttributes\(\)/.test(l)) inSynth = true;
          else if (inSynth && l === "  }") inSynth = false;
          else if (inSynth) synth.push(l);
        }
        classes[d.name] = { ext, tfType: tf && tf[1], attrs: flaggedAttrs(d.body), hcl: hclAttrs(synth) };
      } else if (d.kind === "interface") ifaces[d.name] = interfaceFields(d.body);
    }
  }
  return { fns, classes, ifaces };
}

function lowerFirst(s) {
  return s[0].toLowerCase() + s.slice(1);
}

function makeConverter({ fns, classes, ifaces }, problems) {
  const structName = (storage) => storage.replace(/(List|Map)$/, "");

  /** The cty type of a computed-only attribute, from its getter. */
  function getterType(attr, where) {
    const c = attr.code;
    let m;
    if ((m = c.match(/private _\w+ = new (\w+)List\(this, "\w+", (true|false)\)/)))
      return [m[2] === "true" ? "set" : "list", objectType(m[1], where)];
    if ((m = c.match(/private _\w+ = new (\w+)OutputReference\(this, "\w+"\)/))) return objectType(m[1], where);
    if ((m = c.match(/private _\w+ = new (\w+)Map\(this, "\w+"\)/)))
      return classes[m[1] + "OutputReference"] ? ["map", objectType(m[1], where)] : ["map", "dynamic"];
    if ((m = c.match(/new cdktf\.(String|Number|Boolean|Any)Map\(/)))
      return m[1] === "Any" ? "dynamic" : ["map", PRIMITIVE[lowerFirst(m[1])]];
    if ((m = c.match(/new cdktf\.(String|Number|Boolean)MapList\(/))) return ["list", ["map", PRIMITIVE[lowerFirst(m[1])]]];
    if (/cdktf\.Fn\.tolist\(this\.getListAttribute\(/.test(c)) return ["set", "string"];
    if (/cdktf\.Fn\.tolist\(this\.getNumberListAttribute\(/.test(c)) return ["set", "number"];
    if (/this\.getStringAttribute\(/.test(c)) return "string";
    if (/this\.getNumberAttribute\(/.test(c)) return "number";
    if (/this\.getBooleanAttribute\(/.test(c)) return "bool";
    if (/this\.getListAttribute\(/.test(c)) return ["list", "string"];
    if (/this\.getNumberListAttribute\(/.test(c)) return ["list", "number"];
    if (/this\.getStringMapAttribute\(/.test(c)) return ["map", "string"];
    if (/this\.getNumberMapAttribute\(/.test(c)) return ["map", "number"];
    if (/this\.getBooleanMapAttribute\(/.test(c)) return ["map", "bool"];
    if (/this\.(getAnyMapAttribute|interpolationForAttribute)\(/.test(c)) return "dynamic";
    problems.push(`${where}.${attr.name}: unknown getter, typed dynamic`);
    return "dynamic";
  }

  function objectType(struct, where) {
    const cls = classes[struct + "OutputReference"];
    if (!cls) {
      problems.push(`${where}: no class ${struct}OutputReference, typed dynamic`);
      return "dynamic";
    }
    const attrs = {};
    for (const a of cls.attrs) attrs[a.name] = getterType(a, `${where}.${a.name}`);
    return ["object", attrs];
  }

  function primitiveOrList(h, where, name) {
    switch (h.storage) {
      case "string":
      case "number":
      case "boolean":
        return PRIMITIVE[h.storage];
      case "stringList":
        return [h.type === "set" ? "set" : "list", "string"];
      case "numberList":
        return [h.type === "set" ? "set" : "list", "number"];
      case "booleanList":
        return [h.type === "set" ? "set" : "list", "bool"];
      case "stringMap":
        return ["map", "string"];
      case "numberMap":
        return ["map", "number"];
      case "booleanMap":
        return ["map", "bool"];
      case "anyMap":
        return "dynamic";
      default:
        return undefined;
    }
  }

  /**
   * One block: `flagged` are the attributes with their flags (from the class comments, or from an
   * interface for provider nested types), `hcl` the configurable ones with their HCL mapping.
   */
  function block(flagged, hcl, where) {
    const out = { attributes: {}, block_types: {} };
    for (const a of flagged) {
      const h = hcl[a.name];
      const flags = {};
      if (a.required) flags.required = true;
      if (a.optional) flags.optional = true;
      if (a.computed) flags.computed = true;
      if (!a.required && !a.optional && !a.computed) flags.optional = true;
      if (!h) {
        if (a.required || a.optional) problems.push(`${where}.${a.name}: settable but has no HCL mapping`);
        out.attributes[a.name] = { type: getterType(a, where), ...flags };
        continue;
      }
      const prim = primitiveOrList(h, where, a.name);
      if (prim !== undefined) {
        out.attributes[a.name] = { type: prim, ...flags };
        continue;
      }
      // A nested type: a block, or a nested attribute.
      const struct = structName(h.storage);
      const fnName = lowerFirst(struct) + "ToHclTerraform";
      const inner = nested(struct, fnName, `${where}.${a.name}`);
      let m;
      if ((m = h.value.match(/^cdktf\.listMapperHcl\((\w+), (true|false)\)/))) {
        const mode = h.type === "set" ? "set" : "list";
        if (m[2] === "true") out.block_types[a.name] = { nesting_mode: mode, block: inner, ...(a.required ? { min_items: 1 } : {}) };
        else out.attributes[a.name] = { nested_type: { ...inner, nesting_mode: mode }, ...flags };
      } else if (/^cdktf\.hashMapperHcl\(/.test(h.value)) {
        out.attributes[a.name] = { nested_type: { ...inner, nesting_mode: "map" }, ...flags };
      } else if (h.type === "list" || h.type === "set") {
        // max_items = 1 blocks are typed as one object in cdktf
        out.block_types[a.name] = { nesting_mode: h.type, block: inner, max_items: 1, ...(a.required ? { min_items: 1 } : {}) };
      } else if (h.type === "struct") {
        // a nesting "single" block and a single nested attribute read the same in JSON syntax
        out.attributes[a.name] = { nested_type: { ...inner, nesting_mode: "single" }, ...flags };
      } else {
        problems.push(`${where}.${a.name}: unknown HCL type ${h.type}/${h.storage}, typed dynamic`);
        out.attributes[a.name] = { type: "dynamic", ...flags };
      }
    }
    if (Object.keys(out.block_types).length === 0) delete out.block_types;
    return out;
  }

  function nested(struct, fnName, where) {
    const hcl = fns[fnName];
    if (!hcl) {
      problems.push(`${where}: no ${fnName}`);
      return { attributes: {} };
    }
    const cls = classes[struct + "OutputReference"];
    let flagged;
    if (cls) flagged = cls.attrs;
    else if (ifaces[struct]) {
      flagged = Object.entries(ifaces[struct]).map(([name, f]) => ({ name, optional: f.optional, required: !f.optional, computed: false, code: "" }));
    } else {
      problems.push(`${where}: no class or interface ${struct}`);
      flagged = Object.keys(hcl).map((name) => ({ name, optional: true, required: false, computed: false, code: "" }));
    }
    return block(flagged, hcl, where);
  }

  return { block };
}

const sources = tsSources(path.join(pkgDir, "lib"));
const generatedFrom = new Set(sources.flatMap((src) => [...src.matchAll(/providerVersion: '([^']+)'/g)].map((m) => m[1])));
if (generatedFrom.size !== 1 || !generatedFrom.has(expectedVersion)) {
  console.error(
    `schema-from-cdktf: ${pkgDir} was generated from ${providerName} ${[...generatedFrom].join(", ") || "(unknown)"}, not ${expectedVersion}`,
  );
  process.exit(1);
}
const model = build(sources);
const problems = [];
const conv = makeConverter(model, problems);
const schema = { provider: null, resource_schemas: {}, data_source_schemas: {} };
for (const [name, cls] of Object.entries(model.classes)) {
  if (cls.ext === "cdktf.TerraformProvider") {
    const attrs = cls.attrs.filter((a) => a.name !== "alias"); // alias is a meta-argument
    const iface = model.ifaces[name.replace(/Provider$/, "ProviderConfig")] || {};
    // provider classes keep flags in the config interface, not in comments' required
    const flagged = attrs.map((a) => (iface[a.name] ? { ...a, required: !iface[a.name].optional, optional: iface[a.name].optional } : a));
    schema.provider = { version: 0, block: conv.block(flagged, cls.hcl, providerName) };
  } else if (cls.ext === "cdktf.TerraformResource" && cls.tfType) {
    schema.resource_schemas[cls.tfType] = { version: 0, block: conv.block(cls.attrs, cls.hcl, cls.tfType) };
  } else if (cls.ext === "cdktf.TerraformDataSource" && cls.tfType) {
    schema.data_source_schemas[cls.tfType] = { version: 0, block: conv.block(cls.attrs, cls.hcl, `data.${cls.tfType}`) };
  }
}
if (!schema.provider) problems.push("no provider class found");
for (const p of problems) console.error(`schema-from-cdktf: ${p}`);
process.stdout.write(JSON.stringify(schema));
if (!schema.provider || Object.keys(schema.resource_schemas).length === 0) process.exit(1);
JS

# The kind_cluster schema of tehcyx/kind (no prebuilt cdktf binding exists), transcribed from the
# provider's Go schema: kind/resource_cluster.go and kind/schema_kind_config.go (SDKv2: MaxItems 1
# lists are list blocks with max_items 1; Timeouts add the timeouts block; SDKv2 adds id).
KIND_SCHEMA_VERSION=0.11.0
cat > "$SP/gen/kind_$KIND_SCHEMA_VERSION.json" <<'JSON'
{
  "provider": { "version": 0, "block": { "attributes": {} } },
  "resource_schemas": {
    "kind_cluster": {
      "version": 0,
      "block": {
        "attributes": {
          "id": { "type": "string", "optional": true, "computed": true },
          "name": { "type": "string", "required": true },
          "node_image": { "type": "string", "optional": true, "computed": true },
          "wait_for_ready": { "type": "bool", "optional": true },
          "kubeconfig_path": { "type": "string", "optional": true, "computed": true },
          "kubeconfig": { "type": "string", "computed": true },
          "client_certificate": { "type": "string", "computed": true },
          "client_key": { "type": "string", "computed": true },
          "cluster_ca_certificate": { "type": "string", "computed": true },
          "endpoint": { "type": "string", "computed": true },
          "completed": { "type": "bool", "computed": true }
        },
        "block_types": {
          "kind_config": {
            "nesting_mode": "list",
            "max_items": 1,
            "block": {
              "attributes": {
                "kind": { "type": "string", "required": true },
                "api_version": { "type": "string", "required": true },
                "containerd_config_patches": { "type": ["list", "string"], "optional": true }
              },
              "block_types": {
                "node": {
                  "nesting_mode": "list",
                  "block": {
                    "attributes": {
                      "role": { "type": "string", "optional": true },
                      "image": { "type": "string", "optional": true },
                      "labels": { "type": ["map", "string"], "optional": true },
                      "kubeadm_config_patches": { "type": ["list", "string"], "optional": true }
                    },
                    "block_types": {
                      "extra_mounts": {
                        "nesting_mode": "list",
                        "block": {
                          "attributes": {
                            "host_path": { "type": "string", "optional": true },
                            "container_path": { "type": "string", "optional": true }
                          }
                        }
                      },
                      "extra_port_mappings": {
                        "nesting_mode": "list",
                        "block": {
                          "attributes": {
                            "container_port": { "type": "number", "optional": true },
                            "host_port": { "type": "number", "optional": true },
                            "listen_address": { "type": "string", "optional": true },
                            "protocol": { "type": "string", "optional": true }
                          }
                        }
                      }
                    }
                  }
                },
                "networking": {
                  "nesting_mode": "list",
                  "max_items": 1,
                  "block": {
                    "attributes": {
                      "ip_family": { "type": "string", "optional": true },
                      "api_server_address": { "type": "string", "optional": true },
                      "api_server_port": { "type": "number", "optional": true },
                      "pod_subnet": { "type": "string", "optional": true },
                      "service_subnet": { "type": "string", "optional": true },
                      "disable_default_cni": { "type": "bool", "optional": true },
                      "kube_proxy_mode": { "type": "string", "optional": true },
                      "dns_search": { "type": ["list", "string"], "optional": true }
                    }
                  }
                }
              }
            }
          },
          "timeouts": {
            "nesting_mode": "single",
            "block": {
              "attributes": {
                "create": { "type": "string", "optional": true },
                "update": { "type": "string", "optional": true },
                "delete": { "type": "string", "optional": true }
              }
            }
          }
        }
      }
    }
  },
  "data_source_schemas": {}
}
JSON

cat > "$SP/main.go" <<'GO'
// A schema-only OpenTofu provider, written by scripts/tools.sh: it serves the exact schema of one
// provider release (embedded, chosen by this executable's name terraform-provider-<type>_v<version>)
// so that `tofu init` + `tofu validate` can check configuration offline. It cannot plan or apply.
package main

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

//go:embed schemas/*.json
var schemas embed.FS

type jsonAttribute struct {
	Type       json.RawMessage `json:"type"`
	NestedType *jsonNestedType `json:"nested_type"`
	Required   bool            `json:"required"`
	Optional   bool            `json:"optional"`
	Computed   bool            `json:"computed"`
	Sensitive  bool            `json:"sensitive"`
}

type jsonNestedType struct {
	Attributes  map[string]jsonAttribute `json:"attributes"`
	NestingMode string                   `json:"nesting_mode"`
}

type jsonBlockType struct {
	NestingMode string    `json:"nesting_mode"`
	Block       jsonBlock `json:"block"`
	MinItems    int64     `json:"min_items"`
	MaxItems    int64     `json:"max_items"`
}

type jsonBlock struct {
	Attributes map[string]jsonAttribute `json:"attributes"`
	BlockTypes map[string]jsonBlockType `json:"block_types"`
}

type jsonSchema struct {
	Version int64     `json:"version"`
	Block   jsonBlock `json:"block"`
}

type jsonProviderSchema struct {
	Provider          jsonSchema            `json:"provider"`
	ResourceSchemas   map[string]jsonSchema `json:"resource_schemas"`
	DataSourceSchemas map[string]jsonSchema `json:"data_source_schemas"`
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func nesting(mode string) (tfprotov6.SchemaObjectNestingMode, error) {
	switch mode {
	case "single":
		return tfprotov6.SchemaObjectNestingModeSingle, nil
	case "list":
		return tfprotov6.SchemaObjectNestingModeList, nil
	case "set":
		return tfprotov6.SchemaObjectNestingModeSet, nil
	case "map":
		return tfprotov6.SchemaObjectNestingModeMap, nil
	}
	return 0, fmt.Errorf("unknown nesting mode %q", mode)
}

func blockNesting(mode string) (tfprotov6.SchemaNestedBlockNestingMode, error) {
	switch mode {
	case "single":
		return tfprotov6.SchemaNestedBlockNestingModeSingle, nil
	case "list":
		return tfprotov6.SchemaNestedBlockNestingModeList, nil
	case "set":
		return tfprotov6.SchemaNestedBlockNestingModeSet, nil
	case "map":
		return tfprotov6.SchemaNestedBlockNestingModeMap, nil
	}
	return 0, fmt.Errorf("unknown block nesting mode %q", mode)
}

func convertAttributes(in map[string]jsonAttribute) ([]*tfprotov6.SchemaAttribute, error) {
	var out []*tfprotov6.SchemaAttribute
	for _, name := range sortedKeys(in) {
		a := in[name]
		attr := &tfprotov6.SchemaAttribute{Name: name, Required: a.Required, Optional: a.Optional, Computed: a.Computed, Sensitive: a.Sensitive}
		if a.NestedType != nil {
			mode, err := nesting(a.NestedType.NestingMode)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			attrs, err := convertAttributes(a.NestedType.Attributes)
			if err != nil {
				return nil, fmt.Errorf("%s.%w", name, err)
			}
			attr.NestedType = &tfprotov6.SchemaObject{Nesting: mode, Attributes: attrs}
		} else {
			t, err := tftypes.ParseJSONType(a.Type)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			attr.Type = t
		}
		out = append(out, attr)
	}
	return out, nil
}

func convertBlock(in jsonBlock) (*tfprotov6.SchemaBlock, error) {
	attrs, err := convertAttributes(in.Attributes)
	if err != nil {
		return nil, err
	}
	block := &tfprotov6.SchemaBlock{Attributes: attrs}
	for _, name := range sortedKeys(in.BlockTypes) {
		bt := in.BlockTypes[name]
		mode, err := blockNesting(bt.NestingMode)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		inner, err := convertBlock(bt.Block)
		if err != nil {
			return nil, fmt.Errorf("%s.%w", name, err)
		}
		block.BlockTypes = append(block.BlockTypes, &tfprotov6.SchemaNestedBlock{TypeName: name, Block: inner, Nesting: mode, MinItems: bt.MinItems, MaxItems: bt.MaxItems})
	}
	return block, nil
}

func convertSchema(in jsonSchema) (*tfprotov6.Schema, error) {
	block, err := convertBlock(in.Block)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.Schema{Version: in.Version, Block: block}, nil
}

type server struct {
	tfprotov6.ProviderServer // unimplemented RPCs (never called by init/validate)
	label                    string
	provider                 *tfprotov6.Schema
	resources                map[string]*tfprotov6.Schema
	dataSources              map[string]*tfprotov6.Schema
}

func (s *server) cannot(what string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "Schema-only provider",
		Detail:   fmt.Sprintf("%s is a schema-only build from scripts/tools.sh for offline `tofu validate`; it cannot %s. Use the real provider from the registry to plan or apply.", s.label, what),
	}}
}

func (s *server) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: &tfprotov6.ServerCapabilities{}}
	for _, name := range sortedKeys(s.resources) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(s.dataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: name})
	}
	return resp, nil
}

func (s *server) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities:       &tfprotov6.ServerCapabilities{},
		Provider:                 s.provider,
		ResourceSchemas:          s.resources,
		DataSourceSchemas:        s.dataSources,
		Functions:                map[string]*tfprotov6.Function{},
		EphemeralResourceSchemas: map[string]*tfprotov6.Schema{},
	}, nil
}

func (s *server) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

func (s *server) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: map[string]*tfprotov6.Function{}}, nil
}

func (s *server) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

func (s *server) ValidateResourceConfig(context.Context, *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return &tfprotov6.ValidateResourceConfigResponse{}, nil
}

func (s *server) ValidateDataResourceConfig(context.Context, *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return &tfprotov6.ValidateDataResourceConfigResponse{}, nil
}

func (s *server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (s *server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

func (s *server) UpgradeResourceState(context.Context, *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: s.cannot("read state")}, nil
}

func (s *server) ReadResource(context.Context, *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{Diagnostics: s.cannot("refresh")}, nil
}

func (s *server) PlanResourceChange(context.Context, *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return &tfprotov6.PlanResourceChangeResponse{Diagnostics: s.cannot("plan")}, nil
}

func (s *server) ApplyResourceChange(context.Context, *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: s.cannot("apply")}, nil
}

func (s *server) ImportResourceState(context.Context, *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: s.cannot("import")}, nil
}

func (s *server) ReadDataSource(context.Context, *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return &tfprotov6.ReadDataSourceResponse{Diagnostics: s.cannot("read data sources")}, nil
}

func load(typeName, version string) (*server, error) {
	raw, err := schemas.ReadFile(fmt.Sprintf("schemas/%s_%s.json", typeName, version))
	if err != nil {
		return nil, fmt.Errorf("no embedded schema for %s %s", typeName, version)
	}
	var js jsonProviderSchema
	if err := json.Unmarshal(raw, &js); err != nil {
		return nil, err
	}
	s := &server{label: fmt.Sprintf("terraform-provider-%s v%s", typeName, version), resources: map[string]*tfprotov6.Schema{}, dataSources: map[string]*tfprotov6.Schema{}}
	if s.provider, err = convertSchema(js.Provider); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	for name, rs := range js.ResourceSchemas {
		if s.resources[name], err = convertSchema(rs); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	for name, ds := range js.DataSourceSchemas {
		if s.dataSources[name], err = convertSchema(ds); err != nil {
			return nil, fmt.Errorf("data.%s: %w", name, err)
		}
	}
	return s, nil
}

func main() {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	m := regexp.MustCompile(`^terraform-provider-([a-z0-9-]+)_v(.+)$`).FindStringSubmatch(filepath.Base(exe))
	if m == nil {
		fmt.Fprintf(os.Stderr, "%s: the executable must be named terraform-provider-<type>_v<version>\n", filepath.Base(exe))
		os.Exit(2)
	}
	s, err := load(m[1], m[2])
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", filepath.Base(exe), err)
		os.Exit(1)
	}
	if len(os.Args) > 1 && os.Args[1] == "-check" { // self-test: the schema loads
		fmt.Printf("%s: %d resource types, %d data sources\n", s.label, len(s.resources), len(s.dataSources))
		return
	}
	if err := tf6server.Serve("registry.opentofu.org/schema-only/"+m[1], func() tfprotov6.ProviderServer { return s }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
GO

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
      die "the kind_cluster schema in scripts/tools.sh is for tehcyx/kind $KIND_SCHEMA_VERSION, not $version: transcribe the new release's schema"
    from="scripts/tools.sh (transcribed)"
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
  cp "$SPBIN" "$exe"
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

say "done in $(elapsed "$total_start")"
cat <<USAGE

Use them (offline):
  export TF_CLI_CONFIG_FILE=$TOOLS/tofurc
  $TOOLS/bin/tofu init -backend=false && $TOOLS/bin/tofu validate
or run every stack: npm run verify:tofu   (scripts/tofu-validate.sh)
The providers in the mirror serve schemas only: they validate, they cannot plan or apply.
USAGE
