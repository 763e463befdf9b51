/**
 * A directory of upstream reference data at the pinned versions, in this layout (what
 * `scripts/fetch-upstream.ts` writes; `../shared/reference` has it too):
 *   charts/<chart>-<version>/values.yaml             the chart's default values
 *   charts/<chart>-<version>/values.schema.json      its values schema, when the chart has one
 *   charts/<chart>-<version>/values-referenced.txt   for charts without values.yaml: the `.Values` paths its templates read
 *   charts/<chart>-<version>/charts/<sub>/values.yaml   subchart defaults
 *   crds/<anything>/*.yaml                           CustomResourceDefinitions
 *   manifests/<name>-v<version>/                     a pinned manifest (MANIFESTS, platform/versions.ts) that synthesis reads
 *                                                    (platform/manifests.ts): install.yaml, or install-without-crd.yaml
 *                                                    with its CRDs in crds/<name>-v<version>/ (the layout ../shared has)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";

export interface CrdVersionSchema {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly schema: Record<string, unknown>;
  readonly file: string;
}

/** Where `npm run tools` records its decision (scripts/reference.sh): the path, then how it was chosen. */
export const REFERENCE_RECORD = ".tools/reference-dir";

/**
 * The reference directory `npm run tools` chose for the repository at `root` (CNAI_REFERENCE_DIR,
 * ../shared/reference, or the helm-fetched copy in the tools cache), read from its record.
 */
export function recordedReferenceDir(root: string): { dir: string; how: string } {
  const record = join(root, REFERENCE_RECORD);
  if (!existsSync(record)) {
    throw new Error(
      `No reference data chosen yet: ${record} does not exist. Run 'npm run tools' (npm test runs it first): it takes CNAI_REFERENCE_DIR, else ../shared/reference, else fetches the pinned charts with helm, and records the choice there.`,
    );
  }
  const [dir = "", how = ""] = readFileSync(record, "utf8").split("\n");
  if (!existsSync(dir)) {
    throw new Error(
      `The reference data recorded in ${record} is gone: "${dir}" (${how}) does not exist. Run 'npm run tools' again to choose it anew.`,
    );
  }
  return { dir, how };
}

export class ReferenceDir {
  private crdCache?: CrdVersionSchema[];

  constructor(readonly dir: string) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new Error(
        `Reference directory "${dir}" does not exist: pass a folder in the layout above (or run 'npm run tools', which records one in ${REFERENCE_RECORD})`,
      );
    }
  }

  chartDir(chart: string, version: string): string {
    return join(this.dir, "charts", `${chart}-${version}`);
  }

  /** Versions of a chart present in the directory, e.g. ["0.19.2"]. */
  chartVersions(chart: string): string[] {
    const chartsDir = join(this.dir, "charts");
    if (!existsSync(chartsDir)) return [];
    return readdirSync(chartsDir)
      .filter((name) => name.startsWith(`${chart}-`) && /^v?\d/.test(name.slice(chart.length + 1)))
      .map((name) => name.slice(chart.length + 1))
      .sort();
  }

  hasChart(chart: string, version: string): boolean {
    return existsSync(this.chartDir(chart, version));
  }

  readYaml(path: string): unknown {
    return existsSync(path) ? parseYaml(readFileSync(path, "utf8")) : undefined;
  }

  values(chart: string, version: string): Record<string, unknown> | undefined {
    return this.readYaml(join(this.chartDir(chart, version), "values.yaml")) as Record<string, unknown> | undefined;
  }

  valuesSchema(chart: string, version: string): Record<string, unknown> | undefined {
    const path = join(this.chartDir(chart, version), "values.schema.json");
    return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>) : undefined;
  }

  referencedPaths(chart: string, version: string): string[] | undefined {
    const path = join(this.chartDir(chart, version), "values-referenced.txt");
    if (!existsSync(path)) return undefined;
    return readFileSync(path, "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && line !== "." && !line.startsWith("#"));
  }

  /** Subchart defaults by subchart folder name. */
  subchartValues(chart: string, version: string): Record<string, Record<string, unknown>> {
    const subchartsDir = join(this.chartDir(chart, version), "charts");
    if (!existsSync(subchartsDir)) return {};
    const result: Record<string, Record<string, unknown>> = {};
    for (const name of readdirSync(subchartsDir)) {
      const values = this.readYaml(join(subchartsDir, name, "values.yaml"));
      if (values && typeof values === "object") result[name] = values as Record<string, unknown>;
    }
    return result;
  }

  /** Every version of every CRD in `crds/`, with its openAPIV3Schema. */
  crds(): CrdVersionSchema[] {
    if (this.crdCache) return this.crdCache;
    const crdRoot = join(this.dir, "crds");
    this.crdCache = (existsSync(crdRoot) ? readdirSync(crdRoot) : []).flatMap((sub) =>
      readdirSync(join(crdRoot, sub))
        .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
        .flatMap((file) => crdsInYaml(readFileSync(join(crdRoot, sub, file), "utf8"), `crds/${sub}/${file}`)),
    );
    return this.crdCache;
  }

  crdFor(apiVersion: string, kind: string): CrdVersionSchema | undefined {
    return findCrd(this.crds(), apiVersion, kind);
  }
}

/** Every version of every CustomResourceDefinition in a YAML stream; `file` names where it came from. */
export function crdsInYaml(text: string, file: string): CrdVersionSchema[] {
  return crdsInObjects(
    parseAllDocuments(text).map((doc) => doc.toJS() as unknown),
    file,
  );
}

/** Every version of every CustomResourceDefinition among parsed objects; `file` names where they came from. */
export function crdsInObjects(objects: readonly unknown[], file: string): CrdVersionSchema[] {
  const result: CrdVersionSchema[] = [];
  for (const object of objects) {
    const crd = object as {
      kind?: string;
      spec?: {
        group: string;
        names: { kind: string };
        versions: Array<{ name: string; schema?: { openAPIV3Schema?: Record<string, unknown> } }>;
      };
    } | null;
    if (crd?.kind !== "CustomResourceDefinition" || !crd.spec) continue;
    for (const version of crd.spec.versions) {
      result.push({
        group: crd.spec.group,
        kind: crd.spec.names.kind,
        version: version.name,
        schema: version.schema?.openAPIV3Schema ?? {},
        file,
      });
    }
  }
  return result;
}

/** The CRD version that serves `apiVersion` (group/version) and `kind`, if any. */
export function findCrd(
  crds: readonly CrdVersionSchema[],
  apiVersion: string,
  kind: string,
): CrdVersionSchema | undefined {
  const [group, version] = apiVersion.split("/");
  return crds.find((c) => c.group === group && c.version === version && c.kind === kind);
}
