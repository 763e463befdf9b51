import { execFileSync } from "node:child_process";
import { Chart, Testing } from "cdk8s";
import type { RagPipelineProps } from "../../../charts/workloads/rag";
import { RagPipeline } from "../../../charts/workloads/rag";
import { crdFor, schemaProblems } from "../../support/reference";

const PLACEMENT = {
  namespace: "team-serving",
  localQueue: "default",
  priorityClass: "interactive",
  nodeSelector: { "cnai.io/pool": "system" },
  tolerations: [],
};
const PROMETHEUS = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090";
const PROPS: RagPipelineProps = {
  name: "rag",
  placement: PLACEMENT,
  servingAccountName: "kserve-s3",
  embeddingModelUri: "s3://team-serving/rag-embedder",
  embedderResources: { cpu: "1", memory: "2Gi" },
  llm: { baseUrl: "http://chat-predictor.team-serving.svc.cluster.local/openai/v1", model: "chat" },
  vectorDatabase: {
    endpoint: "http://qdrant.vector-db.svc.cluster.local:6333",
    secretName: "vector-db-credentials",
    apiKeyKey: "api-key",
    collectionKey: "collection",
  },
  image: "ghcr.io/mlflow/mlflow:v3.17.0-full",
  documents: ["Notebooks wait in the team queue.", "KEDA wakes the embedder."],
  question: "What wakes the embedder?",
  prometheusUrl: PROMETHEUS,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
function render(props: RagPipelineProps = PROPS): { pipeline: RagPipeline; objects: any[] } {
  const chart = new Chart(Testing.app(), "samples");
  const pipeline = new RagPipeline(chart, "rag", props);
  return { pipeline, objects: Testing.synth(chart) };
}

describe("RagPipeline", () => {
  test("the embedding server rests at zero and wakes while one of the pipeline's Jobs is active", () => {
    const embedder = render().objects.find((o) => o.kind === "InferenceService");
    expect(embedder.metadata.name).toBe("rag-embedder");
    expect(embedder.metadata.annotations["serving.kserve.io/autoscalerClass"]).toBe("keda");
    expect(embedder.spec.predictor.minReplicas).toBe(0);
    expect(embedder.spec.predictor.maxReplicas).toBe(1);
    expect(embedder.spec.predictor.serviceAccountName).toBe("kserve-s3");
    expect(embedder.spec.predictor.model.args).toEqual(["--task=text_embedding"]);
    expect(embedder.spec.predictor.model.storageUri).toBe("s3://team-serving/rag-embedder");
    expect(embedder.spec.predictor.autoScaling.metrics).toEqual([
      {
        type: "External",
        external: {
          metric: {
            backend: "prometheus",
            serverAddress: PROMETHEUS,
            query: 'sum(kube_job_status_active{namespace="team-serving",job_name=~"rag-embed|rag-ask"})',
          },
          target: { type: "Value", value: "1" },
        },
      },
    ]);
  });

  test("without Prometheus the embedding server keeps one replica under KServe's HPA", () => {
    const embedder = render({ ...PROPS, prometheusUrl: undefined }).objects.find((o) => o.kind === "InferenceService");
    expect(embedder.metadata.annotations).toEqual({ "serving.kserve.io/deploymentMode": "Standard" });
    expect(embedder.spec.predictor.minReplicas).toBe(1);
    expect(embedder.spec.predictor.autoScaling).toBeUndefined();
  });

  test("the embed and ask Jobs are queued, run the client script, and read the team's key and collection from its Secret", () => {
    const jobs = render().objects.filter((o) => o.kind === "Job");
    expect(jobs.map((j) => j.metadata.name)).toEqual(["rag-embed", "rag-ask"]);
    for (const [job, mode] of jobs.map((j, i) => [j, ["embed", "ask"][i]])) {
      expect(job.metadata.labels["kueue.x-k8s.io/queue-name"]).toBe("default");
      const [container] = job.spec.template.spec.containers;
      expect(container.command[0]).toBe("python");
      expect(container.command[1]).toBe("-c");
      expect(container.command[2]).toContain("def run_embed():");
      expect(container.command[3]).toBe(mode);
      expect(job.spec.template.spec.serviceAccountName).toBeUndefined();
      expect(container.env).toEqual([
        { name: "EMBEDDINGS_URL", value: "http://rag-embedder-predictor.team-serving.svc.cluster.local/openai/v1" },
        { name: "EMBEDDING_MODEL", value: "rag-embedder" },
        { name: "LLM_URL", value: "http://chat-predictor.team-serving.svc.cluster.local/openai/v1" },
        { name: "LLM_MODEL", value: "chat" },
        { name: "VECTOR_DB_ENDPOINT", value: "http://qdrant.vector-db.svc.cluster.local:6333" },
        {
          name: "VECTOR_DB_CREDENTIALS",
          valueFrom: { secretKeyRef: { name: "vector-db-credentials", key: "api-key" } },
        },
        {
          name: "VECTOR_DB_COLLECTION",
          valueFrom: { secretKeyRef: { name: "vector-db-credentials", key: "collection" } },
        },
        { name: "RAG_DOCUMENTS", value: JSON.stringify(PROPS.documents) },
        { name: "RAG_QUESTION", value: "What wakes the embedder?" },
        { name: "WAIT_SECONDS", value: "900" },
        { name: "HOME", value: "/tmp" },
      ]);
      expect(job.spec.activeDeadlineSeconds).toBe(1800);
    }
  });

  test("demands the embedding server and both clients at once, and nothing at rest when it scales to zero", () => {
    const { pipeline } = render();
    expect(pipeline.demand).toEqual({ pods: 3, cpu: 1.2, memoryBytes: 2.5 * 1024 ** 3, extended: {} });
    expect(pipeline.restingDemand).toEqual({ pods: 0, cpu: 0, memoryBytes: 0, extended: {} });
  });

  test("the InferenceService validates against the pinned KServe CRD", () => {
    const embedder = render().objects.find((o) => o.kind === "InferenceService");
    expect(schemaProblems(embedder, crdFor("serving.kserve.io/v1beta1", "InferenceService")?.schema ?? {})).toEqual([]);
  });

  test("the client script compiles", () => {
    const script = render().objects.find((o) => o.kind === "Job").spec.template.spec.containers[0].command[2];
    expect(
      execFileSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read()); print('ok')"], {
        input: script,
        encoding: "utf8",
      }).trim(),
    ).toBe("ok");
  });

  test("rejects a name too long for KServe's Service names, no documents, and a short wait", () => {
    expect(() => render({ ...PROPS, name: "a".repeat(45) })).toThrow(
      /RagPipeline "a{45}": name is "a{45}"; use at most 44 characters: KServe names Services <name>-embedder-predictor/,
    );
    expect(() => render({ ...PROPS, documents: [] })).toThrow(
      /documents is \[\]; give at least one non-empty text to embed/,
    );
    expect(() => render({ ...PROPS, waitSeconds: 5 })).toThrow(
      /waitSeconds is 5; use a whole number of seconds, at least 30/,
    );
  });
});
