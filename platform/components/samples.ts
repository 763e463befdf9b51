import { Chart } from "cdk8s";
import type { Construct } from "constructs";
import { App } from "cdk8s";
import {
  NO_DEMAND,
  InferenceServiceWorkload,
  LlmServiceWorkload,
  predictorPodPrefix,
  RagPipeline,
  RayClusterWorkload,
  RayJobWorkload,
  RayTuneWorkload,
  DDP_CHECK_SCRIPT,
  TrainingJob,
  TrainingPipeline,
  TrainJobWorkload,
  VectorClientJob,
  FeatureRepoJob,
} from "../../charts/workloads";
import type {
  Placement,
  PodResources,
  ResourceDemand,
  ServingAutoscaling,
  ServingTrigger,
  TrainingPipelineProps,
  TuneStorage,
} from "../../charts/workloads";
import { lifecycleIn } from "../component";
import {
  maxObtainable,
  poolNodeLabels,
  poolTolerations,
  POOL_LABEL,
  poolWorker,
  queuePools,
  singleGpuResource,
  draDeviceClass,
  teamNamespace,
} from "../../profiles/plan";
import type { Problem } from "../../profiles/problems";
import { formatCpu, formatMemory } from "../../profiles/quantity";
import type { Profile, Sample } from "../../profiles/schema";
import type { ComponentId } from "../component";
import type { ComponentDefinition, Dependency } from "../component";
import { cloudStorageUris, usesCloudStorage } from "../clouds/storage";
import { imageRef } from "../versions";
import { KSERVE_S3_SERVICE_ACCOUNT } from "./kserve";
import { TEAM_LOCAL_QUEUE } from "./kueue";
import { TORCH_RUNTIME } from "./kubeflow-trainer";
import { MLFLOW_TRACKING_URI } from "./mlflow";
import { teamNamespaceSpecs } from "./teams";
import {
  objectStore,
  objectStoreEndpoint,
  objectStoreRegion,
  s3CredentialsSecretName,
  teamModelsUri,
  usesS3Keys,
} from "./object-store";
import { EXECUTOR_RESOURCES, WORKFLOW_SERVICE_ACCOUNT } from "./argo-workflows";
import { TEAM_VECTOR_SECRET } from "../../charts/qdrant-team-keys";
import { openAiBaseUrl } from "../../charts/workloads";
import { vectorDatabaseHttpUrl } from "./vector-database";
import { feast, TEAM_FEAST_KEYS, TEAM_FEAST_SECRET } from "./feast";
import { byText } from "../../profiles/order";
import { keda } from "./keda";
import { observability, PROMETHEUS_URL } from "./observability";
import { OTLP_GRPC_ENDPOINT, opentelemetryCollector } from "./opentelemetry-collector";

/** Per-pod sizes of the samples: small enough for a laptop queue, GPUs from the sample's `gpus`. */
const SIZES = {
  rayHead: { cpu: "500m", memory: "1Gi" },
  // Ray's own head processes plus the Tune driver, which imports pyarrow and pandas and holds every trial's results.
  rayTuneHead: { cpu: "500m", memory: "2Gi" },
  rayWorker: { cpu: "1", memory: "2Gi" },
  model: { cpu: "1", memory: "2Gi" },
  llm: { cpu: "2", memory: "8Gi" },
  embedder: { cpu: "1", memory: "2Gi" },
  trainer: { cpu: "1", memory: "2Gi" },
  // A TrainJob node: its data loader and NCCL's shared memory (/dev/shm counts against the memory limit).
  trainNode: { cpu: "2", memory: "8Gi" },
  client: { cpu: "100m", memory: "256Mi" },
  // The Feast SDK with pandas.
  featureRepo: { cpu: "500m", memory: "1Gi" },
} as const;

