/**
 * The simulation's driver: runs inside the cluster's network namespace (`local.ts simulate-driver <dir>`),
 * submits each workload at its arrival time through the API (so Kueue's own webhooks suspend and label it, as
 * for a user), watches every Kueue Workload and the Workloads' events, and records each change
 * (verify/simulation/recording.ts) until every workload finished, only workloads no queue can ever admit are
 * left, or the deadline passed. Input and output are files in `<dir>/simulation/`.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type {
  Observation,
  RecordedEvent,
  Recording,
  Submission,
  WorkloadObject,
} from "../../verify/simulation/recording";
import { Observer } from "../../verify/simulation/recording";
import type { KubeObject } from "./kube-api";
import { KubeApi } from "./kube-api";

export const SIMULATION_DIR = "simulation";
export const DRIVER_INPUT = "input.json";
export const DRIVER_RECORDING = "recording.json";

export interface DriverObject {
  /** The simulated workload's name (its Job's or RayJob's name). */
  readonly name: string;
  readonly plural: string;
  readonly object: KubeObject;
  /** Milliseconds after the start at which it is submitted. */
  readonly arrivalMs: number;
  /** The synthesis-time check says no queue can ever admit it: the driver waits only for Kueue's reason. */
  readonly neverAdmissible: boolean;
}

export interface DriverInput {
  readonly timeScale: number;
  /** Milliseconds after the start when the driver stops, whatever is left. */
  readonly deadlineMs: number;
  readonly objects: readonly DriverObject[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether every submitted workload has reached its end (finished, or refused by Kueue with a reason). */
export function allSettled(
  input: DriverInput,
  submissions: readonly Submission[],
  latest: ReadonlyMap<string, { finished: boolean; quotaReserved: boolean; pending?: string }>,
): boolean {
  if (submissions.length < input.objects.length) return false;
  return input.objects.every((o) => {
    const submitted = submissions.find((s) => s.name === o.name);
    if (submitted?.error) return true;
    const state = latest.get(`${o.object.metadata.namespace}/${o.name}`);
    if (!state) return false;
    return state.finished || (o.neverAdmissible && !state.quotaReserved && state.pending !== undefined);
  });
}

export async function runSimulationDriver(dir: string, kubeconfig: string): Promise<number> {
  const folder = join(dir, SIMULATION_DIR);
  const input = JSON.parse(readFileSync(join(folder, DRIVER_INPUT), "utf8")) as DriverInput;
  const api = new KubeApi(kubeconfig);
  const observer = new Observer();
  const observations: Observation[] = [];
  const events: RecordedEvent[] = [];
  const submissions: Submission[] = [];
  /** The latest state by owner (`<namespace>/<job>`). */
  const latest = new Map<string, { finished: boolean; quotaReserved: boolean; pending?: string }>();
  // A monotonic clock: the report orders observations by these times, which a wall-clock step would reorder.
  let start = performance.now();
  const now = () => Math.round(performance.now() - start);
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

  const workloads = api.watch<WorkloadObject & KubeObject>(
    "kueue.x-k8s.io/v1beta2",
    "workloads",
    (event) => {
      const observation = observer.observe(now(), event.type, event.object);
      if (!observation) return;
      observations.push(observation);
      if (observation.owner && observation.state) latest.set(observation.owner, observation.state);
    },
    (error) => log(`workload watch: ${error.message}`),
  );
  const seenEvents = new Set<string>();
  // Events outlive their Workloads (an hour by default): those listed before the start belong to an earlier run.
  let live = false;
  const eventWatch = api.watch<KubeObject>(
    "v1",
    "events",
    (event) => {
      const e = event.object as KubeObject & {
        involvedObject?: { kind?: string; name?: string; namespace?: string };
        reason?: string;
        message?: string;
      };
      if (e.involvedObject?.kind !== "Workload" || event.type === "DELETED") return;
      const key = `${e.metadata.uid}/${e.count ?? 1}`;
      if (seenEvents.has(key)) return;
      seenEvents.add(key);
      if (!live) return;
      events.push({
        at: now(),
        workload: `${e.involvedObject.namespace}/${e.involvedObject.name}`,
        reason: e.reason ?? "",
        message: e.message ?? "",
      });
    },
    (error) => log(`event watch: ${error.message}`),
  );
  await Promise.all([workloads.ready, eventWatch.ready]);
  live = true;
  start = performance.now();
  const startedAt = Date.now();
  log(`watching; submitting ${input.objects.length} workloads`);

  const pending = [...input.objects].sort((a, b) => a.arrivalMs - b.arrivalMs);
  const submit = async (o: DriverObject) => {
    const at = now();
    try {
      await api.create(o.plural, o.object);
      submissions.push({ name: o.name, namespace: o.object.metadata.namespace ?? "", at });
    } catch (error) {
      submissions.push({
        name: o.name,
        namespace: o.object.metadata.namespace ?? "",
        at,
        error: (error as Error).message,
      });
      log(`submitting ${o.name} failed: ${(error as Error).message}`);
    }
  };
  let stoppedBecause = "deadline";
  for (;;) {
    const due: DriverObject[] = [];
    while (pending.length > 0 && pending[0].arrivalMs <= now()) due.push(pending.shift() as DriverObject);
    // Submissions due together go in parallel (a few at a time), as a busy team's CI would send them.
    for (let i = 0; i < due.length; i += 8) await Promise.all(due.slice(i, i + 8).map(submit));
    if (pending.length === 0 && allSettled(input, submissions, latest)) {
      const neverAdmissible = input.objects.filter((o) => o.neverAdmissible).length;
      stoppedBecause = neverAdmissible > 0 ? "all finished but the never-admissible workloads" : "all finished";
      break;
    }
    if (now() > input.deadlineMs) break;
    const next = pending.length > 0 ? Math.max(0, Math.min(200, pending[0].arrivalMs - now())) : 200;
    await sleep(next);
  }
  // A moment for the last events to arrive.
  await sleep(300);
  workloads.stop();
  eventWatch.stop();
  api.close();
  const recording: Recording = {
    startedAt,
    endedAt: now(),
    timeScale: input.timeScale,
    submissions,
    observations,
    events,
    stoppedBecause,
  };
  writeFileSync(join(folder, `${DRIVER_RECORDING}.new`), JSON.stringify(recording));
  renameSync(join(folder, `${DRIVER_RECORDING}.new`), join(folder, DRIVER_RECORDING));
  log(`stopped: ${stoppedBecause}; ${observations.length} observations, ${events.length} events`);
  return 0;
}
