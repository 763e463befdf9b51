import { Chart, Testing } from "cdk8s";
import type { TrainingJobProps } from "../../../charts/workloads/training-job";
import { TrainingJob } from "../../../charts/workloads/training-job";
import { findKubernetesValidate, validateCoreObjects } from "../../../verify/upstream";

const PROPS: TrainingJobProps = {
  name: "train-iris",
  placement: {
    namespace: "team-a",
    localQueue: "team-a-gpu",
    priorityClass: "batch",
    nodeSelector: { "cnai.dev/pool": "gpu" },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    serviceAccountName: "trainer",
  },
  image: "ghcr.io/example/trainer:1.0.0",
  command: ["python", "train.py"],
  args: ["--epochs=3"],
  mlflow: { trackingUri: "http://mlflow.mlflow.svc.cluster.local:5000", experimentName: "iris" },
  resources: { cpu: "1", memory: "2Gi", gpu: { resourceName: "nvidia.com/mig-1g.10gb", count: 1 } },
};

function render(props: TrainingJobProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  const workload = new TrainingJob(chart, "training", props);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const [object]: any[] = Testing.synth(chart);
  return { workload, object };
}

describe("TrainingJob", () => {
  test("renders a queued Job that logs to MLflow from a restricted, non-root pod", () => {
    expect(render().object).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "train-iris",
        namespace: "team-a",
        labels: {
          "app.kubernetes.io/name": "train-iris",
          "kueue.x-k8s.io/queue-name": "team-a-gpu",
          "kueue.x-k8s.io/priority-class": "batch",
        },
      },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { "app.kubernetes.io/name": "train-iris" } },
          spec: {
            restartPolicy: "Never",
            serviceAccountName: "trainer",
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
            nodeSelector: { "cnai.dev/pool": "gpu" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
            containers: [
              {
                name: "trainer",
                image: "ghcr.io/example/trainer:1.0.0",
                command: ["python", "train.py"],
                args: ["--epochs=3"],
                env: [
                  { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:5000" },
                  { name: "MLFLOW_EXPERIMENT_NAME", value: "iris" },
                  { name: "HOME", value: "/tmp" },
                ],
                resources: {
                  requests: { cpu: "1", memory: "2Gi", "nvidia.com/mig-1g.10gb": "1" },
                  limits: { cpu: "1", memory: "2Gi", "nvidia.com/mig-1g.10gb": "1" },
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

  test("leaves spec.suspend to Kueue's webhook", () => {
    expect(render().object.spec.suspend).toBeUndefined();
  });

  test("adds plain and Secret-backed env vars, deadline, TTL and retries when given", () => {
    const { object } = render({
      ...PROPS,
      env: { DATASET: "s3://datasets/iris" },
      secretEnv: { AWS_ACCESS_KEY_ID: { secretName: "object-store-credentials", key: "AWS_ACCESS_KEY_ID" } },
      backoffLimit: 2,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 600,
      runAsUser: 65532,
    });
    expect(object.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 600 });
    expect(object.spec.template.spec.securityContext.runAsUser).toBe(65532);
    expect(object.spec.template.spec.containers[0].env).toEqual([
      { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:5000" },
      { name: "MLFLOW_EXPERIMENT_NAME", value: "iris" },
      { name: "DATASET", value: "s3://datasets/iris" },
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "object-store-credentials", key: "AWS_ACCESS_KEY_ID" } },
      },
      { name: "HOME", value: "/tmp" },
    ]);
  });

  test("validates strictly against the Kubernetes schema of the targeted version", () => {
    const { object } = render({ ...PROPS, activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 60 });
    expect(validateCoreObjects([{ source: "training-job", object }], findKubernetesValidate()!)).toEqual([]);
  });

  test("demands one pod with the given resources", () => {
    expect(render().workload.demand).toEqual({
      pods: 1,
      cpu: 1,
      memoryBytes: 2 * 2 ** 30,
      extended: { "nvidia.com/mig-1g.10gb": 1 },
    });
  });

  test("rejects a tracking URI that is not an http(s) URL or carries credentials", () => {
    expect(() => render({ ...PROPS, mlflow: { ...PROPS.mlflow, trackingUri: "mlflow:5000" } })).toThrow(
      /TrainingJob "train-iris": mlflow\.trackingUri is "mlflow:5000"; give the MLflow server's http\(s\) URL/,
    );
    expect(() =>
      render({ ...PROPS, mlflow: { ...PROPS.mlflow, trackingUri: "http://user:pass@mlflow:5000" } }),
    ).toThrow(/mlflow\.trackingUri is "http:\/\/user:pass@mlflow:5000"; give the MLflow server's http\(s\) URL/);
  });

  test("rejects MLflow variables set through env", () => {
    expect(() => render({ ...PROPS, env: { MLFLOW_TRACKING_URI: "http://elsewhere" } })).toThrow(
      /env\.MLFLOW_TRACKING_URI is "MLFLOW_TRACKING_URI"; set the MLflow variables through the mlflow prop/,
    );
  });

  test("rejects a variable defined both plain and from a Secret", () => {
    expect(() =>
      render({ ...PROPS, env: { TOKEN: "x" }, secretEnv: { TOKEN: { secretName: "s", key: "k" } } }),
    ).toThrow(/secretEnv\.TOKEN is "TOKEN"; define each variable only once/);
  });

  test("rejects an empty command", () => {
    expect(() => render({ ...PROPS, command: [] })).toThrow(/command is \[\]; give the entrypoint/);
  });

  test("rejects a negative backoffLimit", () => {
    expect(() => render({ ...PROPS, backoffLimit: -1 })).toThrow(
      /backoffLimit is -1; use a whole number of at least 0/,
    );
  });

  test("rejects a zero CPU request", () => {
    expect(() => render({ ...PROPS, resources: { cpu: "0", memory: "1Gi" } })).toThrow(
      /resources\.cpu is "0"; give a positive CPU quantity/,
    );
  });

  describe("on a DRA pool", () => {
    const DRA: TrainingJobProps = {
      ...PROPS,
      resources: {
        cpu: "1",
        memory: "2Gi",
        gpu: { resourceName: "dra.cnai.io/gpu", count: 2, deviceClassName: "gpu.nvidia.com" },
      },
    };
    function renderAll(props: TrainingJobProps) {
      const chart = new Chart(Testing.app(), "samples");
      const workload = new TrainingJob(chart, "training", props);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
      return { workload, objects: Testing.synth(chart) as any[] };
    }

    test("claims its GPUs through a per-pod ResourceClaimTemplate of exactly count devices, not the extended resource", () => {
      const { objects } = renderAll(DRA);
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
        "ResourceClaimTemplate/train-iris-gpu",
        "Job/train-iris",
      ]);
      expect(objects[0]).toEqual({
        apiVersion: "resource.k8s.io/v1",
        kind: "ResourceClaimTemplate",
        metadata: { name: "train-iris-gpu", namespace: "team-a" },
        spec: {
          spec: {
            devices: {
              requests: [
                { name: "gpu", exactly: { deviceClassName: "gpu.nvidia.com", allocationMode: "ExactCount", count: 2 } },
              ],
            },
          },
        },
      });
      const pod = objects[1].spec.template.spec;
      expect(pod.resourceClaims).toEqual([{ name: "gpu", resourceClaimTemplateName: "train-iris-gpu" }]);
      expect(pod.containers[0].resources).toEqual({
        requests: { cpu: "1", memory: "2Gi" },
        limits: { cpu: "1", memory: "2Gi" },
        claims: [{ name: "gpu" }],
      });
    });

    test("its demand counts the devices as Kueue's quota resource for the DeviceClass", () => {
      expect(renderAll(DRA).workload.demand.extended).toEqual({ "dra.cnai.io/gpu": 2 });
    });

    test("the template and the Job validate strictly against the Kubernetes schema", () => {
      const { objects } = renderAll(DRA);
      expect(
        validateCoreObjects(
          objects.map((object) => ({ source: "training-job", object })),
          findKubernetesValidate()!,
        ),
      ).toEqual([]);
    });

    test("a DeviceClass that is not a DNS subdomain is refused", () => {
      expect(() =>
        render({
          ...DRA,
          resources: { ...DRA.resources, gpu: { resourceName: "dra.cnai.io/gpu", count: 1, deviceClassName: "GPU!" } },
        }),
      ).toThrow(/resources\.gpu\.deviceClassName is "GPU!"; name a DeviceClass, e\.g\. gpu\.nvidia\.com/);
    });
  });
});
