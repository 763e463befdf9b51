import { Chart, Testing } from "cdk8s";
import type { InferenceServiceWorkloadProps } from "../../../charts/workloads/inference-service";
import { InferenceServiceWorkload } from "../../../charts/workloads/inference-service";
import { crdFor, schemaProblems } from "../../support/reference";

const PROPS: InferenceServiceWorkloadProps = {
  name: "iris",
  placement: {
    namespace: "team-a",
    localQueue: "team-a-gpu",
    priorityClass: "serving",
    nodeSelector: { "cnai.dev/pool": "gpu" },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }],
    serviceAccountName: "models-reader",
  },
  modelFormat: "sklearn",
  storageUri: "s3://models/iris",
  resources: { cpu: "250m", memory: "512Mi", gpu: { resourceName: "nvidia.com/gpu", count: 1 } },
  minReplicas: 1,
  maxReplicas: 3,
};

function render(props: InferenceServiceWorkloadProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  const workload = new InferenceServiceWorkload(chart, "isvc", props);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const [object]: any[] = Testing.synth(chart);
  return { workload, object };
}

describe("InferenceServiceWorkload", () => {
  test("renders a Standard-mode InferenceService whose labels carry the queue to the predictor pods", () => {
    expect(render().object).toEqual({
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: {
        name: "iris",
        namespace: "team-a",
        labels: {
          "app.kubernetes.io/name": "iris",
          "kueue.x-k8s.io/queue-name": "team-a-gpu",
          "kueue.x-k8s.io/priority-class": "serving",
        },
        annotations: { "serving.kserve.io/deploymentMode": "Standard" },
      },
      spec: {
        predictor: {
          minReplicas: 1,
          maxReplicas: 3,
          serviceAccountName: "models-reader",
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
          nodeSelector: { "cnai.dev/pool": "gpu" },
          tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }],
          model: {
            modelFormat: { name: "sklearn" },
            storageUri: "s3://models/iris",
            resources: {
              requests: { cpu: "250m", memory: "512Mi", "nvidia.com/gpu": "1" },
              limits: { cpu: "250m", memory: "512Mi", "nvidia.com/gpu": "1" },
            },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
          },
        },
      },
    });
  });

  test("names a runtime and model format version when given, and defaults to one replica", () => {
    const { object } = render({
      ...PROPS,
      minReplicas: undefined,
      maxReplicas: undefined,
      runtime: "kserve-sklearnserver",
      modelFormatVersion: "1",
    });
    expect(object.spec.predictor).toMatchObject({
      minReplicas: 1,
      maxReplicas: 1,
      model: { modelFormat: { name: "sklearn", version: "1" }, runtime: "kserve-sklearnserver" },
    });
  });

  test("validates against the pinned KServe v0.20.0 InferenceService CRD", () => {
    const crd = crdFor("serving.kserve.io/v1beta1", "InferenceService");
    expect(crd).toBeDefined();
    expect(schemaProblems(render().object, crd?.schema ?? {})).toEqual([]);
  });

  test("demands the predictor at maxReplicas", () => {
    expect(render().workload.demand).toEqual({
      pods: 3,
      cpu: 0.75,
      memoryBytes: 3 * 512 * 2 ** 20,
      extended: { "nvidia.com/gpu": 3 },
    });
  });

  test("rejects maxReplicas below minReplicas", () => {
    expect(() => render({ ...PROPS, minReplicas: 2, maxReplicas: 1 })).toThrow(
      /InferenceServiceWorkload "iris": maxReplicas is 1; set maxReplicas >= minReplicas \(2\)/,
    );
  });

  test("rejects scale to zero without KEDA, since KServe's HPA keeps one pod", () => {
    expect(() => render({ ...PROPS, minReplicas: 0 })).toThrow(
      /InferenceServiceWorkload "iris": minReplicas is 0; set autoscaling with a trigger that wakes it \(KServe's HPA keeps at least one pod\), or keep minReplicas >= 1/,
    );
  });

  const PROMETHEUS = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090";
  const IN_FLIGHT = { query: 'sum(in_flight{namespace="team-a"})', target: 4, wakesFromZero: false };
  const WAITING_JOBS = { query: 'sum(kube_job_status_active{namespace="team-a"})', target: 1, wakesFromZero: true };

  test("hands the predictor to KEDA with one External Prometheus metric per trigger", () => {
    const { object, workload } = render({
      ...PROPS,
      minReplicas: 0,
      maxReplicas: 2,
      autoscaling: { prometheusUrl: PROMETHEUS, triggers: [WAITING_JOBS, IN_FLIGHT] },
    });
    expect(object.metadata.annotations).toEqual({
      "serving.kserve.io/deploymentMode": "Standard",
      "serving.kserve.io/autoscalerClass": "keda",
    });
    expect(object.spec.predictor.minReplicas).toBe(0);
    expect(object.spec.predictor.maxReplicas).toBe(2);
    expect(object.spec.predictor.autoScaling).toEqual({
      metrics: [
        {
          type: "External",
          external: {
            metric: { backend: "prometheus", serverAddress: PROMETHEUS, query: WAITING_JOBS.query },
            target: { type: "Value", value: "1" },
          },
        },
        {
          type: "External",
          external: {
            metric: { backend: "prometheus", serverAddress: PROMETHEUS, query: IN_FLIGHT.query },
            target: { type: "Value", value: "4" },
          },
        },
      ],
    });
    expect(schemaProblems(object, crdFor("serving.kserve.io/v1beta1", "InferenceService")?.schema ?? {})).toEqual([]);
    expect(workload.restingDemand).toEqual({ pods: 0, cpu: 0, memoryBytes: 0, extended: {} });
    expect(workload.demand.extended).toEqual({ "nvidia.com/gpu": 2 });
  });

  test("rejects scale to zero when no trigger can wake the predictor", () => {
    expect(() =>
      render({ ...PROPS, minReplicas: 0, autoscaling: { prometheusUrl: PROMETHEUS, triggers: [IN_FLIGHT] } }),
    ).toThrow(
      /minReplicas is 0; add a trigger with wakesFromZero \(the predictor's own metrics vanish at zero replicas, so nothing would scale it up\), or keep minReplicas >= 1/,
    );
  });

  test("rejects autoscaling without triggers, a Prometheus URL or a positive target", () => {
    expect(() => render({ ...PROPS, autoscaling: { prometheusUrl: PROMETHEUS, triggers: [] } })).toThrow(
      /autoscaling\.triggers is \[\]; give at least one Prometheus query to scale on/,
    );
    expect(() =>
      render({ ...PROPS, autoscaling: { prometheusUrl: "prometheus:9090", triggers: [IN_FLIGHT] } }),
    ).toThrow(/autoscaling\.prometheusUrl is "prometheus:9090"; give Prometheus' http\(s\) URL/);
    expect(() =>
      render({ ...PROPS, autoscaling: { prometheusUrl: PROMETHEUS, triggers: [{ ...IN_FLIGHT, target: 0 }] } }),
    ).toThrow(/autoscaling\.triggers\[0\]\.target is 0; give the positive value one replica should carry/);
  });

  test("rejects a storage URI with credentials in it", () => {
    expect(() => render({ ...PROPS, storageUri: "s3://key:secret@models/iris" })).toThrow(
      /storageUri is "s3:\/\/key:secret@models\/iris"; remove the credentials from the URI/,
    );
  });

  test("rejects a storage URI without a scheme", () => {
    expect(() => render({ ...PROPS, storageUri: "models/iris" })).toThrow(
      /storageUri is "models\/iris"; give a URI with a scheme/,
    );
  });

  test("rejects a fractional GPU count", () => {
    expect(() =>
      render({ ...PROPS, resources: { ...PROPS.resources, gpu: { resourceName: "nvidia.com/gpu", count: 0.5 } } }),
    ).toThrow(/resources\.gpu\.count is 0\.5; request a whole number of at least 1 devices/);
  });
});
