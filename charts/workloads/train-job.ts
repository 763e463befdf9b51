/**
 * Distributed training as a Kubeflow Trainer `TrainJob` (trainer.kubeflow.org/v1alpha1, Trainer 2.3.0): `numNodes` pods
 * from a ClusterTrainingRuntime (the platform's `torch-distributed`, charts/training-runtimes.ts), each started by the
 * job's command (torchrun reads the `PET_*` rendezvous variables the Trainer sets), queued through Kueue as one
 * workload: Kueue's `trainer.kubeflow.org/trainjob` integration suspends the TrainJob on creation and admits all its
 * nodes at once (kubernetes-sigs/kueue@v0.19.2 site docs tasks/run/trainjobs.md). Like TrainingJob it logs to MLflow
 * through `MLFLOW_TRACKING_URI` and `MLFLOW_EXPERIMENT_NAME`.
 *
 * The pool's node selector and tolerations reach the pods through a runtime patch of its own (`runtimePatches`, owned
 * by manager `cnai.io/placement`), which the Trainer merges into the runtime's pod template and Kueue reads when it
 * picks a flavor (kubeflow/trainer@v2.2.1 pkg/runtime/core/trainingruntime.go `mergeRuntimePatches`). Every field is
 * checked against the pinned TrainJob CRD (test/charts/workloads/train-job.test.ts). The Trainer's CRD makes
 * `spec.trainer`, `spec.runtimeRef` and a patch's manager immutable: a changed TrainJob is a new TrainJob.
 *
 * DRA claims are not offered: a runtime patch may not add `resourceClaims` to the pod (its pod patch has no such field
 * in the 2.3.0 CRD), so GPUs are requested as the pool's extended resource.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import { TRAINER_API_VERSION, TRAINER_NODE } from "../training-runtimes";
import type { Placement, PodResources, ResourceDemand } from "./placement";
import {
  containerResources,
  podDemand,
  propsError,
  schedulingFields,
  validateCount,
  validateName,
  validatePodResources,
  workloadLabels,
} from "./placement";
import type { TrainingEnvProps } from "./training-job";
import { trainingEnv, validateTrainingEnv } from "./training-job";

/**
 * A minimal PyTorch DDP program (ddp-check.py, standard library and torch only): every rank trains a small model on
 * random data, gradients are all-reduced over NCCL or Gloo, and rank 0 logs the loss to MLflow over its REST API.
 * It checks the wiring a TrainJob depends on: the rendezvous, the network between its pods, and MLflow.
 */
export const DDP_CHECK_SCRIPT = readFileSync(join(__dirname, "ddp-check.py"), "utf8");

/** The owner of the TrainJob's own runtime patch (a domain-prefixed path, as the Trainer's webhook requires). */
export const PLACEMENT_PATCH_MANAGER = "cnai.io/placement";

/** Variables the Trainer sets for torchrun and refuses in a TrainJob (kubeflow/trainer@v2.2.1 pkg/constants). */
export const TORCHRUN_RESERVED_ENV = [
  "PET_NNODES",
  "PET_NPROC_PER_NODE",
  "PET_NODE_RANK",
  "PET_MASTER_ADDR",
  "PET_MASTER_PORT",
] as const;

/** The TrainJob CRD's rule for `metadata.name` (RFC 1035: a DNS label that starts with a letter). */
const RFC_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A pod's generated name: `<name>-node-<job index>-<pod index>-<5 random>` (JobSet's webhook checks it fits 63). */
function longestPodName(name: string, numNodes: number): number {
  return `${name}-${TRAINER_NODE}-0-${numNodes - 1}-abcde`.length;
}

