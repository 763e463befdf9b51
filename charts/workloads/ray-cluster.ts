/**
 * A long-lived Ray cluster for interactive work (notebooks, `ray job submit` from a laptop), queued by
 * Kueue like a job: it holds its quota for as long as it exists (Kueue site docs, tasks/run/rayclusters.md),
 * so delete it when done.
 *
 * Also home of the head + worker-group rendering the RayJob workload reuses.
 */
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import { DNS_SUBDOMAIN_FIX, isDnsSubdomain } from "../../profiles/names";
import type { NodePlacement, Placement, PodResources, ResourceDemand } from "./placement";
import {
  containerResources,
  DEFAULT_RUN_AS_USER,
  MAX_POD_SETS,
  podDemand,
  propsError,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  schedulingFields,
  sumDemands,
  validateCount,
  validateName,
  validatePodResources,
  workloadLabels,
} from "./placement";

export interface RayWorkerGroup {
  /** Group name (a DNS label; `head` is reserved by Kueue). */
  readonly name: string;
  /** Workers KubeRay runs. Kueue reserves quota for exactly this many (autoscaling is off under Kueue). */
  readonly replicas: number;
  /** @default replicas */
  readonly minReplicas?: number;
  /** @default replicas */
  readonly maxReplicas?: number;
  readonly resources: PodResources;
  /**
   * Nodes for this group's pods.
   * @default the workload's placement (the GPU pool)
   */
  readonly nodePlacement?: NodePlacement;
}

/** What a Ray cluster looks like; shared by RayCluster and RayJob. */
export interface RayClusterShape {
  /** The Ray image, pinned by the caller (e.g. `imageRef("ray")`); head, workers and submitter all use it. */
  readonly image: string;
  /**
   * The Ray version of the image; KubeRay uses it to pick version-specific behaviour.
   * @default not set
   */
  readonly rayVersion?: string;
  readonly head: {
    readonly resources: PodResources;
    /**
     * Nodes for the head pod, e.g. a CPU pool while the workers go to the GPU pool.
     * @default the workload's placement
     */
    readonly nodePlacement?: NodePlacement;
    /**
     * Environment of the head container, where a RayJob's entrypoint (the driver) runs: Kubernetes `EnvVar`s,
     * e.g. `trainingEnv(...)` with values from Secrets.
     * @default none
     */
    readonly env?: ReadonlyArray<Record<string, unknown>>;
    /**
     * A ConfigMap mounted read-only in the head container, e.g. the script a RayJob's entrypoint runs.
     * @default none
     */
    readonly configMapMount?: { readonly name: string; readonly mountPath: string };
    /**
     * Whether Ray may place tasks and actors on the head. False starts it with `num-cpus: 0`, so work that
     * asks for CPUs goes to the workers, and the head's CPU and memory stay for the GCS and the driver. KubeRay
     * otherwise sets `num-cpus` to the container's CPU limit rounded up (ray-project/kuberay@v1.7.0:
     * ray-operator/controllers/ray/common/pod.go:1394-1397), so a 500m head counts as one CPU.
     * @default true
     */
    readonly acceptsTasks?: boolean;
  };
  /** At most 17 groups (Kueue's PodSet limit). */
  readonly workerGroups: readonly RayWorkerGroup[];
  /**
   * UID of every Ray container (the `ray` user of the rayproject/ray images).
   * @default 1000
   */
  readonly runAsUser?: number;
}

export interface RayClusterWorkloadProps extends RayClusterShape {
  /** RayCluster name. */
  readonly name: string;
  readonly placement: Placement;
}

/** Kueue's PodSet for the head is named `head`, so no worker group may be. */
const RESERVED_GROUP_NAME = "head";

/** Validates a Ray cluster shape; `podSetBudget` is the number of PodSets left for head + workers. */
export function validateRayClusterShape(workload: string, shape: RayClusterShape, podSetBudget: number): void {
  if (shape.image.trim() === "") throw propsError(workload, "image", shape.image, "pass the pinned Ray image");
  validatePodResources(workload, "head.resources", shape.head.resources);
  const mount = shape.head.configMapMount;
  if (mount !== undefined) {
    if (!isDnsSubdomain(mount.name)) {
      throw propsError(workload, "head.configMapMount.name", mount.name, DNS_SUBDOMAIN_FIX);
    }
    if (!/^\/[^:]*[^/:]$/.test(mount.mountPath)) {
      throw propsError(
        workload,
        "head.configMapMount.mountPath",
        mount.mountPath,
        "give an absolute directory without a trailing slash or colon, e.g. /tune",
      );
    }
  }
  const maxGroups = podSetBudget - 1;
  if (shape.workerGroups.length > maxGroups) {
    throw propsError(
      workload,
      "workerGroups.length",
      shape.workerGroups.length,
      `use at most ${maxGroups} worker groups: a Kueue workload has at most ${MAX_POD_SETS} PodSets`,
    );
  }
  const seen = new Set<string>();
  shape.workerGroups.forEach((group, i) => {
    const prop = `workerGroups[${i}]`;
    validateName(workload, `${prop}.name`, group.name);
    if (group.name === RESERVED_GROUP_NAME) {
      throw propsError(workload, `${prop}.name`, group.name, "pick another name: Kueue reserves 'head' for the head");
    }
    if (seen.has(group.name)) throw propsError(workload, `${prop}.name`, group.name, "give each group its own name");
    seen.add(group.name);
    validatePodResources(workload, `${prop}.resources`, group.resources);
    const { min, max } = replicaBounds(group);
    validateCount(workload, `${prop}.minReplicas`, min, 0);
    validateCount(workload, `${prop}.replicas`, group.replicas, 0);
    validateCount(workload, `${prop}.maxReplicas`, max, 1);
    if (max < min) {
      throw propsError(workload, `${prop}.maxReplicas`, max, `set maxReplicas >= minReplicas (${min})`);
    }
    if (group.replicas < min || group.replicas > max) {
      throw propsError(workload, `${prop}.replicas`, group.replicas, `keep replicas between ${min} and ${max}`);
    }
  });
  if (shape.runAsUser !== undefined) validateCount(workload, "runAsUser", shape.runAsUser, 1);
}

