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
  const re =
    /^\s+(\w+): \{\n\s+value: (.*),\n\s+isBlock: (true|false),\n\s+type: "(\w+)",\n\s+storageClassType: "(\w+)",\n\s+\}/gm;
  let m;
  while ((m = re.exec(text))) attrs[m[1]] = { value: m[2], type: m[4], storage: m[5] };
  return attrs;
}

/** `// name - computed: X, optional: Y, required: Z` comments of a class, with the code after each. */
function flaggedAttrs(bodyLines) {
  const out = [];
  for (let i = 0; i < bodyLines.length; i++) {
    const m = bodyLines[i].match(
      /^ {2}\/\/ (\w+) - computed: (true|false), optional: (true|false), required: (true|false)$/,
    );
    if (!m) continue;
    const code = [];
    for (let j = i + 1; j < bodyLines.length && j < i + 6; j++) code.push(bodyLines[j]);
    out.push({
      name: m[1],
      computed: m[2] === "true",
      optional: m[3] === "true",
      required: m[4] === "true",
      code: code.join("\n"),
    });
  }
  return out;
}

function interfaceFields(bodyLines) {
  const fields = {};
  let anchor = null;
  for (const line of bodyLines) {
    const a = line.match(/\{@link \S+#(\w+) \w+#\w+\}/);
    if (a) anchor = a[1];
    const f = line.match(/^ {2}readonly (\w+)(\??):/);
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
          if (/^ {2}protected synthesizeHclAttributes\(\)/.test(l)) inSynth = true;
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
    if ((m = c.match(/new cdktf\.(String|Number|Boolean)MapList\(/)))
      return ["list", ["map", PRIMITIVE[lowerFirst(m[1])]]];
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

  function primitiveOrList(h) {
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
      const prim = primitiveOrList(h);
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
        if (m[2] === "true")
          out.block_types[a.name] = { nesting_mode: mode, block: inner, ...(a.required ? { min_items: 1 } : {}) };
        else out.attributes[a.name] = { nested_type: { ...inner, nesting_mode: mode }, ...flags };
      } else if (/^cdktf\.hashMapperHcl\(/.test(h.value)) {
        out.attributes[a.name] = { nested_type: { ...inner, nesting_mode: "map" }, ...flags };
      } else if (h.type === "list" || h.type === "set") {
        // max_items = 1 blocks are typed as one object in cdktf
        out.block_types[a.name] = {
          nesting_mode: h.type,
          block: inner,
          max_items: 1,
          ...(a.required ? { min_items: 1 } : {}),
        };
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
      flagged = Object.entries(ifaces[struct]).map(([name, f]) => ({
        name,
        optional: f.optional,
        required: !f.optional,
        computed: false,
        code: "",
      }));
    } else {
      problems.push(`${where}: no class or interface ${struct}`);
      flagged = Object.keys(hcl).map((name) => ({ name, optional: true, required: false, computed: false, code: "" }));
    }
    return block(flagged, hcl, where);
  }

  return { block };
}

const sources = tsSources(path.join(pkgDir, "lib"));
const generatedFrom = new Set(
  sources.flatMap((src) => [...src.matchAll(/providerVersion: '([^']+)'/g)].map((m) => m[1])),
);
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
    const flagged = attrs.map((a) =>
      iface[a.name] ? { ...a, required: !iface[a.name].optional, optional: iface[a.name].optional } : a,
    );
    schema.provider = { version: 0, block: conv.block(flagged, cls.hcl, providerName) };
  } else if (cls.ext === "cdktf.TerraformResource" && cls.tfType) {
    schema.resource_schemas[cls.tfType] = { version: 0, block: conv.block(cls.attrs, cls.hcl, cls.tfType) };
  } else if (cls.ext === "cdktf.TerraformDataSource" && cls.tfType) {
    schema.data_source_schemas[cls.tfType] = {
      version: 0,
      block: conv.block(cls.attrs, cls.hcl, `data.${cls.tfType}`),
    };
  }
}
/**
 * OpenTofu refuses a schema whose set-nested block holds a `dynamic` attribute (sets need comparable
 * elements). Where the bindings left a type dynamic, read such blocks as lists: validation of the
 * synthesized JSON is the same, only element ordering semantics differ.
 */
function hasDynamic(block) {
  return (
    Object.values(block.attributes ?? {}).some(
      (a) => a.type === "dynamic" || (a.nested_type && hasDynamic(a.nested_type)),
    ) || Object.values(block.block_types ?? {}).some((b) => hasDynamic(b.block))
  );
}
function relaxDynamicSets(block) {
  for (const nested of Object.values(block.block_types ?? {})) {
    relaxDynamicSets(nested.block);
    if (nested.nesting_mode === "set" && hasDynamic(nested.block)) nested.nesting_mode = "list";
  }
  for (const attribute of Object.values(block.attributes ?? {})) {
    if (!attribute.nested_type) continue;
    relaxDynamicSets(attribute.nested_type);
    if (attribute.nested_type.nesting_mode === "set" && hasDynamic(attribute.nested_type))
      attribute.nested_type.nesting_mode = "list";
  }
}
for (const group of [schema.resource_schemas, schema.data_source_schemas]) {
  for (const entry of Object.values(group)) relaxDynamicSets(entry.block);
}
if (!schema.provider) problems.push("no provider class found");
for (const p of problems) console.error(`schema-from-cdktf: ${p}`);
process.stdout.write(JSON.stringify(schema));
if (!schema.provider || Object.keys(schema.resource_schemas).length === 0) process.exit(1);