/** MLflow and the environment (`mlflow`, `env`, `secretEnv`) as TrainingJob takes them. */
export interface TrainJobWorkloadProps extends TrainingEnvProps {
  /** TrainJob name; its JobSet, Jobs and pods are named after it. */
  readonly name: string;
  readonly placement: Placement;
  /** The ClusterTrainingRuntime it runs from, e.g. `torch-distributed`. */
  readonly runtime: string;
  /** Training nodes: pods, each with `resources`. */
  readonly numNodes: number;
  /** What each node's container gets (requests equal limits); its GPUs are the processes torchrun starts. */
  readonly resources: PodResources;
  /** The container's command, e.g. `["torchrun", "train.py"]`. */
  readonly command: readonly string[];
  /** @default none */
  readonly args?: readonly string[];
  /** @default the runtime's image */
  readonly image?: string;
  /**
   * Processes per node.
   * @default the Trainer's: one per GPU, or per CPU core without GPUs
   */
  readonly numProcPerNode?: number;
  /** @default no deadline */
  readonly activeDeadlineSeconds?: number;
}

export class TrainJobWorkload extends Construct {
  /** What all its nodes request at once: what Kueue admits. */
  public readonly demand: ResourceDemand;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: TrainJobWorkloadProps) {
    super(scope, id);
    const workload = `TrainJobWorkload "${props.name}"`;

    validateName(workload, "name", props.name);
    if (!RFC_1035_LABEL.test(props.name)) {
      throw propsError(workload, "name", props.name, "start the name with a letter (the TrainJob CRD wants RFC 1035)");
    }
    validateName(workload, "runtime", props.runtime);
    validateCount(workload, "numNodes", props.numNodes, 1);
    if (longestPodName(props.name, props.numNodes) > 63) {
      throw propsError(
        workload,
        "name",
        props.name,
        `shorten it to at most ${63 - longestPodName("", props.numNodes)} characters: its pods are named <name>-${TRAINER_NODE}-0-<index>-<5 characters>, at most 63`,
      );
    }
    if (props.numProcPerNode !== undefined) validateCount(workload, "numProcPerNode", props.numProcPerNode, 1);
    if (props.image !== undefined && props.image.trim() === "") {
      throw propsError(
        workload,
        "image",
        props.image,
        "pass a pinned training image, or leave it out for the runtime's",
      );
    }
    if (props.command.length === 0) {
      throw propsError(workload, "command", props.command, 'give the entrypoint, e.g. ["torchrun", "train.py"]');
    }
    validateTrainingEnv(workload, props, {
      names: TORCHRUN_RESERVED_ENV,
      fix: "the Trainer sets torchrun's PET_* variables itself",
    });
    validatePodResources(workload, "resources", props.resources);
    if (props.activeDeadlineSeconds !== undefined) {
      validateCount(workload, "activeDeadlineSeconds", props.activeDeadlineSeconds, 1);
    }

    this.demand = podDemand(props.resources, props.numNodes);

    const { placement } = props;
    const podPatch = {
      ...(placement.serviceAccountName ? { serviceAccountName: placement.serviceAccountName } : {}),
      ...schedulingFields(placement),
    };
    this.apiObject = new ApiObject(this, "train-job", {
      apiVersion: TRAINER_API_VERSION,
      kind: "TrainJob",
      // No `spec.suspend`: Kueue's webhook suspends a queued TrainJob on creation and lets it go on admission.
      metadata: { name: props.name, namespace: placement.namespace, labels: workloadLabels(props.name, placement) },
      spec: {
        runtimeRef: { apiGroup: "trainer.kubeflow.org", kind: "ClusterTrainingRuntime", name: props.runtime },
        trainer: {
          ...(props.image !== undefined ? { image: props.image } : {}),
          command: [...props.command],
          ...(props.args ? { args: [...props.args] } : {}),
          numNodes: props.numNodes,
          ...(props.numProcPerNode !== undefined ? { numProcPerNode: props.numProcPerNode } : {}),
          env: trainingEnv(props),
          resourcesPerNode: containerResources(props.resources),
        },
        runtimePatches: [
          {
            manager: PLACEMENT_PATCH_MANAGER,
            trainingRuntimeSpec: {
              template: {
                spec: {
                  replicatedJobs: [
                    {
                      name: TRAINER_NODE,
                      template: {
                        spec: {
                          template: {
                            metadata: { labels: { "app.kubernetes.io/name": props.name } },
                            ...(Object.keys(podPatch).length > 0 ? { spec: podPatch } : {}),
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
        ...(props.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: props.activeDeadlineSeconds } : {}),
      },
    });
  }
}
