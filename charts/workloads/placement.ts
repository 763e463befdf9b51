/**
 * What every golden-path workload shares: where its pods go (team namespace, Kueue LocalQueue, the
 * GPU pool's node labels and taints), what each pod asks for, and the arithmetic that turns that into
 * the quota a Kueue ClusterQueue must hold (`ResourceDemand`).
 *
 * Pod security: the team namespaces enforce Pod Security "restricted", so every pod and container we
 * render carries the restricted settings (non-root, no privilege escalation, all capabilities dropped,
 * RuntimeDefault seccomp). Operator-injected containers inherit them: KubeRay copies the worker
 * container's securityContext into its `wait-gcs-ready` init container, and KServe's storage
 * initializer gets `kserve.storage.containerSecurityContext` (restricted by default in
 * kserve-resources v0.20.0) while the pod-level seccomp profile and runAsNonRoot cover the rest.
 */
import { KUEUE_PRIORITY_LABEL, KUEUE_QUEUE_LABEL } from "../kueue-queues";
import { DNS_LABEL_FIX, isDnsLabel } from "../../profiles/names";
import type { ApiObjectProps } from "cdk8s";

/** An extended resource, e.g. `{ resourceName: "nvidia.com/mig-1g.10gb", count: 1 }`, or DRA devices. */
export interface GpuRequest {
  /** The resource the pod requests, or for DRA the quota resource Kueue counts the devices as. */
  readonly resourceName: string;
  readonly count: number;
  /**
   * DRA: claim `count` devices of this DeviceClass (e.g. `gpu.nvidia.com`) through a per-pod ResourceClaimTemplate
   * instead of requesting `resourceName` in the container's resources. Only Jobs render claims.
   * @default none: the extended resource
   */
  readonly deviceClassName?: string;
}

/** The pod's and container's name for a workload's GPU claim. */
export const GPU_CLAIM = "gpu";

export interface Toleration {
  readonly key: string;
  readonly operator: "Equal" | "Exists";
  readonly value?: string;
  readonly effect: string;
}

