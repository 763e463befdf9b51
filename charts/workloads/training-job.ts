/**
 * A single-pod training run as a Kueue-queued `batch/v1` Job that logs to MLflow: the tracking URI
 * and experiment reach the MLflow client through its standard environment variables
 * (`MLFLOW_TRACKING_URI`, `MLFLOW_EXPERIMENT_NAME`). The MLflow server proxies artifacts, so the job
 * needs no object-store credentials to log models.
 */
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { Placement, PodResources, ResourceDemand } from "./placement";
import {
  containerResources,
  gpuClaimTemplateManifest,
  DEFAULT_JOB_RUN_AS_USER,
  podDemand,
  propsError,
  queuedJobManifest,
  validateCount,
  validateName,
  validatePodResources,
} from "./placement";

/** An environment variable read from a Secret key. */
export interface SecretEnvSource {
  readonly secretName: string;
  readonly key: string;
}

/** MLflow and the environment: see TrainingEnvProps. */
export interface TrainingJobProps extends TrainingEnvProps {
  /** Job name. */
  readonly name: string;
  readonly placement: Placement;
  readonly image: string;
  /** The container's command (entrypoint). */
  readonly command: readonly string[];
  /** @default none */
  readonly args?: readonly string[];
  readonly resources: PodResources;
  /**
   * Retries after a failed pod. A failed training run is usually a bug, not a flake.
   * @default 0
   */
  readonly backoffLimit?: number;
  /** @default no deadline */
  readonly activeDeadlineSeconds?: number;
  /**
   * Seconds before Kubernetes deletes the finished Job.
   * @default kept (the release owns it)
   */
  readonly ttlSecondsAfterFinished?: number;
  /** @default 10001 (DEFAULT_JOB_RUN_AS_USER) */
  readonly runAsUser?: number;
}

const MLFLOW_ENV = ["MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME"];

/** Where a training workload logs, and what else its container's environment holds. */
export interface TrainingEnvProps {
  readonly mlflow: {
    /** e.g. `http://mlflow.mlflow.svc.cluster.local:5000`. */
    readonly trackingUri: string;
    readonly experimentName: string;
  };
  /**
   * Further plain environment variables (never secrets: they end up in the manifest).
   * @default none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Environment variables read from Secrets.
   * @default none
   */
  readonly secretEnv?: Readonly<Record<string, SecretEnvSource>>;
}

/**
 * Checks a training workload's MLflow settings and environment: an http(s) tracking URI without credentials, an
 * experiment name, the MLflow variables only through `mlflow`, each variable defined once, and none of `reserved`.
 */
export function validateTrainingEnv(
  workload: string,
  props: TrainingEnvProps,
  reserved: { readonly names: readonly string[]; readonly fix: string } = { names: [], fix: "" },
): void {
  const env = props.env ?? {};
  const secretEnv = props.secretEnv ?? {};
  if (!/^https?:\/\/[^\s@/]+(\/\S*)?$/.test(props.mlflow.trackingUri)) {
    throw propsError(
      workload,
      "mlflow.trackingUri",
      props.mlflow.trackingUri,
      "give the MLflow server's http(s) URL without credentials, e.g. http://mlflow.mlflow.svc.cluster.local:5000",
    );
  }
  if (props.mlflow.experimentName.trim() === "") {
    throw propsError(workload, "mlflow.experimentName", props.mlflow.experimentName, "name the MLflow experiment");
  }
  for (const name of [...Object.keys(env), ...Object.keys(secretEnv)]) {
    if (MLFLOW_ENV.includes(name)) {
      throw propsError(workload, `env.${name}`, name, "set the MLflow variables through the mlflow prop");
    }
    if (reserved.names.includes(name)) throw propsError(workload, `env.${name}`, name, reserved.fix);
  }
  for (const name of Object.keys(secretEnv)) {
    if (name in env) throw propsError(workload, `secretEnv.${name}`, name, "define each variable only once");
  }
}

/** A training container's `env`: the MLflow variables first, then the plain ones, then those from Secrets. */
export function trainingEnv(props: TrainingEnvProps): Array<Record<string, unknown>> {
  return [
    { name: "MLFLOW_TRACKING_URI", value: props.mlflow.trackingUri },
    { name: "MLFLOW_EXPERIMENT_NAME", value: props.mlflow.experimentName },
    ...Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value })),
    ...Object.entries(props.secretEnv ?? {}).map(([name, source]) => ({
      name,
      valueFrom: { secretKeyRef: { name: source.secretName, key: source.key } },
    })),
  ];
}

/** The ResourceClaimTemplate a TrainingJob's pods claim their DRA GPUs from. */
export function gpuClaimTemplateName(jobName: string): string {
  return `${jobName}-gpu`;
}

export class TrainingJob extends Construct {
  /** What the training pod requests while it runs. */
  public readonly demand: ResourceDemand;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: TrainingJobProps) {
    super(scope, id);
    const workload = `TrainingJob "${props.name}"`;
    const backoffLimit = props.backoffLimit ?? 0;

    validateName(workload, "name", props.name);
    if (props.image.trim() === "") throw propsError(workload, "image", props.image, "pass a pinned training image");
    if (props.command.length === 0) {
      throw propsError(workload, "command", props.command, 'give the entrypoint, e.g. ["python", "train.py"]');
    }
    validateTrainingEnv(workload, props);
    validatePodResources(workload, "resources", props.resources, { draClaims: true });
    validateCount(workload, "backoffLimit", backoffLimit, 0);
    if (props.activeDeadlineSeconds !== undefined) {
      validateCount(workload, "activeDeadlineSeconds", props.activeDeadlineSeconds, 1);
    }
    if (props.ttlSecondsAfterFinished !== undefined) {
      validateCount(workload, "ttlSecondsAfterFinished", props.ttlSecondsAfterFinished, 0);
    }
    if (props.runAsUser !== undefined) validateCount(workload, "runAsUser", props.runAsUser, 1);

    this.demand = podDemand(props.resources, 1);

    const gpu = props.resources.gpu;
    const gpuClaimTemplate = gpu?.deviceClassName ? gpuClaimTemplateName(props.name) : undefined;
    if (gpu && gpuClaimTemplate) {
      new ApiObject(this, "gpu-claim", gpuClaimTemplateManifest(gpuClaimTemplate, props.placement.namespace, gpu));
    }

    this.apiObject = new ApiObject(
      this,
      "job",
      queuedJobManifest({
        name: props.name,
        placement: props.placement,
        backoffLimit,
        activeDeadlineSeconds: props.activeDeadlineSeconds,
        ttlSecondsAfterFinished: props.ttlSecondsAfterFinished,
        runAsUser: props.runAsUser ?? DEFAULT_JOB_RUN_AS_USER,
        gpuClaimTemplate,
        container: {
          name: "trainer",
          image: props.image,
          command: [...props.command],
          ...(props.args ? { args: [...props.args] } : {}),
          env: trainingEnv(props),
          resources: containerResources(props.resources),
        },
      }),
    );
  }
}
