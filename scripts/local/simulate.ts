/**
 * `npm run simulate -- <profile> [--workload <file>]`: the GPU sharing design against the real Kueue.
 *
 * A local control plane shaped like the profile (scripts/local/cluster.ts: kwok nodes from its pools), the
 * profile's Kueue objects exactly as the platform stack renders them (the `kueue` release's CRDs, Configuration
 * and webhooks, the `kueue-queues` release's flavors, priority classes and queues, the team namespaces), the
 * pinned Kueue manager as a local process with that Configuration (scripts/local/kueue.ts), and then the
 * workload mix (verify/simulation/plan.ts) submitted by the driver (scripts/local/simulation-driver.ts), which
 * records every change of every Workload. The report comes from that record (verify/simulation/report.ts).
 *
 * TrainJobs, when the plan has any, run on the JobSet and Kubeflow Trainer controllers as local processes
 * (scripts/local/trainer.ts): their CRDs come from the platform's jobset and kubeflow-trainer releases, the
 * ClusterTrainingRuntime from its training-runtimes release, so Kueue builds a TrainJob's pod sets from the runtime
 * a user's cluster has.
 *
 * Left out of the rendered releases, with the reason: the Kueue Deployment (the manager runs as a local
 * process instead), its ServiceMonitor (no Prometheus here) and the visibility APIServices (the local manager
 * runs with VisibilityOnDemand off, facts-controlplane.md §3).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "cdk8s";
import { KueueQueues } from "../../charts/kueue-queues";
import { loadCheckedProfile } from "../../platform/check";
import { kueueQueuesProps, NAMESPACE as KUEUE_NAMESPACE } from "../../platform/components/kueue";
import { teamNamespaceSpecs } from "../../platform/components/teams";
import type { Profile } from "../../profiles/schema";
import type { K8sObject } from "../../reports/rendered";
import { renderProfile } from "../../stacks/render-profile";
import type { RayJobEnding, SimulationPlan } from "../../verify/simulation/plan";
import { derivedPlan, parseWorkloadFile, SIMULATION_LABEL, simulationObjects } from "../../verify/simulation/plan";
import type { Recording } from "../../verify/simulation/recording";
import type { SimulationReport } from "../../verify/simulation/report";
import { simulationReport } from "../../verify/simulation/report";
import { down, up } from "./cluster";
import type { ClusterTools } from "./config";
import { readClusterTools } from "./config";
import { KUEUE_WEBHOOK_SERVICE, kueueRunnerCommand } from "./kueue";
import type { LocalState } from "./processes";
import { runInNamespace, spawnInNamespace } from "./processes";
import type { DriverInput } from "./simulation-driver";
import { DRIVER_INPUT, DRIVER_RECORDING, SIMULATION_DIR } from "./simulation-driver";
import type { TrainerReleases } from "./trainer";
import { controllerReleaseObjects } from "./trainer";
import { namespaceRssMiB } from "./verify";
import { LOCAL_SERVERS_FILE } from "./webhooks";

/** Kinds of the rendered kueue release the simulation does not apply (see the header). */
export const NOT_APPLIED = new Set(["Deployment", "ServiceMonitor", "APIService"]);

export interface SimulateOptions {
  readonly root: string;
  readonly profile: string;
  /** A workload file (YAML or JSON); @default the mix derived from the profile */
  readonly workloadFile?: string;
  /**
   * Plans given directly (tests), run one after the other on the same cluster, each starting from an empty
   * queue; wins over workloadFile.
   */
  readonly plans?: readonly SimulationPlan[];
  /** A profile override object (as CNAI_OVERRIDES gives it). @default none */
  readonly overrides?: unknown;
  /** The local cluster's name. @default `sim-<profile>` */
  readonly name?: string;
  readonly log?: (line: string) => void;
  /** Leave the cluster running afterwards (stop it with `npm run local -- down --name <name>`). @default false */
  readonly keep?: boolean;
  /** Hook that lets the KubeRay tier shape RayJobs; without it RayJobs are refused. @default none */
  readonly rayJobEnding?: RayJobEnding;
  /** Starts what RayJobs need (the KubeRay operator) once the cluster is up. @default none */
  readonly startKubeRay?: (state: LocalState, tools: ClusterTools, logDir: string) => Promise<void>;
  /**
   * Starts what TrainJobs run on (the JobSet and Trainer controllers, scripts/local/trainer.ts) once Kueue runs;
   * without it TrainJobs are refused and the derived mix has none. @default none
   */
  readonly startTrainer?: (
    state: LocalState,
    tools: ClusterTools,
    logDir: string,
    releases: TrainerReleases,
  ) => Promise<void>;
}

