/**
 * A hyperparameter search with Ray Tune, as a RayJob that Kueue admits through the team's LocalQueue like any
 * RayJob (RayJobWorkload): the trials are Ray tasks inside the job's own Ray cluster, one per worker at a time,
 * each with that worker's CPUs and GPUs. The entrypoint runs ray-tune.py, mounted on the head from a ConfigMap:
 * ASHA over a small numpy network, every trial logged to MLflow, checkpoints and experiment state in an S3
 * bucket, and the best trial's model registered in MLflow's model registry.
 *
 * Why Ray Tune and not Katib: docs/tuning.md.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { NodePlacement, Placement, PodResources, ResourceDemand } from "./placement";
import { parseQuantity, propsError, validateCount, validateName } from "./placement";
import type { RayClusterShape } from "./ray-cluster";
import { RayJobWorkload } from "./ray-job";
import type { TrainingEnvProps } from "./training-job";
import { trainingEnv, validateTrainingEnv } from "./training-job";

/** The Tune script (numpy, Ray and the Python standard library: what the rayproject/ray image holds). */
export const RAY_TUNE_SCRIPT = readFileSync(join(__dirname, "ray-tune.py"), "utf8");
const SCRIPT_FILE = "ray-tune.py";
/** Where the script's ConfigMap is mounted on the head. */
export const RAY_TUNE_SCRIPT_DIR = "/tune";

/** Where Tune keeps trial checkpoints and experiment state: a bucket of an S3-compatible store. */
export interface TuneStorage {
  /** `bucket/prefix` without a scheme; Tune writes `<path>/<job name>/…`. */
  readonly path: string;
  /** The S3 endpoint URL, e.g. `http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333`. */
  readonly endpoint: string;
  readonly region: string;
  /** A Secret in the job's namespace with keys `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. */
  readonly credentialsSecret: string;
}

export interface RayTuneWorkloadProps extends Omit<RayClusterShape, "head">, Pick<TrainingEnvProps, "mlflow"> {
  /** RayJob name; also Tune's experiment name. */
  readonly name: string;
  readonly placement: Placement;
  /** The head: it runs the Tune driver, not trials. Its environment and script mount are set here. */
  readonly head: { readonly resources: PodResources; readonly nodePlacement?: NodePlacement };
  /** The MLflow registered model the best trial becomes a new version of. */
  readonly registeredModelName: string;
  /** @default { numSamples: 8, maxEpochs: 20 } */
  readonly search?: {
    /** Trials Tune samples from the search space. @default 8 */
    readonly numSamples?: number;
    /** Epochs a trial runs unless ASHA stops it first (ASHA's `max_t`; its grace period is 2). @default 20 */
    readonly maxEpochs?: number;
  };
  /**
   * Checkpoints and experiment state in a bucket.
   * @default the head's disk, gone with the cluster
   */
  readonly storage?: TuneStorage;
}

const DEFAULT_SEARCH = { numSamples: 8, maxEpochs: 20 };
/** ASHA's grace period in ray-tune.py: a trial runs at least this many epochs. */
const GRACE_EPOCHS = 2;

/** A registered model name the sample's URLs and `models:/` URIs carry as is. */
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function validateStorage(workload: string, storage: TuneStorage): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s/]+)*$/.test(storage.path)) {
    throw propsError(workload, "storage.path", storage.path, "give bucket/prefix without s3://, e.g. team-a/ray-tune");
  }
  if (!/^https?:\/\/[^\s@/]+\/?$/.test(storage.endpoint)) {
    throw propsError(
      workload,
      "storage.endpoint",
      storage.endpoint,
      "give the S3 endpoint's http(s) URL without credentials or path, e.g. http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333",
    );
  }
  if (storage.region.trim() === "") {
    throw propsError(workload, "storage.region", storage.region, "give the store's region, e.g. us-east-1");
  }
  validateName(workload, "storage.credentialsSecret", storage.credentialsSecret);
}

