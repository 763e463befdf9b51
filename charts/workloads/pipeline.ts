/**
 * The golden-path pipeline as one Argo Workflow (argoproj.io/v1alpha1, Argo v4.0.6) in the team namespace, a DAG:
 *
 *   [features (container: Feast) →] prepare (RayJob: Ray Data) → train (TrainJob: PyTorch DDP) → evaluate (container)
 *     → register (container) → deploy (InferenceService) when evaluate passed
 *
 * With `features`, the first step reads the historical features of the team's sample feature repository
 * (feature-repo.py, in the pinned Feast image, with the team's `feature_store.yaml` from its Secret) and the prepare
 * step builds the training set from them; without it, the prepare step makes a synthetic one.
 *
 * The three Kubernetes objects are made by Argo `resource` steps from manifests the platform's own constructs build
 * (RayJobWorkload, TrainJobWorkload, InferenceServiceWorkload), so they carry the team's Kueue labels and pass the same
 * CRD checks as the other samples. A resource step's pod runs `kubectl create` (or `apply`) and then GETs the object
 * every 5 s until its success or failure condition holds (argoproj/argo-workflows@v4.0.6:workflow/executor/
 * resource.go `ExecResource`, `WaitResource`): the workflow's ServiceAccount needs `create` and `get` on what it creates,
 * plus `patch` for `apply` (platform/components/argo-workflows.ts). Conditions are Kubernetes label selectors over the
 * object's JSON (`labels.Parse`), so a key is a plain dotted path: no query into a conditions list.
 *
 * Every pod the Workflow makes carries the team's queue label (`spec.podMetadata`), runs as a non-root UID with
 * RuntimeDefault seccomp and drops every capability; container steps have requests equal to limits. The steps hand
 * data over through the run's MLflow artifacts (the server proxies them), in a run the first step creates; the register
 * step writes the served model to the team's bucket with the team's keys. The Python of every step is pipeline.py, next
 * to this file.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiObject, App, Chart } from "cdk8s";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { FEATURE_REPO_SCRIPT, featureStoreEnv } from "./feature-repo-job";
import type { FeatureRepoJobProps } from "./feature-repo-job";
import { InferenceServiceWorkload } from "./inference-service";
import type { PodResources, Placement, ResourceDemand } from "./placement";
import {
  containerResources,
  DEFAULT_JOB_RUN_AS_USER,
  JOB_SCRATCH,
  kueueLabels,
  podDemand,
  propsError,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  schedulingFields,
  sumDemands,
  validateName,
  validatePodResources,
  workloadLabels,
} from "./placement";
import { RayJobWorkload } from "./ray-job";
import { TrainJobWorkload } from "./train-job";
import type { TrainingEnvProps } from "./training-job";

/** The steps' Python (standard library plus what each step's image ships); no Argo `{{…}}` expression in it. */
export const PIPELINE_SCRIPT = readFileSync(join(__dirname, "pipeline.py"), "utf8");

export const ARGO_API_VERSION = "argoproj.io/v1alpha1";
/** The DAG's task names, in the order they run; `features` only when the pipeline reads Feast features. */
export const PIPELINE_STEPS = ["features", "prepare", "train", "evaluate", "register", "deploy"] as const;
/** The evaluate step's output parameter, `pass` or `fail`. */
export const EVALUATION_PARAMETER = "result";
/** The run's name in MLflow, and the version folder of the served model: the Workflow's name. */
const RUN = "{{workflow.name}}";
const EVALUATION = `{{tasks.evaluate.outputs.parameters.${EVALUATION_PARAMETER}}}`;
/** Five characters, like the suffix of a resubmitted Workflow's generated name. */
const RESUBMITTED = "xxxxx";

/**
 * Step conditions. KubeRay 1.7 RayJob: `status.jobStatus` (Ray's job status) ends SUCCEEDED, FAILED or STOPPED, and
 * `status.jobDeploymentStatus` is Failed when KubeRay gives up (deadline, submitter failure). Trainer 2.3.0 TrainJob:
 * its status has `conditions` (Complete / Failed, a list a selector key cannot query) and `jobsStatus`, one entry per
 * replicated Job; the torch-distributed runtime has one (`node`, charts/training-runtimes.ts), whose counts say whether
 * its Job succeeded or failed (the CRD's `status.jobsStatus[].succeeded/failed`). KServe 0.20 InferenceService:
 * `status.modelStatus.states.activeModelState` ends Loaded or FailedToLoad (its CRD's enum).
 */
