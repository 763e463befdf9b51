/**
 * The RAG golden path: an embedding model served by KServe (the Hugging Face server with
 * `--task=text_embedding`, on its OpenAI-compatible `/embeddings` route), a Job that embeds documents into the
 * team's vector database collection, and a Job that retrieves the closest documents for a question and asks an
 * LLM (an LlmServiceWorkload's OpenAI endpoint) to answer from them. Both Jobs run rag.py (Python standard library
 * only) and are queued through the team's LocalQueue like every golden-path Job.
 *
 * The embedding server is batch serving: it is needed only while one of these Jobs runs. With autoscaling it rests
 * at zero replicas and KEDA wakes it when kube-state-metrics reports one of the Jobs active; the Jobs retry until it
 * answers (Standard mode has no activator to hold their first requests).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import { InferenceServiceWorkload } from "./inference-service";
import { HUGGINGFACE_FORMAT, openAiBaseUrl } from "./llm-service";
import type { Placement, PodResources, ResourceDemand } from "./placement";
import {
  DEFAULT_JOB_RUN_AS_USER,
  containerResources,
  podDemand,
  propsError,
  queuedJobManifest,
  sumDemands,
  validateName,
  validatePodResources,
} from "./placement";

const SCRIPT = readFileSync(join(__dirname, "rag.py"), "utf8");

export interface RagPipelineProps {
  /** Prefix of every object: `<name>-embedder`, `<name>-embed`, `<name>-ask`. */
  readonly name: string;
  /** Where the Jobs and the embedding server run; the server also takes `servingAccountName`. */
  readonly placement: Placement;
  /**
   * The ServiceAccount the embedding server pulls its model with.
   * @default the placement's
   */
  readonly servingAccountName?: string;
  /** The embedding model, e.g. `s3://models/research/rag-embedder` (a sentence-embedding model's files). */
  readonly embeddingModelUri: string;
  /** The embedding server's container; a small embedding model runs on CPU. */
  readonly embedderResources: PodResources;
  /** The LLM that answers: its OpenAI-compatible base URL and the model name it serves. */
  readonly llm: { readonly baseUrl: string; readonly model: string };
  /** The team's vector database: Qdrant's address and the team Secret with the key and the collection it opens. */
  readonly vectorDatabase: {
    readonly endpoint: string;
    readonly secretName: string;
    readonly apiKeyKey: string;
    readonly collectionKey: string;
  };
  /** A pinned image with Python 3 as `python`. */
  readonly image: string;
  /** The texts to embed. */
  readonly documents: readonly string[];
  /** The question the ask Job puts to the LLM. */
  readonly question: string;
  /**
   * Scale the embedding server with KEDA on this Prometheus, from zero while neither Job runs.
   * @default one replica, always
   */
  readonly prometheusUrl?: string;
  /**
   * A PodMonitor for the embedding server's metrics.
   * @default false
   */
  readonly podMonitor?: boolean;
  /**
   * How long the Jobs wait for a service waking up or for the embedded documents, in seconds.
   * @default 900
   */
  readonly waitSeconds?: number;
}

const CLIENT_RESOURCES: PodResources = { cpu: "100m", memory: "256Mi" };

