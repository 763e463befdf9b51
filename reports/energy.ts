/**
 * Energy and carbon per team, from Kepler's per-pod energy counters (docs/energy.md).
 *
 * The platform is synthesized without a cluster, so nothing here invents a figure: the report states the PromQL it
 * runs and the carbon intensity it multiplies by, and only with a running Prometheus (`npm run cost -- --prometheus
 * <url>`) does it print measured kWh and gCO2e. The query builders are exported for dashboards too.
 *
 * Kepler 0.11.4 exports no namespace-level metric: its pod counters carry `pod_namespace`, so a team's energy is
 * the sum of its pods' counters (sustainable-computing-io/kepler@v0.11.4:docs/user/metrics.md, "Pod Metrics").
 */
import { RAPL_ZONES } from "../platform/components/kepler";
import type { CarbonIntensity, Profile } from "../profiles/schema";
import { teamNames, teamNamespace } from "../profiles/plan";

/** 1 kWh = 3.6 MJ. */
export const JOULES_PER_KWH = 3_600_000;

/** Kepler 0.11.4's per-pod energy counters, in joules (docs/user/metrics.md). */
export const POD_ENERGY_METRICS = {
  cpu: "kepler_pod_cpu_joules_total",
  gpu: "kepler_pod_gpu_joules_total",
} as const;

/** Prometheus keeps this much here (platform/components/observability.ts, `retention`): a longer period sees less. */
export const PROMETHEUS_RETENTION = "2d";

/** The period the report sums over when none is given: within the platform Prometheus' retention. */
export const DEFAULT_PERIOD = "1d";

/** A Prometheus range duration of one unit: minutes, hours, days or weeks, e.g. `30m`, `24h`, `7d`. */
const PERIOD = /^[1-9][0-9]{0,5}[mhdw]$/;

export function checkPeriod(period: string): string {
  if (!PERIOD.test(period)) {
    throw new Error(
      `--period is "${period}": give a Prometheus duration of one unit, a whole number then m, h, d or w (e.g. 24h, 7d)`,
    );
  }
  return period;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A checked period in seconds. */
export function periodSeconds(period: string): number {
  checkPeriod(period);
  return Number(period.slice(0, -1)) * UNIT_SECONDS[period.slice(-1)];
}

/** The team namespaces, sorted by team, as the report lists them. */
export function teamNamespaces(profile: Profile): Array<{ team: string; namespace: string }> {
  return teamNames(profile).map((team) => ({ team, namespace: teamNamespace(team, profile.teams[team]) }));
}

export interface EnergyQueries {
  /** CPU package and DRAM energy of the namespaces' pods over the period, in joules, by `pod_namespace`. */
  readonly cpu: string;
  /** GPU energy (NVML) of the namespaces' pods over the period, in joules, by `pod_namespace`. */
  readonly gpu: string;
}

/**
 * The PromQL for the joules each namespace's pods used over `period`: `increase` of the pod counters, summed by
 * `pod_namespace`. Only the RAPL zones Kepler is configured with are summed (package and DRAM do not overlap; psys
 * and core would count the same joules again), so an external Kepler exporting every zone is not double-counted.
 */
export function energyQueries(namespaces: readonly string[], period: string): EnergyQueries {
  checkPeriod(period);
  if (namespaces.length === 0) throw new Error("energy queries need at least one namespace");
  const selector = `pod_namespace=~"${[...namespaces].sort().join("|")}"`;
  const sum = (metric: string, extra = "") =>
    `sum by (pod_namespace) (increase(${metric}{${selector}${extra}}[${period}]))`;
  return {
    cpu: sum(POD_ENERGY_METRICS.cpu, `,zone=~"${RAPL_ZONES.join("|")}"`),
    gpu: sum(POD_ENERGY_METRICS.gpu),
  };
}

/** The PromQL for the watts each namespace's pods draw now (the gauges beside the counters), by `pod_namespace`. */
export function powerQueries(namespaces: readonly string[]): EnergyQueries {
  if (namespaces.length === 0) throw new Error("power queries need at least one namespace");
  const selector = `pod_namespace=~"${[...namespaces].sort().join("|")}"`;
  return {
    cpu: `sum by (pod_namespace) (kepler_pod_cpu_watts{${selector},zone=~"${RAPL_ZONES.join("|")}"})`,
    gpu: `sum by (pod_namespace) (kepler_pod_gpu_watts{${selector}})`,
  };
}

export function kWhOf(joules: number): number {
  return joules / JOULES_PER_KWH;
}

/** Operational carbon: energy times the grid's average intensity (no embodied carbon, no PUE). */
export function gramsCO2eOf(kWh: number, intensity: CarbonIntensity): number {
  return kWh * intensity.gramsPerKWh;
}

/** Joules by namespace, as one instant query of the report returns them. */
export type JoulesByNamespace = ReadonlyMap<string, number>;

interface PrometheusAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: Array<{ metric?: Record<string, string>; value?: [number, string] }> };
}

