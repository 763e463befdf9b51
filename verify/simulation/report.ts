/**
 * The simulation report: per team what Kueue admitted, how long it waited, what was preempted, how much GPU
 * time it used within its guarantee and by borrowing; per pool the utilisation; per pool a time series of
 * admitted slots per team (the SVG charts). Every number comes from the recorded Workload states and events
 * (verify/simulation/recording.ts); the profile gives only names, nominal quotas and the capacity report's
 * limits to compare against.
 */
import {
  maxObtainable,
  queuePoolNames,
  queuePools,
  poolGpuCapacity,
  teamNames,
  teamNamespace,
  gpuAmounts,
  quotaAmounts,
} from "../../profiles/plan";
import type { Profile } from "../../profiles/schema";
import type { SimObject, SimulationPlan, WorkloadKind } from "./plan";
import { WORKLOAD_KINDS } from "./plan";
import type { Recording, WorkloadState } from "./recording";

/** One (pool, resource) the report follows: each GPU resource of a GPU pool, `cpu` on a CPU pool. */
export interface TrackedResource {
  readonly pool: string;
  readonly resource: string;
  /** The pool's slots; for CPU, the cores the teams' nominal quotas add up to (what the cohort can admit). */
  readonly capacity: number;
}

export interface TeamShareUse {
  readonly team: string;
  readonly pool: string;
  readonly resource: string;
  readonly nominal: number;
  /** The capacity report's most: nominal plus what the team may borrow. */
  readonly obtainable: number;
  /** Most held at once. */
  readonly peak: number;
  /** Simulated slot-minutes held. */
  readonly used: number;
  /** Of which within the nominal quota. */
  readonly withinQuota: number;
  /** Of which above it (borrowed). */
  readonly borrowed: number;
  /** Nominal × the simulated span: what the guarantee was worth. */
  readonly guaranteed: number;
}

export interface TeamSummary {
  readonly team: string;
  readonly submitted: number;
  /** Got quota at least once. */
  readonly admitted: number;
  readonly finished: number;
  /** Evicted by preemption at least once. */
  readonly preempted: number;
  /** Never got quota, though its team could hold it. */
  readonly waiting: number;
  /** Never got quota, as the synthesis-time check predicted. */
  readonly inadmissible: number;
  /** Simulated minutes from the Workload's creation to its first quota reservation (admitted ones). */
  readonly medianWait?: number;
  readonly p95Wait?: number;
}

/** One kind of workload (Job, RayJob, TrainJob) across the teams: the same counts as a team's. */
export interface KindSummary {
  readonly kind: WorkloadKind;
  readonly submitted: number;
  readonly admitted: number;
  readonly finished: number;
  readonly waiting: number;
  readonly inadmissible: number;
}

export interface PoolUse {
  readonly pool: string;
  readonly resource: string;
  readonly capacity: number;
  readonly peak: number;
  /** Used slot-minutes over capacity × span. */
  readonly utilisation: number;
}

export interface SeriesPoint {
  readonly minute: number;
  readonly admitted: number;
}

export interface PoolSeries extends TrackedResource {
  readonly teams: ReadonlyArray<{
    readonly team: string;
    readonly nominal: number;
    readonly obtainable: number;
    readonly points: readonly SeriesPoint[];
  }>;
}

export interface Preemption {
  readonly minute: number;
  /** The preempted workload (its Job or RayJob). */
  readonly workload: string;
  readonly team: string;
  /** Kueue's cause, e.g. `reclamation within the cohort`, `prioritization in the ClusterQueue`. */
  readonly cause: string;
  /** The preemptor's ClusterQueue (the last part of Kueue's preemptor path). */
  readonly preemptor: string;
  readonly message: string;
}

/** The cause and preemptor ClusterQueue out of Kueue's `Preempted` event message. */
export function parsePreemption(message: string): { cause: string; preemptor: string } {
  const cause = /due to ([^;]+);/.exec(message)?.[1] ?? "";
  const path = /preemptor path: (\S+?);/.exec(message)?.[1] ?? "";
  return { cause, preemptor: path.split("/").pop() ?? "" };
}

export interface Inadmissible {
  readonly workload: string;
  readonly team: string;
  readonly pool: string;
  /** Kueue's message (QuotaReserved=False), the last one seen. */
  readonly kueue?: string;
  /** The synthesis-time check's reasons; empty when it predicted the workload fits. */
  readonly predicted: readonly string[];
}

