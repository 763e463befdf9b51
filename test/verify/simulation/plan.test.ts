import { loadCheckedProfile } from "../../../platform/check";
import {
  derivedPlan,
  parseWorkloadFile,
  POD_COMPLETE_DELAY_ANNOTATION,
  realDuration,
  SIMULATION_LABEL,
  simulationObjects,
} from "../../../verify/simulation/plan";
import { benchOverride, benchPlan } from "../../../verify/simulation/bench";
import { priorityPlan, reclaimPlan } from "../../../verify/simulation/scenarios";

const clusterGpu = loadCheckedProfile("cluster-gpu");
const workstation = loadCheckedProfile("workstation-gpu");

describe("the simulation's workload plan", () => {
  test("a workload file becomes one workload per copy, at the team's default priority unless given", () => {
    const plan = parseWorkloadFile(
      [
        "timeScale: 120",
        "workloads:",
        "  - { team: research, pool: mig, duration: 30, count: 2 }",
        "  - { name: chat, team: serving, pool: mig, gpus: 2, duration: 10, arrival: 5, priority: batch }",
      ].join("\n"),
      "mix.yaml",
      clusterGpu,
    );
    expect(plan).toEqual({
      profile: "cluster-gpu",
      timeScale: 120,
      source: "mix.yaml",
      workloads: [
        {
          name: "research-job-1",
          team: "research",
          kind: "job",
          pool: "mig",
          resource: "nvidia.com/mig-1g.10gb",
          gpus: 1,
          replicas: 1,
          duration: 30,
          priority: "batch",
          arrival: 0,
        },
        {
          name: "research-job-2",
          team: "research",
          kind: "job",
          pool: "mig",
          resource: "nvidia.com/mig-1g.10gb",
          gpus: 1,
          replicas: 1,
          duration: 30,
          priority: "batch",
          arrival: 0,
        },
        {
          name: "chat",
          team: "serving",
          kind: "job",
          pool: "mig",
          resource: "nvidia.com/mig-1g.10gb",
          gpus: 2,
          replicas: 1,
          duration: 10,
          priority: "batch",
          arrival: 5,
        },
      ],
    });
  });

  test("a bad workload file gets one error listing every problem", () => {
    const file = [
      "workloads:",
      "  - { team: nobody, pool: mig, duration: 30 }",
      "  - { team: research, pool: nowhere, duration: 30 }",
      "  - { team: research, pool: system, gpus: 1, duration: 30 }",
    ].join("\n");
    expect(() => parseWorkloadFile(file, "bad.yaml", clusterGpu)).toThrow(
      "Workload file bad.yaml is invalid (3 problems); nothing was submitted:\n" +
        '  - workloads[0].team: got "nobody"; use one of the profile\'s teams: research, serving, training\n' +
        '  - workloads[1].pool: got "nowhere"; use one of the profile\'s pools: full, mig, system\n' +
        '  - workloads[2].gpus: got 1; pool "system" has no GPUs, so set gpus: 0',
    );
    expect(() =>
      parseWorkloadFile("workloads:\n  - { team: research, kind: notebook, pool: mig }", "shape.yaml", clusterGpu),
    ).toThrow(/workloads\[0\]\.kind: .*\n {2}- workloads\[0\]\.duration: /);
    expect(() => parseWorkloadFile("workloads: [", "broken.yaml", clusterGpu)).toThrow(
      /Workload file broken.yaml is invalid \(1 problem\); nothing was submitted:\n {2}- not YAML or JSON: /,
    );
  });

  test("two entries with the same name are refused", () => {
    const file = [
      "workloads:",
      "  - { name: a, team: research, pool: mig, duration: 3 }",
      "  - { name: a, team: training, pool: mig, duration: 3 }",
    ].join("\n");
    expect(() => parseWorkloadFile(file, "dup.yaml", clusterGpu)).toThrow(
      /name "a" is used twice; give each entry its own name/,
    );
  });

  test("the derived mix asks each team for 1.5 times its nominal quota on every pool it has one on", () => {
    const plan = derivedPlan(workstation);
    expect(plan.source).toBe("derived");
    const count = (team: string) => plan.workloads.filter((w) => w.team === team).length;
    // Both teams have 4 GPU slots: 4 + 2 one-slot Jobs each.
    expect([count("research"), count("applied")]).toEqual([6, 6]);
    expect(new Set(plan.workloads.map((w) => w.priority))).toEqual(new Set(["batch", "interactive"]));
    // cluster-gpu's MIG nominal quotas are 12, 8 and 8 slices.
    const mig = derivedPlan(clusterGpu).workloads.filter((w) => w.pool === "mig");
    expect(["research", "training", "serving"].map((t) => mig.filter((w) => w.team === t).length)).toEqual([
      18, 12, 12,
    ]);
  });

  test("a Job is the golden-path TrainingJob with the pool's placement, the kwok delay and the simulation label", () => {
    const plan = parseWorkloadFile(
      "workloads:\n  - { name: t, team: research, pool: mig, gpus: 2, replicas: 3, duration: 30 }",
      "one.yaml",
      clusterGpu,
    );
    const [object] = simulationObjects(clusterGpu, plan);
    const job = object.object as unknown as {
      metadata: { namespace: string; labels: Record<string, string> };
      spec: {
        parallelism: number;
        completions: number;
        template: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> };
      };
    };
    expect(job.metadata.namespace).toBe("team-research");
    expect(job.metadata.labels).toMatchObject({
      "kueue.x-k8s.io/queue-name": "default",
      "kueue.x-k8s.io/priority-class": "batch",
      [SIMULATION_LABEL]: "t",
    });
    expect([job.spec.parallelism, job.spec.completions]).toEqual([3, 3]);
    expect(job.spec.template.metadata.annotations[POD_COMPLETE_DELAY_ANNOTATION]).toBe("30000ms");
    expect(job.spec.template.spec.nodeSelector).toEqual({ "cnai.io/pool": "mig" });
    expect(object.demand.extended).toEqual({ "nvidia.com/mig-1g.10gb": 6 });
    expect(object.neverAdmissible).toEqual([]);
  });

  test("a workload larger than its team can ever hold carries the synthesis-time check's reason", () => {
    const [object] = simulationObjects(workstation, priorityPlan(workstation, "gpu", "research")).filter(
      (o) => o.workload.name === "research-too-large",
    );
    expect(object.neverAdmissible).toEqual([
      'team "research" can never hold more than 6 nvidia.com/gpu in pool "gpu" (nominal quota plus what it may borrow)',
    ]);
  });

  test("RayJobs are refused without the KubeRay operator, with the reason", () => {
    const plan = parseWorkloadFile(
      "workloads:\n  - { name: r, team: research, kind: ray-job, pool: mig, duration: 3 }",
      "ray.yaml",
      clusterGpu,
    );
    expect(() => simulationObjects(clusterGpu, plan)).toThrow(
      /workload "r" is a ray-job, but the KubeRay operator was not built .*CNAI_KUBERAY_SOURCE/,
    );
  });

  test("a TrainJob is the golden-path TrainJobWorkload on the torch-distributed runtime, with the pool's placement and the kwok delay on its node pods", () => {
    const plan = parseWorkloadFile(
      "workloads:\n  - { name: pre, team: training, kind: train-job, pool: full, gpus: 1, replicas: 2, duration: 10 }",
      "train.yaml",
      clusterGpu,
    );
    const [object] = simulationObjects(clusterGpu, plan);
    expect(object.plural).toBe("trainjobs");
    const trainJob = object.object as unknown as {
      kind: string;
      metadata: { namespace: string; labels: Record<string, string> };
      spec: {
        runtimeRef: { name: string };
        trainer: { numNodes: number; resourcesPerNode: { limits: Record<string, string> } };
        runtimePatches: Array<{
          trainingRuntimeSpec: {
            template: {
              spec: {
                replicatedJobs: Array<{
                  name: string;
                  template: {
                    spec: {
                      template: {
                        metadata: { annotations: Record<string, string> };
                        spec: { nodeSelector: Record<string, string> };
                      };
                    };
                  };
                }>;
              };
            };
          };
        }>;
      };
    };
    expect(trainJob.kind).toBe("TrainJob");
    expect(trainJob.metadata.namespace).toBe("team-training");
    expect(trainJob.metadata.labels).toMatchObject({
      "kueue.x-k8s.io/queue-name": "default",
      [SIMULATION_LABEL]: "pre",
    });
    expect(trainJob.spec.runtimeRef.name).toBe("torch-distributed");
    expect(trainJob.spec.trainer.numNodes).toBe(2);
    expect(trainJob.spec.trainer.resourcesPerNode.limits["nvidia.com/gpu"]).toBe("1");
    const node = trainJob.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0];
    expect(node.name).toBe("node");
    expect(node.template.spec.template.metadata.annotations[POD_COMPLETE_DELAY_ANNOTATION]).toBe("10000ms");
    expect(node.template.spec.template.spec.nodeSelector).toEqual({ "cnai.io/pool": "full" });
    expect(object.demand.extended).toEqual({ "nvidia.com/gpu": 2 });
  });

  test("TrainJobs are refused where the profile does not manage Kubeflow Trainer, on a DRA pool, and under a name a TrainJob cannot take", () => {
    const entry = "{ team: training, kind: train-job, pool: full, gpus: 1, duration: 3 }";
    expect(() =>
      parseWorkloadFile(`workloads:\n  - ${entry}`, "dra.yaml", loadCheckedProfile("cluster-gpu-dra")),
    ).toThrow(
      "Workload file dra.yaml is invalid (2 problems); nothing was submitted:\n" +
        '  - workloads[0].kind: got "train-job"; profile "cluster-gpu-dra" does not manage Kubeflow Trainer (components.kubeflow-trainer.lifecycle is "disabled"), whose CRDs and runtime the simulation applies: set it to "managed", or use kind job\n' +
        '  - workloads[0].pool: got "full"; it allocates GPUs through DRA, and a TrainJob\'s pods (from the ClusterTrainingRuntime) cannot claim DRA devices: use kind job on this pool, or a device-plugin pool',
    );
    const names = [
      "workloads:",
      "  - { name: 9lives, team: training, kind: train-job, pool: full, duration: 3 }",
      `  - { name: ${"a".repeat(50)}, team: training, kind: train-job, pool: full, replicas: 16, duration: 3 }`,
    ].join("\n");
    expect(() => parseWorkloadFile(names, "names.yaml", clusterGpu)).toThrow(
      "Workload file names.yaml is invalid (2 problems); nothing was submitted:\n" +
        '  - name "9lives" of a train-job: start it with a letter (the TrainJob CRD wants RFC 1035)\n' +
        `  - name "${"a".repeat(50)}" of a train-job: shorten it by 3 characters: its pods are named <name>-node-0-<index>-<5 characters>, at most 63`,
    );
  });

  test("the derived mix on cluster-gpu turns each team's first two Jobs on the whole-GPU pool into one two-node TrainJob, and has none without the Trainer", () => {
    const full = (trainJobs: boolean) =>
      derivedPlan(clusterGpu, undefined, { trainJobs })
        .workloads.filter((w) => w.pool === "full")
        .map((w) => [w.name, w.kind, w.replicas, w.gpus]);
    // research and training have 2 GPUs of pool full each: 3 one-GPU slots wanted, now one TrainJob and one Job.
    expect(full(true)).toEqual([
      ["research-full-train", "train-job", 2, 1],
      ["training-full-train", "train-job", 2, 1],
      ["research-full-3", "job", 1, 1],
      ["training-full-3", "job", 1, 1],
    ]);
    expect(full(false).map(([, kind]) => kind)).toEqual(["job", "job", "job", "job", "job", "job"]);
    // Kubeflow Trainer is not on workstation-gpu, and MIG slices are no whole GPUs.
    expect(derivedPlan(workstation).workloads.some((w) => w.kind === "train-job")).toBe(false);
    expect(
      derivedPlan(clusterGpu)
        .workloads.filter((w) => w.kind === "train-job")
        .map((w) => w.pool),
    ).toEqual(["full", "full"]);
  });

  test("durations become real time by the time scale", () => {
    expect([realDuration(1, 60), realDuration(30, 120), realDuration(0.001, 3600)]).toEqual([
      "1000ms",
      "15000ms",
      "1ms",
    ]);
  });

  test("the reclaim scenario lets the others borrow all they can before the team submits its nominal quota", () => {
    const plan = reclaimPlan(clusterGpu, "mig", "research");
    const counts = (prefix: string) => plan.workloads.filter((w) => w.name.startsWith(prefix)).length;
    expect([counts("serving-borrows"), counts("training-borrows"), counts("research-reclaims")]).toEqual([28, 24, 12]);
    expect(new Set(plan.workloads.filter((w) => w.team === "research").map((w) => w.arrival))).toEqual(new Set([5]));
  });

  test("the benchmark fleet has 20 teams, 100 GPU nodes with 800 GPUs and 1,000 workloads", () => {
    const profile = loadCheckedProfile("cluster-gpu", benchOverride());
    expect(Object.keys(profile.teams)).toHaveLength(20);
    const gpuPools = Object.values(profile.pools).filter((p) => p.gpu);
    expect(gpuPools.reduce((sum, p) => sum + p.nodes, 0)).toBe(100);
    expect(gpuPools.reduce((sum, p) => sum + p.nodes * (p.gpu?.perNode ?? 0), 0)).toBe(800);
    expect(benchPlan(profile).workloads).toHaveLength(1000);
  });
});
