/**
 * Renders every Helm release of a synthesized stack exactly as the helm provider would install it:
 * `helm template` with the release's name, namespace, chart and version, its `values` documents in order
 * and its `set` entries, at the profile's Kubernetes version, CRDs included, and with the API versions of
 * the CRDs that earlier releases (by `depends_on`) installed, so `.Capabilities.APIVersions` checks see
 * what the cluster would have. Test hooks are left out: `helm install` does not run them.
 *
 * It reads the synthesized `cdk.tf.json`, not our component model: what is rendered is what a user applies.
 * Renders are cached by their full input (chart bytes, values, arguments) under the tools cache.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { chartArchive, helm, toolsDir, ToolError } from "./charts";
import { clusterKubernetesMinor } from "../platform/components/teams";
import type { Profile } from "../profiles/schema";
import type { K8sObject, RenderedRelease, RenderedStack } from "../reports/rendered";

export type { K8sObject, RenderedRelease, RenderedStack };

interface HelmReleaseJson {
  name: string;
  namespace?: string;
  repository?: string;
  chart: string;
  version?: string;
  values?: string[];
  set?: Array<{ name: string; value: string; type?: string }>;
  depends_on?: string[];
}

export interface RenderOptions {
  /** The repository root (for the chart stand-in, see verify/charts.ts). */
  readonly root: string;
  /** The cluster's Kubernetes version, e.g. `1.35.0`. */
  readonly kubeVersion: string;
}

/** The helm_release resources of a synthesized stack, in an order that respects their `depends_on`. */
export function stackReleases(stackDir: string): Array<{ id: string; release: HelmReleaseJson }> {
  const json = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as {
    resource?: { helm_release?: Record<string, HelmReleaseJson> };
  };
  const releases = json.resource?.helm_release ?? {};
  const ordered: Array<{ id: string; release: HelmReleaseJson }> = [];
  const done = new Set<string>();
  const visit = (id: string): void => {
    if (done.has(id)) return;
    done.add(id);
    for (const dep of releases[id].depends_on ?? []) {
      const match = /^helm_release\.(.+)$/.exec(dep);
      if (match && releases[match[1]]) visit(match[1]);
    }
    ordered.push({ id, release: releases[id] });
  };
  for (const id of Object.keys(releases).sort()) visit(id);
  return ordered;
}

function hashPath(hash: ReturnType<typeof createHash>, path: string): void {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      hash.update(`\0${name}\0`);
      hashPath(hash, join(path, name));
    }
  } else hash.update(readFileSync(path));
}

/** The API group/versions a set of rendered CRDs serves, e.g. `monitoring.coreos.com/v1`. */
function servedApiVersions(objects: readonly K8sObject[]): string[] {
  return objects
    .filter((o) => o.kind === "CustomResourceDefinition")
    .flatMap((crd) =>
      ((crd.spec?.versions ?? []) as Array<{ name: string; served?: boolean }>)
        .filter((v) => v.served !== false)
        .flatMap((v) => [`${crd.spec.group}/${v.name}`, `${crd.spec.group}/${v.name}/${crd.spec.names?.kind}`]),
    );
}

function parseObjects(yaml: string, what: string): K8sObject[] {
  return parseAllDocuments(yaml).flatMap((doc) => {
    if (doc.errors.length > 0)
      throw new ToolError(`${what}: the rendered YAML does not parse: ${doc.errors[0].message}`);
    const value = doc.toJS() as K8sObject | null;
    return value && typeof value === "object" && value.kind ? [value] : [];
  });
}

/** Renders one release; `apiVersions` are the CRD API versions installed before it. */
function renderRelease(
  stackDir: string,
  release: HelmReleaseJson,
  apiVersions: readonly string[],
  options: RenderOptions,
) {
  const local = release.repository === undefined;
  const chartPath = local
    ? join(stackDir, release.chart)
    : chartArchive(options.root, release.repository as string, release.chart, release.version as string);
  if (!existsSync(chartPath)) throw new ToolError(`release ${release.name}: chart ${chartPath} does not exist`);
  const namespace = release.namespace ?? "default";
  const args = [
    "template",
    release.name,
    "--namespace",
    namespace,
    "--kube-version",
    options.kubeVersion,
    "--include-crds",
    "--skip-tests",
    ...[...new Set(apiVersions)].sort().flatMap((v) => ["--api-versions", v]),
    ...(release.set ?? []).flatMap((s) => [s.type === "string" ? "--set-string" : "--set", `${s.name}=${s.value}`]),
  ];
  const hash = createHash("sha256").update(JSON.stringify({ args, values: release.values ?? [] }));
  hashPath(hash, chartPath);
  const cached = join(toolsDir(), "render-cache", `${hash.digest("hex").slice(0, 24)}.yaml`);
  if (existsSync(cached)) return readFileSync(cached, "utf8");

  const scratch = mkdtempSync(join(tmpdir(), "cnai-render-"));
  try {
    const valueFiles = (release.values ?? []).map((text, i) => {
      const file = join(scratch, `values-${i}.yaml`);
      writeFileSync(file, text);
      return file;
    });
    const what = `release ${release.name} (${local ? "local chart" : `${release.chart} ${release.version}`})`;
    const yaml = helm([...args, chartPath, ...valueFiles.flatMap((f) => ["--values", f])], `helm template of ${what}`);
    mkdirSync(join(toolsDir(), "render-cache"), { recursive: true });
    writeFileSync(`${cached}.${process.pid}`, yaml);
    // Rename is atomic: a parallel test never reads half a file.
    renameSync(`${cached}.${process.pid}`, cached);
    return yaml;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Renders every release of a synthesized stack folder, in dependency order. */
export function renderStack(stackDir: string, options: RenderOptions): RenderedRelease[] {
  const rendered: RenderedRelease[] = [];
  for (const { release } of stackReleases(stackDir)) {
    const apiVersions = rendered.flatMap((r) => servedApiVersions(r.objects));
    const yaml = renderRelease(stackDir, release, apiVersions, options);
    rendered.push({
      name: release.name,
      namespace: release.namespace ?? "default",
      chart: release.repository === undefined ? "local" : `${release.chart} ${release.version}`,
      yaml,
      objects: parseObjects(yaml, `release ${release.name}`),
    });
  }
  return rendered;
}

/** The Kubernetes version helm renders for: the cluster's minor (kind: the pinned node image's), patch 0. */
export function kubeVersionOf(profile: Profile): string {
  return `${clusterKubernetesMinor(profile).slice(1)}.0`;
}
