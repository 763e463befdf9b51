/**
 * The KubeRay operator for real on the local control plane: the pinned operator
 * (`github.com/ray-project/kuberay/ray-operator`, built by scripts/cluster-tools.sh at the kuberay-operator
 * chart's version) runs as a local process inside the cluster's network namespace, with the arguments the
 * platform's kuberay-operator release gives it (rendered from the pinned chart), changed only where a process
 * outside the cluster needs it: no leader election, metrics and health probes on 127.0.0.1. Its CRDs come from
 * the same render (`--include-crds`), so this tier runs what a user's cluster runs. The 1.7.0 chart has no
 * admission webhooks, and the operator only serves them with ENABLE_WEBHOOKS=true, which it never gets here.
 *
 * What cannot run here: the Ray head's dashboard. No container runs and no DNS answers, so every call KubeRay
 * makes to a RayJob's dashboard (job submission, job status) fails; how a RayJob still ends is
 * `rayJobEndingFields` below.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { CHARTS } from "../../platform/versions";
import type { K8sObject } from "../../reports/rendered";
import { chartArchive, helm } from "../../verify/charts";
import type { ClusterTools } from "./config";
import { hasKubeRay, POD_COMPLETE_DELAY_ANNOTATION, readClusterTools } from "./config";
import type { SimulateOptions } from "./simulate";
import type { LocalState, RecordedProcess } from "./processes";
import { isRunning, runInNamespace, spawnInNamespace } from "./processes";

const ROOT = resolve(__dirname, "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CHART = CHARTS["kuberay-operator"];

/** The release as platform/components/kuberay.ts installs it. */
export const KUBERAY_RELEASE = { name: "kuberay-operator", namespace: "ray-system" } as const;
/** The recorded name of the operator's process. */
export const KUBERAY_PROCESS = "kuberay-operator";

export interface KubeRayPorts {
  readonly metrics: number;
  readonly health: number;
}

/**
 * KubeRay's own defaults (`ray-operator/apis/config/v1alpha1/defaults.go`: `:8080`, `:8082`), which Kueue's
 * local ports (8081, 8443, 9443, 9444; scripts/local/kueue.ts) leave free. Two clusters sharing one network
 * namespace give the second other ports.
 */
export const KUBERAY_PORTS: KubeRayPorts = { metrics: 8080, health: 8082 };

/**
 * KubeRay fails a RayJob whose dashboard status checks have failed for this long
 * (`checkJobStatusCheckTimeoutAndUpdateStatusIfNeeded` in rayjob_controller.go, default 300 s from
 * `DEFAULT_RAYJOB_STATUS_CHECK_TIMEOUT_SECONDS`, overridden by the RAYJOB_STATUS_CHECK_TIMEOUT_SECONDS
 * environment variable). Here every check fails from the first one on, so with the default every RayJob
 * would end 300 s into its run; the local operator gets a week, and `rayJobEndingFields` alone decides.
 */
export const STATUS_CHECK_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** The controllers whose start `waitForLocalKubeRay` waits for (the loggers main.go names them by: `controllers.<Kind>`). */
export const KUBERAY_CONTROLLERS = ["RayCluster", "RayJob", "RayService"] as const;

/** Renders by checkout and Kubernetes version: a render takes seconds (the RayJob CRD alone is 1.4 MB). */
const renders = new Map<string, readonly K8sObject[]>();

/**
 * The kuberay-operator chart at its pinned version, rendered with its CRDs and default values (the platform
 * sets only resources and the ServiceMonitor, which do not reach the operator's arguments). The chart comes
 * from where verify/charts.ts finds pinned charts: CNAI_CHART_REPOSITORY, ../shared/offline/charts, then the
 * public repository.
 */
export function renderKubeRayChart(kubernetesVersion: string, root: string = ROOT): readonly K8sObject[] {
  const key = `${root}\0${kubernetesVersion}`;
  const cached = renders.get(key);
  if (cached) return cached;
  const archive = chartArchive(root, CHART.repository, CHART.chart, CHART.version);
  const yaml = helm(
    [
      "template",
      KUBERAY_RELEASE.name,
      archive,
      "--namespace",
      KUBERAY_RELEASE.namespace,
      "--kube-version",
      kubernetesVersion.replace(/^v/, ""),
      "--include-crds",
      "--skip-tests",
    ],
    `helm template of ${CHART.chart} ${CHART.version}`,
  );
  const objects = parseAllDocuments(yaml).flatMap((doc) => {
    const value = doc.toJS() as K8sObject | null;
    return value && typeof value === "object" && value.kind ? [value] : [];
  });
  renders.set(key, objects);
  return objects;
}

