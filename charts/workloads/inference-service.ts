/**
 * A KServe InferenceService in Standard mode (Deployment + Service + HPA, no Knative), reading its model
 * from the object store with the credentials of the given ServiceAccount.
 *
 * Kueue has no InferenceService integration; it admits each predictor pod through its `deployment`
 * / `pod` integrations. KServe copies the InferenceService's labels onto the predictor Deployment and
 * pods (kserve v0.20.0 pkg/controller/v1beta1/inferenceservice/components/predictor.go, buildObjectMeta),
 * so the queue and priority labels go on the InferenceService itself.
 */
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { Placement, PodResources, ResourceDemand } from "./placement";
import {
  containerResources,
  DEFAULT_RUN_AS_USER,
  podDemand,
  propsError,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  schedulingFields,
  validateCount,
  validateName,
  validatePodResources,
  workloadLabels,
} from "./placement";

/** Per-object override of KServe's default deployment mode (the chart default is Knative). */
export const DEPLOYMENT_MODE_ANNOTATION = "serving.kserve.io/deploymentMode";
/** The label KServe puts on every pod of an InferenceService, valued with its name. */
export const INFERENCE_SERVICE_POD_LABEL = "serving.kserve.io/inferenceservice";
/** The model server's HTTP port, where it also serves `/metrics` (kserve v0.20.0 constants.go, InferenceServiceDefaultHttpPort). */
export const MODEL_SERVER_PORT = 8080;
/** The prefix of an InferenceService's predictor pod names (its Deployment `<name>-predictor`). */
export function predictorPodPrefix(name: string): string {
  return `${name}-predictor-`;
}
/** Which autoscaler KServe's Standard mode creates: `hpa` (default), `keda`, `external` or `none`. */
export const AUTOSCALER_CLASS_ANNOTATION = "serving.kserve.io/autoscalerClass";

/** A Prometheus query KEDA scales the predictor on (an `External` metric with the `prometheus` backend). */
export interface ServingTrigger {
  /** A PromQL query that returns one number, e.g. the requests the predictor is serving now. */
  readonly query: string;
  /** The query's value one replica should carry: KEDA runs ceil(value / target) replicas (the `threshold`). */
  readonly target: number;
  /**
   * The query counts demand that exists while no predictor pod runs (e.g. Jobs waiting for the service), so it can
   * wake the predictor from zero. A query over the predictor's own metrics cannot: at zero no pod exports them.
   */
  readonly wakesFromZero: boolean;
}

/**
 * KEDA autoscaling through KServe (`autoscalerClass: keda`): KServe turns `autoScaling.metrics` into one
 * ScaledObject per component (kserve/kserve@v0.20.0:pkg/controller/v1beta1/inferenceservice/reconcilers/keda).
 * Standard mode has no activator: a request that reaches a predictor at zero replicas fails until a trigger
 * scales it up, so zero is allowed only with a trigger that wakes it.
 */
export interface ServingAutoscaling {
  /** Where KEDA runs the queries, e.g. `http://kube-prometheus-stack-prometheus.monitoring.svc:9090`. */
  readonly prometheusUrl: string;
  /** Each trigger proposes a replica count; KEDA runs the largest. */
  readonly triggers: readonly ServingTrigger[];
}

