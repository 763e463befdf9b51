import { Chart, Testing } from "cdk8s";
import type { RayClusterWorkloadProps } from "../../../charts/workloads/ray-cluster";
import { RayClusterWorkload } from "../../../charts/workloads/ray-cluster";
import { crdFor, schemaProblems } from "../../support/reference";

const PROPS: RayClusterWorkloadProps = {
  name: "notebook-ray",
  placement: { namespace: "team-a", localQueue: "team-a-cpu", nodeSelector: {}, tolerations: [] },
  image: "rayproject/ray:2.0.0",
  head: { resources: { cpu: "500m", memory: "1Gi" } },
  workerGroups: [
    { name: "cpu", replicas: 1, minReplicas: 0, maxReplicas: 2, resources: { cpu: "250m", memory: "512Mi" } },
  ],
};

const RESTRICTED_POD = { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } };
const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

function render(props: RayClusterWorkloadProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  const workload = new RayClusterWorkload(chart, "ray-cluster", props);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const [object]: any[] = Testing.synth(chart);
  return { workload, object };
}

describe("RayClusterWorkload", () => {
  test("renders a queued RayCluster with a head and one worker group, without autoscaling or suspend", () => {
    expect(render().object).toEqual({
      apiVersion: "ray.io/v1",
      kind: "RayCluster",
      metadata: {
        name: "notebook-ray",
        namespace: "team-a",
        labels: { "app.kubernetes.io/name": "notebook-ray", "kueue.x-k8s.io/queue-name": "team-a-cpu" },
      },
      spec: {
        enableInTreeAutoscaling: false,
        headGroupSpec: {
          rayStartParams: { "dashboard-host": "0.0.0.0" },
          template: {
            spec: {
              securityContext: RESTRICTED_POD,
              containers: [
                {
                  name: "ray-head",
                  image: "rayproject/ray:2.0.0",
                  resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } },
                  securityContext: RESTRICTED_CONTAINER,
                },
              ],
            },
          },
        },
        workerGroupSpecs: [
          {
            groupName: "cpu",
            replicas: 1,
            minReplicas: 0,
            maxReplicas: 2,
            rayStartParams: {},
            template: {
              spec: {
                securityContext: RESTRICTED_POD,
                containers: [
                  {
                    name: "ray-worker",
                    image: "rayproject/ray:2.0.0",
                    resources: {
                      requests: { cpu: "250m", memory: "512Mi" },
                      limits: { cpu: "250m", memory: "512Mi" },
                    },
                    securityContext: RESTRICTED_CONTAINER,
                  },
                ],
              },
            },
          },
        ],
      },
    });
  });

  test("tells Ray about a GPU on the head and runs as the given UID", () => {
    const { object } = render({
      ...PROPS,
      runAsUser: 2000,
      head: { resources: { cpu: "1", memory: "2Gi", gpu: { resourceName: "nvidia.com/gpu", count: 1 } } },
    });
    expect(object.spec.headGroupSpec.rayStartParams).toEqual({ "dashboard-host": "0.0.0.0", "num-gpus": "1" });
    expect(object.spec.headGroupSpec.template.spec.securityContext.runAsUser).toBe(2000);
    expect(object.spec.workerGroupSpecs[0].template.spec.securityContext.runAsUser).toBe(2000);
  });

  test("validates against the pinned KubeRay v1.7.0 RayCluster CRD", () => {
    const crd = crdFor("ray.io/v1", "RayCluster");
    expect(crd).toBeDefined();
    expect(schemaProblems(render().object, crd?.schema ?? {})).toEqual([]);
  });

  test("demands the head plus every worker group at maxReplicas", () => {
    expect(render().workload.demand).toEqual({
      pods: 3,
      cpu: 1,
      memoryBytes: 2 ** 30 + 2 * 512 * 2 ** 20,
      extended: {},
    });
  });

  test("allows 17 worker groups, Kueue's limit next to the head, and rejects an 18th", () => {
    const groups = Array.from({ length: 18 }, (_, i) => ({ ...PROPS.workerGroups[0], name: `g${i}` }));
    expect(render({ ...PROPS, workerGroups: groups.slice(0, 17) }).object.spec.workerGroupSpecs).toHaveLength(17);
    expect(() => render({ ...PROPS, workerGroups: groups })).toThrow(
      /RayClusterWorkload "notebook-ray": workerGroups\.length is 18; use at most 17 worker groups/,
    );
  });

  test("rejects an empty image", () => {
    expect(() => render({ ...PROPS, image: "" })).toThrow(/image is ""; pass the pinned Ray image/);
  });

  test("rejects a negative minReplicas", () => {
    expect(() => render({ ...PROPS, workerGroups: [{ ...PROPS.workerGroups[0], minReplicas: -1 }] })).toThrow(
      /workerGroups\[0\]\.minReplicas is -1; use a whole number of at least 0/,
    );
  });

  test("rejects a GPU resource name without a domain", () => {
    expect(() =>
      render({ ...PROPS, head: { resources: { cpu: "1", memory: "1Gi", gpu: { resourceName: "gpu", count: 1 } } } }),
    ).toThrow(
      /head\.resources\.gpu\.resourceName is "gpu"; use an extended resource name of the form <domain>\/<name>/,
    );
  });

  test("gives only the head its environment and a read-only ConfigMap mount; the workers get neither", () => {
    const { spec } = render({
      ...PROPS,
      head: {
        resources: { cpu: "500m", memory: "1Gi" },
        env: [{ name: "MODE", value: "tune" }],
        configMapMount: { name: "tune-script", mountPath: "/tune" },
      },
    }).object;
    const head = spec.headGroupSpec.template.spec;
    expect(head.containers[0].env).toEqual([{ name: "MODE", value: "tune" }]);
    expect(head.containers[0].volumeMounts).toEqual([{ name: "files", mountPath: "/tune", readOnly: true }]);
    expect(head.volumes).toEqual([{ name: "files", configMap: { name: "tune-script" } }]);
    const worker = spec.workerGroupSpecs[0].template.spec;
    expect([worker.volumes, worker.containers[0].env, worker.containers[0].volumeMounts]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  test("a head that accepts no tasks starts with num-cpus 0; by default KubeRay counts its CPU limit", () => {
    const params = (acceptsTasks?: boolean) =>
      render({ ...PROPS, head: { resources: { cpu: "500m", memory: "1Gi" }, acceptsTasks } }).object.spec.headGroupSpec
        .rayStartParams;
    expect(params(false)).toEqual({ "dashboard-host": "0.0.0.0", "num-cpus": "0" });
    expect(params(true)).toEqual({ "dashboard-host": "0.0.0.0" });
    expect(params()).toEqual({ "dashboard-host": "0.0.0.0" });
  });

  test("rejects a head mount with a relative path or an invalid ConfigMap name", () => {
    const head = (configMapMount: { name: string; mountPath: string }) => ({
      ...PROPS,
      head: { resources: { cpu: "500m", memory: "1Gi" }, configMapMount },
    });
    expect(() => render(head({ name: "tune-script", mountPath: "tune/" }))).toThrow(
      /head\.configMapMount\.mountPath is "tune\/"; give an absolute directory without a trailing slash or colon/,
    );
    expect(() => render(head({ name: "Tune_Script", mountPath: "/tune" }))).toThrow(
      /head\.configMapMount\.name is "Tune_Script"; use at most 253 lowercase letters/,
    );
  });
});