/** The chart's CustomResourceDefinitions (ray.io: RayCluster, RayCronJob, RayJob, RayService), in render order. */
export function kuberayCrds(kubernetesVersion: string, root: string = ROOT): K8sObject[] {
  const crds = renderKubeRayChart(kubernetesVersion, root).filter((o) => o.kind === "CustomResourceDefinition");
  const kinds = crds.map((crd) => crd.spec?.names?.kind as string);
  for (const kind of ["RayCluster", "RayJob", "RayService"]) {
    if (!kinds.includes(kind)) {
      throw new Error(`the ${CHART.chart} ${CHART.version} chart renders no ${kind} CRD (it has ${kinds.join(", ")})`);
    }
  }
  return crds;
}

/** The operator container's arguments in the chart's Deployment. */
export function chartOperatorArgs(objects: readonly K8sObject[]): string[] {
  const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata.name === KUBERAY_RELEASE.name);
  const containers = (deployment?.spec?.template?.spec?.containers ?? []) as Array<{ name: string; args?: string[] }>;
  const container = containers.find((c) => c.name === KUBERAY_RELEASE.name);
  if (!container?.args) {
    throw new Error(`the ${CHART.chart} ${CHART.version} chart renders no ${KUBERAY_RELEASE.name} container with args`);
  }
  return [...container.args];
}

/**
 * The chart's arguments changed for a process outside the cluster (flags of `ray-operator/main.go` at v1.7.0):
 * no leader election (one process, and no Lease namespace of its own), metrics and probes on 127.0.0.1.
 * Go's flag package lets a later flag win, but the chart's own are dropped so the command line reads plainly.
 */
export function localKubeRayArgs(chartArgs: readonly string[], ports: KubeRayPorts = KUBERAY_PORTS): string[] {
  const replaced = ["--enable-leader-election", "--metrics-addr", "--health-probe-bind-address"];
  const kept: string[] = [];
  for (let i = 0; i < chartArgs.length; i++) {
    const arg = chartArgs[i];
    if (replaced.some((flag) => arg.startsWith(`${flag}=`))) continue;
    if (replaced.includes(arg)) {
      // `--flag value`: its value goes too (a bare boolean flag is followed by the next flag).
      if (chartArgs[i + 1] !== undefined && !chartArgs[i + 1].startsWith("-")) i++;
      continue;
    }
    kept.push(arg);
  }
  return [
    ...kept,
    "--enable-leader-election=false",
    `--metrics-addr=127.0.0.1:${ports.metrics}`,
    `--health-probe-bind-address=127.0.0.1:${ports.health}`,
  ];
}

/**
 * The operator's whole environment: the cluster's kubeconfig and the status-check timeout, nothing of the
 * caller's (KubeRay reads many variables, e.g. ENABLE_WEBHOOKS, DELETE_RAYJOB_CR_AFTER_JOB_FINISHES).
 */
export function kuberayEnv(kubeconfig: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    KUBECONFIG: kubeconfig,
    RAYJOB_STATUS_CHECK_TIMEOUT_SECONDS: String(STATUS_CHECK_TIMEOUT_SECONDS),
  };
}

/**
 * Applies KubeRay's CRDs (server-side: the RayJob CRD is too large for the last-applied annotation), waits
 * until they are served and until the garbage collector resolves them (`waitForGarbageCollector`).
 */
export async function installKubeRayCrds(
  state: LocalState,
  tools: ClusterTools,
  options: { root?: string; timeoutMs?: number } = {},
): Promise<string[]> {
  const crds = kuberayCrds(tools.kubernetesVersion, options.root);
  const kubectl = [tools.binaries.kubectl, "--kubeconfig", state.kubeconfig];
  const list = { apiVersion: "v1", kind: "List", items: crds };
  await runInNamespace(state, [...kubectl, "apply", "--server-side", "--field-manager=cnai-local", "-f", "-"], {
    input: JSON.stringify(list),
    timeoutMs: options.timeoutMs ?? 120_000,
  });
  const names = crds.map((crd) => `crd/${crd.metadata.name}`);
  await runInNamespace(state, [...kubectl, "wait", "--for=condition=Established", ...names, "--timeout=60s"], {
    timeoutMs: 70_000,
  });
  await waitForGarbageCollector(state, tools);
  return crds.map((crd) => crd.metadata.name);
}

/**
 * Waits until kube-controller-manager's garbage collector can look up ray.io owners. It learns new CRDs only
 * on its 30 s discovery resync (kubernetes@v1.35.8 cmd/kube-controller-manager/app/core.go, `syncPeriod`);
 * until then it logs "unable to get REST mapping for ray.io/v1/RayCluster" and retries with a growing
 * backoff, so the pods of a RayCluster KubeRay deletes stay on their node for up to half a minute or more
 * (measured: 17 s after the RayJob ended). The probe: a ConfigMap owned by a RayCluster that does not exist,
 * which the collector deletes at once when it can; a fresh probe every 2 s, so no retry backoff builds up.
 */