/** The nodes a pod may run on: a pool's node labels and the taints it tolerates. */
export interface NodePlacement {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

export interface Placement extends NodePlacement {
  /** The team namespace (Pod Security "restricted", opted in to Kueue). */
  readonly namespace: string;
  /** Kueue LocalQueue, set as label `kueue.x-k8s.io/queue-name`. */
  readonly localQueue: string;
  /**
   * Kueue WorkloadPriorityClass, set as label `kueue.x-k8s.io/priority-class`.
   * @default none (the ClusterQueue's default priority)
   */
  readonly priorityClass?: string;
  /**
   * ServiceAccount of the pods.
   * @default the namespace's `default` ServiceAccount
   */
  readonly serviceAccountName?: string;
}

/**
 * What one container gets. Requests equal limits (Guaranteed QoS, so quota and actual use agree);
 * an extended resource must have requests equal to limits anyway.
 */
export interface PodResources {
  /** A Kubernetes CPU quantity, e.g. `500m` or `2`. */
  readonly cpu: string;
  /** A Kubernetes memory quantity, e.g. `512Mi` or `4Gi`. */
  readonly memory: string;
  /** @default no GPU */
  readonly gpu?: GpuRequest;
}

/** The resources a workload's pods request while all of them run: what its ClusterQueue must admit. */
export interface ResourceDemand {
  readonly pods: number;
  /** Cores. */
  readonly cpu: number;
  readonly memoryBytes: number;
  /** Extended resources (GPUs, MIG slices) by resource name. */
  readonly extended: Readonly<Record<string, number>>;
}

/** Kueue's labels, spelled once in charts/kueue-queues.ts. */
export const QUEUE_NAME_LABEL = KUEUE_QUEUE_LABEL;
export const PRIORITY_CLASS_LABEL = KUEUE_PRIORITY_LABEL;

/**
 * Kueue workloads have at most 18 PodSets (kueue v0.19.2 site docs, tasks/run/rayjobs.md): the Ray
 * head takes one, so 17 worker groups. A K8sJobMode RayJob's submitter Job takes one more.
 */
export const MAX_POD_SETS = 18;

/** @default UID of the Ray and serving pods we render: the Ray images' `ray` user, which their paths belong to. */
export const DEFAULT_RUN_AS_USER = 1000;

/**
 * @default UID of queued batch Jobs: above 10000, so it matches no user of the node (CIS, checkov CKV_K8S_40);
 * their images need no fixed user, since HOME and every write go to the /tmp emptyDir.
 */
export const DEFAULT_JOB_RUN_AS_USER = 10001;

/** Throws a props error that names the workload, the prop, its value and the fix. */
export function propsError(workload: string, prop: string, value: unknown, fix: string): Error {
  return new Error(`${workload}: ${prop} is ${JSON.stringify(value)}; ${fix}`);
}

/** The labels that put an object in a Kueue LocalQueue (and priority class). */
export function kueueLabels(placement: Placement): Record<string, string> {
  return {
    [QUEUE_NAME_LABEL]: placement.localQueue,
    ...(placement.priorityClass ? { [PRIORITY_CLASS_LABEL]: placement.priorityClass } : {}),
  };
}

/** Labels of every workload object: its name and its queue. */
export function workloadLabels(name: string, placement: Placement): Record<string, string> {
  return { "app.kubernetes.io/name": name, ...kueueLabels(placement) };
}

/** Pod-level settings Pod Security "restricted" requires. */
export function restrictedPodSecurityContext(runAsUser: number): Record<string, unknown> {
  return { runAsNonRoot: true, runAsUser, seccompProfile: { type: "RuntimeDefault" } };
}

/** Container-level settings Pod Security "restricted" requires. */
export function restrictedContainerSecurityContext(): Record<string, unknown> {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
}

/** nodeSelector / tolerations of a pod spec; empty ones are left out. */
export function schedulingFields(placement: NodePlacement): Record<string, unknown> {
  return {
    ...(Object.keys(placement.nodeSelector).length > 0 ? { nodeSelector: { ...placement.nodeSelector } } : {}),
    ...(placement.tolerations.length > 0 ? { tolerations: placement.tolerations.map((t) => ({ ...t })) } : {}),
  };
}

/** A container's `resources`: requests equal to limits, and the GPU claim for DRA devices. */
export function containerResources(resources: PodResources): Record<string, unknown> {
  const list: Record<string, string> = { cpu: resources.cpu, memory: resources.memory };
  const { gpu } = resources;
  if (gpu && !gpu.deviceClassName) list[gpu.resourceName] = String(gpu.count);
  return {
    requests: { ...list },
    limits: { ...list },
    ...(gpu?.deviceClassName ? { claims: [{ name: GPU_CLAIM }] } : {}),
  };
}

/**
 * The ResourceClaimTemplate a workload's pods claim their DRA GPUs from: one `exactly` request of `count` devices
 * of the DeviceClass, the only shape Kueue admits (no shared claims, selectors alternatives or per-request config;
 * kubernetes-sigs/kueue@v0.19.2 site docs concepts/dynamic_resource_allocation.md).
 */
export function gpuClaimTemplateManifest(name: string, namespace: string, gpu: GpuRequest): ApiObjectProps {
  return {
    apiVersion: "resource.k8s.io/v1",
    kind: "ResourceClaimTemplate",
    metadata: { name, namespace },
    spec: {
      spec: {
        devices: {
          requests: [
            {
              name: GPU_CLAIM,
              exactly: { deviceClassName: gpu.deviceClassName, allocationMode: "ExactCount", count: gpu.count },
            },
          ],
        },
      },
    },
  };
}

const DECIMAL_SUFFIXES: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const BINARY_SUFFIXES: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Parses a Kubernetes quantity (`500m`, `1.5`, `512Mi`, `2G`, `1e9`); undefined if it is not one. */
export function parseQuantity(quantity: string): number | undefined {
  const match = /^(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(m|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?)$/.exec(quantity);
  if (!match) return undefined;
  const [, digits, exponent, suffix = ""] = match;
  if (exponent !== undefined) return Number(digits) * 10 ** Number(exponent);
  if (suffix === "m") return Number(digits) / 1000;
  return Number(digits) * (BINARY_SUFFIXES[suffix] ?? DECIMAL_SUFFIXES[suffix]);
}

/**
 * Checks one container's resources; `prop` is its path in the props, for the message. Only workloads that render
 * a ResourceClaimTemplate (`draClaims`) may ask for DRA devices.
 */
export function validatePodResources(
  workload: string,
  prop: string,
  resources: PodResources,
  options: { readonly draClaims?: boolean } = {},
): void {
  const cpu = parseQuantity(resources.cpu);
  if (cpu === undefined || cpu <= 0) {
    throw propsError(workload, `${prop}.cpu`, resources.cpu, "give a positive CPU quantity such as 500m or 2");
  }
  const memory = parseQuantity(resources.memory);
  if (memory === undefined || memory < 1) {
    throw propsError(workload, `${prop}.memory`, resources.memory, "give a memory quantity such as 512Mi or 4Gi");
  }
  if (!resources.gpu) return;
  const { resourceName, count } = resources.gpu;
  if (!Number.isInteger(count) || count < 1) {
    throw propsError(
      workload,
      `${prop}.gpu.count`,
      count,
      "request a whole number of at least 1 devices, or leave gpu out for a CPU-only pod",
    );
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(resourceName)) {
    throw propsError(
      workload,
      `${prop}.gpu.resourceName`,
      resourceName,
      "use an extended resource name of the form <domain>/<name>, e.g. nvidia.com/gpu",
    );
  }
  const { deviceClassName } = resources.gpu;
  if (deviceClassName !== undefined && !options.draClaims) {
    throw propsError(
      workload,
      `${prop}.gpu.deviceClassName`,
      deviceClassName,
      "only Jobs (TrainingJob) claim DRA devices here; run this workload on a device-plugin pool",
    );
  }
  if (
    deviceClassName !== undefined &&
    !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(deviceClassName)
  ) {
    throw propsError(
      workload,
      `${prop}.gpu.deviceClassName`,
      deviceClassName,
      "name a DeviceClass, e.g. gpu.nvidia.com",
    );
  }
}

/** Checks a Kubernetes object name (DNS-1123 label, which also fits Kueue's Workload and PodSet names). */
export function validateName(workload: string, prop: string, name: string): void {
  if (!isDnsLabel(name)) throw propsError(workload, prop, name, DNS_LABEL_FIX);
}

/** Checks a count prop: a whole number of at least `min`. */
export function validateCount(workload: string, prop: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw propsError(workload, prop, value, `use a whole number of at least ${min}`);
  }
}

/** No pods, no resources: what a finished Job or a service at zero replicas holds. */
export const NO_DEMAND: ResourceDemand = { pods: 0, cpu: 0, memoryBytes: 0, extended: {} };

/** The demand of `pods` identical pods with one container each. */
export function podDemand(resources: PodResources, pods: number): ResourceDemand {
  // CPU in whole millicores, so that sums of quantities like 100m stay exact.
  const milliCpu = Math.round((parseQuantity(resources.cpu) ?? 0) * 1000);
  return {
    pods,
    cpu: (milliCpu * pods) / 1000,
    memoryBytes: (parseQuantity(resources.memory) ?? 0) * pods,
    extended: resources.gpu && pods > 0 ? { [resources.gpu.resourceName]: resources.gpu.count * pods } : {},
  };
}

export function sumDemands(demands: readonly ResourceDemand[]): ResourceDemand {
  const extended: Record<string, number> = {};
  let milliCpu = 0;
  for (const demand of demands) {
    milliCpu += Math.round(demand.cpu * 1000);
    for (const [name, count] of Object.entries(demand.extended)) extended[name] = (extended[name] ?? 0) + count;
  }
  return {
    pods: demands.reduce((sum, d) => sum + d.pods, 0),
    cpu: milliCpu / 1000,
    memoryBytes: demands.reduce((sum, d) => sum + d.memoryBytes, 0),
    extended,
  };
}

/** Where a queued Job's container may write: an emptyDir, since its root filesystem is read-only. */
export const JOB_SCRATCH = "/tmp";

export interface QueuedJobOptions {
  readonly name: string;
  readonly placement: Placement;
  readonly container: Record<string, unknown>;
  readonly backoffLimit: number;
  readonly runAsUser: number;
  readonly parallelism?: number;
  readonly activeDeadlineSeconds?: number;
  readonly ttlSecondsAfterFinished?: number;
  /** The ResourceClaimTemplate the pod claims its DRA GPUs from, as claim `gpu`. @default no claim */
  readonly gpuClaimTemplate?: string;
}

/**
 * A `batch/v1` Job in a Kueue LocalQueue. No `spec.suspend`: Kueue's webhook suspends a Job that has
 * a queue label on creation and un-suspends it on admission ("you do not need to create the Job in a
 * suspended state", Kueue site docs tasks/run/jobs.md); a manifest saying `suspend: true` would make
 * every Helm upgrade of the release suspend a running Job again.
 */
export function queuedJobManifest(options: QueuedJobOptions): ApiObjectProps {
  const { placement } = options;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: options.name, namespace: placement.namespace, labels: workloadLabels(options.name, placement) },
    spec: {
      ...(options.parallelism !== undefined
        ? { parallelism: options.parallelism, completions: options.parallelism }
        : {}),
      backoffLimit: options.backoffLimit,
      ...(options.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: options.activeDeadlineSeconds } : {}),
      ...(options.ttlSecondsAfterFinished !== undefined
        ? { ttlSecondsAfterFinished: options.ttlSecondsAfterFinished }
        : {}),
      template: {
        metadata: { labels: { "app.kubernetes.io/name": options.name } },
        spec: {
          restartPolicy: "Never",
          ...(placement.serviceAccountName ? { serviceAccountName: placement.serviceAccountName } : {}),
          // Our job containers never call the Kubernetes API.
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurityContext(options.runAsUser),
          ...schedulingFields(placement),
          ...(options.gpuClaimTemplate
            ? { resourceClaims: [{ name: GPU_CLAIM, resourceClaimTemplateName: options.gpuClaimTemplate }] }
            : {}),
          // A read-only root filesystem: caches and temporary files go to the /tmp emptyDir (HOME points there).
          containers: [
            {
              ...options.container,
              env: [...((options.container.env as unknown[] | undefined) ?? []), { name: "HOME", value: JOB_SCRATCH }],
              securityContext: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: true },
              volumeMounts: [{ name: "scratch", mountPath: JOB_SCRATCH }],
            },
          ],
          volumes: [{ name: "scratch", emptyDir: {} }],
        },
      },
    },
  };
}