/**
 * An overshoot Kueue corrects within this much real time is transient, not a violation. In the MIG reclaim scenarios'
 * recordings Kueue undid an admission that raced an eviction (QuotaReserved and Evicted both true) within 0.4 s. A design that lets Kueue admit more than a team may obtain or a pool holds keeps the
 * excess admitted for a workload's duration, which at the scenarios' scale is at least 5 real seconds (10 simulated
 * minutes at 120 simulated seconds per real second). A plan with shorter workloads gets half its shortest instead.
 */
export const TRANSIENT_OVERSHOOT_MS = 1000;

/** The longest overshoot of a plan that is transient: TRANSIENT_OVERSHOOT_MS, or half its shortest workload in real time. */
export function transientLimitMs(plan: SimulationPlan): number {
  const shortest = Math.min(...plan.workloads.map((w) => (w.duration * 60_000) / plan.timeScale));
  return Math.min(TRANSIENT_OVERSHOOT_MS, shortest / 2);
}

/** A span a team held more than the capacity report allows, or a pool admitted more than it has. */
export interface Violation {
  /** When it began, simulated minutes. */
  readonly minute: number;
  /** How long it lasted, real seconds (to the end of the recording when it never ended: always a violation). */
  readonly seconds: number;
  readonly pool: string;
  readonly resource: string;
  /** Undefined for the pool's total. */
  readonly team?: string;
  /** The most held during the span. */
  readonly held: number;
  readonly limit: number;
  /** The workloads holding it at its peak (their Job's, RayJob's or TrainJob's name), `(evicted)` while Kueue evicts one. */
  readonly holders: readonly string[];
}

export interface SimulationReport {
  readonly profile: string;
  readonly source: string;
  readonly timeScale: number;
  /** Simulated minutes from the first submission to the end of recording. */
  readonly minutes: number;
  readonly realSeconds: number;
  readonly stoppedBecause: string;
  readonly teams: readonly TeamSummary[];
  /** Per kind the plan submitted, in WORKLOAD_KINDS order. */
  readonly kinds: readonly KindSummary[];
  readonly shares: readonly TeamShareUse[];
  readonly pools: readonly PoolUse[];
  readonly series: readonly PoolSeries[];
  readonly preemptions: readonly Preemption[];
  readonly inadmissible: readonly Inadmissible[];
  /** Overshoots that lasted `transientMs` or longer: the design let Kueue admit too much. */
  readonly violations: readonly Violation[];
  /** Overshoots Kueue corrected within `transientMs`, shown but not failed on. */
  readonly transients: readonly Violation[];
  /** The longest overshoot counted as transient, real ms (transientLimitMs). */
  readonly transientMs: number;
  /** Per workload: first quota reservation and end, simulated minutes; its MultiKueue worker. */
  readonly workloads: ReadonlyArray<{
    readonly name: string;
    readonly team: string;
    readonly kind: WorkloadKind;
    readonly pool: string;
    readonly priority: string;
    readonly created?: number;
    readonly reserved?: number;
    readonly finished?: number;
    readonly preemptions: number;
    readonly cluster?: string;
  }>;
}

/** The resources the report follows, in pool order. */
export function trackedResources(profile: Profile): TrackedResource[] {
  const pools = queuePools(profile);
  return queuePoolNames(profile).flatMap((pool) => {
    const gpu = poolGpuCapacity(pools[pool]);
    if (Object.keys(gpu).length > 0) {
      return Object.entries(gpu).map(([resource, capacity]) => ({ pool, resource, capacity }));
    }
    const cores = teamNames(profile).reduce(
      (sum, team) => sum + (quotaAmounts(pools[pool], profile.teams[team].quota[pool]).cpu ?? 0),
      0,
    );
    return cores > 0 ? [{ pool, resource: "cpu", capacity: cores }] : [];
  });
}