export async function waitForGarbageCollector(
  state: LocalState,
  tools: ClusterTools,
  timeoutMs = 90_000,
): Promise<number> {
  const kubectl = (args: string[], input?: string) =>
    runInNamespace(state, [tools.binaries.kubectl, "--kubeconfig", state.kubeconfig, "-n", "default", ...args], {
      input,
    });
  const started = Date.now();
  for (let attempt = 1; Date.now() - started < timeoutMs; attempt++) {
    const name = `kuberay-gc-probe-${attempt}`;
    const owner = { apiVersion: "ray.io/v1", kind: "RayCluster", name: "gc-probe", uid: randomUUID() };
    const probe = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, ownerReferences: [owner] } };
    await kubectl(["create", "-f", "-"], JSON.stringify(probe));
    for (const until = Date.now() + 2000; Date.now() < until;) {
      await sleep(200);
      if ((await kubectl(["get", "configmap", name, "--ignore-not-found", "-o", "name"])).trim() === "") {
        return (Date.now() - started) / 1000;
      }
    }
    await kubectl(["delete", "configmap", name, "--ignore-not-found", "--wait=false"]);
  }
  throw new Error(
    `kube-controller-manager's garbage collector did not resolve ray.io owners within ${timeoutMs / 1000} s`,
  );
}

/**
 * Starts the operator inside the cluster's network namespace and records it, so `down` stops it. Its CRDs
 * must be served first (`installKubeRayCrds`): a controller whose kind is unknown stops the manager.
 */
export function startLocalKubeRay(
  state: LocalState,
  tools: ClusterTools,
  options: { logFile: string; ports?: KubeRayPorts; root?: string },
): RecordedProcess {
  const binary = tools.binaries["kuberay-operator"];
  if (!binary || !existsSync(binary)) {
    throw new Error(
      `the KubeRay operator was not built (${binary ?? "not in .tools/cluster-tools.json"}): run 'npm run tools'`,
    );
  }
  const args = localKubeRayArgs(
    chartOperatorArgs(renderKubeRayChart(tools.kubernetesVersion, options.root)),
    options.ports,
  );
  return spawnInNamespace(state, KUBERAY_PROCESS, [binary, ...args], {
    log: options.logFile,
    env: kuberayEnv(state.kubeconfig),
  });
}

/** The controllers that logged controller-runtime's "Starting workers" (they run once their caches synced). */
export function startedControllers(log: string): string[] {
  const started = new Set<string>();
  for (const line of log.split("\n")) {
    if (!line.includes("Starting workers")) continue;
    try {
      // The chart's --log-stdout-encoder json: one object per line.
      const entry = JSON.parse(line) as { logger?: string; msg?: string };
      const kind = /^controllers\.(\w+)$/.exec(entry.logger ?? "")?.[1];
      if (entry.msg === "Starting workers" && kind) started.add(kind);
    } catch {
      // Not a log entry (a panic's trace, say).
    }
  }
  return [...started].sort();
}

/**
 * Waits until every KubeRay controller has started its workers (its caches synced); throws with the log's
 * tail when the operator exits first or the time runs out.
 */
export async function waitForLocalKubeRay(operator: RecordedProcess, timeoutMs = 60_000): Promise<void> {
  const log = operator.log ?? "";
  const read = () => (existsSync(log) ? readFileSync(log, "utf8") : "");
  const tail = () => read().trimEnd().split("\n").slice(-20).join("\n");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const started = startedControllers(read());
    if (KUBERAY_CONTROLLERS.every((c) => started.includes(c))) return;
    if (!isRunning(operator)) throw new Error(`the KubeRay operator (PID ${operator.pid}) exited:\n${tail()}`);
    await sleep(200);
  }
  throw new Error(`the KubeRay operator's controllers did not start within ${timeoutMs / 1000} s:\n${tail()}`);
}

/** The spec fields and the submitter pod's annotations of `rayJobEndingFields`. */
export interface RayJobEnding {
  /** Spread into the RayJob's `spec`. */
  readonly spec: {
    readonly activeDeadlineSeconds: number;
    readonly submissionMode: "K8sJobMode";
    readonly shutdownAfterJobFinishes: true;
    readonly ttlSecondsAfterFinished: 0;
  };
  /** Put on `spec.submitterPodTemplate.metadata.annotations`. */
  readonly submitterPodAnnotations: Readonly<Record<string, string>>;
}