export interface InferenceServiceWorkloadProps {
  /** InferenceService name. */
  readonly name: string;
  readonly placement: Placement;
  /** The model format a ServingRuntime must support, e.g. `sklearn`. */
  readonly modelFormat: string;
  /**
   * @default any version the runtime supports
   */
  readonly modelFormatVersion?: string;
  /**
   * A specific (Cluster)ServingRuntime.
   * @default the runtime KServe auto-selects for the model format
   */
  readonly runtime?: string;
  /**
   * Where the model lives, e.g. `s3://models/iris`; KServe's storage initializer downloads it to /mnt/models.
   * @default none: the model server fetches the model itself (e.g. a Hugging Face id in `args`)
   */
  readonly storageUri?: string;
  /**
   * Arguments appended to the runtime's own.
   * @default none
   */
  readonly args?: readonly string[];
  /**
   * Environment variables of the model server.
   * @default none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Environment variables read from Secrets in the namespace (e.g. a Hugging Face token).
   * @default none
   */
  readonly secretEnv?: Readonly<Record<string, { readonly secretName: string; readonly key: string }>>;
  /** The predictor container (kserve-container). */
  readonly resources: PodResources;
  /** Pods at rest; 0 only with `autoscaling` and a trigger that wakes the predictor. @default 1 */
  readonly minReplicas?: number;
  /** @default minReplicas */
  readonly maxReplicas?: number;
  /**
   * Scale between minReplicas and maxReplicas with KEDA on Prometheus queries.
   * @default KServe's HPA on CPU (never below one pod)
   */
  readonly autoscaling?: ServingAutoscaling;
  /**
   * A PodMonitor so Prometheus scrapes the model server's `/metrics` on port 8080 (request latency histograms, and
   * vLLM's request gauges when it serves an LLM): the metrics the autoscaling triggers and dashboards query. Needs
   * the Prometheus Operator's CRDs.
   * @default false
   */
  readonly podMonitor?: boolean;
  /**
   * UID of the predictor pods.
   * @default 1000
   */
  readonly runAsUser?: number;
}

export class InferenceServiceWorkload extends Construct {
  /** What the predictor pods request at maxReplicas. */
  public readonly demand: ResourceDemand;
  /** What they request at minReplicas: the quota an idle service holds (none when it scales to zero). */
  public readonly restingDemand: ResourceDemand;
  public readonly apiObject: ApiObject;
  /** The prefix of the predictor pods' names (`<name>-predictor-…`), for queries over their metrics. */
  public readonly podNamePrefix: string;

