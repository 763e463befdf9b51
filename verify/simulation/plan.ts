/**
 * What a Kueue simulation submits (`npm run simulate`): a workload mix, either derived from the profile or read
 * from a small workload file, and the Kubernetes objects for it, rendered by the golden-path constructs
 * (charts/workloads: TrainingJob for batch Jobs, RayJobWorkload for RayJobs, TrainJobWorkload for Kubeflow Trainer
 * TrainJobs on the platform's torch-distributed runtime) with the placement the samples use,
 * so Kueue sees exactly what a team's workloads look like. Only two things are added for the local tier: the
 * kwok annotation that makes a pod hold its resources for the workload's duration, and smaller per-pod CPU and
 * memory (GPUs are what the simulation is about; CPU and memory quotas should not bind first).
 *
 * Time is compressed: `timeScale` simulated seconds pass per real second (60 by default: a simulated minute
 * is a real second). Durations and arrivals are in simulated minutes.
 */
import { App, Chart } from "cdk8s";
import { parse } from "yaml";
import { z } from "zod";
import type { PodResources, ResourceDemand } from "../../charts/workloads";
import { RayJobWorkload, TrainingJob, TrainJobWorkload } from "../../charts/workloads";
import { TRAINER_NODE } from "../../charts/training-runtimes";
import { lifecycleIn } from "../../platform/component";
import { kubeflowTrainer, TORCH_RUNTIME } from "../../platform/components/kubeflow-trainer";
import { TEAM_LOCAL_QUEUE } from "../../platform/components/kueue";
import { MLFLOW_TRACKING_URI } from "../../platform/components/mlflow";
import { demandExcess } from "../../platform/components/samples";
import { imageRef } from "../../platform/versions";
import {
  gpuAmounts,
  POOL_LABEL,
  poolNodeLabels,
  poolTolerations,
  queuePoolNames,
  queuePools,
  resourcesPerGpu,
  singleGpuResource,
  teamNames,
  teamNamespace,
  usesDra,
} from "../../profiles/plan";
import { DNS_LABEL, DNS_LABEL_FIX } from "../../profiles/names";
import { cpuCores } from "../../profiles/quantity";
import type { PriorityClass, Profile } from "../../profiles/schema";
import { PRIORITY_CLASSES } from "../../profiles/schema";

export const WORKLOAD_KINDS = ["job", "ray-job", "train-job"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** Simulated seconds per real second unless the workload file says otherwise: a simulated minute is a second. */
export const DEFAULT_TIME_SCALE = 60;
/** kwok's pod-complete stage reads a pod's run time from this annotation (scripts/local/config.ts, kwokStages). */
export const POD_COMPLETE_DELAY_ANNOTATION = "pod-complete.stage.kwok.x-k8s.io/delay";
/** Marks every object the simulation creates, with the workload's name. */
export const SIMULATION_LABEL = "simulation.cnai.io/workload";

/** Per-pod CPU and memory of simulated pods: small, so the GPU quotas bind first. */
export const SIM_POD = { cpu: "250m", memory: "512Mi" } as const;
const SIM_SUBMITTER: PodResources = { cpu: "100m", memory: "256Mi" };

export interface SimWorkload {
  /** Unique, a DNS label: the Job's or RayJob's name. */
  readonly name: string;
  readonly team: string;
  readonly kind: WorkloadKind;
  readonly pool: string;
  /** The GPU resource each GPU pod requests (the pool's); undefined on a CPU pool. */
  readonly resource?: string;
  /** Slots per GPU pod (a whole GPU, a shared slot or a MIG slice, whatever the pool offers). */
  readonly gpus: number;
  /** Job: pods running in parallel. RayJob: GPU workers (plus a head and a submitter). TrainJob: training nodes. */
  readonly replicas: number;
  /** Simulated minutes each pod holds its resources once running. */
  readonly duration: number;
  readonly priority: PriorityClass;
  /** Simulated minute at which it is submitted. */
  readonly arrival: number;
}

export interface SimulationPlan {
  readonly profile: string;
  /** Simulated seconds per real second. */
  readonly timeScale: number;
  /** `derived` from the profile, or the workload file's path. */
  readonly source: string;
  /** In arrival order (then name). */
  readonly workloads: readonly SimWorkload[];
}

// The profile's own DNS-label rule; 50 characters leave room for the `-<n>` of copies and Kueue's Workload prefix.
const dnsLabel = z.string().regex(DNS_LABEL, DNS_LABEL_FIX).max(50);

const workloadEntry = z.strictObject({
  /** Name prefix; `<team>-<kind>-<n>` by default. */
  name: dnsLabel.optional(),
  team: dnsLabel,
  kind: z.enum(WORKLOAD_KINDS).default("job"),
  pool: dnsLabel,
  /** The GPU resource when the pool offers several (a mixed MIG layout). */
  resource: z.string().min(1).optional(),
  gpus: z.number().int().min(0).max(64).default(1),
  replicas: z.number().int().min(1).max(16).default(1),
  duration: z
    .number()
    .positive()
    .max(7 * 24 * 60),
  priority: z.enum(PRIORITY_CLASSES).optional(),
  arrival: z
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(0),
  /** Submit this many copies (each its own workload). */
  count: z.number().int().min(1).max(1000).default(1),
});

export const workloadFileSchema = z.strictObject({
  timeScale: z.number().min(1).max(3600).default(DEFAULT_TIME_SCALE),
  workloads: z.array(workloadEntry).min(1).max(5000),
});
export type WorkloadFile = z.input<typeof workloadFileSchema>;

/** A workload file with problems: every one listed, so a user fixes them in one pass. */
export class WorkloadFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Workload file ${file} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was submitted:\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "WorkloadFileError";
  }
}

