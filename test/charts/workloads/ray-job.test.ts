import { Chart, Testing } from "cdk8s";
import type { RayJobWorkloadProps } from "../../../charts/workloads/ray-job";
import { RayJobWorkload } from "../../../charts/workloads/ray-job";
import { findKubernetesValidate, validateCoreObjects } from "../../../verify/upstream";
import { crdFor, schemaProblems } from "../../support/reference";

const PLACEMENT = {
  namespace: "team-a",
  localQueue: "team-a-gpu",
  priorityClass: "batch",
  nodeSelector: { "cnai.dev/pool": "gpu" },
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" as const, effect: "NoSchedule" }],
  serviceAccountName: "ray",
};

const PROPS: RayJobWorkloadProps = {
  name: "train-mnist",
  placement: PLACEMENT,
  image: "rayproject/ray:2.0.0",
  entrypoint: "python -m train",
  head: {
    resources: { cpu: "500m", memory: "2Gi" },
    nodePlacement: { nodeSelector: { "cnai.dev/pool": "cpu" }, tolerations: [] },
  },
  workerGroups: [
    {
      name: "gpu",
      replicas: 2,
      resources: { cpu: "1", memory: "4Gi", gpu: { resourceName: "nvidia.com/mig-1g.10gb", count: 1 } },
    },
  ],
};

const RESTRICTED_POD = { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } };
const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

function render(props: RayJobWorkloadProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  const workload = new RayJobWorkload(chart, "ray-job", props);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const [object]: any[] = Testing.synth(chart);
  return { workload, object };
}