  constructor(scope: Construct, id: string, props: InferenceServiceWorkloadProps) {
    super(scope, id);
    const workload = `InferenceServiceWorkload "${props.name}"`;
    const minReplicas = props.minReplicas ?? 1;
    const maxReplicas = props.maxReplicas ?? minReplicas;

    validateName(workload, "name", props.name);
    if (props.modelFormat.trim() === "") {
      throw propsError(workload, "modelFormat", props.modelFormat, "name the model format, e.g. sklearn");
    }
    if (props.storageUri !== undefined && !/^[a-z0-9]+:\/\/\S+$/.test(props.storageUri)) {
      throw propsError(workload, "storageUri", props.storageUri, "give a URI with a scheme, e.g. s3://models/iris");
    }
    if (props.storageUri !== undefined && /^[a-z0-9]+:\/\/[^/]*@/.test(props.storageUri)) {
      throw propsError(
        workload,
        "storageUri",
        props.storageUri,
        "remove the credentials from the URI; the ServiceAccount's Secret carries them",
      );
    }
    validatePodResources(workload, "resources", props.resources);
    const { autoscaling } = props;
    if (autoscaling) validateAutoscaling(workload, autoscaling);
    if (minReplicas === 0 && !autoscaling?.triggers.some((t) => t.wakesFromZero)) {
      throw propsError(
        workload,
        "minReplicas",
        0,
        autoscaling
          ? "add a trigger with wakesFromZero (the predictor's own metrics vanish at zero replicas, so nothing would scale it up), or keep minReplicas >= 1"
          : "set autoscaling with a trigger that wakes it (KServe's HPA keeps at least one pod), or keep minReplicas >= 1",
      );
    }
    validateCount(workload, "minReplicas", minReplicas, 0);
    validateCount(workload, "maxReplicas", maxReplicas, 1);
    if (maxReplicas < minReplicas) {
      throw propsError(workload, "maxReplicas", maxReplicas, `set maxReplicas >= minReplicas (${minReplicas})`);
    }
    if (props.runAsUser !== undefined) validateCount(workload, "runAsUser", props.runAsUser, 1);

    // The storage initializer (init container) runs before the predictor, so it adds no demand of its
    // own as long as the predictor asks for at least its 100m / 100Mi requests.
    this.demand = podDemand(props.resources, maxReplicas);
    this.restingDemand = podDemand(props.resources, minReplicas);

    const env = [
      ...Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value })),
      ...Object.entries(props.secretEnv ?? {}).map(([name, source]) => ({
        name,
        valueFrom: { secretKeyRef: { name: source.secretName, key: source.key } },
      })),
    ];
    for (const name of Object.keys(props.secretEnv ?? {})) {
      if (name in (props.env ?? {}))
        throw propsError(workload, `secretEnv.${name}`, name, "define each variable only once");
    }
    const { placement } = props;
    this.podNamePrefix = predictorPodPrefix(props.name);
    this.apiObject = new ApiObject(this, "inference-service", {
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: {
        name: props.name,
        namespace: placement.namespace,
        labels: workloadLabels(props.name, placement),
        annotations: {
          [DEPLOYMENT_MODE_ANNOTATION]: "Standard",
          ...(autoscaling ? { [AUTOSCALER_CLASS_ANNOTATION]: "keda" } : {}),
        },
      },
      spec: {
        predictor: {
          minReplicas,
          maxReplicas,
          ...(autoscaling
            ? { autoScaling: { metrics: autoscaling.triggers.map((t) => externalMetric(autoscaling, t)) } }
            : {}),
          ...(placement.serviceAccountName ? { serviceAccountName: placement.serviceAccountName } : {}),
          securityContext: restrictedPodSecurityContext(props.runAsUser ?? DEFAULT_RUN_AS_USER),
          ...schedulingFields(placement),
          model: {
            modelFormat: {
              name: props.modelFormat,
              ...(props.modelFormatVersion ? { version: props.modelFormatVersion } : {}),
            },
            ...(props.runtime ? { runtime: props.runtime } : {}),
            ...(props.storageUri !== undefined ? { storageUri: props.storageUri } : {}),
            ...(props.args?.length ? { args: [...props.args] } : {}),
            ...(env.length > 0 ? { env } : {}),
            resources: containerResources(props.resources),
            securityContext: restrictedContainerSecurityContext(),
          },
        },
      },
    });
    if (props.podMonitor) {
      new ApiObject(this, "pod-monitor", {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: { name: `${props.name}-predictor`, namespace: placement.namespace },
        spec: {
          // KServe labels every predictor pod with its InferenceService (kserve v0.20.0 components/predictor.go).
          selector: { matchLabels: { [INFERENCE_SERVICE_POD_LABEL]: props.name } },
          podMetricsEndpoints: [{ portNumber: MODEL_SERVER_PORT, path: "/metrics" }],
        },
      });
    }
  }
}

function validateAutoscaling(workload: string, autoscaling: ServingAutoscaling): void {
  if (!/^https?:\/\/\S+$/.test(autoscaling.prometheusUrl)) {
    throw propsError(
      workload,
      "autoscaling.prometheusUrl",
      autoscaling.prometheusUrl,
      "give Prometheus' http(s) URL, e.g. http://kube-prometheus-stack-prometheus.monitoring.svc:9090",
    );
  }
  if (autoscaling.triggers.length === 0) {
    throw propsError(workload, "autoscaling.triggers", [], "give at least one Prometheus query to scale on");
  }
  autoscaling.triggers.forEach((trigger, i) => {
    if (trigger.query.trim() === "") {
      throw propsError(workload, `autoscaling.triggers[${i}].query`, trigger.query, "give a PromQL query");
    }
    if (!(trigger.target > 0) || !Number.isFinite(trigger.target)) {
      throw propsError(
        workload,
        `autoscaling.triggers[${i}].target`,
        trigger.target,
        "give the positive value one replica should carry",
      );
    }
  });
}

/** One KEDA trigger as KServe's `External` metric (KServe copies `target.value` into the trigger's `threshold`). */
function externalMetric(autoscaling: ServingAutoscaling, trigger: ServingTrigger): Record<string, unknown> {
  return {
    type: "External",
    external: {
      metric: { backend: "prometheus", serverAddress: autoscaling.prometheusUrl, query: trigger.query },
      target: { type: "Value", value: String(trigger.target) },
    },
  };
}
