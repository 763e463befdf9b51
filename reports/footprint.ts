/**
 * The platform's resource footprint: the CPU and memory requests (and limits) of every long-running
 * platform pod a profile configures, read from the final Helm values of each upstream release (at
 * the paths its component declares) and from the manifests of our own charts. Transient Jobs (hooks,
 * gates) are left out: they finish before the platform is up.
 */
import { parseAllDocuments } from "yaml";
import { cpuCores, memoryBytes } from "../profiles/quantity";
import type { Profile } from "../profiles/schema";
import type { PlannedStep } from "../platform/graph";
import { renderLocalYaml } from "../platform/render";
import { releaseValues } from "../platform/values";

export { cpuCores, memoryBytes };

export interface FootprintRow {
  readonly release: string;
  readonly workload: string;
  readonly pods: number;
  /** Per pod, summed over its containers; undefined when a container sets none. */
  readonly requests: { readonly cpu?: string; readonly memory?: string };
  readonly limits: { readonly cpu?: string; readonly memory?: string };
}

interface ContainerResources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

function valueAt(values: unknown, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<unknown>(
      (v, key) => (v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined),
      values,
    );
}

function sumContainers(containers: ContainerResources[]): Pick<FootprintRow, "requests" | "limits"> {
  const total = (pick: (c: ContainerResources) => string | undefined, unit: "cpu" | "memory"): string | undefined => {
    const values = containers.map(pick);
    if (values.some((v) => v === undefined)) return undefined;
    const sum = values.reduce((acc, v) => acc + (unit === "cpu" ? cpuCores(v as string) : memoryBytes(v as string)), 0);
    return unit === "cpu" ? `${Math.round(sum * 1000)}m` : `${Math.round(sum / 1024 ** 2)}Mi`;
  };
  return {
    requests: { cpu: total((c) => c.requests?.cpu, "cpu"), memory: total((c) => c.requests?.memory, "memory") },
    limits: { cpu: total((c) => c.limits?.cpu, "cpu"), memory: total((c) => c.limits?.memory, "memory") },
  };
}

interface Manifest {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    replicas?: number;
    instances?: number;
    resources?: ContainerResources;
    template?: { spec?: { containers?: Array<{ resources?: ContainerResources }> } };
  };
}

export function footprint(profile: Profile, steps: readonly PlannedStep[]): FootprintRow[] {
  // DaemonSets run on every node: kind's control planes too; clouds' control planes run no pods of ours.
  const controlPlanes = profile.cluster.provider === "kind" ? profile.cluster.controlPlanes : 0;
  const nodes = controlPlanes + Object.values(profile.pools).reduce((sum, pool) => sum + pool.nodes, 0);
  const rows: FootprintRow[] = [];
  for (const { step, component } of steps) {
    if (step.kind === "upstream") {
      const values = releaseValues(step, component, profile);
      for (const workload of step.workloads ?? []) {
        const resources = (valueAt(values, workload.resourcesAt) ?? {}) as ContainerResources;
        rows.push({
          release: step.name,
          workload: workload.name,
          pods: workload.replicas === "per-node" ? nodes : workload.replicas,
          ...sumContainers([resources]),
        });
      }
    } else if (step.kind === "local") {
      for (const doc of parseAllDocuments(renderLocalYaml(step))) {
        const manifest = doc.toJS() as Manifest;
        const name = manifest.metadata?.name ?? "?";
        if (manifest.kind === "Deployment" || manifest.kind === "StatefulSet") {
          rows.push({
            release: step.name,
            workload: name,
            pods: manifest.spec?.replicas ?? 1,
            ...sumContainers((manifest.spec?.template?.spec?.containers ?? []).map((c) => c.resources ?? {})),
          });
        } else if (manifest.kind === "Cluster" && manifest.spec?.instances !== undefined) {
          // A CloudNativePG Cluster: one PostgreSQL pod per instance with the Cluster's resources.
          rows.push({
            release: step.name,
            workload: name,
            pods: manifest.spec.instances,
            ...sumContainers([manifest.spec.resources ?? {}]),
          });
        }
      }
    }
  }
  return rows;
}

export interface FootprintTotal {
  readonly cpuCores: number;
  readonly memoryGiB: number;
}

export function footprintTotal(rows: readonly FootprintRow[]): FootprintTotal {
  const cpu = rows.reduce((sum, r) => sum + r.pods * cpuCores(r.requests.cpu ?? "0"), 0);
  const memory = rows.reduce((sum, r) => sum + r.pods * memoryBytes(r.requests.memory ?? "0"), 0);
  return { cpuCores: Math.round(cpu * 1000) / 1000, memoryGiB: Math.round((memory / 1024 ** 3) * 100) / 100 };
}