export const STEP_CONDITIONS = {
  prepare: {
    successCondition: "status.jobStatus == SUCCEEDED",
    failureCondition: "status.jobStatus in (FAILED,STOPPED),status.jobDeploymentStatus == Failed",
  },
  train: { successCondition: "status.jobsStatus.0.succeeded > 0", failureCondition: "status.jobsStatus.0.failed > 0" },
  deploy: {
    successCondition: "status.modelStatus.states.activeModelState == Loaded",
    failureCondition: "status.modelStatus.states.activeModelState == FailedToLoad",
  },
} as const;

export interface TrainingPipelineProps {
  /**
   * The Workflow's name and the served model's: a run's RayJob is `<run>-data`, its TrainJob `<run>-train`, where the
   * run is the Workflow (`<name>`, or `<name>-<5 characters>` when resubmitted); the InferenceService is `<name>`.
   */
  readonly name: string;
  /** Team namespace, queue and pool of every pod and object the pipeline makes. */
  readonly placement: Placement;
  /** The ServiceAccount the workflow's pods run as, with rights on what its resource steps create. */
  readonly serviceAccountName: string;
  /** Pinned images: Ray (prepare), PyTorch (train), MLflow (evaluate, register: mlflow, scikit-learn, boto3). */
  readonly images: { readonly ray: string; readonly training: string; readonly mlflow: string };
  /** The MLflow server the steps log to and read from, and the experiment of the pipeline's runs. */
  readonly mlflow: TrainingEnvProps["mlflow"];
  /** What Argo's executor container requests (the controller's `executor.resources`), in every step's pod. */
  readonly executor: PodResources;
  /** The prepare step's Ray cluster: a head and `workers` workers of `worker` each. */
  readonly data: { readonly head: PodResources; readonly worker: PodResources; readonly workers: number };
  /** The train step's TrainJob: runtime (e.g. `torch-distributed`), nodes and what each node gets. */
  readonly training: { readonly runtime: string; readonly numNodes: number; readonly resources: PodResources };
  /** The evaluate and register containers. */
  readonly stepResources: PodResources;
  /** The least accuracy (0 to 1) on the held-out rows for the model to be deployed. */
  readonly threshold: number;
  /** Where the register step writes each run's model, `s3://<team bucket>/models/<name>`; a folder per run below it. */
  readonly modelsUri: string;
  /** The team's read-write S3 keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), the store's endpoint and region. */
  readonly objectStore: { readonly credentialsSecret: string; readonly endpoint: string; readonly region: string };
  /** The deployed model: the ServiceAccount KServe's storage initializer reads the bucket with, and its predictor. */
  readonly serving: { readonly serviceAccountName: string; readonly resources: PodResources };
  /**
   * Train on the team's Feast features: a `features` step, first, runs in `image` (Feast with its PostgreSQL extras)
   * with the `feature_store.yaml` of `config`, and reads the sample feature repository's historical features.
   * @default undefined: the prepare step makes a synthetic data set
   */
  readonly features?: { readonly image: string; readonly config: FeatureRepoJobProps["config"] };
}

/**
 * The features step runs before the team's feature-repo Job may have filled and registered its repository (both are
 * created at install): it retries, for about a quarter of an hour (`retryStrategy`, argoproj/argo-workflows CRD in
 * argo-workflows-1.0.18: `limit`, `retryPolicy`, `backoff.duration` and `factor`).
 */
export const FEATURES_RETRY = {
  limit: 5,
  retryPolicy: "OnFailure",
  backoff: { duration: "30s", factor: 2 },
} as const;

/** Quotes a string for the POSIX shell that runs a Ray job's entrypoint. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/** The larger of two demands, resource by resource. */
function largest(demands: readonly ResourceDemand[]): ResourceDemand {
  const extended: Record<string, number> = {};
  for (const d of demands) for (const [k, v] of Object.entries(d.extended)) extended[k] = Math.max(extended[k] ?? 0, v);
  return {
    pods: Math.max(...demands.map((d) => d.pods)),
    cpu: Math.max(...demands.map((d) => d.cpu)),
    memoryBytes: Math.max(...demands.map((d) => d.memoryBytes)),
    extended,
  };
}

