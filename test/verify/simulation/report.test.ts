import { loadCheckedProfile } from "../../../platform/check";
import { parseWorkloadFile, simulationObjects } from "../../../verify/simulation/plan";
import type { Recording, WorkloadObject, WorkloadState } from "../../../verify/simulation/recording";
import { Observer, ownerOf, workloadState } from "../../../verify/simulation/recording";
import {
  formatSimulationReport,
  parsePreemption,
  quantile,
  simulationReport,
  transientLimitMs,
} from "../../../verify/simulation/report";

const profile = loadCheckedProfile("workstation-gpu");
const plan = parseWorkloadFile(
  [
    "workloads:",
    "  - { name: a, team: research, pool: gpu, gpus: 2, duration: 10 }",
    "  - { name: b, team: research, pool: gpu, gpus: 3, duration: 10 }",
    "  - { name: c, team: applied, pool: gpu, gpus: 4, duration: 10 }",
  ].join("\n"),
  "three.yaml",
  profile,
);
const objects = simulationObjects(profile, plan);

function held(gpus: number): WorkloadState {
  return {
    quotaReserved: true,
    admitted: true,
    finished: false,
    usage: { gpu: { "nvidia.com/gpu": gpus, cpu: 0.25 } },
    evictions: {},
  };
}
const waiting: WorkloadState = { quotaReserved: false, admitted: false, finished: false, usage: {}, evictions: {} };
const done = (gpus: number): WorkloadState => ({ ...held(gpus), usage: {}, finished: true });

/** One simulated minute is a real second (timeScale 60): `at` in ms is minutes × 1000. */
function recording(observations: Recording["observations"], events: Recording["events"] = []): Recording {
  return {
    startedAt: 0,
    endedAt: 30_000,
    timeScale: 60,
    submissions: [],
    observations,
    events,
    stoppedBecause: "all finished",
  };
}

describe("the simulation's record of Workloads", () => {
  test("a Workload's state is its conditions and the quota its admission holds, by flavor", () => {
    const object: WorkloadObject = {
      metadata: { name: "job-a-1", namespace: "team-research", ownerReferences: [{ kind: "Job", name: "a" }] },
      status: {
        conditions: [
          { type: "QuotaReserved", status: "True" },
          { type: "Admitted", status: "True" },
          { type: "Evicted", status: "True", reason: "Preempted", message: "Preempted to accommodate" },
        ],
        admission: {
          clusterQueue: "research",
          podSetAssignments: [
            {
              name: "main",
              flavors: { cpu: "gpu", memory: "gpu", "nvidia.com/gpu": "gpu" },
              resourceUsage: { cpu: "500m", memory: "1Gi", "nvidia.com/gpu": "2" },
            },
          ],
        },
        schedulingStats: { evictions: [{ reason: "Preempted", underlyingCause: "", count: 1 }] },
      },
    };
    expect(workloadState(object)).toEqual({
      quotaReserved: true,
      admitted: true,
      finished: false,
      evicted: { reason: "Preempted", message: "Preempted to accommodate" },
      usage: { gpu: { cpu: 0.5, memory: 1024 ** 3, "nvidia.com/gpu": 2 } },
      evictions: { Preempted: 1 },
    });
  });

  test("a finished Workload holds no quota, though its admission stays for the record", () => {
    const state = workloadState({
      metadata: { name: "w", namespace: "n" },
      status: {
        conditions: [
          { type: "QuotaReserved", status: "True" },
          { type: "Finished", status: "True" },
        ],
        admission: { podSetAssignments: [{ name: "main", flavors: { cpu: "f" }, resourceUsage: { cpu: "1" } }] },
      },
    });
    expect([state.finished, state.usage]).toEqual([true, {}]);
  });

  test("the observer records a Workload only when its state changes, and its deletion", () => {
    const observer = new Observer();
    const object: WorkloadObject = {
      metadata: { name: "w", namespace: "team-a", ownerReferences: [{ kind: "Job", name: "j" }] },
      status: { conditions: [{ type: "QuotaReserved", status: "False", message: "waiting" }] },
    };
    expect(observer.observe(1, "ADDED", object)).toEqual({
      at: 1,
      workload: "team-a/w",
      owner: "team-a/j",
      state: { quotaReserved: false, admitted: false, finished: false, pending: "waiting", usage: {}, evictions: {} },
    });
    expect(observer.observe(2, "MODIFIED", object)).toBeUndefined();
    expect(observer.observe(3, "DELETED", object)).toEqual({ at: 3, workload: "team-a/w", owner: "team-a/j" });
  });

  test("a Workload belongs to the Job, RayJob or TrainJob that owns it, and to nothing else", () => {
    const owned = (kind: string): WorkloadObject => ({
      metadata: { name: "w", namespace: "team-a", ownerReferences: [{ kind, name: "x" }] },
    });
    expect(["Job", "RayJob", "TrainJob", "JobSet"].map((kind) => ownerOf(owned(kind)))).toEqual([
      "team-a/x",
      "team-a/x",
      "team-a/x",
      undefined,
    ]);
  });
});