/**
 * What makes a RayJob end `durationSeconds` after it starts on this tier, where its dashboard never answers.
 *
 * The rule (ray-project/kuberay@v1.7.0, ray-operator/controllers/ray/rayjob_controller.go):
 * `checkActiveDeadlineAndUpdateStatusIfNeeded`, called in the Initializing and Running states before any
 * dashboard call, sets `jobDeploymentStatus: Failed`, reason `DeadlineExceeded`, once `status.startTime +
 * activeDeadlineSeconds` has passed; `startTime` is set by `initRayJobStatusIfNeed` each time the RayJob
 * leaves New, i.e. when Kueue unsuspends it. `checkBackoffLimitAndUpdateStatusIfNeeded` never retries a
 * DeadlineExceeded failure. Kueue's `RayJob.Finished` (kueue v0.19.2, pkg/controller/jobs/rayjob) takes
 * Failed as finished (success false, the Workload's Finished reason Failed: the job status is never SUCCEEDED
 * without a dashboard) and releases the quota. The deadline is checked on KubeRay's 3 s requeue
 * (`RayJobDefaultRequeueDuration`), so the end comes 0–3 s after it.
 *
 * The rest keeps anything else from ending it first, or its pods from outliving it:
 *  - the submitter Job's pod (K8sJobMode) would otherwise be completed by kwok at once, and 30 s after a
 *    submitter finishes `checkSubmitterFinishedTimeoutAndUpdateStatusIfNeeded` fails the RayJob
 *    (`DefaultSubmitterFinishedTimeout`); with kwok's delay set to the same duration it finishes only after
 *    the deadline, since the pod starts after `startTime`;
 *  - the dashboard status-check timeout (300 s by default) is raised by `startLocalKubeRay`
 *    (STATUS_CHECK_TIMEOUT_SECONDS);
 *  - `shutdownAfterJobFinishes` with `ttlSecondsAfterFinished: 0` makes `handleShutdownAfterJobFinishes`
 *    delete the RayCluster at once, and the garbage collector its head and worker pods (once it knows ray.io:
 *    `installKubeRayCrds` waits for that); with a TTL (the platform's RayJobWorkload defaults to 300 s) they
 *    would keep their GPUs on the node after Kueue released the quota. Kueue requires
 *    `shutdownAfterJobFinishes` anyway, and KubeRay refuses a suspended RayJob without it (`ValidateRayJobSpec`,
 *    controllers/ray/utils/validation.go). The finished submitter Job stays (KubeRay keeps it for its logs);
 *    its pod is Succeeded and holds nothing.
 */
export function rayJobEndingFields(durationSeconds: number): RayJobEnding {
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1) {
    throw new Error(`a RayJob's duration must be a whole number of seconds, at least 1, got ${durationSeconds}`);
  }
  return {
    spec: {
      activeDeadlineSeconds: durationSeconds,
      submissionMode: "K8sJobMode",
      shutdownAfterJobFinishes: true,
      ttlSecondsAfterFinished: 0,
    },
    submitterPodAnnotations: { [POD_COMPLETE_DELAY_ANNOTATION]: `${durationSeconds}s` },
  };
}

/** Where a cluster's KubeRay log goes by default. */
export function kuberayLogFile(state: LocalState): string {
  return join(state.stateDir, "logs", "kuberay-operator.log");
}

/**
 * What `simulate` needs for RayJobs when the operator is built: the ending above on every RayJob (its duration in
 * real seconds, rounded up), and the operator started once the ray.io CRDs are in (the simulation applies them
 * from the same pinned chart). Without the operator, nothing: a plan with RayJobs is then refused with the reason.
 */
export function kubeRaySimulationHooks(root: string): Pick<SimulateOptions, "rayJobEnding" | "startKubeRay"> {
  const tools = readClusterTools(root, []);
  if (!hasKubeRay(tools)) return {};
  return {
    rayJobEnding: (object, _realDuration, seconds) => {
      const ending = rayJobEndingFields(Math.max(1, Math.ceil(seconds)));
      const spec = object.spec as Record<string, unknown> & {
        submitterPodTemplate?: { metadata?: { annotations?: Record<string, string> } };
      };
      Object.assign(spec, ending.spec);
      const template = (spec.submitterPodTemplate ??= {});
      const metadata = (template.metadata ??= {});
      metadata.annotations = { ...metadata.annotations, ...ending.submitterPodAnnotations };
    },
    startKubeRay: async (state, clusterTools, logDir) => {
      await waitForGarbageCollector(state, clusterTools);
      const operator = startLocalKubeRay(state, clusterTools, { logFile: join(logDir, "kuberay-operator.log"), root });
      await waitForLocalKubeRay(operator);
    },
  };
}
