/**
 * Access to the pinned upstream reference data in `../shared/reference` (values files and CRDs),
 * used by the tests to check every values key and every custom resource we emit.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { isPlainObject } from "../../profiles/merge";
import type { ChartKey } from "../../stacks/versions";
import { CHARTS } from "../../stacks/versions";

export const REFERENCE_DIR = resolve(__dirname, "../../../shared/reference");

/** The reference folder of a chart: `charts/<chart>-<version>`. */
export function chartReferenceDir(key: ChartKey): string {
  const entry = CHARTS[key];
  return join(REFERENCE_DIR, "charts", `${entry.chart}-${entry.version}`);
}

export function hasReferenceValues(key: ChartKey): boolean {
  return existsSync(join(chartReferenceDir(key), "values.yaml"));
}

export function referenceValues(key: ChartKey): Record<string, unknown> {
  return parseYaml(readFileSync(join(chartReferenceDir(key), "values.yaml"), "utf8")) as Record<string, unknown>;
}

/**
 * Keys documented in a chart's values.yaml only as commented-out examples (so absent from the parsed
 * file). Each entry is a dotted path with the reason it is known to be read by the templates.
 */
export const COMMENTED_KEYS: Partial<Record<ChartKey, Record<string, string>>> = {
  "kuberay-operator": {
    "resources.requests":
      "values.yaml shows `# requests: cpu: 100m memory: 512Mi` under `resources:`; templates/deployment.yaml renders `toYaml .Values.resources`",
  },
  seaweedfs: {
    "allInOne.s3.createBuckets":
      "values.yaml under allInOne.s3: `# createBuckets: - name: bucket-a anonymousRead: true`; read by templates/shared/post-install-bucket-hook.yaml",
  },
  qdrant: {
    apiKey: "values.yaml: `# apiKey: false` (true = auto-generate); read by templates/_helpers.tpl `qdrant.secret`",
  },
};

/**
 * Every values path we set that the chart's default values do not have. A path is accepted when the
 * default has it, when the default at the parent is an empty map (`{}`: a free-form map such as
 * `nodeSelector`, `resources` or `podLabels`), or when it is listed in COMMENTED_KEYS.
 */
export function unknownValuePaths(key: ChartKey, values: unknown): string[] {
  const reference = referenceValues(key);
  const commented = COMMENTED_KEYS[key] ?? {};
  const unknown: string[] = [];
  const walk = (ours: unknown, theirs: unknown, path: string[]): void => {
    if (!isPlainObject(ours)) return;
    if (isPlainObject(theirs) && Object.keys(theirs).length === 0 && path.length > 0) return;
    for (const [k, v] of Object.entries(ours)) {
      const childPath = [...path, k];
      const dotted = childPath.join(".");
      if (dotted in commented) continue;
      if (!isPlainObject(theirs) || !(k in theirs)) {
        unknown.push(dotted);
        continue;
      }
      walk(v, theirs[k], childPath);
    }
  };
  walk(values, reference, []);
  return unknown;
}

export interface CrdVersionSchema {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly schema: Record<string, unknown>;
}

let crdCache: CrdVersionSchema[] | undefined;

/** Every served version of every reference CRD, with its openAPIV3Schema. */
export function referenceCrds(): CrdVersionSchema[] {
  if (crdCache) return crdCache;
  const result: CrdVersionSchema[] = [];
  const crdRoot = join(REFERENCE_DIR, "crds");
  for (const dir of readdirSync(crdRoot)) {
    for (const file of readdirSync(join(crdRoot, dir))) {
      if (!file.endsWith(".yaml")) continue;
      for (const doc of parseAllDocuments(readFileSync(join(crdRoot, dir, file), "utf8"))) {
        const crd = doc.toJS() as {
          kind?: string;
          spec?: {
            group: string;
            names: { kind: string };
            versions: Array<{ name: string; schema?: { openAPIV3Schema?: Record<string, unknown> } }>;
          };
        };
        if (crd?.kind !== "CustomResourceDefinition" || !crd.spec) continue;
        for (const version of crd.spec.versions) {
          result.push({
            group: crd.spec.group,
            kind: crd.spec.names.kind,
            version: version.name,
            schema: version.schema?.openAPIV3Schema ?? {},
          });
        }
      }
    }
  }
  crdCache = result;
  return result;
}

export function crdFor(apiVersion: string, kind: string): CrdVersionSchema | undefined {
  const [group, version] = apiVersion.split("/");
  return referenceCrds().find((c) => c.group === group && c.version === version && c.kind === kind);
}

/**
 * Structural validation of an object against an openAPIV3Schema: required fields, unknown fields
 * (unless `x-kubernetes-preserve-unknown-fields` or `additionalProperties`), types and enums.
 * Returns problems as `path: message`.
 */
export function schemaProblems(value: unknown, schema: Record<string, unknown>, path = ""): string[] {
  const problems: string[] = [];
  const type = schema.type as string | undefined;
  const here = path || "(root)";
  if (schema["x-kubernetes-int-or-string"] === true) {
    if (typeof value !== "string" && typeof value !== "number") problems.push(`${here}: expected int or string`);
    return problems;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    problems.push(`${here}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  }
  if (type === "object" || (type === undefined && isPlainObject(value) && schema.properties)) {
    if (!isPlainObject(value)) return [...problems, `${here}: expected object`];
    for (const required of (schema.required as string[] | undefined) ?? []) {
      if (!(required in value)) problems.push(`${here}: missing required field "${required}"`);
    }
    const properties = (schema.properties as Record<string, Record<string, unknown>> | undefined) ?? {};
    const additional = schema.additionalProperties as Record<string, unknown> | boolean | undefined;
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key in properties) problems.push(...schemaProblems(child, properties[key], childPath));
      else if (isPlainObject(additional)) problems.push(...schemaProblems(child, additional, childPath));
      else if (additional !== true && schema["x-kubernetes-preserve-unknown-fields"] !== true && path !== "metadata") {
        if (!(path === "" && ["apiVersion", "kind", "metadata"].includes(key)))
          problems.push(`${childPath}: unknown field`);
      }
    }
  } else if (type === "array") {
    if (!Array.isArray(value)) return [...problems, `${here}: expected array`];
    const items = schema.items as Record<string, unknown> | undefined;
    if (items) value.forEach((item, i) => problems.push(...schemaProblems(item, items, `${path}[${i}]`)));
  } else if (type === "string" && typeof value !== "string") problems.push(`${here}: expected string`);
  else if (type === "integer" && !Number.isInteger(value)) problems.push(`${here}: expected integer`);
  else if (type === "number" && typeof value !== "number") problems.push(`${here}: expected number`);
  else if (type === "boolean" && typeof value !== "boolean") problems.push(`${here}: expected boolean`);
  return problems;
}
