/**
 * What the simulation driver records while Kueue works: every change it observes on a Kueue Workload object
 * (through a watch, so nothing is sampled away) reduced to the fields the report reads, and the Workloads'
 * events. The report (verify/simulation/report.ts) derives every number from this record, never from our own
 * model of Kueue.
 */
import { cpuCores, memoryBytes } from "../../profiles/quantity";

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The parts of a `kueue.x-k8s.io/v1beta2` Workload the report reads (pinned CRD, kueue v0.19.2). */
export interface WorkloadObject {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    ownerReferences?: Array<{ kind: string; name: string }>;
  };
  spec?: { queueName?: string; priorityClassRef?: { name?: string } };
  status?: {
    conditions?: Condition[];
    clusterName?: string;
    admission?: {
      clusterQueue?: string;
      podSetAssignments?: Array<{
        name: string;
        count?: number;
        flavors?: Record<string, string>;
        resourceUsage?: Record<string, string>;
      }>;
    };
    schedulingStats?: { evictions?: Array<{ reason: string; underlyingCause?: string; count: number }> };
  };
}

/** A Workload's state as the report needs it; a new observation is recorded only when this changes. */
export interface WorkloadState {
  readonly quotaReserved: boolean;
  readonly admitted: boolean;
  readonly finished: boolean;
  /** Why it is not admitted yet: QuotaReserved=False's message. */
  readonly pending?: string;
  /** The last eviction, while the Evicted condition is True. */
  readonly evicted?: { readonly reason: string; readonly message: string };
  /** Quota held while reserved and not finished: flavor → resource → amount (cores, bytes, slots). */
  readonly usage: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The MultiKueue worker it was dispatched to. */
  readonly clusterName?: string;
  /** Evictions so far, by reason (`Preempted`, …), from `status.schedulingStats`. */
  readonly evictions: Readonly<Record<string, number>>;
}

export interface Observation {
  /** Milliseconds since the simulation started. */
  readonly at: number;
  /** `<namespace>/<workload name>`. */
  readonly workload: string;
  /** `<namespace>/<owner name>`: the Job, RayJob or TrainJob it belongs to. */
  readonly owner?: string;
  /** Undefined when the Workload was deleted. */
  readonly state?: WorkloadState;
}

export interface RecordedEvent {
  readonly at: number;
  readonly workload: string;
  readonly reason: string;
  readonly message: string;
}

export interface Submission {
  /** The simulated workload's name (its Job's or RayJob's). */
  readonly name: string;
  readonly namespace: string;
  readonly at: number;
  /** Set when the API refused it. */
  readonly error?: string;
}

export interface Recording {
  /** Wall-clock start (ms since the epoch). */
  readonly startedAt: number;
  /** Milliseconds from start until the driver stopped watching. */
  readonly endedAt: number;
  /** Simulated seconds per real second. */
  readonly timeScale: number;
  readonly submissions: readonly Submission[];
  readonly observations: readonly Observation[];
  readonly events: readonly RecordedEvent[];
  /** Why the driver stopped: `all finished`, `only never-admissible workloads left`, or `deadline`. */
  readonly stoppedBecause: string;
}

/** A quantity as a number in the unit the quotas use: cores for cpu, bytes for memory, a count otherwise. */
export function quantity(resource: string, value: string): number {
  if (resource === "cpu") return cpuCores(value);
  if (resource === "memory") return memoryBytes(value);
  return Number(value);
}

function condition(object: WorkloadObject, type: string): Condition | undefined {
  return object.status?.conditions?.find((c) => c.type === type);
}

/** Reduces a Workload object to what the report reads. */
export function workloadState(object: WorkloadObject): WorkloadState {
  const reserved = condition(object, "QuotaReserved");
  const evicted = condition(object, "Evicted");
  const quotaReserved = reserved?.status === "True";
  const finished = condition(object, "Finished")?.status === "True";
  const usage: Record<string, Record<string, number>> = {};
  // A finished Workload keeps its admission (and QuotaReserved) for the record, but Kueue no longer counts it.
  if (quotaReserved && !finished) {
    for (const assignment of object.status?.admission?.podSetAssignments ?? []) {
      for (const [resource, amount] of Object.entries(assignment.resourceUsage ?? {})) {
        const flavor = assignment.flavors?.[resource];
        if (!flavor) continue;
        const byResource = (usage[flavor] ??= {});
        byResource[resource] = (byResource[resource] ?? 0) + quantity(resource, amount);
      }
    }
  }
  const evictions: Record<string, number> = {};
  for (const e of object.status?.schedulingStats?.evictions ?? []) {
    evictions[e.reason] = (evictions[e.reason] ?? 0) + e.count;
  }
  return {
    quotaReserved,
    admitted: condition(object, "Admitted")?.status === "True",
    finished,
    ...(reserved?.status === "False" && reserved.message ? { pending: reserved.message } : {}),
    ...(evicted?.status === "True"
      ? { evicted: { reason: evicted.reason ?? "", message: evicted.message ?? "" } }
      : {}),
    usage,
    ...(object.status?.clusterName ? { clusterName: object.status.clusterName } : {}),
    evictions,
  };
}

/** The kinds a simulated workload is submitted as: the owner of its Kueue Workload. */
export const OWNER_KINDS: readonly string[] = ["Job", "RayJob", "TrainJob"];

/** The Job, RayJob or TrainJob a Workload belongs to, `<namespace>/<name>`. */
export function ownerOf(object: WorkloadObject): string | undefined {
  const owner = object.metadata.ownerReferences?.find((o) => OWNER_KINDS.includes(o.kind));
  return owner ? `${object.metadata.namespace}/${owner.name}` : undefined;
}

/** Keeps the last state per Workload and returns an observation only when the state changed. */
export class Observer {
  private readonly last = new Map<string, string>();

  observe(at: number, type: string, object: WorkloadObject): Observation | undefined {
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    const owner = ownerOf(object);
    if (type === "DELETED") {
      if (!this.last.has(key)) return undefined;
      this.last.delete(key);
      return { at, workload: key, ...(owner ? { owner } : {}) };
    }
    const state = workloadState(object);
    const text = JSON.stringify(state);
    if (this.last.get(key) === text) return undefined;
    this.last.set(key, text);
    return { at, workload: key, ...(owner ? { owner } : {}), state };
  }

  /** The latest state of every Workload still present. */
  current(): Map<string, WorkloadState> {
    return new Map([...this.last].map(([key, text]) => [key, JSON.parse(text) as WorkloadState]));
  }
}