function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return (
    path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, "") || "(root)"
  );
}

/** Reads a workload file (YAML or JSON) against a profile; throws a WorkloadFileError listing every problem. */
export function parseWorkloadFile(text: string, file: string, profile: Profile): SimulationPlan {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new WorkloadFileError(file, [`not YAML or JSON: ${(error as Error).message}`]);
  }
  const parsed = workloadFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new WorkloadFileError(
      file,
      parsed.error.issues.map((issue) => `${issuePath(issue.path)}: ${issue.message}`),
    );
  }
  const problems: string[] = [];
  const pools = queuePools(profile);
  const workloads: SimWorkload[] = [];
  const counters = new Map<string, number>();
  parsed.data.workloads.forEach((entry, index) => {
    const at = `workloads[${index}]`;
    const before = problems.length;
    if (!profile.teams[entry.team]) {
      problems.push(
        `${at}.team: got "${entry.team}"; use one of the profile's teams: ${teamNames(profile).join(", ")}`,
      );
    }
    const pool = pools[entry.pool];
    if (!pool) {
      problems.push(
        `${at}.pool: got "${entry.pool}"; use one of the profile's pools: ${queuePoolNames(profile).join(", ")}`,
      );
    }
    let resource: string | undefined;
    if (pool) {
      const offered = Object.keys(resourcesPerGpu(pool.gpu));
      if (entry.gpus > 0 && offered.length === 0) {
        problems.push(`${at}.gpus: got ${entry.gpus}; pool "${entry.pool}" has no GPUs, so set gpus: 0`);
      } else if (entry.gpus > 0) {
        resource = entry.resource ?? singleGpuResource(pool);
        if (resource === undefined || !offered.includes(resource)) {
          problems.push(
            `${at}.resource: got ${entry.resource === undefined ? "nothing" : `"${entry.resource}"`}; pool "${entry.pool}" offers ${offered.join(", ")}: name one`,
          );
        }
      }
    }
    if (entry.kind === "train-job") {
      if (lifecycleIn(profile, kubeflowTrainer) !== "managed") {
        problems.push(
          `${at}.kind: got "train-job"; profile "${profile.name}" does not manage Kubeflow Trainer (components.kubeflow-trainer.lifecycle is "${lifecycleIn(profile, kubeflowTrainer)}"), whose CRDs and runtime the simulation applies: set it to "managed", or use kind job`,
        );
      }
      if (pool && entry.gpus > 0 && usesDra(pool.gpu)) {
        problems.push(
          `${at}.pool: got "${entry.pool}"; it allocates GPUs through DRA, and a TrainJob's pods (from the ClusterTrainingRuntime) cannot claim DRA devices: use kind job on this pool, or a device-plugin pool`,
        );
      }
    }
    if (problems.length > before || !profile.teams[entry.team]) return;
    for (let copy = 0; copy < entry.count; copy++) {
      const prefix = entry.name ?? `${entry.team}-${entry.kind}`;
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      workloads.push({
        name: entry.count === 1 && entry.name ? entry.name : `${prefix}-${n}`,
        team: entry.team,
        kind: entry.kind,
        pool: entry.pool,
        ...(resource !== undefined ? { resource } : {}),
        gpus: resource === undefined ? 0 : entry.gpus,
        replicas: entry.replicas,
        duration: entry.duration,
        priority: entry.priority ?? profile.teams[entry.team].defaultPriority,
        arrival: entry.arrival,
      });
    }
  });
  const seen = new Set<string>();
  for (const w of workloads) {
    if (seen.has(w.name)) problems.push(`name "${w.name}" is used twice; give each entry its own name`);
    seen.add(w.name);
    if (w.kind === "train-job") {
      const problem = trainJobNameProblem(w.name, w.replicas);
      if (problem) problems.push(`name "${w.name}" of a train-job: ${problem}`);
    }
  }
  if (problems.length > 0) throw new WorkloadFileError(file, problems);
  return { profile: profile.name, timeScale: parsed.data.timeScale, source: file, workloads: sortWorkloads(workloads) };
}