export class RagPipeline extends Construct {
  /** Everything at once: the embedding server at its maximum and both Jobs. */
  public readonly demand: ResourceDemand;
  /** While no Job runs: the embedding server at rest (nothing when it scales to zero). */
  public readonly restingDemand: ResourceDemand;
  public readonly embedder: InferenceServiceWorkload;
  public readonly jobs: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: RagPipelineProps) {
    super(scope, id);
    const workload = `RagPipeline "${props.name}"`;
    validateName(workload, "name", props.name);
    // The longest name built from it, `<name>-embedder-predictor`, must stay a DNS label.
    if (`${props.name}-embedder-predictor`.length > 63) {
      throw propsError(
        workload,
        "name",
        props.name,
        "use at most 44 characters: KServe names Services <name>-embedder-predictor",
      );
    }
    if (props.documents.length === 0 || props.documents.some((d) => d.trim() === "")) {
      throw propsError(workload, "documents", props.documents, "give at least one non-empty text to embed");
    }
    if (props.question.trim() === "") throw propsError(workload, "question", props.question, "ask a question");
    if (props.image.trim() === "") throw propsError(workload, "image", props.image, "pass a pinned Python image");
    const waitSeconds = props.waitSeconds ?? 900;
    if (!Number.isInteger(waitSeconds) || waitSeconds < 30) {
      throw propsError(workload, "waitSeconds", waitSeconds, "use a whole number of seconds, at least 30");
    }
    validatePodResources(workload, "embedderResources", props.embedderResources);

    const { placement } = props;
    const embedderName = `${props.name}-embedder`;
    const jobNames = { embed: `${props.name}-embed`, ask: `${props.name}-ask` };
    this.embedder = new InferenceServiceWorkload(this, "embedder", {
      name: embedderName,
      placement: { ...placement, serviceAccountName: props.servingAccountName ?? placement.serviceAccountName },
      modelFormat: HUGGINGFACE_FORMAT,
      storageUri: props.embeddingModelUri,
      args: ["--task=text_embedding"],
      resources: props.embedderResources,
      minReplicas: props.prometheusUrl ? 0 : 1,
      maxReplicas: 1,
      podMonitor: props.podMonitor,
      ...(props.prometheusUrl
        ? {
            autoscaling: {
              prometheusUrl: props.prometheusUrl,
              triggers: [
                {
                  // kube-state-metrics' count of running pods per Job: present while no embedder pod exists.
                  query: `sum(kube_job_status_active{namespace="${placement.namespace}",job_name=~"${jobNames.embed}|${jobNames.ask}"})`,
                  target: 1,
                  wakesFromZero: true,
                },
              ],
            },
          }
        : {}),
    });

    const secretEnv = (name: string, key: string) => ({
      name,
      valueFrom: { secretKeyRef: { name: props.vectorDatabase.secretName, key } },
    });
    const env = [
      { name: "EMBEDDINGS_URL", value: openAiBaseUrl(embedderName, placement.namespace) },
      { name: "EMBEDDING_MODEL", value: embedderName },
      { name: "LLM_URL", value: props.llm.baseUrl },
      { name: "LLM_MODEL", value: props.llm.model },
      { name: "VECTOR_DB_ENDPOINT", value: props.vectorDatabase.endpoint },
      secretEnv("VECTOR_DB_CREDENTIALS", props.vectorDatabase.apiKeyKey),
      secretEnv("VECTOR_DB_COLLECTION", props.vectorDatabase.collectionKey),
      { name: "RAG_DOCUMENTS", value: JSON.stringify(props.documents) },
      { name: "RAG_QUESTION", value: props.question },
      { name: "WAIT_SECONDS", value: String(waitSeconds) },
    ];
    this.jobs = (["embed", "ask"] as const).map(
      (mode) =>
        new ApiObject(
          this,
          mode,
          queuedJobManifest({
            name: jobNames[mode],
            placement: { ...placement, serviceAccountName: undefined },
            backoffLimit: 2,
            // Long enough for the embedding server to wake and load, short enough not to hold quota forever.
            activeDeadlineSeconds: waitSeconds * 2,
            runAsUser: DEFAULT_JOB_RUN_AS_USER,
            container: {
              name: "rag",
              image: props.image,
              command: ["python", "-c", SCRIPT, mode],
              env,
              resources: containerResources(CLIENT_RESOURCES),
            },
          }),
        ),
    );
    const clients = podDemand(CLIENT_RESOURCES, 2);
    this.demand = sumDemands([this.embedder.demand, clients]);
    this.restingDemand = this.embedder.restingDemand;
  }
}