describe("RayJobWorkload", () => {
  test("renders a Kueue-queued RayJob that owns its cluster, with restricted pods and a small submitter", () => {
    expect(render().object).toEqual({
      apiVersion: "ray.io/v1",
      kind: "RayJob",
      metadata: {
        name: "train-mnist",
        namespace: "team-a",
        labels: {
          "app.kubernetes.io/name": "train-mnist",
          "kueue.x-k8s.io/queue-name": "team-a-gpu",
          "kueue.x-k8s.io/priority-class": "batch",
        },
      },
      spec: {
        entrypoint: "python -m train",
        shutdownAfterJobFinishes: true,
        ttlSecondsAfterFinished: 300,
        submissionMode: "K8sJobMode",
        submitterPodTemplate: {
          spec: {
            restartPolicy: "Never",
            serviceAccountName: "ray",
            securityContext: RESTRICTED_POD,
            nodeSelector: { "cnai.dev/pool": "cpu" },
            containers: [
              {
                name: "ray-job-submitter",
                image: "rayproject/ray:2.0.0",
                resources: {
                  requests: { cpu: "200m", memory: "512Mi" },
                  limits: { cpu: "200m", memory: "512Mi" },
                },
                securityContext: RESTRICTED_CONTAINER,
              },
            ],
          },
        },
        rayClusterSpec: {
          enableInTreeAutoscaling: false,
          headGroupSpec: {
            rayStartParams: { "dashboard-host": "0.0.0.0" },
            template: {
              spec: {
                serviceAccountName: "ray",
                securityContext: RESTRICTED_POD,
                nodeSelector: { "cnai.dev/pool": "cpu" },
                containers: [
                  {
                    name: "ray-head",
                    image: "rayproject/ray:2.0.0",
                    resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "500m", memory: "2Gi" } },
                    securityContext: RESTRICTED_CONTAINER,
                  },
                ],
              },
            },
          },
          workerGroupSpecs: [
            {
              groupName: "gpu",
              replicas: 2,
              minReplicas: 2,
              maxReplicas: 2,
              rayStartParams: { "num-gpus": "1" },
              template: {
                spec: {
                  serviceAccountName: "ray",
                  securityContext: RESTRICTED_POD,
                  nodeSelector: { "cnai.dev/pool": "gpu" },
                  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
                  containers: [
                    {
                      name: "ray-worker",
                      image: "rayproject/ray:2.0.0",
                      resources: {
                        requests: { cpu: "1", memory: "4Gi", "nvidia.com/mig-1g.10gb": "1" },
                        limits: { cpu: "1", memory: "4Gi", "nvidia.com/mig-1g.10gb": "1" },
                      },
                      securityContext: RESTRICTED_CONTAINER,
                    },
                  ],
                },
              },
            },
          ],
        },
      },
    });
  });

  test("leaves spec.suspend and clusterSelector to Kueue and KubeRay", () => {
    const { object } = render();
    expect(object.spec.suspend).toBeUndefined();
    expect(object.spec.clusterSelector).toBeUndefined();
  });

  test("passes the optional runtime env, deadline, TTL, Ray version and custom submitter resources through", () => {
    const { object } = render({
      ...PROPS,
      placement: { ...PLACEMENT, priorityClass: undefined, serviceAccountName: undefined },
      runtimeEnvYAML: "pip:\n  - requests\n",
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 0,
      rayVersion: "2.0.0",
      submitterResources: { cpu: "100m", memory: "256Mi" },
    });
    expect(object.metadata.labels).toEqual({
      "app.kubernetes.io/name": "train-mnist",
      "kueue.x-k8s.io/queue-name": "team-a-gpu",
    });
    expect(object.spec).toMatchObject({
      runtimeEnvYAML: "pip:\n  - requests\n",
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 0,
      rayClusterSpec: { rayVersion: "2.0.0" },
    });
    expect(object.spec.submitterPodTemplate.spec.containers[0].resources).toEqual({
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "100m", memory: "256Mi" },
    });
    expect(object.spec.submitterPodTemplate.spec.serviceAccountName).toBeUndefined();
  });

  test("validates against the pinned KubeRay v1.7.0 RayJob CRD", () => {
    const crd = crdFor("ray.io/v1", "RayJob");
    expect(crd).toBeDefined();
    expect(schemaProblems(render().object, crd?.schema ?? {})).toEqual([]);
  });

  test("renders head, worker and submitter pod specs that validate strictly as Kubernetes Pods", () => {
    const { spec } = render().object;
    const pod = (name: string, podSpec: unknown) => ({
      source: "ray-job",
      object: { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: podSpec },
    });
    const pods = [
      pod("head", spec.rayClusterSpec.headGroupSpec.template.spec),
      pod("worker", spec.rayClusterSpec.workerGroupSpecs[0].template.spec),
      pod("submitter", spec.submitterPodTemplate.spec),
    ];
    expect(validateCoreObjects(pods, findKubernetesValidate()!)).toEqual([]);
  });

  test("demands the head, every worker at maxReplicas and the submitter", () => {
    expect(render().workload.demand).toEqual({
      pods: 4,
      cpu: 0.5 + 2 * 1 + 0.2,
      memoryBytes: 2 * 2 ** 30 + 2 * 4 * 2 ** 30 + 512 * 2 ** 20,
      extended: { "nvidia.com/mig-1g.10gb": 2 },
    });
  });

  test("counts workers at maxReplicas when the group's bounds are set apart", () => {
    const { workload } = render({
      ...PROPS,
      workerGroups: [{ ...PROPS.workerGroups[0], replicas: 1, minReplicas: 1, maxReplicas: 3 }],
    });
    expect(workload.demand.extended).toEqual({ "nvidia.com/mig-1g.10gb": 3 });
    expect(workload.demand.pods).toBe(5);
  });

  test("rejects an empty entrypoint", () => {
    expect(() => render({ ...PROPS, entrypoint: " " })).toThrow(
      /RayJobWorkload "train-mnist": entrypoint is " "; give the command to run/,
    );
  });

  test("refuses DRA devices: only Jobs render ResourceClaimTemplates", () => {
    const gpuGroup = PROPS.workerGroups[0];
    const gpu = { resourceName: "dra.cnai.io/gpu", count: 1, deviceClassName: "gpu.nvidia.com" };
    expect(() =>
      render({ ...PROPS, workerGroups: [{ ...gpuGroup, resources: { ...gpuGroup.resources, gpu } }] }),
    ).toThrow(
      /workerGroups\[0\]\.resources\.gpu\.deviceClassName is "gpu\.nvidia\.com"; only Jobs \(TrainingJob\) claim DRA devices here; run this workload on a device-plugin pool/,
    );
  });

  test("rejects a GPU count below 1", () => {
    const gpuGroup = PROPS.workerGroups[0];
    expect(() =>
      render({
        ...PROPS,
        workerGroups: [
          { ...gpuGroup, resources: { ...gpuGroup.resources, gpu: { resourceName: "nvidia.com/gpu", count: 0 } } },
        ],
      }),
    ).toThrow(/workerGroups\[0\]\.resources\.gpu\.count is 0; request a whole number of at least 1 devices/);
  });

  test("rejects maxReplicas below minReplicas", () => {
    expect(() =>
      render({ ...PROPS, workerGroups: [{ ...PROPS.workerGroups[0], minReplicas: 2, maxReplicas: 1 }] }),
    ).toThrow(/workerGroups\[0\]\.maxReplicas is 1; set maxReplicas >= minReplicas \(2\)/);
  });

  test("rejects replicas outside the group's bounds", () => {
    expect(() =>
      render({ ...PROPS, workerGroups: [{ ...PROPS.workerGroups[0], replicas: 4, minReplicas: 2, maxReplicas: 3 }] }),
    ).toThrow(/workerGroups\[0\]\.replicas is 4; keep replicas between 2 and 3/);
  });

  test("rejects more worker groups than Kueue's PodSets leave room for next to the submitter", () => {
    const groups = Array.from({ length: 17 }, (_, i) => ({ ...PROPS.workerGroups[0], name: `g${i}` }));
    expect(() => render({ ...PROPS, workerGroups: groups })).toThrow(
      /workerGroups\.length is 17; use at most 16 worker groups: a Kueue workload has at most 18 PodSets/,
    );
    expect(
      render({ ...PROPS, workerGroups: groups.slice(0, 16) }).object.spec.rayClusterSpec.workerGroupSpecs,
    ).toHaveLength(16);
  });

  test("rejects a worker group named head, which Kueue reserves", () => {
    expect(() => render({ ...PROPS, workerGroups: [{ ...PROPS.workerGroups[0], name: "head" }] })).toThrow(
      /workerGroups\[0\]\.name is "head"; pick another name: Kueue reserves 'head'/,
    );
  });

  test("rejects two worker groups with the same name", () => {
    expect(() => render({ ...PROPS, workerGroups: [PROPS.workerGroups[0], PROPS.workerGroups[0]] })).toThrow(
      /workerGroups\[1\]\.name is "gpu"; give each group its own name/,
    );
  });

  test("rejects a name that is not a DNS label", () => {
    expect(() => render({ ...PROPS, name: "Train_MNIST" })).toThrow(
      /RayJobWorkload "Train_MNIST": name is "Train_MNIST"; use at most 63 lowercase letters/,
    );
  });

  test("rejects a memory quantity Kubernetes would not parse", () => {
    expect(() => render({ ...PROPS, head: { resources: { cpu: "1", memory: "2GB" } } })).toThrow(
      /head\.resources\.memory is "2GB"; give a memory quantity such as 512Mi or 4Gi/,
    );
  });
});
