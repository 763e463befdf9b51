/**
 * The capacity report: per pool what it has (nodes, GPUs, slots by resource name), per team what it
 * is guaranteed and what it may borrow, and the headroom no team is guaranteed. Computed from the same
 * plan functions the queues and validation use, so the report and the cluster always agree.
 */
import { ACCELERATORS } from "../profiles/accelerators";
import {
  gpuAmounts,
  maxObtainable,
  poolGpuCapacity,
  poolMaxNodes,
  poolSharingInWords,
  poolWorker,
  queuePoolNames,
  queuePools,
  teamNames,
} from "../profiles/plan";
import type { Profile } from "../profiles/schema";
import { App, Chart } from "cdk8s";
import { NO_DEMAND } from "../charts/workloads";
import type { ResourceDemand } from "../charts/workloads";
import { addSample } from "../platform/components/samples";
import { notebookProfiles, notebooks } from "../platform/components/notebooks";
import { lifecycleIn } from "../platform/component";
import { byText } from "../profiles/order";
import { formatCpu, formatMemory } from "../profiles/quantity";

export interface PoolCapacity {
  /** The MultiKueue worker the pool is on; undefined for the profile's own cluster. */
  readonly worker?: string;
  readonly pool: string;
  /** Nodes at the pool's largest (its autoscaling maximum in the clouds). */
  readonly nodes: number;
  readonly gpus: number;
  readonly accelerator?: string;
  readonly sharing: string;
  /** Slots by resource name. */
  readonly slots: Readonly<Record<string, number>>;
}

export interface TeamShare {
  readonly team: string;
  readonly pool: string;
  readonly resource: string;
  readonly guaranteed: number;
  readonly borrowable: number;
}

/** What one workload the profile declares asks its team's queue for, idle and at its largest. */
export interface WorkloadDemand {
  readonly team: string;
  readonly pool: string;
  /** The sample's name. */
  readonly workload: string;
  readonly kind: string;
  /** Held while idle: serving at its minimum replicas (none when it scales to zero), a RayCluster whole. */
  readonly resting: ResourceDemand;
  /** All pods at once (serving at its maximum replicas): what the queue must be able to admit. */
  readonly peak: ResourceDemand;
}

export interface CapacityReport {
  readonly profile: string;
  /** The declared workloads' demands (golden-path samples), by team and name. */
  readonly demands: readonly WorkloadDemand[];
  readonly pools: readonly PoolCapacity[];
  readonly teams: readonly TeamShare[];
  /** Slots no team is guaranteed, by pool and resource. */
  readonly headroom: ReadonlyArray<{ readonly pool: string; readonly resource: string; readonly slots: number }>;
}

export function capacityReport(profile: Profile): CapacityReport {
  const all = queuePools(profile);
  const pools = queuePoolNames(profile).map((name) => {
    const pool = all[name];
    return {
      ...(poolWorker(profile, name) ? { worker: poolWorker(profile, name) } : {}),
      pool: name,
      nodes: poolMaxNodes(pool),
      gpus: pool.gpu ? poolMaxNodes(pool) * pool.gpu.perNode : 0,
      accelerator: pool.gpu ? ACCELERATORS[pool.gpu.accelerator].description : undefined,
      sharing: poolSharingInWords(pool),
      slots: poolGpuCapacity(pool),
    };
  });
  const teams: TeamShare[] = [];
  const headroom: Array<{ pool: string; resource: string; slots: number }> = [];
  for (const { pool, slots } of pools) {
    for (const [resource, total] of Object.entries(slots)) {
      let guaranteedTotal = 0;
      for (const team of teamNames(profile)) {
        const guaranteed = gpuAmounts(all[pool], profile.teams[team].quota[pool]?.gpu)[resource] ?? 0;
        guaranteedTotal += guaranteed;
        teams.push({
          team,
          pool,
          resource,
          guaranteed,
          borrowable: maxObtainable(profile, team, pool, resource) - guaranteed,
        });
      }
      headroom.push({ pool, resource, slots: total - guaranteedTotal });
    }
  }
  return { profile: profile.name, pools, teams, headroom, demands: workloadDemands(profile) };
}

/**
 * The samples' demands, computed by the same constructs that render them, and one notebook server of each option a
 * team is offered (it holds nothing once culled, and each user's running server holds one of these).
 */
function workloadDemands(profile: Profile): WorkloadDemand[] {
  const scratch = new Chart(new App(), "capacity");
  const samples = Object.entries(profile.samples).map(([name, sample]) => {
    const { demand, resting } = addSample(scratch, name, profile, sample);
    return { team: sample.team, pool: sample.pool, workload: name, kind: sample.kind, resting, peak: demand };
  });
  const servers =
    lifecycleIn(profile, notebooks) === "managed"
      ? Object.values(notebookProfiles(profile))
          .flat()
          .map((option) => ({
            team: option.team,
            pool: option.pool,
            workload: option.slug,
            kind: "notebook server",
            resting: NO_DEMAND,
            peak: option.demand,
          }))
      : [];
  return [...samples, ...servers].sort(
    (a, b) => byText(a.team, b.team) || byText(a.kind, b.kind) || byText(a.workload, b.workload),
  );
}

/** `2 cpu, 8Gi, 1 × nvidia.com/mig-1g.10gb`, or `-` for nothing. */
export function formatDemand(demand: ResourceDemand): string {
  if (demand.pods === 0) return "-";
  return [
    `${formatCpu(demand.cpu)} cpu`,
    formatMemory(demand.memoryBytes),
    ...Object.entries(demand.extended).map(([resource, n]) => `${n} × ${resource}`),
  ].join(", ");
}

/** The report as text tables, for the command line and the README. */
export function formatCapacityReport(report: CapacityReport): string {
  // A MultiKueue profile's pools live on several clusters: say which.
  const multi = report.pools.some((p) => p.worker !== undefined);
  const lines = [
    `Profile ${report.profile}`,
    "",
    `| ${multi ? "cluster | " : ""}pool | nodes | GPUs | accelerator | sharing | slots |`,
    `|${multi ? "---|" : ""}---|---|---|---|---|---|`,
  ];
  for (const p of report.pools) {
    const slots =
      Object.entries(p.slots)
        .map(([name, n]) => `${n} × ${name}`)
        .join(", ") || "-";
    const cluster = multi ? `${p.worker ?? "management"} | ` : "";
    lines.push(`| ${cluster}${p.pool} | ${p.nodes} | ${p.gpus} | ${p.accelerator ?? "-"} | ${p.sharing} | ${slots} |`);
  }
  if (report.teams.length > 0) {
    lines.push("", "| team | pool | resource | guaranteed | can borrow |", "|---|---|---|---|---|");
    for (const t of report.teams)
      lines.push(`| ${t.team} | ${t.pool} | ${t.resource} | ${t.guaranteed} | ${t.borrowable} |`);
    lines.push("", "| pool | resource | headroom (guaranteed to nobody) |", "|---|---|---|");
    for (const h of report.headroom) lines.push(`| ${h.pool} | ${h.resource} | ${h.slots} |`);
  }
  if (report.demands.length > 0) {
    lines.push(
      "",
      "| team | pool | workload | kind | pods idle | holds idle | at peak |",
      "|---|---|---|---|---|---|---|",
    );
    for (const d of report.demands) {
      lines.push(
        `| ${d.team} | ${d.pool} | ${d.workload} | ${d.kind} | ${d.resting.pods} | ${formatDemand(d.resting)} | ${formatDemand(d.peak)} |`,
      );
    }
  }
  return lines.join("\n");
}
