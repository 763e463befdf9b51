/**
 * The pods a rendered platform would run, read from the Helm render (verify/helm-render.ts), not from
 * values paths: Deployments, StatefulSets and DaemonSets as rendered, Jobs and hooks (transient), and
 * the pods operators create from our custom resources (CloudNativePG `Cluster`, Prometheus and
 * Alertmanager, the GPU Operator's operands from its ClusterPolicy). Each pod kind comes once, with
 * all its containers and init containers, and the nodes it can run on (platform/nodes.ts).
 */
import type { K8sObject, RenderedStack } from "./rendered";
import type { PodPlacement } from "../platform/nodes";
import { canRunOn, clusterNodes } from "../platform/nodes";
import { lifecycleIn } from "../platform/component";
import { CATALOG } from "../platform/catalog";
import { clusterPolicyPods } from "./gpu-operands";

export interface ResourceList {
  readonly cpu?: string;
  readonly memory?: string;
}

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly resources?: { readonly requests?: ResourceList; readonly limits?: ResourceList };
  /** `Always` marks a native sidecar (an init container that keeps running). */
  readonly restartPolicy?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- container securityContext as rendered
  readonly securityContext?: any;
}

export interface PodSpec extends PodPlacement {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pod securityContext as rendered
  readonly securityContext?: any;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly volumes?: ReadonlyArray<{ readonly name: string; readonly hostPath?: unknown }>;
}

export interface PodKind {
  readonly release: string;
  /** `<Kind>/<name>` of the object that makes the pods, e.g. `DaemonSet/nfd-worker`. */
  readonly workload: string;
  readonly namespace: string;
  /** How the pods come to be: rendered by the chart, or made by an operator from a custom resource. */
  readonly madeBy: "chart" | "operator";
  /** Jobs and Helm hooks: they finish, so the footprint leaves them out. */
  readonly transient: boolean;
  /** One pod per matching node (DaemonSets and the GPU Operator's operands). */
  readonly perNode: boolean;
  /** Pods wanted: replicas, or the matching nodes' count for per-node kinds. */
  readonly pods: number;
  /** The nodes the pods may run on (all matching nodes for per-node kinds). */
  readonly nodes: readonly string[];
  /** Those nodes' pools, in node order; empty when the pods fit no node (they would stay Pending). */
  readonly pools: readonly string[];
  readonly spec: PodSpec;
}

/** A pod template as an operator fills it from a custom resource: the containers it adds, and placement. */
export interface OperatorPod {
  readonly workload: string;
  readonly perNode: boolean;
  readonly replicas: number;
  readonly spec: PodSpec;
}

function isHook(o: K8sObject): boolean {
  return o.metadata.annotations?.["helm.sh/hook"] !== undefined;
}

/** The config-reloader sidecar's resources, from the Prometheus Operator's flags in the same render. */
function configReloader(objects: readonly K8sObject[]): Container {
  const args: string[] = objects
    .filter((o) => o.kind === "Deployment")
    .flatMap((o) => o.spec?.template?.spec?.containers ?? [])
    .flatMap((c: { args?: string[] }) => c.args ?? [])
    .filter((a: string) => a.startsWith("--config-reloader-"));
  const flag = (name: string) => args.find((a) => a.startsWith(`--config-reloader-${name}=`))?.split("=")[1];
  const image = objects
    .filter((o) => o.kind === "Deployment")
    .flatMap((o) => o.spec?.template?.spec?.containers ?? [])
    .flatMap((c: { args?: string[] }) => c.args ?? [])
    .find((a: string) => a.startsWith("--prometheus-config-reloader="))
    ?.split("=")[1];
  // kube-prometheus-stack passes the reloader's resources as flags; without a flag the pod is reported without that
  // resource (the operator's own default is not read from its source here).
  const resource = (request: string, limit: string) => ({ request: flag(request), limit: flag(limit) });
  const cpu = resource("cpu-request", "cpu-limit");
  const memory = resource("memory-request", "memory-limit");
  return {
    name: "config-reloader",
    image,
    resources: {
      requests: { cpu: cpu.request, memory: memory.request },
      limits: { cpu: cpu.limit, memory: memory.limit },
    },
  };
}

function cnpgOperatorImage(objects: readonly K8sObject[]): string | undefined {
  const operator = objects.find(
    (o) => o.kind === "Deployment" && o.metadata.labels?.["app.kubernetes.io/name"] === "cloudnative-pg",
  );
  return operator?.spec?.template?.spec?.containers?.[0]?.image;
}

