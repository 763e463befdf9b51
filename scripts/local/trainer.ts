/**
 * The JobSet and Kubeflow Trainer controllers for real on the local control plane, so a simulated TrainJob runs
 * after Kueue admits it: the Trainer makes its JobSet, JobSet its Job, the Job its pods, kwok runs them for the
 * workload's duration, and the TrainJob's completion is what releases its quota. The pinned controllers
 * (`sigs.k8s.io/jobset`, `github.com/kubeflow/trainer/v2`, built by scripts/cluster-tools.sh at their charts'
 * versions) run as local processes inside the cluster's network namespace, each with the Configuration its
 * platform release renders (the chart's ConfigMap), changed only where a process outside the cluster needs it:
 * no leader election, no certificate management (our certificate instead), the webhook server on 127.0.0.1,
 * health probes on local ports, no metrics server. Their webhooks stay as the releases render them; the webhook
 * shim (scripts/local/webhooks.ts) points them at the processes by URL once they answer.
 *
 * What cannot run here: the training itself. No container runs, so torchrun never starts: a node pod "runs" for
 * the workload's duration (kwok's pod-complete delay) and succeeds.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { K8sObject } from "../../reports/rendered";
import type { ClusterBinary, ClusterTools } from "./config";
import { hasTrainer, readClusterTools } from "./config";
import { certificates } from "./kueue";
import type { LocalState, RecordedProcess } from "./processes";
import type { SimulateOptions } from "./simulate";
import { isRunning, runInNamespace, spawnInNamespace } from "./processes";
import type { LocalServerRecord } from "./webhooks";
import { recordLocalServers } from "./webhooks";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Both charts keep their Configuration under this key of a ConfigMap (templates/*\/configmap.yaml). */
export const CONFIG_KEY = "controller_manager_config.yaml";

export interface ControllerPorts {
  readonly webhook: number;
  readonly health: number;
}

/** A controller the simulation runs for TrainJobs. */
export interface LocalController {
  /** The recorded process name, and its binary in the tools record. */
  readonly binary: ClusterBinary;
  /** The platform release it stands in for (platform/components/jobset.ts, kubeflow-trainer.ts). */
  readonly release: string;
  /**
   * Next to Kueue's 8081, 8443, 9443 and 9444 (scripts/local/kueue.ts) and KubeRay's 8080 and 8082; shifted by the
   * cluster's port offset like Kueue's.
   */
  readonly ports: ControllerPorts;
  /** The controller-runtime controller names whose "Starting workers" means it runs (its caches synced). */
  readonly controllers: readonly string[];
  /** The release's Configuration changed for a local process. */
  readonly localConfiguration: (config: Record<string, unknown>, ports: ControllerPorts, certDir: string) => object;
}

/**
 * JobSet 0.12.0 (kubernetes-sigs/jobset@v0.12.0: main.go, pkg/config/config.go, api/config/v1alpha1): the webhook
 * server reads `webhook.certDir`; with `internalCertManagement.enable: false` the metrics server would want a
 * certificate too, so metrics are off (`bindAddress: "0"`, controller-runtime's "disabled").
 */
export const JOBSET_CONTROLLER: LocalController = {
  binary: "jobset-controller",
  release: "jobset",
  ports: { webhook: 9445, health: 8083 },
  controllers: ["jobset", "pod"],
  localConfiguration: (config, ports, certDir) => ({
    ...config,
    leaderElection: { leaderElect: false },
    internalCertManagement: { enable: false },
    webhook: { host: "127.0.0.1", port: ports.webhook, certDir },
    health: { ...(config.health as object), healthProbeBindAddress: `127.0.0.1:${ports.health}` },
    metrics: { bindAddress: "0" },
  }),
};

/**
 * Kubeflow Trainer 2.3.0 (kubeflow/trainer@v2.3.0: cmd/trainer-controller-manager/main.go, pkg/config/config.go):
 * its Configuration has no certificate folder, so the webhook server reads controller-runtime's default,
 * `$TMPDIR/k8s-webhook-server/serving-certs` (`trainerEnv` sets TMPDIR). The status server is off with its
 * feature gate (TrainJobStatus, alpha).
 */
