import { Chart, Testing } from "cdk8s";
import type { LlmServiceWorkloadProps } from "../../../charts/workloads/llm-service";
import { LlmServiceWorkload } from "../../../charts/workloads/llm-service";
import { crdFor, schemaProblems } from "../../support/reference";

const PLACEMENT = {
  namespace: "team-serving",
  localQueue: "default",
  priorityClass: "interactive",
  nodeSelector: { "cnai.io/pool": "mig" },
  tolerations: [{ key: "nvidia.com/gpu", operator: "Equal" as const, value: "present", effect: "NoSchedule" }],
  serviceAccountName: "kserve-s3",
};
const SLICE = { cpu: "2", memory: "8Gi", gpu: { resourceName: "nvidia.com/mig-1g.10gb", count: 1 } };

function render(props: LlmServiceWorkloadProps) {
  const chart = new Chart(Testing.app(), "samples");
  const workload = new LlmServiceWorkload(chart, "llm", props);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const [object]: any[] = Testing.synth(chart);
  return { workload, object };
}

describe("LlmServiceWorkload", () => {
  test("a model from the team's bucket is served by the Hugging Face runtime on one MIG slice, queued like any predictor", () => {
    const { workload, object } = render({
      name: "chat",
      placement: PLACEMENT,
      model: { storageUri: "s3://models/team-serving/qwen2.5-0.5b-instruct" },
      resources: SLICE,
      maxModelLength: 4096,
    });
    expect(object.metadata.labels).toEqual({
      "app.kubernetes.io/name": "chat",
      "kueue.x-k8s.io/queue-name": "default",
      "kueue.x-k8s.io/priority-class": "interactive",
    });
    expect(object.spec.predictor.model).toEqual({
      modelFormat: { name: "huggingface" },
      storageUri: "s3://models/team-serving/qwen2.5-0.5b-instruct",
      args: ["--max_model_len=4096"],
      resources: {
        requests: { cpu: "2", memory: "8Gi", "nvidia.com/mig-1g.10gb": "1" },
        limits: { cpu: "2", memory: "8Gi", "nvidia.com/mig-1g.10gb": "1" },
      },
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    });
    expect(workload.demand).toEqual({
      pods: 1,
      cpu: 2,
      memoryBytes: 8 * 1024 ** 3,
      extended: { "nvidia.com/mig-1g.10gb": 1 },
    });
    expect(workload.openAiBaseUrl).toBe("http://chat-predictor.team-serving.svc.cluster.local/openai/v1");
  });

  test("a Hub model is fetched by the server at a pinned revision, with the token from the team's Secret", () => {
    const { object } = render({
      name: "chat",
      placement: PLACEMENT,
      model: {
        huggingFaceId: "Qwen/Qwen2.5-0.5B-Instruct",
        revision: "7ae557604adf67be50417f59c2c2f167def9a775",
        tokenSecret: { secretName: "hf-token", key: "token" },
      },
      resources: SLICE,
    });
    expect(object.spec.predictor.model.storageUri).toBeUndefined();
    expect(object.spec.predictor.model.args).toEqual([
      "--model_id=Qwen/Qwen2.5-0.5B-Instruct",
      "--model_revision=7ae557604adf67be50417f59c2c2f167def9a775",
    ]);
    expect(object.spec.predictor.model.env).toEqual([
      { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf-token", key: "token" } } },
    ]);
  });

  test("tracing sends vLLM's request spans over OTLP/gRPC, named after the service", () => {
    const endpoint = "http://opentelemetry-collector.opentelemetry.svc.cluster.local:4317";
    const base = { name: "chat", placement: PLACEMENT, model: { storageUri: "s3://models/x" }, resources: SLICE };
    const { object } = render({ ...base, maxModelLength: 4096, tracing: { otlpEndpoint: endpoint } });
    expect(object.spec.predictor.model.args).toEqual([
      "--max_model_len=4096",
      "--otlp-traces-endpoint=http://opentelemetry-collector.opentelemetry.svc.cluster.local:4317",
    ]);
    expect(object.spec.predictor.model.env).toEqual([{ name: "OTEL_SERVICE_NAME", value: "chat" }]);
    const named = render({ ...base, tracing: { otlpEndpoint: endpoint, serviceName: "team-serving.chat" } }).object;
    expect(named.spec.predictor.model.env).toEqual([{ name: "OTEL_SERVICE_NAME", value: "team-serving.chat" }]);
    expect(render(base).object.spec.predictor.model.env).toBeUndefined();
  });

  test("a bad tracing endpoint or service name is refused with the prop, the value and the fix", () => {
    const base = { name: "chat", placement: PLACEMENT, model: { storageUri: "s3://models/x" }, resources: SLICE };
    expect(() => render({ ...base, tracing: { otlpEndpoint: "collector:4317" } })).toThrow(
      /LlmServiceWorkload "chat": tracing\.otlpEndpoint is "collector:4317"; give an OTLP\/gRPC endpoint http\(s\):\/\/<host>:<port>/,
    );
    expect(() =>
      render({ ...base, tracing: { otlpEndpoint: "http://collector:4317", serviceName: "chat server" } }),
    ).toThrow(/LlmServiceWorkload "chat": tracing\.serviceName is "chat server"; use letters, digits/);
  });

  test("the InferenceService passes the pinned KServe CRD schema", () => {
    const { object } = render({
      name: "chat",
      placement: PLACEMENT,
      model: { huggingFaceId: "Qwen/Qwen2.5-0.5B-Instruct", tokenSecret: { secretName: "hf-token", key: "token" } },
      resources: SLICE,
      maxModelLength: 2048,
      tracing: { otlpEndpoint: "http://opentelemetry-collector.opentelemetry.svc.cluster.local:4317" },
    });
    const crd = crdFor("serving.kserve.io/v1beta1", "InferenceService");
    expect(crd).toBeDefined();
    expect(schemaProblems(object, crd?.schema ?? {})).toEqual([]);
  });

  test("a bad Hub id, revision or length is refused with the prop, the value and the fix", () => {
    const base = { name: "chat", placement: PLACEMENT, resources: SLICE };
    expect(() => render({ ...base, model: { huggingFaceId: "qwen" } })).toThrow(
      'LlmServiceWorkload "chat": model.huggingFaceId is "qwen"; give a Hub id <owner>/<name>, e.g. Qwen/Qwen2.5-0.5B-Instruct',
    );
    expect(() =>
      render({ ...base, model: { huggingFaceId: "Qwen/Qwen2.5-0.5B-Instruct", revision: "main; rm" } }),
    ).toThrow(
      'LlmServiceWorkload "chat": model.revision is "main; rm"; give a commit hash or tag of the model repository',
    );
    expect(() => render({ ...base, model: { storageUri: "s3://models/x" }, maxModelLength: 8 })).toThrow(
      'LlmServiceWorkload "chat": maxModelLength is 8; use a whole number of at least 16',
    );
  });
});