/** Pods the Prometheus Operator, CloudNativePG, the GPU Operator and the Feast operator make from our custom resources. */
function operatorPods(o: K8sObject, objects: readonly K8sObject[]): OperatorPod[] {
  const group = o.apiVersion.split("/")[0];
  const placement = (spec: PodPlacement) => ({
    nodeSelector: spec.nodeSelector,
    affinity: spec.affinity,
    tolerations: spec.tolerations,
  });
  if (group === "monitoring.coreos.com" && (o.kind === "Prometheus" || o.kind === "Alertmanager")) {
    const main = o.kind === "Prometheus" ? "prometheus" : "alertmanager";
    const reloader = configReloader(objects);
    const replicas = (o.spec?.replicas ?? 1) * (o.kind === "Prometheus" ? (o.spec?.shards ?? 1) : 1);
    return [
      {
        workload: `${o.kind}/${o.metadata.name}`,
        perNode: false,
        replicas,
        spec: {
          ...placement(o.spec ?? {}),
          securityContext: o.spec?.securityContext,
          containers: [{ name: main, image: o.spec?.image, resources: o.spec?.resources ?? {} }, reloader],
          initContainers: [{ ...reloader, name: `init-${reloader.name}` }],
        },
      },
    ];
  }
  if (group === "postgresql.cnpg.io" && o.kind === "Cluster") {
    // The bootstrap-controller init container is counted with the cluster's resources, which by the max rule
    // leaves the postgres figure; that CloudNativePG gives it exactly those was not checked against its source.
    const resources = o.spec?.resources ?? {};
    return [
      {
        workload: `Cluster/${o.metadata.name}`,
        perNode: false,
        replicas: o.spec?.instances ?? 1,
        spec: {
          nodeSelector: o.spec?.affinity?.nodeSelector,
          tolerations: o.spec?.affinity?.tolerations,
          affinity: o.spec?.affinity?.nodeAffinity ? { nodeAffinity: o.spec.affinity.nodeAffinity } : undefined,
          containers: [{ name: "postgres", image: o.spec?.imageName, resources }],
          // The bootstrap controller is the operator's own image (it copies the instance manager into the pod).
          initContainers: [{ name: "bootstrap-controller", image: cnpgOperatorImage(objects), resources }],
        },
      },
    ];
  }
  if (group === "nvidia.com" && o.kind === "ClusterPolicy") return clusterPolicyPods(o);
  if (group === "feast.dev" && o.kind === "FeatureStore") return [featureStorePod(o, objects)];
  return [];
}

/**
 * The Feast operator's Deployment for a FeatureStore (charts/feast.ts): one container per service the store runs,
 * here only the online feature server, named after its type and running the operator's `RELATED_IMAGE_FEATURE_SERVER`
 * (feast-dev/feast@v0.66.0:infra/feast-operator/internal/controller/services/services.go `setContainers`).
 */
function featureStorePod(o: K8sObject, objects: readonly K8sObject[]): OperatorPod {
  const image = objects
    .filter((d) => d.kind === "Deployment")
    .flatMap((d) => d.spec?.template?.spec?.containers ?? [])
    .flatMap((c: { env?: Array<{ name: string; value?: string }> }) => c.env ?? [])
    .find((e: { name: string }) => e.name === "RELATED_IMAGE_FEATURE_SERVER")?.value;
  return {
    workload: `FeatureStore/${o.metadata.name}`,
    perNode: false,
    replicas: o.spec?.replicas ?? 1,
    spec: {
      securityContext: o.spec?.services?.securityContext,
      containers: [{ name: "online", image, resources: o.spec?.services?.onlineStore?.server?.resources ?? {} }],
    },
  };
}

const POD_TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

/** Every kind of pod a rendered stack would run. */
export function podKinds(stack: RenderedStack): PodKind[] {
  const gpuOperator = CATALOG.find((c) => c.id === "gpu-operator");
  const nodes = clusterNodes(stack.profile, {
    gpuOperatorManaged: gpuOperator !== undefined && lifecycleIn(stack.profile, gpuOperator) === "managed",
  });
  const placeOn = (spec: PodPlacement) => nodes.filter((n) => canRunOn(spec, n));
  const where = (spec: PodPlacement) => {
    const fit = placeOn(spec);
    return { nodes: fit.map((n) => n.name), pools: [...new Set(fit.map((n) => n.pool))] };
  };
  const kinds: PodKind[] = [];
  const everything = stack.releases.flatMap((r) => r.objects);
  for (const release of stack.releases) {
    for (const o of release.objects) {
      const namespace = o.metadata.namespace ?? release.namespace;
      const template =
        o.kind === "CronJob" ? o.spec?.jobTemplate?.spec?.template : POD_TEMPLATE_KINDS.has(o.kind) && o.spec?.template;
      if (template) {
        const spec = template.spec as PodSpec;
        const perNode = o.kind === "DaemonSet";
        const placed = where(spec);
        kinds.push({
          release: release.name,
          workload: `${o.kind}/${o.metadata.name}`,
          namespace,
          madeBy: "chart",
          transient: o.kind === "Job" || o.kind === "CronJob" || isHook(o),
          perNode,
          pods: perNode ? placed.nodes.length : (o.spec?.replicas ?? 1),
          ...placed,
          spec,
        });
        continue;
      }
      for (const pod of operatorPods(o, everything)) {
        const placed = where(pod.spec);
        kinds.push({
          release: release.name,
          workload: pod.workload,
          namespace,
          madeBy: "operator",
          transient: false,
          perNode: pod.perNode,
          pods: pod.perNode ? placed.nodes.length : pod.replicas,
          ...placed,
          spec: pod.spec,
        });
      }
    }
  }
  return kinds;
}
