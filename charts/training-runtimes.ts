/**
 * Kubeflow Trainer's ClusterTrainingRuntimes the platform offers, as our own objects rather than the chart's
 * `runtimes.*`: the chart (2.3.0) applies its built-in runtimes from a post-install hook Job that first runs
 * `apk add kubectl` (templates/runtimes/installer-job.yaml), which an air-gapped cluster cannot do, and their pod
 * templates set no security context, so team namespaces (Pod Security `restricted`) would refuse their pods.
 *
 * A runtime is the JobSet template a TrainJob fills in: the Trainer takes the replicated Job labelled
 * `trainer.kubeflow.org/trainjob-ancestor-step: trainer`, sets its parallelism to the TrainJob's `numNodes`, and
 * gives its container `node` the TrainJob's image, command, arguments, environment and `resourcesPerNode`, plus the
 * `PET_*` variables torchrun reads (kubeflow/trainer@v2.2.1 pkg/runtime/framework/plugins/torch/torch.go, which Kueue
 * 0.19.2 is built against; the v2.3.0 CRD keeps the same fields).
 */
import { ApiObject, Chart } from "cdk8s";
import type { ApiObjectProps } from "cdk8s";
import type { Construct } from "constructs";
import type { Resources } from "./resources";
import { JOB_SCRATCH, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./workloads/placement";

/** `trainer.kubeflow.org/v1alpha1`: TrainJob, TrainingRuntime and ClusterTrainingRuntime (Trainer 2.3.0). */
export const TRAINER_API_VERSION = "trainer.kubeflow.org/v1alpha1";

/** The label that marks a runtime's replicated Job as the one a TrainJob's `spec.trainer` configures. */
export const TRAINER_ANCESTOR_LABEL = "trainer.kubeflow.org/trainjob-ancestor-step";

/** The trainer's replicated Job and its container: the Trainer looks the container up by this name. */
export const TRAINER_NODE = "node";

/** Where PyTorch's shared memory lives: DataLoader workers and NCCL exchange through it. */
export const SHARED_MEMORY = "/dev/shm";

export interface TorchRuntime {
  /** The ClusterTrainingRuntime's name, which TrainJobs name in `runtimeRef`, e.g. `torch-distributed`. */
  readonly name: string;
  /** The pinned PyTorch image: what a TrainJob runs unless it names its own (`spec.trainer.image`). */
  readonly image: string;
  /** The UID the training container runs as (Pod Security `restricted`: non-root). */
  readonly runAsUser: number;
}

export interface TrainingRuntimesChartProps {
  readonly runtimes: readonly TorchRuntime[];
  /** What a node's container gets when its TrainJob sets no `resourcesPerNode` (requests equal limits). */
  readonly resources: Resources;
}

/**
 * A PyTorch ClusterTrainingRuntime: one replicated Job (`node`) of one pod per training node, started with torchrun by
 * the TrainJob's command. Restricted as the team namespaces require: non-root, no privilege escalation, every
 * capability dropped, RuntimeDefault seccomp, a read-only root filesystem with HOME and temporary files on a `/tmp`
 * emptyDir, and a memory-backed `/dev/shm` (a container's own is 64 MiB, too small for NCCL and DataLoader workers;
 * it counts against the container's memory limit). A failed pod fails its Job at once (`restartPolicy: Never`,
 * `backoffLimit: 0`): torchrun's static rendezvous cannot take a restarted rank back, so a retry would only hang.
 */
export function torchRuntimeManifest(runtime: TorchRuntime, resources: Resources): ApiObjectProps {
  return {
    apiVersion: TRAINER_API_VERSION,
    kind: "ClusterTrainingRuntime",
    metadata: { name: runtime.name, labels: { "trainer.kubeflow.org/framework": "torch" } },
    spec: {
      mlPolicy: { numNodes: 1, torch: {} },
      template: {
        spec: {
          replicatedJobs: [
            {
              name: TRAINER_NODE,
              replicas: 1,
              template: {
                metadata: { labels: { [TRAINER_ANCESTOR_LABEL]: "trainer" } },
                spec: {
                  backoffLimit: 0,
                  template: {
                    spec: {
                      restartPolicy: "Never",
                      // Training code never calls the Kubernetes API.
                      automountServiceAccountToken: false,
                      securityContext: restrictedPodSecurityContext(runtime.runAsUser),
                      containers: [
                        {
                          name: TRAINER_NODE,
                          image: runtime.image,
                          env: [{ name: "HOME", value: JOB_SCRATCH }],
                          resources: { requests: { ...resources.requests }, limits: { ...resources.limits } },
                          securityContext: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: true },
                          volumeMounts: [
                            { name: "scratch", mountPath: JOB_SCRATCH },
                            { name: "shm", mountPath: SHARED_MEMORY },
                          ],
                        },
                      ],
                      volumes: [
                        { name: "scratch", emptyDir: {} },
                        { name: "shm", emptyDir: { medium: "Memory" } },
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
  };
}

export class TrainingRuntimesChart extends Chart {
  constructor(scope: Construct, id: string, props: TrainingRuntimesChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const runtime of props.runtimes)
      new ApiObject(this, runtime.name, torchRuntimeManifest(runtime, props.resources));
  }
}