function replicaBounds(group: RayWorkerGroup): { min: number; max: number } {
  return { min: group.minReplicas ?? group.replicas, max: group.maxReplicas ?? group.replicas };
}

/**
 * Ray detects GPUs only from resource names ending in "gpu"; MIG slices (`nvidia.com/mig-1g.10gb`)
 * would be invisible, so the count is passed to `ray start` explicitly.
 */
function rayStartParams(resources: PodResources, base: Record<string, string>): Record<string, string> {
  return resources.gpu ? { ...base, "num-gpus": String(resources.gpu.count) } : base;
}

/** The volume name of the head's ConfigMap mount. */
const HEAD_FILES_VOLUME = "files";

function rayPodTemplate(
  containerName: string,
  shape: RayClusterShape,
  resources: PodResources,
  nodes: NodePlacement,
  placement: Placement,
  head?: RayClusterShape["head"],
): Record<string, unknown> {
  const mount = head?.configMapMount;
  return {
    spec: {
      ...(placement.serviceAccountName ? { serviceAccountName: placement.serviceAccountName } : {}),
      securityContext: restrictedPodSecurityContext(shape.runAsUser ?? DEFAULT_RUN_AS_USER),
      ...schedulingFields(nodes),
      containers: [
        {
          name: containerName,
          image: shape.image,
          ...(head?.env?.length ? { env: head.env } : {}),
          resources: containerResources(resources),
          securityContext: restrictedContainerSecurityContext(),
          ...(mount ? { volumeMounts: [{ name: HEAD_FILES_VOLUME, mountPath: mount.mountPath, readOnly: true }] } : {}),
        },
      ],
      ...(mount ? { volumes: [{ name: HEAD_FILES_VOLUME, configMap: { name: mount.name } }] } : {}),
    },
  };
}

/** The `spec` of a RayCluster (or a RayJob's `rayClusterSpec`). */
export function rayClusterSpec(shape: RayClusterShape, placement: Placement): Record<string, unknown> {
  return {
    ...(shape.rayVersion ? { rayVersion: shape.rayVersion } : {}),
    // Kueue rejects in-tree autoscaling unless elastic workloads are enabled; quota is reserved up front.
    enableInTreeAutoscaling: false,
    headGroupSpec: {
      // The submitter and port-forwarded clients reach the dashboard through the head Service.
      rayStartParams: rayStartParams(shape.head.resources, {
        "dashboard-host": "0.0.0.0",
        ...(shape.head.acceptsTasks === false && { "num-cpus": "0" }),
      }),
      template: rayPodTemplate(
        "ray-head",
        shape,
        shape.head.resources,
        shape.head.nodePlacement ?? placement,
        placement,
        shape.head,
      ),
    },
    workerGroupSpecs: shape.workerGroups.map((group) => {
      const { min, max } = replicaBounds(group);
      return {
        groupName: group.name,
        replicas: group.replicas,
        minReplicas: min,
        maxReplicas: max,
        rayStartParams: rayStartParams(group.resources, {}),
        template: rayPodTemplate("ray-worker", shape, group.resources, group.nodePlacement ?? placement, placement),
      };
    }),
  };
}

/**
 * Head plus every group at maxReplicas: an upper bound. Kueue reserves `replicas` per group, which is
 * the same number unless min/max are set apart.
 */
export function rayClusterDemand(shape: RayClusterShape): ResourceDemand {
  return sumDemands([
    podDemand(shape.head.resources, 1),
    ...shape.workerGroups.map((group) => podDemand(group.resources, replicaBounds(group).max)),
  ]);
}

export class RayClusterWorkload extends Construct {
  /** What the cluster's pods request while it exists. */
  public readonly demand: ResourceDemand;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: RayClusterWorkloadProps) {
    super(scope, id);
    const workload = `RayClusterWorkload "${props.name}"`;
    validateName(workload, "name", props.name);
    validateRayClusterShape(workload, props, MAX_POD_SETS);
    this.demand = rayClusterDemand(props);
    // No spec.suspend: Kueue's webhook suspends a queued RayCluster on creation and owns the field after.
    this.apiObject = new ApiObject(this, "ray-cluster", {
      apiVersion: "ray.io/v1",
      kind: "RayCluster",
      metadata: {
        name: props.name,
        namespace: props.placement.namespace,
        labels: workloadLabels(props.name, props.placement),
      },
      spec: rayClusterSpec(props, props.placement),
    });
  }
}
