import { Chart, Testing } from "cdk8s";
import type { VectorClientJobProps } from "../../../charts/workloads/vector-client-job";
import { TrainingJob, VectorClientJob } from "../../../charts/workloads";
import { findKubernetesValidate, validateCoreObjects } from "../../../verify/upstream";

const PROPS: VectorClientJobProps = {
  name: "ingest-docs",
  placement: { namespace: "team-a", localQueue: "team-a-cpu", nodeSelector: {}, tolerations: [] },
  engine: "qdrant",
  endpoint: "http://qdrant.vector-db.svc.cluster.local:6333",
  image: "ghcr.io/example/ingest:1.0.0",
  command: ["python", "ingest.py"],
};

function render(props: VectorClientJobProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  const workload = new VectorClientJob(chart, "vector-client", props);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const [object]: any[] = Testing.synth(chart);
  return { workload, object };
}

describe("VectorClientJob", () => {
  test("renders a small queued Job that gets the engine and endpoint from its environment", () => {
    expect(render().object).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "ingest-docs",
        namespace: "team-a",
        labels: { "app.kubernetes.io/name": "ingest-docs", "kueue.x-k8s.io/queue-name": "team-a-cpu" },
      },
      spec: {
        backoffLimit: 2,
        template: {
          metadata: { labels: { "app.kubernetes.io/name": "ingest-docs" } },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "vector-client",
                image: "ghcr.io/example/ingest:1.0.0",
                command: ["python", "ingest.py"],
                env: [
                  { name: "VECTOR_DB_ENGINE", value: "qdrant" },
                  { name: "VECTOR_DB_ENDPOINT", value: "http://qdrant.vector-db.svc.cluster.local:6333" },
                  { name: "HOME", value: "/tmp" },
                ],
                resources: {
                  requests: { cpu: "100m", memory: "256Mi" },
                  limits: { cpu: "100m", memory: "256Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                },
                volumeMounts: [{ name: "scratch", mountPath: "/tmp" }],
              },
            ],
            volumes: [{ name: "scratch", emptyDir: {} }],
          },
        },
      },
    });
  });

  test("reads pgvector's connection URI from the CloudNativePG app Secret", () => {
    const { object } = render({
      ...PROPS,
      engine: "pgvector",
      endpoint: "vectors-rw.vector-db:5432",
      credentials: { secretName: "vectors-app", key: "uri" },
      args: ["--collection=docs"],
    });
    const [container] = object.spec.template.spec.containers;
    expect(container.args).toEqual(["--collection=docs"]);
    expect(container.env).toEqual([
      { name: "VECTOR_DB_ENGINE", value: "pgvector" },
      { name: "VECTOR_DB_ENDPOINT", value: "vectors-rw.vector-db:5432" },
      { name: "VECTOR_DB_CREDENTIALS", valueFrom: { secretKeyRef: { name: "vectors-app", key: "uri" } } },
      { name: "HOME", value: "/tmp" },
    ]);
  });

  test("validates strictly against the Kubernetes schema of the targeted version", () => {
    const { object } = render({ ...PROPS, credentials: { secretName: "qdrant-apikey", key: "api-key" } });
    expect(validateCoreObjects([{ source: "vector-client-job", object }], findKubernetesValidate()!)).toEqual([]);
  });

  test("shares one chart with other workloads", () => {
    const chart = new Chart(Testing.app(), "samples");
    new VectorClientJob(chart, "ingest", PROPS);
    new TrainingJob(chart, "train", {
      name: "train",
      placement: PROPS.placement,
      image: "ghcr.io/example/trainer:1.0.0",
      command: ["python", "train.py"],
      mlflow: { trackingUri: "http://mlflow.mlflow.svc.cluster.local:5000", experimentName: "demo" },
      resources: { cpu: "500m", memory: "1Gi" },
    });
    expect(Testing.synth(chart).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["Job/ingest-docs", "Job/train"]);
  });

  test("demands one small pod", () => {
    expect(render().workload.demand).toEqual({ pods: 1, cpu: 0.1, memoryBytes: 256 * 2 ** 20, extended: {} });
  });

  test("accepts each engine's own address forms", () => {
    expect(render({ ...PROPS, engine: "milvus", endpoint: "tcp://milvus.vector-db:19530" }).object.kind).toBe("Job");
    expect(render({ ...PROPS, engine: "pgvector", endpoint: "postgresql://vectors-rw:5432/app" }).object.kind).toBe(
      "Job",
    );
  });

  test("rejects an endpoint with the wrong scheme for the engine", () => {
    expect(() => render({ ...PROPS, endpoint: "qdrant.vector-db:6333" })).toThrow(
      /VectorClientJob "ingest-docs": endpoint is "qdrant.vector-db:6333"; give a http:\/\/ or https:\/\/ address for qdrant/,
    );
  });

  test("rejects credentials inside the endpoint", () => {
    expect(() =>
      render({ ...PROPS, engine: "pgvector", endpoint: "postgresql://app:secret@vectors-rw:5432/app" }),
    ).toThrow(/endpoint is "postgresql:\/\/app:secret@vectors-rw:5432\/app"; remove the credentials from the address/);
  });

  test("rejects an unknown engine", () => {
    expect(() => render({ ...PROPS, engine: "weaviate" as VectorClientJobProps["engine"] })).toThrow(
      /engine is "weaviate"; use qdrant, milvus or pgvector/,
    );
  });
});