/** Runs one instant query (`/api/v1/query`) at `at` and returns its samples by `pod_namespace`. */
export async function queryJoules(prometheus: string, query: string, at: Date): Promise<JoulesByNamespace> {
  const url = new URL("api/v1/query", prometheus.endsWith("/") ? prometheus : `${prometheus}/`);
  url.searchParams.set("query", query);
  url.searchParams.set("time", String(at.getTime() / 1000));
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(
      `cannot reach Prometheus at ${prometheus} (${cause}): port-forward it first, e.g. kubectl -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090, then --prometheus http://localhost:9090`,
    );
  }
  const text = await response.text();
  let answer: PrometheusAnswer;
  try {
    answer = JSON.parse(text) as PrometheusAnswer;
  } catch {
    throw new Error(`Prometheus at ${prometheus} answered HTTP ${response.status} with no JSON: is it a Prometheus?`);
  }
  if (!response.ok || answer.status !== "success" || answer.data?.resultType !== "vector") {
    throw new Error(
      `Prometheus at ${prometheus} refused the query (HTTP ${response.status}: ${answer.error ?? `result type ${answer.data?.resultType}`}): ${query}`,
    );
  }
  const joules = new Map<string, number>();
  for (const sample of answer.data.result ?? []) {
    const namespace = sample.metric?.pod_namespace;
    const value = Number(sample.value?.[1]);
    if (namespace !== undefined && Number.isFinite(value)) joules.set(namespace, value);
  }
  return joules;
}

export interface TeamEnergy {
  readonly team: string;
  readonly namespace: string;
  /** Undefined when Prometheus has no Kepler series for the namespace over the period. */
  readonly cpuKWh?: number;
  readonly gpuKWh?: number;
  readonly kWh?: number;
  /** Only with a carbon intensity in the profile. */
  readonly gramsCO2e?: number;
}

/** Turns the two queries' answers into kWh and gCO2e per team. */
export function teamEnergy(profile: Profile, cpu: JoulesByNamespace, gpu: JoulesByNamespace): readonly TeamEnergy[] {
  const intensity = profile.energy.carbonIntensity;
  return teamNamespaces(profile).map(({ team, namespace }) => {
    if (!cpu.has(namespace) && !gpu.has(namespace)) return { team, namespace };
    const cpuKWh = kWhOf(cpu.get(namespace) ?? 0);
    const gpuKWh = kWhOf(gpu.get(namespace) ?? 0);
    const kWh = cpuKWh + gpuKWh;
    return { team, namespace, cpuKWh, gpuKWh, kWh, ...(intensity ? { gramsCO2e: gramsCO2eOf(kWh, intensity) } : {}) };
  });
}

/** Queries a running Prometheus for every team's energy over `period`, ending at `at`. */
export async function measureTeamEnergy(
  profile: Profile,
  prometheus: string,
  period: string,
  at: Date = new Date(),
): Promise<readonly TeamEnergy[]> {
  const queries = energyQueries(
    teamNamespaces(profile).map((t) => t.namespace),
    period,
  );
  const [cpu, gpu] = await Promise.all([
    queryJoules(prometheus, queries.cpu, at),
    queryJoules(prometheus, queries.gpu, at),
  ]);
  return teamEnergy(profile, cpu, gpu);
}