/** Where a sample runs: its team's queue and namespace, its pool's nodes. */
export function samplePlacement(profile: Profile, sample: Sample): Placement {
  const team = profile.teams[sample.team];
  const pool = queuePools(profile)[sample.pool];
  return {
    namespace: teamNamespace(sample.team, team),
    localQueue: TEAM_LOCAL_QUEUE,
    priorityClass: sample.priority ?? team.defaultPriority,
    nodeSelector: { [POOL_LABEL]: poolNodeLabels(sample.pool, pool)[POOL_LABEL] },
    tolerations: poolTolerations(pool),
  };
}

function gpuResources(profile: Profile, sample: Sample, size: { cpu: string; memory: string }): PodResources {
  const resource = singleGpuResource(queuePools(profile)[sample.pool]);
  if (!(sample.gpus > 0 && resource)) return { ...size };
  // On a DRA pool the resource is Kueue's name for the DeviceClass's devices, claimed through a template.
  const deviceClassName = draDeviceClass(resource);
  return { ...size, gpu: { resourceName: resource, count: sample.gpus, ...(deviceClassName && { deviceClassName }) } };
}

/** MLflow as the sample's pods reach it: in-cluster DNS, or the declared URL when MultiKueue runs them on a worker. */
function trackingUri(profile: Profile, sample: Sample): string {
  if (poolWorker(profile, sample.pool) === undefined) return MLFLOW_TRACKING_URI;
  const url = profile.sharedServices.mlflowUrl;
  if (!url) {
    throw new Error(
      `samples: "${sample.kind}" runs on worker pool "${sample.pool}", which cannot resolve the management cluster's services; set sharedServices.mlflowUrl`,
    );
  }
  return url;
}

/**
 * Where a tuning sample keeps its checkpoints: the team's bucket (or an external store's models bucket, as for
 * models) through the S3 keys in the team namespace. Without keyed S3 (cloud storage works by workload identity),
 * or on a MultiKueue worker that cannot resolve the managed store, they stay on the head's disk.
 */