/**
 * Why a TrainJob cannot take this name, as TrainJobWorkload checks it: the TrainJob CRD wants RFC 1035 (a leading
 * letter), and its pods, `<name>-node-0-<index>-<5 characters>`, must fit 63 characters.
 */
export function trainJobNameProblem(name: string, replicas: number): string | undefined {
  if (!/^[a-z]/.test(name)) return "start it with a letter (the TrainJob CRD wants RFC 1035)";
  const longest = `${name}-${TRAINER_NODE}-0-${replicas - 1}-abcde`.length;
  if (longest > 63) {
    return `shorten it by ${longest - 63} characters: its pods are named <name>-${TRAINER_NODE}-0-<index>-<5 characters>, at most 63`;
  }
  return undefined;
}

function sortWorkloads(workloads: SimWorkload[]): SimWorkload[] {
  return [...workloads].sort((a, b) => a.arrival - b.arrival || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Simulated minutes of each derived workload, cycling: a mix of short and long jobs. */
const DERIVED_DURATIONS = [20, 35, 15, 45, 25, 30] as const;
/** Derived arrivals spread over the first simulated minutes, so queues fill while early jobs run. */
const DERIVED_ARRIVAL_SPREAD = 10;

/** Nodes of a derived TrainJob: the smallest distributed run. */
const DERIVED_TRAIN_NODES = 2;

/**
 * The default mix: on each pool where a team has a nominal quota of GPUs (or, on a CPU pool, of CPU), the team
 * submits one-slot (one-core) Jobs adding up to 1.5 times that quota, at its default priority, arriving over the
 * first ten simulated minutes, so every team wants more than it is guaranteed and Kueue must share.
 *
 * Where the profile manages Kubeflow Trainer and `trainJobs` is on, the team's first two Jobs on a pool of whole
 * device-plugin GPUs (what multi-node data parallelism needs, platform/components/kubeflow-trainer.ts) become one
 * TrainJob of two one-GPU nodes, when its nominal quota there holds it: the same GPUs, admitted all at once.
 */
export function derivedPlan(
  profile: Profile,
  timeScale = DEFAULT_TIME_SCALE,
  options: {
    /** Whether TrainJobs may be in the mix (the simulation passes whether their controllers run). @default true */
    readonly trainJobs?: boolean;
  } = {},
): SimulationPlan {
  const pools = queuePools(profile);
  const workloads: SimWorkload[] = [];
  const trainJobs = (options.trainJobs ?? true) && lifecycleIn(profile, kubeflowTrainer) === "managed";
  for (const team of teamNames(profile)) {
    const spec = profile.teams[team];
    for (const poolName of queuePoolNames(profile)) {
      const quota = spec.quota[poolName];
      if (!quota) continue;
      const pool = pools[poolName];
      const gpu = Object.entries(gpuAmounts(pool, quota.gpu)).filter(([, n]) => n > 0);
      const units: Array<{ resource?: string; nominal: number }> =
        gpu.length > 0
          ? gpu.map(([resource, nominal]) => ({ resource, nominal }))
          : pool.gpu || quota.cpu === undefined
            ? []
            : [{ nominal: Math.floor(cpuCores(quota.cpu) / cpuCores(SIM_POD.cpu) / 4) }];
      for (const { resource, nominal } of units) {
        const count = nominal + Math.ceil(nominal / 2);
        const trainJob =
          trainJobs &&
          resource !== undefined &&
          pool.gpu?.sharing.mode === "none" &&
          !usesDra(pool.gpu) &&
          nominal >= DERIVED_TRAIN_NODES &&
          trainJobNameProblem(`${team}-${poolName}-train`, DERIVED_TRAIN_NODES) === undefined;
        if (trainJob) {
          workloads.push({
            name: `${team}-${poolName}-train`,
            team,
            kind: "train-job",
            pool: poolName,
            resource,
            gpus: 1,
            replicas: DERIVED_TRAIN_NODES,
            duration: DERIVED_DURATIONS[0],
            priority: spec.defaultPriority,
            arrival: 0,
          });
        }
        for (let i = trainJob ? DERIVED_TRAIN_NODES : 0; i < count; i++) {
          workloads.push({
            name: `${team}-${poolName}-${i + 1}`,
            team,
            kind: "job",
            pool: poolName,
            ...(resource !== undefined ? { resource } : {}),
            gpus: resource === undefined ? 0 : 1,
            // A CPU pool's jobs take four simulated pods' worth each, so its quota binds like a GPU pool's.
            replicas: resource === undefined ? 4 : 1,
            duration: DERIVED_DURATIONS[i % DERIVED_DURATIONS.length],
            priority: spec.defaultPriority,
            arrival: Math.round(((i * DERIVED_ARRIVAL_SPREAD) / Math.max(count, 1)) * 10) / 10,
          });
        }
      }
    }
  }
  return { profile: profile.name, timeScale, source: "derived", workloads: sortWorkloads(workloads) };
}

/** The API collection of each kind's object. */
export const KIND_PLURALS = { job: "jobs", "ray-job": "rayjobs", "train-job": "trainjobs" } as const;
export type SimPlural = (typeof KIND_PLURALS)[WorkloadKind];

/** One object to create: its collection's plural and the rendered object, with the workload it stands for. */
export interface SimObject {
  readonly workload: SimWorkload;
  readonly plural: SimPlural;
  readonly object: Record<string, unknown> & {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
  };
  /** What Kueue must admit for it (all pods at once). */
  readonly demand: ResourceDemand;
  /** Why the team can never get this much, by the synthesis-time check; empty when it can. */
  readonly neverAdmissible: readonly string[];
}

/** The real time a pod holds its resources, as a Go duration kwok reads. */
export function realDuration(minutes: number, timeScale: number): string {
  return `${Math.max(1, Math.round((minutes * 60 * 1000) / timeScale))}ms`;
}

/** Where the simulation puts the kwok delay on a RayJob (see `rayJobEnding`); set by the KubeRay tier. */
export type RayJobEnding = (object: Record<string, unknown>, realDuration: string, seconds: number) => void;

interface JobSpec {
  parallelism?: number;
  completions?: number;
  template: { metadata?: { annotations?: Record<string, string>; labels?: Record<string, string> } };
}

/** The part of a rendered TrainJob's spec the simulation changes (charts/workloads/train-job.ts renders one patch). */
interface TrainJobSpec {
  runtimePatches: Array<{
    trainingRuntimeSpec: {
      template: { spec: { replicatedJobs: Array<{ template: { spec: { template: JobSpec["template"] } } }> } };
    };
  }>;
}

/** Renders every workload of a plan with the golden-path constructs and adds what the local tier needs. */
export function simulationObjects(profile: Profile, plan: SimulationPlan, rayJobEnding?: RayJobEnding): SimObject[] {
  const chart = new Chart(new App(), "simulation");
  const pools = queuePools(profile);
  return plan.workloads.map((workload) => {
    const pool = pools[workload.pool];
    const team = profile.teams[workload.team];
    const placement = {
      namespace: teamNamespace(workload.team, team),
      localQueue: TEAM_LOCAL_QUEUE,
      priorityClass: workload.priority,
      nodeSelector: { [POOL_LABEL]: poolNodeLabels(workload.pool, pool)[POOL_LABEL] },
      tolerations: poolTolerations(pool),
    };
    const resources: PodResources =
      workload.resource !== undefined && workload.gpus > 0
        ? { ...SIM_POD, gpu: { resourceName: workload.resource, count: workload.gpus } }
        : { ...SIM_POD };
    const delay = realDuration(workload.duration, plan.timeScale);
    const seconds = (workload.duration * 60) / plan.timeScale;
    let object: SimObject["object"];
    let demand: ResourceDemand;
    if (workload.kind === "job") {
      const job = new TrainingJob(chart, workload.name, {
        name: workload.name,
        placement,
        image: imageRef("mlflow", profile.mirror.images),
        command: ["python", "-c"],
        args: ["import time; time.sleep(1)"],
        mlflow: { trackingUri: MLFLOW_TRACKING_URI, experimentName: `${workload.team}-simulation` },
        resources,
      });
      object = job.apiObject.toJson() as SimObject["object"];
      const spec = object.spec as JobSpec;
      spec.parallelism = workload.replicas;
      spec.completions = workload.replicas;
      const metadata = (spec.template.metadata ??= {});
      metadata.annotations = { ...metadata.annotations, [POD_COMPLETE_DELAY_ANNOTATION]: delay };
      demand = {
        pods: workload.replicas,
        cpu: job.demand.cpu * workload.replicas,
        memoryBytes: job.demand.memoryBytes * workload.replicas,
        extended: Object.fromEntries(Object.entries(job.demand.extended).map(([k, v]) => [k, v * workload.replicas])),
      };
    } else if (workload.kind === "train-job") {
      const trainJob = new TrainJobWorkload(chart, workload.name, {
        name: workload.name,
        placement,
        runtime: TORCH_RUNTIME,
        numNodes: workload.replicas,
        command: ["torchrun", "--no-python", "python", "-c", "import time; time.sleep(1)"],
        mlflow: { trackingUri: MLFLOW_TRACKING_URI, experimentName: `${workload.team}-simulation` },
        resources,
      });
      object = trainJob.apiObject.toJson() as SimObject["object"];
      // The kwok delay goes on the node pods through the TrainJob's own placement patch, which the Trainer merges
      // into the runtime's pod template (the CRD's pod template patch takes metadata.annotations).
      const patch = (object.spec as TrainJobSpec).runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0];
      const metadata = (patch.template.spec.template.metadata ??= {});
      metadata.annotations = { ...metadata.annotations, [POD_COMPLETE_DELAY_ANNOTATION]: delay };
      demand = trainJob.demand;
    } else {
      if (!rayJobEnding) {
        throw new Error(
          `workload "${workload.name}" is a ray-job, but the KubeRay operator was not built ('npm run tools' skips it when the Go module proxy does not give its pinned version; set CNAI_KUBERAY_SOURCE, see scripts/cluster-tools.sh); use kind: job`,
        );
      }
      const rayJob = new RayJobWorkload(chart, workload.name, {
        name: workload.name,
        placement,
        image: imageRef("ray", profile.mirror.images),
        entrypoint: "python -c 'import time; time.sleep(1)'",
        head: { resources: { ...SIM_POD } },
        workerGroups: [{ name: "workers", replicas: workload.replicas, resources }],
        submitterResources: SIM_SUBMITTER,
        ttlSecondsAfterFinished: 0,
      });
      object = rayJob.apiObject.toJson() as SimObject["object"];
      rayJobEnding(object, delay, seconds);
      demand = rayJob.demand;
    }
    object.metadata = {
      ...object.metadata,
      labels: { ...(object.metadata as { labels?: Record<string, string> }).labels, [SIMULATION_LABEL]: workload.name },
    } as SimObject["object"]["metadata"];
    return {
      workload,
      plural: KIND_PLURALS[workload.kind],
      object,
      demand,
      neverAdmissible: demandExcess(profile, workload.team, workload.pool, demand).map((e) => e.reason),
    };
  });
}