function nominalOf(profile: Profile, team: string, pool: string, resource: string): number {
  const p = queuePools(profile)[pool];
  const quota = profile.teams[team].quota[pool];
  return resource === "cpu" ? (quotaAmounts(p, quota).cpu ?? 0) : (gpuAmounts(p, quota?.gpu)[resource] ?? 0);
}

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function simulationReport(
  profile: Profile,
  plan: SimulationPlan,
  objects: readonly SimObject[],
  recording: Recording,
): SimulationReport {
  const minute = (ms: number) => (ms * recording.timeScale) / 60_000;
  const teamOfNamespace = new Map(teamNames(profile).map((t) => [teamNamespace(t, profile.teams[t]), t]));
  const tracked = trackedResources(profile);
  const key = (pool: string, resource: string) => `${pool}\u0000${resource}`;
  const trackedKeys = new Set(tracked.map((t) => key(t.pool, t.resource)));
  const end = recording.endedAt;

  // Walk the observations in order: per workload its current usage; per team, pool and resource the total.
  const current = new Map<string, { team: string; name: string; evicted: boolean; usage: WorkloadState["usage"] }>();
  const held = new Map<string, number>(); // team \0 pool \0 resource → amount
  const series = new Map<string, SeriesPoint[]>(); // same key
  const poolHeld = new Map<string, number>();
  const integrals = new Map<string, { used: number; within: number; borrowed: number; peak: number }>();
  const poolIntegrals = new Map<string, { used: number; peak: number }>();
  const violations: Violation[] = [];
  const transients: Violation[] = [];
  const transientMs = transientLimitMs(plan);
  // Open overshoots by team \0 pool \0 resource (an empty team for the pool's total), closed when it is back within.
  const overshoots = new Map<string, Omit<Violation, "seconds"> & { startMs: number }>();
  /** `corrected`: back within the limit; else the recording ended first, and nothing shows Kueue would have. */
  const closeOvershoot = (k: string, atMs: number, corrected = true) => {
    const open = overshoots.get(k);
    if (!open) return;
    overshoots.delete(k);
    const { startMs, ...span } = open;
    const lasted = atMs - startMs;
    (corrected && lasted < transientMs ? transients : violations).push({ ...span, seconds: round1(lasted / 1000) });
  };
  const overshoot = (
    k: string,
    atMs: number,
    span: Omit<Violation, "seconds" | "holders">,
    holders: () => string[],
  ) => {
    const open = overshoots.get(k);
    if (!open) overshoots.set(k, { ...span, holders: holders(), startMs: atMs });
    else if (span.held > open.held) overshoots.set(k, { ...open, held: span.held, holders: holders() });
  };
  const perWorkload = new Map<
    string,
    { created?: number; reserved?: number; finished?: number; preemptions: number; cluster?: string; pending?: string }
  >();
  let last = 0;
  const advance = (to: number) => {
    const span = minute(to - last);
    if (span <= 0) return;
    for (const t of tracked) {
      for (const team of teamNames(profile)) {
        const k = `${team}\u0000${key(t.pool, t.resource)}`;
        const amount = held.get(k) ?? 0;
        const nominal = nominalOf(profile, team, t.pool, t.resource);
        const entry = integrals.get(k) ?? { used: 0, within: 0, borrowed: 0, peak: 0 };
        entry.used += amount * span;
        entry.within += Math.min(amount, nominal) * span;
        entry.borrowed += Math.max(0, amount - nominal) * span;
        integrals.set(k, entry);
      }
      const pk = key(t.pool, t.resource);
      const pe = poolIntegrals.get(pk) ?? { used: 0, peak: 0 };
      pe.used += (poolHeld.get(pk) ?? 0) * span;
      poolIntegrals.set(pk, pe);
    }
    last = to;
  };

  const observations = [...recording.observations].sort((a, b) => a.at - b.at);
  for (const o of observations) {
    advance(Math.max(0, o.at));
    const owner = o.owner ?? "";
    const info = perWorkload.get(owner) ?? { preemptions: 0 };
    perWorkload.set(owner, info);
    if (o.state) {
      info.created ??= Math.max(0, o.at);
      if (o.state.quotaReserved) info.reserved ??= Math.max(0, o.at);
      if (o.state.finished) info.finished ??= Math.max(0, o.at);
      info.preemptions = Math.max(info.preemptions, o.state.evictions.Preempted ?? 0);
      if (o.state.clusterName) info.cluster = o.state.clusterName;
      info.pending = o.state.pending ?? info.pending;
    }
    const team = teamOfNamespace.get(o.workload.split("/")[0]);
    if (!team) continue;
    const before = current.get(o.workload)?.usage ?? {};
    const after = o.state?.quotaReserved ? o.state.usage : {};
    const name = (o.owner ?? o.workload).split("/")[1] ?? o.workload;
    current.set(o.workload, { team, name, evicted: o.state?.evicted !== undefined, usage: after });
    const touched = new Set<string>();
    for (const [usage, sign] of [
      [before, -1],
      [after, 1],
    ] as const) {
      for (const [flavor, resources] of Object.entries(usage)) {
        for (const [resource, amount] of Object.entries(resources)) {
          if (!trackedKeys.has(key(flavor, resource))) continue;
          const k = `${team}\u0000${key(flavor, resource)}`;
          held.set(k, (held.get(k) ?? 0) + sign * amount);
          poolHeld.set(key(flavor, resource), (poolHeld.get(key(flavor, resource)) ?? 0) + sign * amount);
          touched.add(k);
        }
      }
    }
    for (const k of touched) {
      const [, pool, resource] = k.split("\u0000");
      const amount = Math.round((held.get(k) ?? 0) * 1000) / 1000;
      const points = series.get(k) ?? [];
      const at = round1(minute(Math.max(0, o.at)));
      if (points.length > 0 && points[points.length - 1].minute === at) points.pop();
      points.push({ minute: at, admitted: amount });
      series.set(k, points);
      const entry = integrals.get(k) ?? { used: 0, within: 0, borrowed: 0, peak: 0 };
      entry.peak = Math.max(entry.peak, amount);
      integrals.set(k, entry);
      const holders = (of?: string) =>
        [...current.values()]
          .filter((c) => (c.usage[pool]?.[resource] ?? 0) > 0 && (of === undefined || c.team === of))
          .map((c) => `${c.name}${c.evicted ? " (evicted)" : ""}`)
          .sort();
      const limit = maxObtainable(profile, team, pool, resource);
      const atMs = Math.max(0, o.at);
      if (amount > limit + 1e-9 && resource !== "cpu")
        overshoot(k, atMs, { minute: at, pool, resource, team, held: amount, limit }, () => holders(team));
      else closeOvershoot(k, atMs);
      const total = poolHeld.get(key(pool, resource)) ?? 0;
      const pe = poolIntegrals.get(key(pool, resource)) ?? { used: 0, peak: 0 };
      pe.peak = Math.max(pe.peak, total);
      poolIntegrals.set(key(pool, resource), pe);
      const capacity = tracked.find((t) => t.pool === pool && t.resource === resource)?.capacity ?? Infinity;
      const totalKey = `\u0000${key(pool, resource)}`;
      if (total > capacity + 1e-9)
        overshoot(totalKey, atMs, { minute: at, pool, resource, held: total, limit: capacity }, () => holders());
      else closeOvershoot(totalKey, atMs);
    }
  }
  advance(end);
  for (const k of [...overshoots.keys()]) closeOvershoot(k, end, false);
  const byStart = (a: Violation, b: Violation) => a.minute - b.minute;
  violations.sort(byStart);
  transients.sort(byStart);
  const minutes = round1(minute(end));

  const preemptions: Preemption[] = recording.events
    .filter((e) => e.reason === "Preempted")
    .map((e) => {
      const owner = observations.find((o) => o.workload === e.workload)?.owner ?? e.workload;
      return {
        minute: round1(minute(e.at)),
        workload: owner.split("/")[1] ?? owner,
        team: teamOfNamespace.get(e.workload.split("/")[0]) ?? "",
        ...parsePreemption(e.message),
        message: e.message,
      };
    });

  const workloads = objects.map((o) => {
    const info = perWorkload.get(`${o.object.metadata.namespace}/${o.workload.name}`);
    return {
      name: o.workload.name,
      team: o.workload.team,
      kind: o.workload.kind,
      pool: o.workload.pool,
      priority: o.workload.priority,
      ...(info?.created !== undefined ? { created: round1(minute(info.created)) } : {}),
      ...(info?.reserved !== undefined ? { reserved: round1(minute(info.reserved)) } : {}),
      ...(info?.finished !== undefined ? { finished: round1(minute(info.finished)) } : {}),
      preemptions: info?.preemptions ?? 0,
      ...(info?.cluster ? { cluster: info.cluster } : {}),
    };
  });

  const infosOf = (mine: readonly SimObject[]) =>
    mine.map((o) => ({ o, info: perWorkload.get(`${o.object.metadata.namespace}/${o.workload.name}`) }));
  const counts = (infos: ReturnType<typeof infosOf>) => ({
    submitted: infos.length,
    admitted: infos.filter(({ info }) => info?.reserved !== undefined).length,
    finished: infos.filter(({ info }) => info?.finished !== undefined).length,
    waiting: infos.filter(({ o, info }) => info?.reserved === undefined && o.neverAdmissible.length === 0).length,
    inadmissible: infos.filter(({ o, info }) => info?.reserved === undefined && o.neverAdmissible.length > 0).length,
  });
  const kinds: KindSummary[] = WORKLOAD_KINDS.filter((kind) => objects.some((o) => o.workload.kind === kind)).map(
    (kind) => ({ kind, ...counts(infosOf(objects.filter((o) => o.workload.kind === kind))) }),
  );
  const teams: TeamSummary[] = teamNames(profile).map((team) => {
    const infos = infosOf(objects.filter((o) => o.workload.team === team));
    const waits = infos
      .filter(({ info }) => info?.reserved !== undefined && info.created !== undefined)
      .map(({ info }) => minute((info?.reserved ?? 0) - (info?.created ?? 0)))
      .sort((a, b) => a - b);
    const median = quantile(waits, 0.5);
    const p95 = quantile(waits, 0.95);
    const { submitted, admitted, finished, waiting, inadmissible } = counts(infos);
    return {
      team,
      submitted,
      admitted,
      finished,
      preempted: infos.filter(({ info }) => (info?.preemptions ?? 0) > 0).length,
      waiting,
      inadmissible,
      ...(median !== undefined ? { medianWait: round1(median) } : {}),
      ...(p95 !== undefined ? { p95Wait: round1(p95) } : {}),
    };
  });

  const shares: TeamShareUse[] = tracked.flatMap((t) =>
    teamNames(profile).map((team) => {
      const entry = integrals.get(`${team}\u0000${key(t.pool, t.resource)}`) ?? {
        used: 0,
        within: 0,
        borrowed: 0,
        peak: 0,
      };
      const nominal = nominalOf(profile, team, t.pool, t.resource);
      return {
        team,
        pool: t.pool,
        resource: t.resource,
        nominal,
        obtainable: t.resource === "cpu" ? nominal : maxObtainable(profile, team, t.pool, t.resource),
        peak: entry.peak,
        used: round1(entry.used),
        withinQuota: round1(entry.within),
        borrowed: round1(entry.borrowed),
        guaranteed: round1(nominal * minute(end)),
      };
    }),
  );

  const pools: PoolUse[] = tracked.map((t) => {
    const pe = poolIntegrals.get(key(t.pool, t.resource)) ?? { used: 0, peak: 0 };
    const possible = t.capacity * minute(end);
    return {
      pool: t.pool,
      resource: t.resource,
      capacity: t.capacity,
      peak: pe.peak,
      utilisation: possible > 0 ? Math.round((pe.used / possible) * 1000) / 1000 : 0,
    };
  });

  const poolSeries: PoolSeries[] = tracked.map((t) => ({
    ...t,
    teams: teamNames(profile).map((team) => ({
      team,
      nominal: nominalOf(profile, team, t.pool, t.resource),
      obtainable:
        t.resource === "cpu"
          ? nominalOf(profile, team, t.pool, t.resource)
          : maxObtainable(profile, team, t.pool, t.resource),
      points: series.get(`${team}\u0000${key(t.pool, t.resource)}`) ?? [],
    })),
  }));

  const inadmissible: Inadmissible[] = objects
    .filter((o) => perWorkload.get(`${o.object.metadata.namespace}/${o.workload.name}`)?.reserved === undefined)
    .filter((o) => o.neverAdmissible.length > 0 || recording.stoppedBecause === "deadline")
    .map((o) => {
      const info = perWorkload.get(`${o.object.metadata.namespace}/${o.workload.name}`);
      return {
        workload: o.workload.name,
        team: o.workload.team,
        pool: o.workload.pool,
        ...(info?.pending ? { kueue: info.pending } : {}),
        predicted: [...o.neverAdmissible],
      };
    });

  return {
    profile: profile.name,
    source: plan.source,
    timeScale: recording.timeScale,
    minutes,
    realSeconds: Math.round(end / 100) / 10,
    stoppedBecause: recording.stoppedBecause,
    teams,
    kinds,
    shares,
    pools,
    series: poolSeries,
    preemptions,
    inadmissible,
    violations,
    transients,
    transientMs,
    workloads,
  };
}