describe("the simulation report", () => {
  const run = recording([
    { at: 0, workload: "team-research/wa", owner: "team-research/a", state: waiting },
    { at: 0, workload: "team-research/wb", owner: "team-research/b", state: waiting },
    { at: 0, workload: "team-applied/wc", owner: "team-applied/c", state: waiting },
    { at: 1_000, workload: "team-research/wa", owner: "team-research/a", state: held(2) },
    { at: 1_000, workload: "team-applied/wc", owner: "team-applied/c", state: held(4) },
    { at: 4_000, workload: "team-research/wb", owner: "team-research/b", state: held(3) },
    { at: 11_000, workload: "team-research/wa", owner: "team-research/a", state: done(2) },
    { at: 11_000, workload: "team-applied/wc", owner: "team-applied/c", state: done(4) },
    { at: 14_000, workload: "team-research/wb", owner: "team-research/b", state: done(3) },
  ]);
  const report = simulationReport(profile, plan, objects, run);

  test("waits run from a Workload's creation to its quota reservation, in simulated minutes", () => {
    expect(report.teams).toEqual([
      {
        team: "applied",
        submitted: 1,
        admitted: 1,
        finished: 1,
        preempted: 0,
        waiting: 0,
        inadmissible: 0,
        medianWait: 1,
        p95Wait: 1,
      },
      {
        team: "research",
        submitted: 2,
        admitted: 2,
        finished: 2,
        preempted: 0,
        waiting: 0,
        inadmissible: 0,
        medianWait: 1,
        p95Wait: 4,
      },
    ]);
  });

  test("each kind submitted gets the same counts as a team", () => {
    expect(report.kinds).toEqual([
      { kind: "job", submitted: 3, admitted: 3, finished: 3, waiting: 0, inadmissible: 0 },
    ]);
    const gpu = loadCheckedProfile("cluster-gpu");
    const mixed = parseWorkloadFile(
      [
        "workloads:",
        "  - { name: t, team: training, kind: train-job, pool: full, replicas: 2, duration: 10 }",
        "  - { name: j, team: training, pool: full, duration: 10 }",
      ].join("\n"),
      "mixed.yaml",
      gpu,
    );
    const mixedReport = simulationReport(
      gpu,
      mixed,
      simulationObjects(gpu, mixed),
      recording([
        { at: 0, workload: "team-training/wt", owner: "team-training/t", state: held(2) },
        { at: 0, workload: "team-training/wj", owner: "team-training/j", state: waiting },
        { at: 10_000, workload: "team-training/wt", owner: "team-training/t", state: done(2) },
      ]),
    );
    expect(mixedReport.kinds).toEqual([
      { kind: "job", submitted: 1, admitted: 0, finished: 0, waiting: 1, inadmissible: 0 },
      { kind: "train-job", submitted: 1, admitted: 1, finished: 1, waiting: 0, inadmissible: 0 },
    ]);
    expect(formatSimulationReport(mixedReport)).toContain("| train-job | 1 | 1 | 1 | 0 | 0 |");
  });

  test("GPU time is split into what was within the nominal quota and what was borrowed", () => {
    // research: 2 GPUs for minutes 1–4, 5 for 4–11 (1 borrowed), 3 for 11–14; nominal 4.
    expect(report.shares.find((s) => s.team === "research")).toEqual({
      team: "research",
      pool: "gpu",
      resource: "nvidia.com/gpu",
      nominal: 4,
      obtainable: 6,
      peak: 5,
      used: 50,
      withinQuota: 43,
      borrowed: 7,
      guaranteed: 120,
    });
    expect(report.pools).toEqual([
      {
        pool: "gpu",
        resource: "nvidia.com/gpu",
        capacity: 8,
        peak: 9,
        utilisation: Math.round((90 / 240) * 1000) / 1000,
      },
    ]);
  });

  test("a pool admitting more than it has for a second or longer is a violation, named with its start, length and the workloads holding it", () => {
    expect(report.violations).toEqual([
      { minute: 4, seconds: 7, pool: "gpu", resource: "nvidia.com/gpu", held: 9, limit: 8, holders: ["a", "b", "c"] },
    ]);
    expect(report.transients).toEqual([]);
    expect(formatSimulationReport(report)).toMatch(
      /VIOLATIONS \(1\):\n {2}minute 4, for 7 s: pool total held 9 nvidia.com\/gpu in gpu, limit 8; held by a, b, c$/,
    );
  });

  /** a (2 GPUs) and c (4) admitted at minute 1, then `later`. */
  const withSixHeld = (later: Recording["observations"]) =>
    simulationReport(
      profile,
      plan,
      objects,
      recording([
        { at: 1_000, workload: "team-research/wa", owner: "team-research/a", state: held(2) },
        { at: 1_000, workload: "team-applied/wc", owner: "team-applied/c", state: held(4) },
        ...later,
      ]),
    );

  test("an overshoot Kueue corrects within a second is transient: shown, not a violation", () => {
    const evicted: WorkloadState = { ...held(4), evicted: { reason: "Preempted", message: "Preempted" } };
    const transient = withSixHeld([
      { at: 3_900, workload: "team-applied/wc", owner: "team-applied/c", state: evicted },
      { at: 4_000, workload: "team-research/wb", owner: "team-research/b", state: held(3) },
      { at: 4_300, workload: "team-applied/wc", owner: "team-applied/c", state: waiting },
      { at: 14_000, workload: "team-research/wb", owner: "team-research/b", state: done(3) },
    ]);
    expect(transient.violations).toEqual([]);
    expect(transient.transients).toEqual([
      {
        minute: 4,
        seconds: 0.3,
        pool: "gpu",
        resource: "nvidia.com/gpu",
        held: 9,
        limit: 8,
        holders: ["a", "b", "c (evicted)"],
      },
    ]);
    expect(formatSimulationReport(transient)).toContain(
      "No team held more than the capacity report allows, and no pool admitted more than it has.\nTransient overshoots, corrected by Kueue within 1 s (not violations) (1):\n  minute 4, for 0.3 s: pool total held 9 nvidia.com/gpu in gpu, limit 8; held by a, b, c (evicted)",
    );
  });

  test("a plan of workloads shorter than two seconds counts an overshoot transient only up to half its shortest", () => {
    expect(transientLimitMs(plan)).toBe(1000);
    const fast = parseWorkloadFile(
      "timeScale: 600\nworkloads:\n  - { team: research, pool: gpu, duration: 1 }\n  - { team: applied, pool: gpu, duration: 30 }",
      "fast.yaml",
      profile,
    );
    expect(transientLimitMs(fast)).toBe(50);
  });

  test("an overshoot still open when the recording ends lasts to its end, and is a violation however short: Kueue never corrected it", () => {
    const open = withSixHeld([{ at: 29_500, workload: "team-research/wb", owner: "team-research/b", state: held(3) }]);
    expect([open.violations.map((v) => v.seconds), open.transients]).toEqual([[0.5], []]);
  });

  test("each team's series steps with its admitted slots", () => {
    expect(report.series[0].teams.map((t) => [t.team, t.points])).toEqual([
      [
        "applied",
        [
          { minute: 1, admitted: 4 },
          { minute: 11, admitted: 0 },
        ],
      ],
      [
        "research",
        [
          { minute: 1, admitted: 2 },
          { minute: 4, admitted: 5 },
          { minute: 11, admitted: 3 },
          { minute: 14, admitted: 0 },
        ],
      ],
    ]);
  });

  test("Kueue's preemption message gives the cause and the preemptor's queue", () => {
    expect(
      parsePreemption(
        "Preempted to accommodate a workload (UID: x, JobUID: y) due to reclamation within the cohort; preemptor path: /platform/research; preemptee path: /platform/serving; preemptor effective priority: 100",
      ),
    ).toEqual({ cause: "reclamation within the cohort", preemptor: "research" });
  });

  test("quantiles are by nearest rank", () => {
    expect([quantile([1, 2, 3, 4], 0.5), quantile([1, 2, 3, 4], 0.95), quantile([], 0.5)]).toEqual([2, 4, undefined]);
  });
});