export interface PlanResult {
  readonly plan: SimulationPlan;
  readonly recording: Recording;
  readonly report: SimulationReport;
}

export interface SimulationResult extends PlanResult {
  readonly profile: Profile;
  /** Every plan's result, in order (the first is also this result's own). */
  readonly runs: readonly PlanResult[];
  /** Seconds per phase: control plane, Kueue ready, each simulation. */
  readonly timings: Readonly<Record<string, number>>;
  /** Where the logs are. */
  readonly logDir: string;
  /** The largest sum of RSS over the cluster's processes (control plane, Kueue, driver), sampled every second. */
  readonly peakMemoryMiB: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The real milliseconds after which the driver gives up: twice an ideal schedule, plus a minute. */
export function deadlineMs(plan: SimulationPlan): number {
  const toMs = (minutes: number) => (minutes * 60 * 1000) / plan.timeScale;
  const lastArrival = Math.max(0, ...plan.workloads.map((w) => w.arrival));
  const serial = plan.workloads.reduce((sum, w) => sum + w.duration, 0);
  const longest = Math.max(0, ...plan.workloads.map((w) => w.duration));
  // At worst one workload at a time per team and pool; usually far less.
  const lanes = new Set(plan.workloads.map((w) => `${w.team}/${w.pool}`)).size || 1;
  return Math.round(toMs(lastArrival + longest + (2 * serial) / lanes) + 60_000);
}

/** The objects the simulation applies before Kueue starts: namespaces, then the rendered kueue release. */
export function kueueReleaseObjects(objects: readonly K8sObject[]): { crds: K8sObject[]; rest: K8sObject[] } {
  const kept = objects.filter((o) => !NOT_APPLIED.has(o.kind));
  return {
    crds: kept.filter((o) => o.kind === "CustomResourceDefinition"),
    rest: kept.filter((o) => o.kind !== "CustomResourceDefinition"),
  };
}

/** Kueue's namespace and the team namespaces (labelled for Kueue), as the kueue component declares them. */
export function kueueNamespaces(profile: Profile): K8sObject[] {
  return [{ name: KUEUE_NAMESPACE, labels: {} }, ...teamNamespaceSpecs(profile)].map((ns) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns.name, labels: { ...ns.labels } },
  }));
}

function list(items: readonly unknown[]): string {
  return JSON.stringify({ apiVersion: "v1", kind: "List", items });
}

export interface StartKueueOptions {
  readonly root: string;
  /** A running cluster (`up`); Kueue uses its ports shifted by `state.portOffset`. */
  readonly state: LocalState;
  readonly tools: ClusterTools;
  /** Where Kueue's and the webhook shim's logs go. */
  readonly logDir: string;
  readonly namespaces: readonly unknown[];
  /** The kueue release's CRDs, and any other CRD the cluster needs before Kueue starts (KubeRay's). */
  readonly crds: readonly unknown[];
  /** The rest of the kueue release (kueueReleaseObjects). */
  readonly objects: readonly unknown[];
  /** Applied once Kueue's webhooks answer (flavors, queues, and on a MultiKueue manager its objects). */
  readonly queues: readonly unknown[];
  /** Runs after the release and before the queues. @default nothing */
  readonly beforeQueues?: () => Promise<void>;
}

/**
 * The real Kueue on a running cluster: the runner (scripts/local/kueue.ts) and the webhook shim started, the
 * namespaces, CRDs and release applied, then the queues once Kueue's webhooks take them; returns when every
 * ClusterQueue is Active.
 */