export class TrainingPipeline extends Construct {
  /**
   * What the team's queue must admit at once. The steps run one after another, so it is the largest step (its
   * object's pods, or its container, with the executor container of its own pod), resource by resource, plus the
   * InferenceService an earlier run left serving (its minimum replicas), which keeps running while the next run works.
   */
  public readonly demand: ResourceDemand;
  /** Between runs: the deployed InferenceService at its minimum replicas. */
  public readonly restingDemand: ResourceDemand;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    const workload = `TrainingPipeline "${props.name}"`;
    validateName(workload, "name", props.name);
    if (!(props.threshold >= 0 && props.threshold <= 1)) {
      throw propsError(workload, "threshold", props.threshold, "give the least accuracy as a fraction from 0 to 1");
    }
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]*[a-z0-9](\/\S*)?$/.test(props.modelsUri)) {
      throw propsError(
        workload,
        "modelsUri",
        props.modelsUri,
        "give an s3:// URI in the team's bucket, e.g. s3://team-training/models/pipeline",
      );
    }
    validatePodResources(workload, "stepResources", props.stepResources);
    validatePodResources(workload, "executor", props.executor);
    const { placement, features } = props;
    if (features && features.image.trim() === "") {
      throw propsError(workload, "features.image", features.image, "pass a pinned Feast image");
    }
    if (features) validateName(workload, "features.config.secretName", features.config.secretName);
    const mlflowEnv = {
      MLFLOW_TRACKING_URI: props.mlflow.trackingUri,
      MLFLOW_EXPERIMENT_NAME: props.mlflow.experimentName,
    };

    // The objects are built (and validated) by their own constructs in a scratch chart, outside this one: the
    // Workflow creates them, not Helm. Their names start with the run's (Workflow's) name, so a resubmitted run
    // (`argo resubmit`) makes its own; the constructs check them at the longest such name, `<name>-` and five
    // characters (argoproj/argo-workflows@v4.0.6:workflow/util/util.go FormulateResubmitWorkflow: generateName).
    const runName = `${props.name}-${RESUBMITTED}`;
    const steps = new Chart(new App(), "pipeline-steps");
    const rayJob = new RayJobWorkload(steps, "prepare", {
      name: `${runName}-data`,
      placement,
      image: props.images.ray,
      head: { resources: props.data.head },
      workerGroups: [{ name: "workers", replicas: props.data.workers, resources: props.data.worker }],
      entrypoint: `python -c ${shellQuote(PIPELINE_SCRIPT)} prepare ${RUN}${features ? " features" : ""}`,
      runtimeEnvYAML: stringify({ env_vars: mlflowEnv }),
    });
    const trainJob = new TrainJobWorkload(steps, "train", {
      name: `${runName}-train`,
      placement,
      runtime: props.training.runtime,
      numNodes: props.training.numNodes,
      image: props.images.training,
      // torchrun reads the rendezvous from the Trainer's PET_* variables and starts one process per GPU.
      command: ["torchrun", "--no-python", "python", "-c", PIPELINE_SCRIPT],
      args: ["train", RUN],
      mlflow: props.mlflow,
      resources: props.training.resources,
    });
    const service = new InferenceServiceWorkload(steps, "deploy", {
      name: props.name,
      placement: { ...placement, serviceAccountName: props.serving.serviceAccountName },
      modelFormat: "sklearn",
      storageUri: `${props.modelsUri}/${RUN}`,
      resources: props.serving.resources,
    });

    // A resource step's pod is Argo's executor alone, polling while the object's own pods run; a container step's
    // pod has its main container and the executor's wait container (workflow/controller/workflowpod.go, v4.0.6).
    const executorPod = podDemand(props.executor, 1);
    const containerStep = { ...sumDemands([podDemand(props.stepResources, 1), executorPod]), pods: 1 };
    this.restingDemand = service.restingDemand;
    this.demand = sumDemands([
      largest([
        sumDemands([rayJob.demand, executorPod]),
        sumDemands([trainJob.demand, executorPod]),
        containerStep,
        sumDemands([service.demand, executorPod]),
      ]),
      service.restingDemand,
    ]);

    const resourceStep = (
      name: string,
      action: "create" | "apply",
      object: ApiObject,
      conditions: { successCondition: string; failureCondition: string },
    ) => ({
      name,
      resource: {
        action,
        // Deleting the Workflow deletes the RayJob and TrainJob it made; the served model stays.
        ...(action === "create" ? { setOwnerReference: true } : {}),
        // The run's name goes in before YAML quotes the strings (Argo substitutes it before parsing the manifest).
        manifest: stringify(JSON.parse(JSON.stringify(object.toJson()).split(runName).join(RUN))),
        ...conditions,
      },
    });
    const scratch = { name: "scratch", mountPath: JOB_SCRATCH };
    const containerStepTemplate = (
      name: string,
      args: string[],
      extra: Record<string, unknown> = {},
      image: { image: string; command: string[]; env: Record<string, unknown>[] } = {
        image: props.images.mlflow,
        command: ["python", "-c", PIPELINE_SCRIPT],
        env: [],
      },
    ) => ({
      name,
      ...extra,
      container: {
        image: image.image,
        command: image.command,
        args: [name, ...args],
        env: [
          // MLflow's client, boto3 and Feast write caches (Feast its feature_store.yaml) under HOME; the root
          // filesystem is the image's.
          { name: "HOME", value: JOB_SCRATCH },
          ...Object.entries(mlflowEnv).map(([n, value]) => ({ name: n, value })),
          ...image.env,
          ...(name === "register"
            ? [
                ...["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].map((key) => ({
                  name: key,
                  valueFrom: { secretKeyRef: { name: props.objectStore.credentialsSecret, key } },
                })),
                { name: "AWS_ENDPOINT_URL", value: props.objectStore.endpoint },
                { name: "AWS_DEFAULT_REGION", value: props.objectStore.region },
              ]
            : []),
        ],
        resources: containerResources(props.stepResources),
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [scratch],
      },
    });

    this.apiObject = new ApiObject(this, "workflow", {
      apiVersion: ARGO_API_VERSION,
      kind: "Workflow",
      // The queue labels on the Workflow too, for `kubectl get workflows -l`: Kueue itself admits its pods.
      metadata: { name: props.name, namespace: placement.namespace, labels: workloadLabels(props.name, placement) },
      spec: {
        entrypoint: "pipeline",
        serviceAccountName: props.serviceAccountName,
        // Kueue admits each step's pod on its own, in the team's queue (its `pod` integration).
        podMetadata: { labels: kueueLabels(placement) },
        securityContext: restrictedPodSecurityContext(DEFAULT_JOB_RUN_AS_USER),
        ...schedulingFields(placement),
        volumes: [{ name: "scratch", emptyDir: {} }],
        templates: [
          {
            name: "pipeline",
            dag: {
              tasks: [
                ...(features ? [{ name: "features", template: "features" }] : []),
                { name: "prepare", template: "prepare", ...(features ? { depends: "features" } : {}) },
                { name: "train", template: "train", depends: "prepare" },
                { name: "evaluate", template: "evaluate", depends: "train" },
                {
                  name: "register",
                  template: "register",
                  depends: "evaluate",
                  arguments: { parameters: [{ name: EVALUATION_PARAMETER, value: EVALUATION }] },
                },
                { name: "deploy", template: "deploy", depends: "register", when: `${EVALUATION} == pass` },
              ],
            },
          },
          ...(features
            ? [
                // The Feast image's python3 runs the pipeline script, which loads the repository from its source.
                containerStepTemplate(
                  "features",
                  [RUN],
                  { retryStrategy: FEATURES_RETRY },
                  {
                    image: features.image,
                    command: ["python3", "-B", "-c", PIPELINE_SCRIPT],
                    env: [{ name: "FEATURE_REPO_PY", value: FEATURE_REPO_SCRIPT }, featureStoreEnv(features.config)],
                  },
                ),
              ]
            : []),
          resourceStep("prepare", "create", rayJob.apiObject, STEP_CONDITIONS.prepare),
          resourceStep("train", "create", trainJob.apiObject, STEP_CONDITIONS.train),
          containerStepTemplate("evaluate", [RUN, String(props.threshold)], {
            outputs: {
              parameters: [{ name: EVALUATION_PARAMETER, valueFrom: { path: `${JOB_SCRATCH}/result` } }],
            },
          }),
          containerStepTemplate(
            "register",
            [RUN, props.name, `${props.modelsUri}/${RUN}`, `{{inputs.parameters.${EVALUATION_PARAMETER}}}`],
            { inputs: { parameters: [{ name: EVALUATION_PARAMETER }] } },
          ),
          // `apply`, so a later run that passes moves the served model to its own version.
          resourceStep("deploy", "apply", service.apiObject, STEP_CONDITIONS.deploy),
        ],
      },
    });
  }
}
