/**
 * The ScaledObjects KServe creates from our InferenceServices. With `serving.kserve.io/autoscalerClass: keda`,
 * KServe's controller (not Helm) writes one ScaledObject per component at run time, so upstream conformance derives
 * them here and checks them against KEDA's pinned CRD and its Prometheus scaler's required metadata, before a
 * cluster ever sees them. The derivation follows kserve/kserve@v0.20.0
 * pkg/controller/v1beta1/inferenceservice/reconcilers/keda/keda_reconciler.go (createKedaScaledObject,
 * getKedaMetrics) for what we render, External Prometheus metrics on the predictor; stabilization windows, which
 * KServe adds from its ConfigMap when set there, are left out (our values set none).
 */
import { AUTOSCALER_CLASS_ANNOTATION } from "../charts/workloads/inference-service";

interface ExternalMetric {
  readonly type: string;
  readonly external?: {
    readonly metric: { readonly backend: string; readonly serverAddress?: string; readonly query: string };
    readonly target: { readonly value?: string };
  };
}

interface InferenceServiceObject {
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly predictor: {
      readonly minReplicas?: number;
      readonly maxReplicas?: number;
      readonly autoScaling?: { readonly metrics: readonly ExternalMetric[] };
    };
  };
}

export interface ScaledObject {
  readonly apiVersion: "keda.sh/v1alpha1";
  readonly kind: "ScaledObject";
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly scaleTargetRef: { readonly name: string };
    readonly minReplicaCount: number;
    readonly maxReplicaCount: number;
    readonly triggers: ReadonlyArray<{ readonly type: string; readonly metadata: Record<string, string> }>;
  };
}

/** KServe's default when an InferenceService sets no minReplicas (constants.DefaultMinReplicas). */
const DEFAULT_MIN_REPLICAS = 1;

/** The predictor's ScaledObject, or undefined when the InferenceService is not scaled by KEDA. */
export function kserveScaledObject(object: InferenceServiceObject): ScaledObject | undefined {
  if (object.kind !== "InferenceService" || object.metadata.annotations?.[AUTOSCALER_CLASS_ANNOTATION] !== "keda") {
    return undefined;
  }
  const { predictor } = object.spec;
  // The component's objects are named `<isvc>-predictor` (its Deployment, the ScaledObject's target).
  const name = `${object.metadata.name}-predictor`;
  const minReplicaCount = predictor.minReplicas ?? DEFAULT_MIN_REPLICAS;
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) },
    spec: {
      scaleTargetRef: { name },
      minReplicaCount,
      maxReplicaCount: Math.max(predictor.maxReplicas ?? 0, minReplicaCount),
      triggers: (predictor.autoScaling?.metrics ?? [])
        .filter((metric) => metric.type === "External" && metric.external)
        .map(({ external }) => ({
          type: external?.metric.backend ?? "",
          metadata: {
            serverAddress: external?.metric.serverAddress ?? "",
            query: external?.metric.query ?? "",
            threshold: external?.target.value ?? "0",
          },
        })),
    },
  };
}

/**
 * What KEDA's Prometheus scaler would refuse: it needs `serverAddress`, `query` and a numeric `threshold`
 * (https://keda.sh/docs/2.20/scalers/prometheus/); and a ScaledObject with no trigger scales nothing.
 */
export function scaledObjectProblems(scaledObject: ScaledObject): string[] {
  const where = `ScaledObject ${scaledObject.metadata.namespace ?? ""}/${scaledObject.metadata.name}`;
  if (scaledObject.spec.triggers.length === 0) return [`${where}: no trigger; give autoScaling.metrics`];
  return scaledObject.spec.triggers.flatMap((trigger, i) => {
    if (trigger.type !== "prometheus") return [];
    const problems: string[] = [];
    for (const key of ["serverAddress", "query"]) {
      if (!trigger.metadata[key]) problems.push(`${where}: triggers[${i}].metadata.${key} is empty`);
    }
    if (!(Number(trigger.metadata.threshold) > 0)) {
      problems.push(
        `${where}: triggers[${i}].metadata.threshold is "${trigger.metadata.threshold}"; KEDA needs a positive number`,
      );
    }
    return problems;
  });
}