export async function startKueue(options: StartKueueOptions): Promise<void> {
  const { state, tools, root, logDir } = options;
  mkdirSync(logDir, { recursive: true });
  const kubectl = (args: string[], input?: string) =>
    runInNamespace(state, [tools.binaries.kubectl, "--kubeconfig", state.kubeconfig, ...args], {
      input,
      timeoutMs: 120_000,
    });
  // Kueue runs for real, announced to the webhook shim first so its webhooks wait for it (as in verify:cluster).
  writeFileSync(join(state.stateDir, LOCAL_SERVERS_FILE), JSON.stringify([{ service: KUEUE_WEBHOOK_SERVICE }]));
  spawnInNamespace(state, "kueue", kueueRunnerCommand(root, state.stateDir), {
    log: join(logDir, "kueue.log"),
    cwd: root,
  });
  spawnInNamespace(
    state,
    "webhook-shim",
    [process.execPath, "--import", "tsx", join(root, "scripts", "local.ts"), "webhooks", state.stateDir],
    { log: join(logDir, "webhooks.log"), cwd: root },
  );
  await kubectl(["apply", "--server-side", "-f", "-"], list(options.namespaces));
  await kubectl(["apply", "--server-side", "-f", "-"], list(options.crds));
  await kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
  await kubectl(["apply", "--server-side", "-f", "-"], list(options.objects));
  await options.beforeQueues?.();
  // Kueue's webhooks answer once the manager runs; until then the shim's holding proxy makes calls wait.
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await kubectl(["apply", "--server-side", "-f", "-"], list(options.queues));
      break;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`the queues were not accepted within 120 s: ${(error as Error).message}`);
      await sleep(1000);
    }
  }
  await kubectl(["wait", "--for=condition=Active", "clusterqueue", "--all", "--timeout=120s"]);
}

