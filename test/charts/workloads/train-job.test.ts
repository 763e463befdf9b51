import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Chart, Testing } from "cdk8s";
import type { TrainJobWorkloadProps } from "../../../charts/workloads/train-job";
import { DDP_CHECK_SCRIPT, TrainJobWorkload } from "../../../charts/workloads/train-job";
import { crdFor, schemaProblems } from "../../support/reference";

const PROPS: TrainJobWorkloadProps = {
  name: "pretrain",
  placement: {
    namespace: "team-training",
    localQueue: "default",
    priorityClass: "batch",
    nodeSelector: { "cnai.io/pool": "full" },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }],
  },
  runtime: "torch-distributed",
  numNodes: 2,
  resources: { cpu: "2", memory: "8Gi", gpu: { resourceName: "nvidia.com/gpu", count: 1 } },
  command: ["torchrun", "train.py"],
  args: ["--epochs=3"],
  mlflow: { trackingUri: "http://mlflow.mlflow.svc.cluster.local:5000", experimentName: "training-samples" },
};

function render(props: TrainJobWorkloadProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  const workload = new TrainJobWorkload(chart, "train", props);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const objects: any[] = Testing.synth(chart);
  return { workload, objects, object: objects[0] };
}

describe("TrainJobWorkload", () => {
  test("renders one queued TrainJob of numNodes nodes from the runtime, placed on its pool, logging to MLflow", () => {
    const { objects } = render();
    expect(objects).toEqual([
      {
        apiVersion: "trainer.kubeflow.org/v1alpha1",
        kind: "TrainJob",
        metadata: {
          name: "pretrain",
          namespace: "team-training",
          labels: {
            "app.kubernetes.io/name": "pretrain",
            "kueue.x-k8s.io/queue-name": "default",
            "kueue.x-k8s.io/priority-class": "batch",
          },
        },
        spec: {
          runtimeRef: { apiGroup: "trainer.kubeflow.org", kind: "ClusterTrainingRuntime", name: "torch-distributed" },
          trainer: {
            command: ["torchrun", "train.py"],
            args: ["--epochs=3"],
            numNodes: 2,
            env: [
              { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:5000" },
              { name: "MLFLOW_EXPERIMENT_NAME", value: "training-samples" },
            ],
            resourcesPerNode: {
              requests: { cpu: "2", memory: "8Gi", "nvidia.com/gpu": "1" },
              limits: { cpu: "2", memory: "8Gi", "nvidia.com/gpu": "1" },
            },
          },
          runtimePatches: [
            {
              manager: "cnai.io/placement",
              trainingRuntimeSpec: {
                template: {
                  spec: {
                    replicatedJobs: [
                      {
                        name: "node",
                        template: {
                          spec: {
                            template: {
                              metadata: { labels: { "app.kubernetes.io/name": "pretrain" } },
                              spec: {
                                nodeSelector: { "cnai.io/pool": "full" },
                                tolerations: [
                                  { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
                                ],
                              },
                            },
                          },
                        },
                      },
                    ],
                  },
                },
              },
            },
          ],
        },
      },
    ]);
  });

  test("leaves spec.suspend to Kueue's webhook", () => {
    expect(render().object.spec.suspend).toBeUndefined();
  });

  test("validates against the pinned TrainJob CRD, with every optional field set", () => {
    const { object } = render({
      ...PROPS,
      placement: { ...PROPS.placement, serviceAccountName: "trainer" },
      image: "ghcr.io/example/trainer:1.0.0",
      numProcPerNode: 1,
      env: { DATASET: "s3://datasets/tokens" },
      secretEnv: { AWS_ACCESS_KEY_ID: { secretName: "object-store-credentials", key: "AWS_ACCESS_KEY_ID" } },
      activeDeadlineSeconds: 3600,
    });
    const crd = crdFor(object.apiVersion, object.kind);
    expect(crd?.file).toMatch(/kubeflow-trainer-v2\.3\.0/);
    expect(schemaProblems(object, crd?.schema ?? {})).toEqual([]);
    expect(object.spec).toMatchObject({ activeDeadlineSeconds: 3600 });
    expect(object.spec.trainer).toMatchObject({ image: "ghcr.io/example/trainer:1.0.0", numProcPerNode: 1 });
    expect(object.spec.trainer.env.slice(2)).toEqual([
      { name: "DATASET", value: "s3://datasets/tokens" },
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "object-store-credentials", key: "AWS_ACCESS_KEY_ID" } },
      },
    ]);
    const pod =
      object.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template;
    expect(pod.spec.serviceAccountName).toBe("trainer");
  });

  test("a pool without labels or taints patches only the pods' name label", () => {
    const { object } = render({ ...PROPS, placement: { ...PROPS.placement, nodeSelector: {}, tolerations: [] } });
    const job = object.spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0];
    expect(job.template.spec.template).toEqual({ metadata: { labels: { "app.kubernetes.io/name": "pretrain" } } });
  });

  test("demands numNodes pods with the given resources, all at once", () => {
    expect(render().workload.demand).toEqual({
      pods: 2,
      cpu: 4,
      memoryBytes: 16 * 2 ** 30,
      extended: { "nvidia.com/gpu": 2 },
    });
  });

  test("rejects a name the TrainJob CRD or JobSet's pod names cannot take", () => {
    expect(() => render({ ...PROPS, name: "1pretrain" })).toThrow(
      /TrainJobWorkload "1pretrain": name is "1pretrain"; start the name with a letter/,
    );
    // <name>-node-0-1-abcde must fit 63 characters: 48 leave room for two nodes, not for eleven (index 10).
    expect(render({ ...PROPS, name: "p".repeat(48) }).object.metadata.name).toBe("p".repeat(48));
    expect(() => render({ ...PROPS, name: "p".repeat(48), numNodes: 11 })).toThrow(
      /name is "p{48}"; shorten it to at most 47 characters: its pods are named <name>-node-0-<index>-<5 characters>/,
    );
  });

  test("rejects torchrun's reserved variables and the MLflow ones in env", () => {
    expect(() => render({ ...PROPS, env: { PET_NNODES: "4" } })).toThrow(
      /env\.PET_NNODES is "PET_NNODES"; the Trainer sets torchrun's PET_\* variables itself/,
    );
    expect(() => render({ ...PROPS, secretEnv: { MLFLOW_TRACKING_URI: { secretName: "s", key: "k" } } })).toThrow(
      /env\.MLFLOW_TRACKING_URI is "MLFLOW_TRACKING_URI"; set the MLflow variables through the mlflow prop/,
    );
  });

  test("rejects zero nodes, zero processes, an empty command or image and a bad tracking URI", () => {
    expect(() => render({ ...PROPS, numNodes: 0 })).toThrow(/numNodes is 0; use a whole number of at least 1/);
    expect(() => render({ ...PROPS, numProcPerNode: 0 })).toThrow(/numProcPerNode is 0; use a whole number/);
    expect(() => render({ ...PROPS, command: [] })).toThrow(/command is \[\]; give the entrypoint/);
    expect(() => render({ ...PROPS, image: " " })).toThrow(/image is " "; pass a pinned training image/);
    expect(() => render({ ...PROPS, mlflow: { ...PROPS.mlflow, trackingUri: "mlflow:5000" } })).toThrow(
      /mlflow\.trackingUri is "mlflow:5000"; give the MLflow server's http\(s\) URL/,
    );
  });

  test("refuses DRA devices: a runtime patch cannot add the pod's resource claims", () => {
    expect(() =>
      render({
        ...PROPS,
        resources: {
          cpu: "1",
          memory: "2Gi",
          gpu: { resourceName: "dra.cnai.io/gpu", count: 1, deviceClassName: "gpu.nvidia.com" },
        },
      }),
    ).toThrow(
      /resources\.gpu\.deviceClassName is "gpu\.nvidia\.com"; only Jobs \(TrainingJob\) claim DRA devices here/,
    );
  });

  test("the DDP check script is valid Python that starts torchrun's process group and logs from rank 0", () => {
    const dir = mkdtempSync(join(tmpdir(), "cnai-ddp-"));
    const file = join(dir, "ddp-check.py");
    writeFileSync(file, DDP_CHECK_SCRIPT);
    execFileSync("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", file]);
    expect(DDP_CHECK_SCRIPT).toContain('dist.init_process_group("nccl" if cuda else "gloo")');
    expect(DDP_CHECK_SCRIPT).toContain("if rank == 0:");
    expect(DDP_CHECK_SCRIPT).toContain('"/api/2.0/mlflow/"');
  });
});
