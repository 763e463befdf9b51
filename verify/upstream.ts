/**
 * Upstream conformance of a profile: what the distribution would install, checked against the
 * upstream charts and CRDs at the pinned versions.
 *  - every upstream release's chart version has reference data (the version table matches);
 *  - every values key it sets exists in that chart (verify/values-keys.ts);
 *  - every custom resource we render (local charts, gate probes) validates against its CRD: the reference
 *    directory's, else one a local release of the profile installs itself (the Feast operator's, from its pinned
 *    manifest, platform/manifests.ts), else one shipped in the `crds/` of a pinned chart archive of the profile's
 *    upstream releases (verify/chart-crds.ts; e.g. the Prometheus Operator's, inside kube-prometheus-stack); so does
 *    every ScaledObject KServe will derive from our InferenceServices (verify/kserve-keda.ts); a Workflow
 *    validates against Argo's full schema, and so does every object its resource steps create against its own CRD
 *    (verify/argo-workflows.ts);
 *  - every core Kubernetes object we render validates, strictly, against the Kubernetes schema of
 *    the targeted minor version (the kind node image's), with the `kubernetes-validate` tool.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import type { Profile } from "../profiles/schema";
import type { LocalRelease } from "../platform/component";
import { gateChart } from "../platform/gates";
import type { PlannedStep } from "../platform/graph";
import { renderLocalYaml } from "../platform/render";
import { releaseValues } from "../platform/values";
import { CHARTS, IMAGES } from "../platform/versions";
import type { ChartArchiveCrds } from "./chart-crds";
import { ChartCrds } from "./chart-crds";
import type { ReferenceDir } from "./reference";
import { workflowCrd, workflowResourceObjects } from "./argo-workflows";
import { kserveScaledObject, scaledObjectProblems } from "./kserve-keda";
import { crdsInObjects, findCrd } from "./reference";
import { schemaProblems } from "./schema";
import { unknownValueKeys } from "./values-keys";

/** API groups served by Kubernetes itself; objects in them are checked against the Kubernetes schema. */
const BUILT_IN_GROUPS = new Set([
  "",
  "apps",
  "batch",
  "policy",
  "autoscaling",
  "rbac.authorization.k8s.io",
  "networking.k8s.io",
  "storage.k8s.io",
  "scheduling.k8s.io",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "node.k8s.io",
  "certificates.k8s.io",
  // Dynamic Resource Allocation: GA (v1) since 1.34.
  "resource.k8s.io",
]);

/** The Kubernetes version the profiles target: the kind node image's tag. */
export function targetKubernetesVersion(): string {
  return IMAGES["kind-node"].tag.replace(/^v/, "").replace(/@.*$/, "");
}

export interface RenderedObject {
  readonly source: string;
  readonly object: Record<string, unknown> & { apiVersion: string; kind: string; metadata?: { name?: string } };
}

export interface ConformanceReport {
  readonly profile: string;
  readonly checked: string[];
  readonly failures: string[];
}

/** Every object the distribution renders for the profile's steps: local charts, gate charts and gate probes. */
export function renderedObjects(steps: readonly PlannedStep[]): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const { step } of steps) {
    let chart: Pick<LocalRelease, "name" | "render"> | undefined;
    if (step.kind === "local") chart = step;
    if (step.kind === "gate") {
      chart = gateChart(step);
      objects.push({ source: `${step.name} (probe)`, object: step.probe as RenderedObject["object"] });
    }
    if (!chart) continue;
    for (const doc of parseAllDocuments(renderLocalYaml(chart))) {
      const object = doc.toJS() as RenderedObject["object"] | null;
      if (object) objects.push({ source: step.name, object });
    }
  }
  return objects;
}