function intensityLine(intensity: CarbonIntensity | undefined): string {
  return intensity
    ? `Carbon intensity: ${intensity.gramsPerKWh} gCO2e/kWh (${intensity.source}, ${intensity.date}); gCO2e = kWh × ${intensity.gramsPerKWh}.`
    : "Carbon intensity: not set (energy.carbonIntensity), so energy only: no carbon figure without a sourced, dated intensity.";
}

const kWhText = (kWh: number | undefined) => (kWh === undefined ? "no data" : kWh.toFixed(4));
const gramsText = (grams: number | undefined, measured: boolean, intensity: boolean) =>
  !measured ? "no data" : !intensity ? "no intensity" : (grams as number).toFixed(1);

/**
 * The energy section of `npm run cost` for one profile. Without `measured`, it lists the queries and the intensity it
 * would use and no number; with it, kWh and gCO2e per team from the Prometheus that answered.
 */
export function formatEnergyReport(
  profile: Profile,
  period: string,
  measured?: { readonly prometheus: string; readonly teams: readonly TeamEnergy[] },
): string {
  const teams = teamNamespaces(profile);
  if (teams.length === 0) return `Energy per team on ${profile.name}: the profile has no teams.`;
  const queries = energyQueries(
    teams.map((t) => t.namespace),
    period,
  );
  const intensity = profile.energy.carbonIntensity;
  const retention =
    `Prometheus here keeps ${PROMETHEUS_RETENTION}` +
    (periodSeconds(period) > periodSeconds(PROMETHEUS_RETENTION) ? ": a longer period sees only that" : "");
  const lines = measured
    ? [
        `Energy per team on ${profile.name} over the last ${period}, measured by Kepler (CPU package and DRAM from RAPL, GPU from NVML) through ${measured.prometheus}; ${retention}.`,
      ]
    : [
        `Energy per team on ${profile.name}: not measured here (run with --prometheus <url> against the cluster's Prometheus); over the last ${period} it would run:`,
        `  CPU: ${queries.cpu}`,
        `  GPU: ${queries.gpu}`,
        `and convert kWh = joules / ${JOULES_PER_KWH}; ${retention}.`,
      ];
  lines.push(intensityLine(intensity), "");
  lines.push("| team | namespace | CPU kWh | GPU kWh | energy (kWh) | carbon (gCO2e) |", "|---|---|---|---|---|---|");
  const byTeam = new Map((measured?.teams ?? []).map((t) => [t.team, t]));
  for (const { team, namespace } of teams) {
    if (!measured) {
      lines.push(`| ${team} | ${namespace} | - | - | - | - |`);
      continue;
    }
    const e = byTeam.get(team);
    lines.push(
      `| ${team} | ${namespace} | ${kWhText(e?.cpuKWh)} | ${kWhText(e?.gpuKWh)} | ${kWhText(e?.kWh)} | ${gramsText(e?.gramsCO2e, e?.kWh !== undefined, intensity !== undefined)} |`,
    );
  }
  return lines.join("\n");
}

export interface EnergyOptions {
  /** The Prometheus to query; without it the report states its queries only. */
  readonly prometheus?: string;
  readonly period: string;
}

/** `npm run cost -- [--prometheus <url>] [--period <duration>]`. */
export function parseEnergyOptions(argv: readonly string[]): EnergyOptions {
  let prometheus: string | undefined;
  let period = DEFAULT_PERIOD;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag !== "--prometheus" && flag !== "--period") {
      throw new Error(
        `unknown argument "${flag}": npm run cost -- [--prometheus <url>] [--period <duration, e.g. 7d>]`,
      );
    }
    if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
    i++;
    if (flag === "--period") period = checkPeriod(value);
    else {
      if (!/^https?:\/\/[^/]/.test(value)) {
        throw new Error(`--prometheus is "${value}": give the Prometheus base URL, e.g. http://localhost:9090`);
      }
      prometheus = value;
    }
  }
  return { prometheus, period };
}
