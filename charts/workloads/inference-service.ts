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
  /** @default 1 */
  readonly minReplicas?: number;
  /** @default minReplicas */
  readonly maxReplicas?: number;
  /**
   * UID of the predictor pods.
   * @default 1000
   */
  readonly runAsUser?: number;
}

export class InferenceServiceWorkload extends Construct {
  /** What the predictor pods request at maxReplicas. */
  public readonly demand: ResourceDemand;
  public readonly apiObject: ApiObject;

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
    // Scale to zero needs Knative; Standard mode keeps at least one pod.
    validateCount(workload, "minReplicas", minReplicas, 1);
    validateCount(workload, "maxReplicas", maxReplicas, 1);
    if (maxReplicas < minReplicas) {
      throw propsError(workload, "maxReplicas", maxReplicas, `set maxReplicas >= minReplicas (${minReplicas})`);
    }
    if (props.runAsUser !== undefined) validateCount(workload, "runAsUser", props.runAsUser, 1);

    // The storage initializer (init container) runs before the predictor, so it adds no demand of its
    // own as long as the predictor asks for at least its 100m / 100Mi requests.
    this.demand = podDemand(props.resources, maxReplicas);

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
    this.apiObject = new ApiObject(this, "inference-service", {
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: {
        name: props.name,
        namespace: placement.namespace,
        labels: workloadLabels(props.name, placement),
        annotations: { [DEPLOYMENT_MODE_ANNOTATION]: "Standard" },
      },
      spec: {
        predictor: {
          minReplicas,
          maxReplicas,
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
  }
}