/** Finds the `kubernetes-validate` executable: $CNAI_KUBERNETES_VALIDATE, the tools folder, or PATH. */
export function findKubernetesValidate(): string | undefined {
  const candidates = [
    process.env.CNAI_KUBERNETES_VALIDATE,
    join(process.env.CNAI_TOOLS_DIR ?? join(homedir(), ".cache", "cnai-tools"), "venv", "bin", "kubernetes-validate"),
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  const onPath = spawnSync("sh", ["-c", "command -v kubernetes-validate"], { encoding: "utf8" });
  return onPath.status === 0 ? onPath.stdout.trim() : undefined;
}

/** Validates core objects strictly against the Kubernetes schema; returns one failure line per problem. */
export function validateCoreObjects(objects: readonly RenderedObject[], tool: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "cnai-core-"));
  try {
    const files = objects.map((o, i) => {
      const file = join(dir, `${String(i).padStart(3, "0")}.yaml`);
      writeFileSync(file, stringify(o.object));
      return { file, source: o.source, object: o.object };
    });
    if (files.length === 0) return [];
    const result = spawnSync(
      tool,
      ["--strict", "--no-warn", "-k", targetKubernetesVersion(), ...files.map((f) => f.file)],
      {
        encoding: "utf8",
      },
    );
    const failures: string[] = [];
    for (const line of `${result.stdout}\n${result.stderr}`.split("\n")) {
      const match = /^ERROR (\S+) (.*)$/.exec(line.trim());
      if (!match) continue;
      const file = files.find((f) => f.file === match[1]);
      failures.push(`core object ${file?.object.kind}/${file?.object.metadata?.name} in ${file?.source}: ${match[2]}`);
    }
    if (result.status !== 0 && failures.length === 0) {
      failures.push(
        `kubernetes-validate failed (exit ${result.status}): ${result.stderr.trim() || result.stdout.trim()}`,
      );
    }
    return failures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ConformanceOptions {
  /** Path of the kubernetes-validate tool. @default findKubernetesValidate() */
  readonly kubernetesValidate?: string;
  /** The CRDs shipped in pinned chart archives, searched after the reference. @default new ChartCrds(<this checkout>) */
  readonly chartCrds?: ChartCrds;
}

export function checkConformance(
  reference: ReferenceDir,
  profile: Profile,
  steps: readonly PlannedStep[],
  options: ConformanceOptions = {},
): ConformanceReport {
  const checked: string[] = [];
  const failures: string[] = [];

  let keyCount = 0;
  for (const { step, component } of steps) {
    if (step.kind !== "upstream") continue;
    const { chart, version } = CHARTS[step.chart];
    if (!reference.hasChart(chart, version)) {
      const present = reference.chartVersions(chart);
      failures.push(
        `chart ${chart}: the version table pins ${version}, but ${reference.dir}/charts has ${
          present.length ? present.map((v) => `${chart}-${v}`).join(", ") : "no reference for it"
        }`,
      );
      continue;
    }
    const values = releaseValues(step, component, profile);
    keyCount += countLeaves(values);
    for (const unknown of unknownValueKeys(reference, step.chart, values)) {
      failures.push(
        `values of release ${step.name} (${chart} ${version}): "${unknown.path}" is not a key of the chart` +
          (unknown.suggestion ? ` (did you mean "${unknown.suggestion}"?)` : ""),
      );
    }
  }
  checked.push(
    `${keyCount} values keys in ${steps.filter((s) => s.step.kind === "upstream").length} upstream releases`,
  );

  const objects = renderedObjects(steps);
  // What the Workflows' resource steps will create, before the KServe derivation: a deployed InferenceService too.
  objects.push(...objects.flatMap(workflowResourceObjects));
  // KServe writes a ScaledObject for every InferenceService KEDA scales: check what it will write, too.
  for (const rendered of [...objects]) {
    const scaledObject = kserveScaledObject(rendered.object as unknown as Parameters<typeof kserveScaledObject>[0]);
    if (!scaledObject) continue;
    objects.push({ source: `${rendered.source} (derived by KServe)`, object: { ...scaledObject } });
    failures.push(...scaledObjectProblems(scaledObject).map((problem) => `${problem} in ${rendered.source}`));
  }
  const core: RenderedObject[] = [];
  let customCount = 0;
  /** The profile's chart archives, read when the reference lacks a CRD; the archives whose CRDs were used. */
  let shipped: ChartArchiveCrds[] | undefined;
  const fromArchives = new Set<string>();
  /** CRDs the profile's own local releases install, by the release that renders them. */
  const installed = objects.flatMap((o) => crdsInObjects([o.object], o.source));
  const fromReleases = new Set<string>();
  for (const rendered of objects) {
    const { apiVersion, kind } = rendered.object;
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    const name = rendered.object.metadata?.name;
    if (BUILT_IN_GROUPS.has(group)) {
      core.push(rendered);
      continue;
    }
    customCount++;
    let crd = reference.crdFor(apiVersion, kind) ?? workflowCrd((v, k) => reference.crdFor(v, k), apiVersion, kind);
    if (!crd) {
      crd = findCrd(installed, apiVersion, kind);
      if (crd) fromReleases.add(crd.file);
    }
    if (!crd) {
      shipped ??= (options.chartCrds ?? new ChartCrds(resolve(__dirname, ".."))).forSteps(profile, steps);
      for (const archive of shipped) {
        crd = findCrd(archive.crdsOf(group, kind), apiVersion, kind);
        if (crd) {
          fromArchives.add(archive.name);
          break;
        }
      }
    }
    if (!crd) {
      const served = [...reference.crds(), ...(shipped ?? []).flatMap((archive) => archive.crdsOf(group, kind))]
        .filter((c) => c.group === group && c.kind === kind)
        .map((c) => c.version);
      failures.push(
        `custom resource ${kind}/${name} in ${rendered.source}: no CRD for ${apiVersion} ${kind} in the reference` +
          (served.length ? ` (it has versions ${[...new Set(served)].join(", ")})` : "") +
          ` nor among the CRDs its releases render, nor in the crds/ of the profile's chart archives: ${searchedArchives(shipped ?? [])}`,
      );
      continue;
    }
    for (const problem of schemaProblems(rendered.object, crd.schema)) {
      failures.push(`custom resource ${kind}/${name} in ${rendered.source}: ${problem}`);
    }
  }
  checked.push(
    `${customCount} custom resources against the pinned CRDs` +
      (fromReleases.size ? ` (CRDs installed by ${[...fromReleases].sort().join(", ")})` : "") +
      (fromArchives.size ? ` (CRDs shipped in ${[...fromArchives].sort().join(", ")})` : ""),
  );

  const tool = options.kubernetesValidate ?? findKubernetesValidate();
  if (!tool) {
    failures.push(
      "core objects: the kubernetes-validate tool is missing; run `bash scripts/tools.sh` (or set CNAI_KUBERNETES_VALIDATE)",
    );
  } else {
    failures.push(...validateCoreObjects(core, tool));
    checked.push(`${core.length} core objects against the Kubernetes ${targetKubernetesVersion()} schema (strict)`);
  }
  return { profile: profile.name, checked, failures };
}

/** The chart archives searched, for a failure message: `kueue-0.19.2, … (unavailable: <why>)`. */
function searchedArchives(archives: readonly ChartArchiveCrds[]): string {
  if (archives.length === 0) return "none (no upstream releases)";
  return archives.map((a) => (a.error() ? `${a.name} (unavailable: ${a.error()})` : a.name)).join(", ");
}

function countLeaves(value: unknown): number {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return 1;
  return Object.values(value).reduce<number>((sum, child) => sum + countLeaves(child), 0);
}