export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  const log = options.log ?? (() => undefined);
  const profile = loadCheckedProfile(options.profile, options.overrides);
  const plans = options.plans ?? [
    options.workloadFile
      ? parseWorkloadFile(readFileSync(options.workloadFile, "utf8"), options.workloadFile, profile)
      : derivedPlan(profile, undefined, { trainJobs: options.startTrainer !== undefined }),
  ];
  if (plans.length === 0) throw new Error("simulate: plans is empty; give at least one plan");
  const hasTrainJobs = plans.some((plan) => plan.workloads.some((w) => w.kind === "train-job"));
  if (hasTrainJobs && !options.startTrainer) {
    const first = plans.flatMap((plan) => plan.workloads).find((w) => w.kind === "train-job");
    throw new Error(
      `workload "${first?.name}" is a train-job, but the JobSet and Kubeflow Trainer controllers were not built (run 'npm run tools'; .tools/cluster-tools.json names them): without them no TrainJob would ever run; use kind: job`,
    );
  }
  // Every plan is rendered before anything starts: a bad plan fails before a cluster exists.
  const rendered = plans.map((plan) => ({ plan, objects: simulationObjects(profile, plan, options.rayJobEnding) }));
  const hasRayJobs = plans.some((plan) => plan.workloads.some((w) => w.kind === "ray-job"));
  const tools = readClusterTools(options.root);
  const name = options.name ?? `sim-${options.profile}`.slice(0, 63);
  const logDir = join(options.root, ".local", "logs", name);
  mkdirSync(logDir, { recursive: true });
  const timings: Record<string, number> = {};
  let phaseStart = Date.now();
  const phaseDone = (phase: string) => {
    timings[phase] = (Date.now() - phaseStart) / 1000;
    phaseStart = Date.now();
    log(`${phase}: ${timings[phase].toFixed(1)} s`);
  };

  const platform = renderProfile(options.profile, { root: options.root, override: options.overrides })[0];
  const release = (releaseName: string) => {
    const found = platform.releases.find((r) => r.name === releaseName);
    if (!found) {
      throw new Error(
        `profile ${options.profile} renders no "${releaseName}" release: the simulation needs Kueue${releaseName === "kuberay-operator" ? " and, for RayJobs, KubeRay" : ""} managed by the platform`,
      );
    }
    return found;
  };
  const kueueRelease = kueueReleaseObjects(release("kueue").objects);
  const rayCrds = hasRayJobs
    ? release("kuberay-operator").objects.filter((o) => o.kind === "CustomResourceDefinition")
    : [];
  const trainerReleases: TrainerReleases | undefined = hasTrainJobs
    ? {
        jobset: release("jobset").objects,
        "kubeflow-trainer": release("kubeflow-trainer").objects,
        "training-runtimes": release("training-runtimes").objects,
      }
    : undefined;
  const trainerCrds = trainerReleases
    ? [trainerReleases.jobset, trainerReleases["kubeflow-trainer"]].flatMap((o) => controllerReleaseObjects(o).crds)
    : [];
  // The queues as the kueue-queues release renders them: the same chart and props.
  const queuesApp = new App();
  new KueueQueues(queuesApp, "kueue-queues", kueueQueuesProps(profile));
  const queueObjects = queuesApp.charts.flatMap((c) => c.toJson()) as K8sObject[];
  const namespaces = kueueNamespaces(profile);

  const started = await up({ root: options.root, profile: options.profile, name, overrides: options.overrides, log });
  const state = started.state;
  let peakMemoryMiB = 0;
  const sampler = setInterval(() => {
    if (state.namespace) peakMemoryMiB = Math.max(peakMemoryMiB, namespaceRssMiB(state.namespace));
  }, 1000);
  const kubectl = (args: string[], input?: string, timeoutMs = 120_000) =>
    runInNamespace(state, [tools.binaries.kubectl, "--kubeconfig", state.kubeconfig, ...args], { input, timeoutMs });
  try {
    phaseDone("control plane");
    await startKueue({
      root: options.root,
      state,
      tools,
      logDir,
      namespaces,
      crds: [...kueueRelease.crds, ...rayCrds, ...trainerCrds],
      objects: kueueRelease.rest,
      queues: queueObjects,
      beforeQueues: hasRayJobs
        ? async () => {
            if (!options.startKubeRay) throw new Error("the plan has RayJobs, but no KubeRay operator is started");
            await options.startKubeRay(state, tools, logDir);
          }
        : undefined,
    });
    phaseDone("Kueue ready");
    if (trainerReleases && options.startTrainer) {
      await options.startTrainer(state, tools, logDir, trainerReleases);
      phaseDone("JobSet and Trainer ready");
    }

    const folder = join(state.stateDir, SIMULATION_DIR);
    mkdirSync(folder, { recursive: true });
    const runs: PlanResult[] = [];
    for (const [index, { plan, objects }] of rendered.entries()) {
      if (index > 0) {
        // A clean queue: the previous plan's jobs and their Workloads gone.
        await kubectl([
          "delete",
          ["jobs", ...(hasRayJobs ? ["rayjobs"] : []), ...(hasTrainJobs ? ["trainjobs"] : [])].join(","),
          "-A",
          "-l",
          SIMULATION_LABEL,
          "--wait=true",
          "--timeout=120s",
        ]);
        await kubectl(["wait", "--for=delete", "workloads", "-A", "--all", "--timeout=120s"]);
      }
      const input: DriverInput = {
        timeScale: plan.timeScale,
        deadlineMs: deadlineMs(plan),
        objects: objects.map((o) => ({
          name: o.workload.name,
          plural: o.plural,
          object: o.object,
          arrivalMs: Math.round((o.workload.arrival * 60 * 1000) / plan.timeScale),
          neverAdmissible: o.neverAdmissible.length > 0,
        })),
      };
      writeFileSync(join(folder, DRIVER_INPUT), JSON.stringify(input));
      log(
        `simulating ${objects.length} workloads from ${plan.source} (1 simulated minute = ${(60 / plan.timeScale).toFixed(2)} s; gives up after ${(input.deadlineMs / 1000).toFixed(0)} s)`,
      );
      const driverOut = await runInNamespace(
        state,
        [
          process.execPath,
          "--import",
          "tsx",
          join(options.root, "scripts", "local.ts"),
          "simulate-driver",
          state.stateDir,
        ],
        { timeoutMs: input.deadlineMs + 60_000 },
      );
      writeFileSync(join(logDir, `driver-${index + 1}.log`), driverOut);
      const recordingText = readFileSync(join(folder, DRIVER_RECORDING), "utf8");
      // Kept with the logs (the cluster's folder goes with `down`), so a report can be derived again.
      writeFileSync(join(logDir, `recording-${index + 1}.json`), recordingText);
      const recording = JSON.parse(recordingText) as Recording;
      phaseDone(`simulation ${index + 1}`);
      runs.push({ plan, recording, report: simulationReport(profile, plan, objects, recording) });
    }
    return { ...runs[0], profile, runs, timings, logDir, peakMemoryMiB };
  } finally {
    clearInterval(sampler);
    if (!options.keep) await down(options.root, name);
  }
}
