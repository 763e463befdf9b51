/**
 * The platform's resource footprint, from the Helm render (reports/pods.ts): the CPU and memory requests
 * and limits of every long-running platform pod, each pod once with all its containers. A pod's figure is
 * what the scheduler reserves: its containers and native sidecars summed, or its largest init container
 * (plus the sidecars started before it) when that is more (Kubernetes "Resource sharing within
 * containers", https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers).
 * Jobs and hooks finish before the platform is up, and team namespaces hold team workloads (the golden-path
 * samples): neither is counted. DaemonSets and the GPU Operator's operands count once per node they select.
 */
import { cpuCores, memoryBytes } from "../profiles/quantity";
import { teamNamespace } from "../profiles/plan";
import type { RenderedStack } from "./rendered";
import type { Container, PodKind, PodSpec, ResourceList } from "./pods";
import { podKinds } from "./pods";

export { cpuCores, memoryBytes };

export interface FootprintRow {
  readonly release: string;
  /** `<Kind>/<name>` of the object that makes the pods. */
  readonly workload: string;
  readonly madeBy: PodKind["madeBy"];
  readonly pods: number;
  /** The pools the pods run on (every matching node's pool for per-node kinds). */
  readonly pools: readonly string[];
  /** Per pod; undefined when a container sets none (so the pod has no such bound). */
  readonly requests: { readonly cpu?: string; readonly memory?: string };
  readonly limits: { readonly cpu?: string; readonly memory?: string };
}

type Unit = "cpu" | "memory";

const amount = (unit: Unit, value: string) => (unit === "cpu" ? cpuCores(value) : memoryBytes(value));
const format = (unit: Unit, value: number) =>
  unit === "cpu" ? `${Math.round(value * 1000)}m` : `${Math.round(value / 1024 ** 2)}Mi`;

/** One resource of a pod by the sidecar-aware max rule; undefined when any container leaves it unset. */
export function podResource(spec: PodSpec, kind: "requests" | "limits", unit: Unit): string | undefined {
  const of = (c: Container) => c.resources?.[kind]?.[unit as keyof ResourceList];
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  if (all.some((c) => of(c) === undefined)) return undefined;
  let sidecars = 0;
  let initPeak = 0;
  for (const c of spec.initContainers ?? []) {
    const value = amount(unit, of(c) as string);
    if (c.restartPolicy === "Always") {
      sidecars += value;
      initPeak = Math.max(initPeak, sidecars);
    } else initPeak = Math.max(initPeak, sidecars + value);
  }
  const running = sidecars + spec.containers.reduce((sum, c) => sum + amount(unit, of(c) as string), 0);
  return format(unit, Math.max(initPeak, running));
}

/** The long-running platform pods of one rendered stack. */
export function footprint(stack: RenderedStack): FootprintRow[] {
  const teams = new Set(Object.entries(stack.profile.teams).map(([name, team]) => teamNamespace(name, team)));
  return podKinds(stack)
    .filter((k) => !k.transient && !teams.has(k.namespace))
    .map((k) => ({
      release: k.release,
      workload: k.workload,
      madeBy: k.madeBy,
      pods: k.pods,
      pools: k.pools,
      requests: { cpu: podResource(k.spec, "requests", "cpu"), memory: podResource(k.spec, "requests", "memory") },
      limits: { cpu: podResource(k.spec, "limits", "cpu"), memory: podResource(k.spec, "limits", "memory") },
    }));
}

export interface FootprintTotal {
  readonly pods: number;
  readonly cpuCores: number;
  readonly memoryGiB: number;
}

export function footprintTotal(rows: readonly FootprintRow[]): FootprintTotal {
  const cpu = rows.reduce((sum, r) => sum + r.pods * cpuCores(r.requests.cpu ?? "0"), 0);
  const memory = rows.reduce((sum, r) => sum + r.pods * memoryBytes(r.requests.memory ?? "0"), 0);
  return {
    pods: rows.reduce((n, r) => n + r.pods, 0),
    cpuCores: Math.round(cpu * 1000) / 1000,
    memoryGiB: Math.round((memory / 1024 ** 3) * 100) / 100,
  };
}