function tuneStorage(profile: Profile, sample: Sample): TuneStorage | undefined {
  if (!usesS3Keys(profile)) return undefined;
  if (lifecycleIn(profile, objectStore) === "managed" && poolWorker(profile, sample.pool) !== undefined)
    return undefined;
  return {
    path: teamModelsUri(profile, sample.team, "ray-tune").replace(/^s3:\/\//, ""),
    endpoint: objectStoreEndpoint(profile),
    region: objectStoreRegion(profile),
    credentialsSecret: s3CredentialsSecretName(profile),
  };
}

/** What a sample asks its queue for: everything at once, and what it holds while idle. */
export interface SampleDemand {
  /** All its pods at once (serving at maxReplicas), as Kueue must be able to admit them. */
  readonly demand: ResourceDemand;
  /** While idle: serving at minReplicas (nothing when it scales to zero), a RayCluster whole, a finished Job nothing. */
  readonly resting: ResourceDemand;
}

/**
 * Whether serving samples scale with KEDA: KEDA available and the platform's own Prometheus (whose address the
 * triggers name) managed. Otherwise KServe's HPA keeps their replicas between min and max, never below one.
 */
export function servingScalesWithKeda(profile: Profile): boolean {
  return lifecycleIn(profile, keda) !== "disabled" && lifecycleIn(profile, observability) === "managed";
}

/** The predictor pods' series, as Prometheus labels them through a PodMonitor (or DCGM's honored pod labels). */
function podSelector(namespace: string, name: string): string {
  return `namespace="${namespace}",pod=~"${predictorPodPrefix(name)}.*"`;
}

/**
 * Interactive serving's triggers (it keeps one replica: its own metrics cannot wake it from zero). Requests per
 * second from KServe's request histogram (kserve/kserve@v0.20.0:python/kserve/kserve/metrics.py), or for an LLM
 * vLLM's running plus waiting requests (its `vllm:num_requests_*` gauges, on the same /metrics); and on whole GPUs
 * DCGM's utilization in percent. A MIG slice or a shared slot reports the whole GPU's or no utilization, so
 * there the request triggers decide alone.
 */
function interactiveTriggers(profile: Profile, sample: Sample, namespace: string, name: string): ServingTrigger[] {
  const pods = podSelector(namespace, name);
  const triggers: ServingTrigger[] =
    sample.kind === "llm-service"
      ? [
          {
            query: `sum(vllm:num_requests_running{${pods}}) + sum(vllm:num_requests_waiting{${pods}})`,
            target: 8,
            wakesFromZero: false,
          },
        ]
      : [{ query: `sum(rate(request_predict_seconds_count{${pods}}[2m]))`, target: 5, wakesFromZero: false }];
  const gpu = queuePools(profile)[sample.pool].gpu;
  if (sample.gpus > 0 && gpu?.sharing.mode === "none") {
    triggers.push({ query: `sum(DCGM_FI_DEV_GPU_UTIL{${pods}})`, target: 80, wakesFromZero: false });
  }
  return triggers;
}

function interactiveAutoscaling(profile: Profile, sample: Sample, namespace: string, name: string) {
  const autoscaling: ServingAutoscaling | undefined = servingScalesWithKeda(profile)
    ? { prometheusUrl: PROMETHEUS_URL, triggers: interactiveTriggers(profile, sample, namespace, name) }
    : undefined;
  // Interactive serving keeps one replica warm and grows to the sample's replicas under load.
  return { minReplicas: 1, maxReplicas: sample.replicas, autoscaling, podMonitor: monitored(profile) };
}

/** PodMonitors need the Prometheus Operator's CRDs. */
function monitored(profile: Profile): boolean {
  return lifecycleIn(profile, observability) !== "disabled";
}

function modelsUri(profile: Profile, team: string, model: string): string {
  return usesCloudStorage(profile)
    ? `${cloudStorageUris(profile).modelsUri}/${model}`
    : teamModelsUri(profile, team, model);
}

/** The texts the RAG sample embeds and the question it asks: enough to show retrieval working end to end. */
const RAG_DOCUMENTS = [
  "A notebook server runs in its team's namespace and waits in the team's Kueue queue until the team's quota admits it.",
  "KEDA scales the RAG sample's embedding server from zero while an embed or ask Job of the sample runs.",
  "Interactive model servers keep one replica; batch and queue-fed serving scales to zero.",
  "Each team's Qdrant key opens only the team's own collection.",
] as const;
const RAG_QUESTION = "What wakes the embedding server when it has scaled to zero?";

/** Adds one sample's workload to a chart and returns what it asks its queue for. */
export function addSample(scope: Construct, name: string, profile: Profile, sample: Sample): SampleDemand {
  const placement = samplePlacement(profile, sample);
  const job = (demand: ResourceDemand): SampleDemand => ({ demand, resting: NO_DEMAND });
  switch (sample.kind) {
    case "ray-job":
    case "ray-cluster":
    case "ray-tune": {
      const shape = {
        name,
        placement,
        image: imageRef("ray", profile.mirror.images),
        head: { resources: { ...SIZES.rayHead } },
        workerGroups: [
          { name: "workers", replicas: sample.replicas, resources: gpuResources(profile, sample, SIZES.rayWorker) },
        ],
      };
      if (sample.kind === "ray-tune") {
        return job(
          new RayTuneWorkload(scope, name, {
            ...shape,
            head: { resources: { ...SIZES.rayTuneHead } },
            mlflow: { trackingUri: trackingUri(profile, sample), experimentName: `${sample.team}-samples` },
            registeredModelName: `${sample.team}-${name}`,
            storage: tuneStorage(profile, sample),
          }).demand,
        );
      }
      if (sample.kind === "ray-job") {
        return job(
          new RayJobWorkload(scope, name, {
            ...shape,
            entrypoint: 'python -c "import ray; ray.init(); print(ray.cluster_resources())"',
          }).demand,
        );
      }
      const { demand } = new RayClusterWorkload(scope, name, shape);
      return { demand, resting: demand };
    }
    case "inference-service": {
      const service = new InferenceServiceWorkload(scope, name, {
        name,
        placement: { ...placement, serviceAccountName: KSERVE_S3_SERVICE_ACCOUNT },
        modelFormat: "sklearn",
        storageUri: modelsUri(profile, sample.team, name),
        resources: gpuResources(profile, sample, SIZES.model),
        ...interactiveAutoscaling(profile, sample, placement.namespace, name),
      });
      return { demand: service.demand, resting: service.restingDemand };
    }
    case "llm-service": {
      const llm = new LlmServiceWorkload(scope, name, {
        name,
        placement: { ...placement, serviceAccountName: KSERVE_S3_SERVICE_ACCOUNT },
        // The model's files (e.g. Qwen/Qwen2.5-0.5B-Instruct) in the team's models bucket: pinned by what you upload.
        model: { storageUri: modelsUri(profile, sample.team, name) },
        resources: gpuResources(profile, sample, SIZES.llm),
        // Leaves a MIG slice or a shared slot room for the KV cache.
        maxModelLength: 4096,
        ...interactiveAutoscaling(profile, sample, placement.namespace, name),
        // vLLM's request spans (tokens, time to first token) to the gateway, which the team's NetworkPolicy allows.
        ...(lifecycleIn(profile, opentelemetryCollector) === "managed" && {
          tracing: { otlpEndpoint: OTLP_GRPC_ENDPOINT, serviceName: `${placement.namespace}.${name}` },
        }),
      });
      return { demand: llm.demand, resting: llm.restingDemand };
    }
    case "rag": {
      const llmSample = profile.samples[sample.llm ?? ""];
      const llmName = sample.llm as string;
      const rag = new RagPipeline(scope, name, {
        name,
        placement,
        servingAccountName: KSERVE_S3_SERVICE_ACCOUNT,
        embeddingModelUri: modelsUri(profile, sample.team, `${name}-embedder`),
        embedderResources: gpuResources(profile, sample, SIZES.embedder),
        llm: { baseUrl: openAiBaseUrl(llmName, samplePlacement(profile, llmSample).namespace), model: llmName },
        vectorDatabase: {
          endpoint: vectorDatabaseHttpUrl(profile.vectorDatabase.engine),
          secretName: TEAM_VECTOR_SECRET,
          apiKeyKey: "api-key",
          collectionKey: "collection",
        },
        image: imageRef("mlflow", profile.mirror.images),
        documents: RAG_DOCUMENTS,
        question: RAG_QUESTION,
        prometheusUrl: servingScalesWithKeda(profile) ? PROMETHEUS_URL : undefined,
        podMonitor: monitored(profile),
      });
      return { demand: rag.demand, resting: rag.restingDemand };
    }
    case "training-job":
      return job(
        new TrainingJob(scope, name, {
          name,
          placement,
          image: imageRef("mlflow", profile.mirror.images),
          command: ["python", "-c"],
          args: ["import mlflow; mlflow.log_param('sample', 'training-job'); mlflow.log_metric('loss', 0.1)"],
          mlflow: { trackingUri: trackingUri(profile, sample), experimentName: `${sample.team}-samples` },
          resources: gpuResources(profile, sample, SIZES.trainer),
        }).demand,
      );
    case "train-job":
      return job(
        new TrainJobWorkload(scope, name, {
          name,
          placement,
          runtime: TORCH_RUNTIME,
          numNodes: sample.replicas,
          // torchrun reads the rendezvous from the Trainer's PET_* variables and starts one process per GPU.
          command: ["torchrun", "--no-python", "python", "-c", DDP_CHECK_SCRIPT],
          mlflow: { trackingUri: trackingUri(profile, sample), experimentName: `${sample.team}-samples` },
          resources: gpuResources(profile, sample, SIZES.trainNode),
        }).demand,
      );
    case "pipeline": {
      // The register step writes the model with the team's S3 keys (boto3); cloud storage reached through workload
      // identity has none.
      if (usesCloudStorage(profile) || !usesS3Keys(profile)) {
        throw new Error(
          `samples: "${name}" (pipeline) writes its model with the team's S3 keys, which this profile's object store does not give; use an S3-compatible store with keys (objectStore)`,
        );
      }
      const pipeline = new TrainingPipeline(scope, name, {
        name,
        placement,
        serviceAccountName: WORKFLOW_SERVICE_ACCOUNT,
        images: {
          ray: imageRef("ray", profile.mirror.images),
          training: imageRef("pytorch", profile.mirror.images),
          mlflow: imageRef("mlflow", profile.mirror.images),
        },
        mlflow: { trackingUri: trackingUri(profile, sample), experimentName: `${sample.team}-pipelines` },
        executor: { cpu: EXECUTOR_RESOURCES.requests.cpu, memory: EXECUTOR_RESOURCES.requests.memory },
        data: { head: { ...SIZES.rayHead }, worker: { ...SIZES.rayWorker }, workers: 1 },
        training: {
          runtime: TORCH_RUNTIME,
          numNodes: sample.replicas,
          resources: gpuResources(profile, sample, SIZES.trainNode),
        },
        stepResources: { cpu: "500m", memory: "1Gi" },
        threshold: 0.9,
        modelsUri: teamModelsUri(profile, sample.team, `models/${name}`),
        objectStore: {
          credentialsSecret: s3CredentialsSecretName(profile),
          endpoint: objectStoreEndpoint(profile),
          region: objectStoreRegion(profile),
        },
        serving: { serviceAccountName: KSERVE_S3_SERVICE_ACCOUNT, resources: { ...SIZES.model } },
        features: pipelineFeatures(profile, sample),
      });
      return { demand: pipeline.demand, resting: pipeline.restingDemand };
    }
    case "vector-client": {
      return job(
        new VectorClientJob(scope, name, {
          name,
          placement,
          engine: profile.vectorDatabase.engine,
          endpoint: vectorDatabaseHttpUrl(profile.vectorDatabase.engine),
          image: imageRef("mlflow", profile.mirror.images),
          command: ["python", "-c"],
          // Lists the collections through the REST API: Python's standard library only.
          args: [
            "import os, urllib.request as u; r = u.Request(os.environ['VECTOR_DB_ENDPOINT'] + '/collections', headers={'api-key': os.environ.get('VECTOR_DB_CREDENTIALS', '')}); print(u.urlopen(r).read().decode())",
          ],
          // The team's own key, which opens only its collection (charts/qdrant-team-keys.ts).
          credentials:
            profile.vectorDatabase.engine === "qdrant" ? { secretName: TEAM_VECTOR_SECRET, key: "api-key" } : undefined,
          resources: { ...SIZES.client },
        }).demand,
      );
    }
    case "feature-repo":
      // The sample feature repository: fills its table in the team's database, registers it in the team's Feast
      // project and materializes it (charts/workloads/feature-repo.py; docs/feast.md).
      return job(
        new FeatureRepoJob(scope, name, {
          name,
          placement,
          image: imageRef("feast-feature-server", profile.mirror.images),
          config: { secretName: TEAM_FEAST_SECRET, key: TEAM_FEAST_KEYS.config },
          resources: { ...SIZES.featureRepo },
        }).demand,
      );
  }
}

/** A resource a workload wants more of than its team can ever hold in a pool. */
export interface DemandExcess {
  readonly resource: string;
  /** The amount wanted, formatted as in a quota (`2500m`, `4Gi`, `12`). */
  readonly amount: string;
  /** Why it can never be admitted, e.g. `team "research" can never hold more than 12 nvidia.com/gpu in pool "gpu" (…)`. */
  readonly reason: string;
}

/**
 * What of a workload's demand (all pods at once, as Kueue admits it) exceeds the most its team can ever hold
 * in the pool (nominal quota plus what it may borrow): such a workload would wait in its queue forever. The
 * sample check and the Kueue simulation both use it, so the simulation can hold Kueue to this prediction.
 */
export function demandExcess(profile: Profile, team: string, pool: string, demand: ResourceDemand): DemandExcess[] {
  const wanted: Record<string, number> = { cpu: demand.cpu, memory: demand.memoryBytes, ...demand.extended };
  const excess: DemandExcess[] = [];
  for (const [resource, amount] of Object.entries(wanted)) {
    const most = maxObtainable(profile, team, pool, resource);
    if (amount > most + 1e-9) {
      const show = (n: number) =>
        resource === "cpu" ? formatCpu(n) : resource === "memory" ? formatMemory(n) : String(n);
      excess.push({
        resource,
        amount: show(amount),
        reason: `team "${team}" can never hold more than ${show(most)} ${resource} in pool "${pool}" (nominal quota plus what it may borrow)`,
      });
    }
  }
  return excess;
}

/**
 * The pipeline trains on its team's Feast features when Feast is managed and the team has the sample feature
 * repository (a `feature-repo` sample), which fills and registers them; otherwise on synthetic data.
 */
function pipelineFeatures(profile: Profile, sample: Sample): TrainingPipelineProps["features"] {
  const repository = Object.values(profile.samples).some((s) => s.kind === "feature-repo" && s.team === sample.team);
  if (!repository || lifecycleIn(profile, feast) !== "managed") return undefined;
  return {
    image: imageRef("feast-feature-server", profile.mirror.images),
    config: { secretName: TEAM_FEAST_SECRET, key: TEAM_FEAST_KEYS.config },
  };
}

/**
 * Checks every sample against what its team can ever get, with the demand the workload constructs
 * compute (all pods, head and submitter included): a sample no queue could admit would wait forever.
 */
export function sampleProblems(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  const scratch = new Chart(new App(), "samples-check");
  for (const [name, sample] of Object.entries(profile.samples).sort(([a], [b]) => byText(a, b))) {
    if (!profile.teams[sample.team]?.quota[sample.pool]) continue; // reported by the profile rules
    let demand: ResourceDemand;
    try {
      demand = addSample(scratch, name, profile, sample).demand;
    } catch (error) {
      problems.push({ path: `samples.${name}`, value: sample, allowed: (error as Error).message });
      continue;
    }
    for (const excess of demandExcess(profile, sample.team, sample.pool, demand)) {
      problems.push({
        path: `samples.${name}`,
        value: { kind: sample.kind, [excess.resource]: excess.amount },
        allowed: `${excess.reason}; raise its quota or shrink the sample`,
      });
    }
  }
  return problems;
}

const SAMPLE_NEEDS: Record<Sample["kind"], Array<{ id: ComponentId; reason: string }>> = {
  "ray-job": [{ id: "kuberay", reason: "RayJob samples need the KubeRay operator" }],
  "ray-cluster": [{ id: "kuberay", reason: "RayCluster samples need the KubeRay operator" }],
  "ray-tune": [
    { id: "kuberay", reason: "the tuning sample runs Ray Tune in a RayJob" },
    { id: "mlflow", reason: "the tuning sample logs its trials to MLflow and registers the best model" },
  ],
  "inference-service": [{ id: "kserve", reason: "InferenceService samples need KServe" }],
  "llm-service": [{ id: "kserve", reason: "the LLM sample is served by KServe's Hugging Face runtime" }],
  rag: [
    { id: "kserve", reason: "the RAG sample's embedding model is served by KServe" },
    { id: "vector-database", reason: "the RAG sample stores and retrieves embeddings in the vector database" },
  ],
  "training-job": [{ id: "mlflow", reason: "the training sample logs to MLflow" }],
  "train-job": [
    { id: "kubeflow-trainer", reason: "TrainJob samples run on Kubeflow Trainer's torch-distributed runtime" },
    { id: "mlflow", reason: "the training sample logs to MLflow" },
  ],
  "vector-client": [{ id: "vector-database", reason: "the vector client sample queries the vector database" }],
  pipeline: [
    { id: "argo-workflows", reason: "the pipeline sample is an Argo Workflow" },
    { id: "kuberay", reason: "the pipeline prepares its data with Ray Data in a RayJob" },
    { id: "kubeflow-trainer", reason: "the pipeline trains in a TrainJob on the torch-distributed runtime" },
    { id: "mlflow", reason: "the pipeline's steps hand data over and register the model in MLflow" },
    { id: "kserve", reason: "the pipeline deploys the model as an InferenceService" },
    { id: "object-store", reason: "the pipeline writes the served model to the team's bucket" },
  ],
  "feature-repo": [{ id: "feast", reason: "the feature repository sample registers into the team's Feast project" }],
};

/**
 * The golden-path samples a profile declares, rendered in their teams' namespaces: each goes through
 * its team's Kueue queue with a priority class, on its pool's nodes, requesting the pool's GPU resource.
 */
export const samples: ComponentDefinition = {
  id: "samples",
  title: "Golden-path samples",
  summary:
    "Sample RayJob, Ray Tune search, RayCluster, InferenceService, training Job, TrainJob, vector client, feature repository and pipeline, queued through Kueue",
  defaultLifecycle: "managed",
  reservedNamespaces: [],
  placement: "management-only",
  dependencies: (profile): Dependency[] => {
    const kinds = new Set(Object.values(profile.samples).map((s) => s.kind));
    if (kinds.size === 0) return [];
    const needs = [
      { id: "kueue" as const, reason: "samples are admitted through their team's Kueue queue" },
      { id: "tenancy" as const, reason: "samples run in the team namespaces, under their quotas and policies" },
      ...[...kinds].flatMap((kind) => SAMPLE_NEEDS[kind]),
    ];
    const serving = ["inference-service", "llm-service", "rag"].some((kind) => kinds.has(kind as Sample["kind"]));
    const uses: Dependency[] = serving
      ? [
          { id: "observability", optional: true, reason: "PodMonitors for the model servers need its CRDs" },
          { id: "keda", optional: true, reason: "model servers scale with KEDA (autoscalerClass keda)" },
        ]
      : [];
    if (kinds.has("pipeline"))
      uses.push({
        id: "feast",
        optional: true,
        reason: "the pipeline trains on the team's Feast features when the team has a feature-repo sample",
      });
    if (kinds.has("ray-tune"))
      uses.push({ id: "object-store", optional: true, reason: "Ray Tune keeps its checkpoints in the team's bucket" });
    if (kinds.has("llm-service"))
      uses.push({
        id: "opentelemetry-collector",
        optional: true,
        reason: "the LLM server sends its traces to the gateway",
      });
    // One entry per component; a required one stays required when an optional use names it too.
    const byId = new Map<string, Dependency>();
    for (const dependency of [...needs, ...uses]) if (!byId.has(dependency.id)) byId.set(dependency.id, dependency);
    return [...byId.values()];
  },
  namespaces: (ctx) => (Object.keys(ctx.profile.samples).length > 0 ? teamNamespaceSpecs(ctx.profile) : []),
  steps: (ctx) => {
    const entries = Object.entries(ctx.profile.samples).sort(([a], [b]) => byText(a, b));
    if (entries.length === 0) return [];
    const first = entries[0][1];
    return [
      {
        kind: "local",
        name: "samples",
        // Jobs, RayJobs and InferenceServices from the profile; a failed Job cannot run again in place, so an
        // install that failed is uninstalled and the next apply creates them anew.
        onFailedInstall: "uninstall",
        namespace: teamNamespace(first.team, ctx.profile.teams[first.team]),
        render: (app, id) => {
          const chart = new Chart(app, id);
          for (const [name, sample] of entries) addSample(chart, name, ctx.profile, sample);
        },
      },
    ];
  },
};