export class RayTuneWorkload extends Construct {
  /** What the job's pods request while it runs: head, workers and the submitter (the ConfigMap requests nothing). */
  public readonly demand: ResourceDemand;
  public readonly rayJob: RayJobWorkload;
  public readonly scriptConfigMap: ApiObject;

  constructor(scope: Construct, id: string, props: RayTuneWorkloadProps) {
    super(scope, id);
    const workload = `RayTuneWorkload "${props.name}"`;
    const search = { ...DEFAULT_SEARCH, ...props.search };

    validateTrainingEnv(workload, props);
    if (!MODEL_NAME.test(props.registeredModelName)) {
      throw propsError(
        workload,
        "registeredModelName",
        props.registeredModelName,
        "use at most 128 letters, digits, '.', '_' and '-', starting with a letter or digit",
      );
    }
    validateCount(workload, "search.numSamples", search.numSamples, 1);
    validateCount(workload, "search.maxEpochs", search.maxEpochs, GRACE_EPOCHS);
    if (props.workerGroups.length !== 1) {
      throw propsError(
        workload,
        "workerGroups.length",
        props.workerGroups.length,
        "give one worker group: each trial takes one of its workers",
      );
    }
    if (props.storage) validateStorage(workload, props.storage);

    const workers = props.workerGroups[0];
    // KubeRay passes the container's CPU limit to `ray start --num-cpus` rounded up to whole cores
    // (ray-project/kuberay@v1.7.0:ray-operator/controllers/ray/common/pod.go:1394-1397).
    const trialCpus = Math.ceil(parseQuantity(workers.resources.cpu) ?? 1);
    const scriptConfigMap = `${props.name}-script`;
    const env = {
      TUNE_EXPERIMENT: props.name,
      REGISTERED_MODEL_NAME: props.registeredModelName,
      TUNE_NUM_SAMPLES: String(search.numSamples),
      TUNE_MAX_EPOCHS: String(search.maxEpochs),
      // The workers KubeRay starts: in-tree autoscaling is off under Kueue, so `replicas`, whatever the bounds.
      TUNE_MAX_CONCURRENT_TRIALS: String(workers.replicas),
      TUNE_TRIAL_CPUS: String(trialCpus),
      TUNE_TRIAL_GPUS: String(workers.resources.gpu?.count ?? 0),
      ...(props.storage && {
        TUNE_STORAGE_PATH: props.storage.path,
        AWS_ENDPOINT_URL: props.storage.endpoint,
        AWS_DEFAULT_REGION: props.storage.region,
      }),
    };
    const keys = (secretName: string) => ({
      AWS_ACCESS_KEY_ID: { secretName, key: "AWS_ACCESS_KEY_ID" },
      AWS_SECRET_ACCESS_KEY: { secretName, key: "AWS_SECRET_ACCESS_KEY" },
    });

    this.scriptConfigMap = new ApiObject(this, "script", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: scriptConfigMap,
        namespace: props.placement.namespace,
        labels: { "app.kubernetes.io/name": props.name },
      },
      data: { [SCRIPT_FILE]: RAY_TUNE_SCRIPT },
    });
    this.rayJob = new RayJobWorkload(this, "ray-job", {
      name: props.name,
      placement: props.placement,
      image: props.image,
      ...(props.rayVersion !== undefined && { rayVersion: props.rayVersion }),
      ...(props.runAsUser !== undefined && { runAsUser: props.runAsUser }),
      workerGroups: props.workerGroups,
      head: {
        ...props.head,
        env: trainingEnv({
          mlflow: props.mlflow,
          env,
          secretEnv: props.storage ? keys(props.storage.credentialsSecret) : undefined,
        }),
        configMapMount: { name: scriptConfigMap, mountPath: RAY_TUNE_SCRIPT_DIR },
        // Trials go to the workers only: one per worker, never squeezed next to the GCS and the Tune driver.
        acceptsTasks: false,
      },
      entrypoint: `python ${RAY_TUNE_SCRIPT_DIR}/${SCRIPT_FILE}`,
    });
    this.demand = this.rayJob.demand;
  }
}