export const TRAINER_CONTROLLER: LocalController = {
  binary: "trainer-controller-manager",
  release: "kubeflow-trainer",
  ports: { webhook: 9446, health: 8084 },
  controllers: ["trainjob_controller"],
  localConfiguration: (config, ports) => ({
    ...config,
    leaderElection: { ...(config.leaderElection as object), leaderElect: false },
    certManagement: { ...(config.certManagement as object), enable: false },
    webhook: { host: "127.0.0.1", port: ports.webhook },
    health: { ...(config.health as object), healthProbeBindAddress: `127.0.0.1:${ports.health}` },
    metrics: { bindAddress: "0", secureServing: false },
  }),
};

export const TRAINJOB_CONTROLLERS = [JOBSET_CONTROLLER, TRAINER_CONTROLLER] as const;

/** The controller's ports shifted by the cluster's port offset. */
export function controllerPorts(controller: LocalController, offset = 0): ControllerPorts {
  return { webhook: controller.ports.webhook + offset, health: controller.ports.health + offset };
}

/** The Configuration in a rendered release (its chart's ConfigMap). */
export function releaseConfiguration(release: string, objects: readonly K8sObject[]): Record<string, unknown> {
  const configMap = objects.find((o) => o.kind === "ConfigMap" && typeof o.data?.[CONFIG_KEY] === "string");
  if (!configMap) throw new Error(`the ${release} release renders no ConfigMap with ${CONFIG_KEY}`);
  return parse(configMap.data[CONFIG_KEY] as string) as Record<string, unknown>;
}

/** The `<namespace>/<name>` of every Service the release's webhook configurations call. */
export function webhookServices(objects: readonly K8sObject[]): string[] {
  const services = objects
    .filter((o) => o.kind === "MutatingWebhookConfiguration" || o.kind === "ValidatingWebhookConfiguration")
    .flatMap((o) => (o.webhooks ?? []) as Array<{ clientConfig?: { service?: { namespace: string; name: string } } }>)
    .flatMap((w) =>
      w.clientConfig?.service ? [`${w.clientConfig.service.namespace}/${w.clientConfig.service.name}`] : [],
    );
  return [...new Set(services)].sort();
}

/** What the simulation applies of a release for its local controller: its CRDs, and its webhooks (for the shim). */
export function controllerReleaseObjects(objects: readonly K8sObject[]): { crds: K8sObject[]; webhooks: K8sObject[] } {
  return {
    crds: objects.filter((o) => o.kind === "CustomResourceDefinition"),
    webhooks: objects.filter(
      (o) => o.kind === "MutatingWebhookConfiguration" || o.kind === "ValidatingWebhookConfiguration",
    ),
  };
}

/** The controllers that logged controller-runtime's "Starting workers" (`"controller": "<name>"` in its fields). */
export function startedWorkers(log: string): string[] {
  const started = new Set<string>();
  for (const line of log.split("\n")) {
    if (!line.includes("Starting workers")) continue;
    const name = /"controller": ?"([^"]+)"/.exec(line)?.[1];
    if (name) started.add(name);
  }
  return [...started].sort();
}

/** Whether the log says the webhook server listens (controller-runtime's "Serving webhook server"). */
export function servesWebhooks(log: string): boolean {
  return log.includes("Serving webhook server");
}

/**
 * Starts one controller inside the cluster's network namespace and records it, so `down` stops it; returns once
 * its controllers run and its webhook server listens. Its CRDs must be served first.
 */