const fmt = (n: number | undefined) => (n === undefined ? "-" : String(n));

/** The report as text: what `npm run simulate` prints. */
export function formatSimulationReport(report: SimulationReport): string {
  const lines = [
    `Kueue simulation of profile ${report.profile} (${report.source === "derived" ? "workloads derived from the profile" : `workloads from ${report.source}`})`,
    `Time compressed: 1 simulated minute = ${(60 / report.timeScale).toFixed(2)} real s; ${report.minutes} simulated minutes in ${report.realSeconds} s; stopped: ${report.stoppedBecause}.`,
    "Every number below comes from the Kueue Workload objects' conditions and events.",
    "",
    "| team | submitted | admitted | finished | preempted | waiting | inadmissible | median wait (min) | p95 wait (min) |",
    "|---|---|---|---|---|---|---|---|---|",
    ...report.teams.map(
      (t) =>
        `| ${t.team} | ${t.submitted} | ${t.admitted} | ${t.finished} | ${t.preempted} | ${t.waiting} | ${t.inadmissible} | ${fmt(t.medianWait)} | ${fmt(t.p95Wait)} |`,
    ),
    "",
    "| kind | submitted | admitted | finished | waiting | inadmissible |",
    "|---|---|---|---|---|---|",
    ...report.kinds.map(
      (k) => `| ${k.kind} | ${k.submitted} | ${k.admitted} | ${k.finished} | ${k.waiting} | ${k.inadmissible} |`,
    ),
    "",
    "| team | pool | resource | nominal | can obtain | peak held | used (slot-min) | within quota | borrowed | guaranteed |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...report.shares
      .filter((s) => s.used > 0 || s.nominal > 0)
      .map(
        (s) =>
          `| ${s.team} | ${s.pool} | ${s.resource} | ${s.nominal} | ${s.obtainable} | ${s.peak} | ${s.used} | ${s.withinQuota} | ${s.borrowed} | ${s.guaranteed} |`,
      ),
    "",
    "| pool | resource | capacity | peak | utilisation |",
    "|---|---|---|---|---|",
    ...report.pools.map(
      (p) => `| ${p.pool} | ${p.resource} | ${p.capacity} | ${p.peak} | ${(p.utilisation * 100).toFixed(1)}% |`,
    ),
  ];
  if (report.preemptions.length > 0) {
    lines.push("", `Preemptions (${report.preemptions.length}):`);
    for (const p of report.preemptions.slice(0, 20))
      lines.push(`  minute ${p.minute}: ${p.workload} (${p.team}) by ${p.preemptor}: ${p.cause}`);
    if (report.preemptions.length > 20)
      lines.push(`  … and ${report.preemptions.length - 20} more (in the JSON report)`);
  }
  if (report.inadmissible.length > 0) {
    lines.push("", "Never admitted:");
    for (const i of report.inadmissible) {
      lines.push(
        `  ${i.workload} (${i.team}, pool ${i.pool}): Kueue: ${i.kueue ?? "(no reason recorded)"}; synthesis-time check: ${i.predicted.join("; ") || "predicted it fits"}`,
      );
    }
  }
  const spans = (list: readonly Violation[]) =>
    list
      .map(
        (v) =>
          `  minute ${v.minute}, for ${v.seconds} s: ${v.team ?? "pool total"} held ${v.held} ${v.resource} in ${v.pool}, limit ${v.limit}; held by ${v.holders.join(", ")}`,
      )
      .join("\n");
  lines.push(
    "",
    report.violations.length === 0
      ? "No team held more than the capacity report allows, and no pool admitted more than it has."
      : `VIOLATIONS (${report.violations.length}):\n${spans(report.violations)}`,
  );
  if (report.transients.length > 0) {
    lines.push(
      `Transient overshoots, corrected by Kueue within ${report.transientMs / 1000} s (not violations) (${report.transients.length}):\n${spans(report.transients)}`,
    );
  }
  return lines.join("\n");
}