export async function startLocalController(
  state: LocalState,
  tools: ClusterTools,
  controller: LocalController,
  options: { configuration: Record<string, unknown>; logDir: string; timeoutMs?: number },
): Promise<{ process: RecordedProcess; caPem: string; ports: ControllerPorts }> {
  const binary = tools.binaries[controller.binary];
  if (!binary || !existsSync(binary)) {
    throw new Error(
      `the ${controller.binary} was not built (${binary || "not in .tools/cluster-tools.json"}): run 'npm run tools'`,
    );
  }
  const ports = controllerPorts(controller, state.portOffset);
  const dir = join(state.stateDir, controller.binary);
  const tmp = join(dir, "tmp");
  const certDir = join(tmp, "k8s-webhook-server", "serving-certs");
  await certificates(certDir);
  const configFile = join(dir, "config.yaml");
  writeFileSync(configFile, stringify(controller.localConfiguration(options.configuration, ports, certDir)));
  const log = join(options.logDir, `${controller.binary}.log`);
  const process_ = spawnInNamespace(
    state,
    controller.binary,
    [binary, "--config", configFile, "--zap-log-level=info"],
    {
      log,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/root",
        KUBECONFIG: state.kubeconfig,
        TMPDIR: tmp,
      },
    },
  );
  const read = () => (existsSync(log) ? readFileSync(log, "utf8") : "");
  const tail = () => read().trimEnd().split("\n").slice(-20).join("\n");
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const text = read();
    const started = startedWorkers(text);
    if (servesWebhooks(text) && controller.controllers.every((c) => started.includes(c))) {
      return { process: process_, caPem: readFileSync(join(certDir, "ca.crt"), "utf8"), ports };
    }
    if (!isRunning(process_)) throw new Error(`the ${controller.binary} (PID ${process_.pid}) exited:\n${tail()}`);
    await sleep(200);
  }
  throw new Error(
    `the ${controller.binary} did not start within ${(options.timeoutMs ?? 60_000) / 1000} s:\n${tail()}`,
  );
}

/** The rendered releases a TrainJob simulation needs, by name. */
export interface TrainerReleases {
  readonly jobset: readonly K8sObject[];
  readonly "kubeflow-trainer": readonly K8sObject[];
  /** The platform's ClusterTrainingRuntimes (charts/training-runtimes.ts). */
  readonly "training-runtimes": readonly K8sObject[];
}

/**
 * Everything TrainJobs need once Kueue runs (the CRDs are applied with Kueue's): the two releases' webhooks,
 * announced to the shim first so they wait for the controllers; JobSet's controller, then the Trainer's (it
 * creates JobSets, which JobSet's webhooks see); the servers recorded for the shim; then the platform's
 * ClusterTrainingRuntimes, once the Trainer's validating webhook takes them.
 */
export async function startTrainJobControllers(
  state: LocalState,
  tools: ClusterTools,
  logDir: string,
  releases: TrainerReleases,
): Promise<void> {
  const kubectl = (args: string[], input?: string) =>
    runInNamespace(state, [tools.binaries.kubectl, "--kubeconfig", state.kubeconfig, ...args], { input });
  const list = (items: readonly unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });
  mkdirSync(logDir, { recursive: true });
  for (const controller of TRAINJOB_CONTROLLERS) {
    const objects = releases[controller.release as "jobset" | "kubeflow-trainer"];
    const services = webhookServices(objects);
    recordLocalServers(
      state.stateDir,
      services.map((service) => ({ service })),
    );
    await kubectl(["apply", "--server-side", "-f", "-"], list(controllerReleaseObjects(objects).webhooks));
    const started = await startLocalController(state, tools, controller, {
      configuration: releaseConfiguration(controller.release, objects),
      logDir,
    });
    const records: LocalServerRecord[] = services.map((service) => ({
      service,
      base: `https://127.0.0.1:${started.ports.webhook}`,
      caPem: started.caPem,
    }));
    recordLocalServers(state.stateDir, records);
  }
  // The shim repoints the Trainer's webhooks within a moment; until then the runtime's validator is unreachable.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await kubectl(["apply", "--server-side", "-f", "-"], list(releases["training-runtimes"]));
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`the ClusterTrainingRuntimes were not accepted within 60 s: ${(error as Error).message}`);
      }
      await sleep(500);
    }
  }
}

/** What `simulate` needs for TrainJobs when both controllers are built; without them, nothing (TrainJobs are then refused). */
export function trainerSimulationHooks(root: string): Pick<SimulateOptions, "startTrainer"> {
  return hasTrainer(readClusterTools(root, [])) ? { startTrainer: startTrainJobControllers } : {};
}
