import type { ComponentDefinition } from "../component";
import type { TorchRuntime } from "../../charts/training-runtimes";
import { torchRuntimeManifest, TRAINER_API_VERSION, TrainingRuntimesChart } from "../../charts/training-runtimes";
import { DEFAULT_JOB_RUN_AS_USER } from "../../charts/workloads/placement";
import { IMAGES, imageRef, mirrored } from "../versions";
import { multiKueueKindProblems } from "./jobset";
import { resources } from "./shared";

export const NAMESPACE = "kubeflow-system";

/** Helm release name; the chart names its Deployment, Service and webhooks after it. */
export const RELEASE = "kubeflow-trainer";
const WEBHOOK_GATE = "kubeflow-trainer-webhook-ready";
const RUNTIMES_RELEASE = "training-runtimes";

/** The PyTorch runtime TrainJobs name in `spec.runtimeRef` (charts/workloads/train-job.ts). */
export const TORCH_RUNTIME = "torch-distributed";

/** What a training node's container gets when its TrainJob sets no `resourcesPerNode`: a small CPU run. */
const NODE_RESOURCES = resources("1", "2Gi", "1", "2Gi");

/** The ClusterTrainingRuntimes the platform installs, pinned in the version table; `mirror`: the profile's image mirror. */
export function trainingRuntimes(mirror?: string): TorchRuntime[] {
  return [{ name: TORCH_RUNTIME, image: imageRef("pytorch", mirror), runAsUser: DEFAULT_JOB_RUN_AS_USER }];
}

/** The Trainer chart's image values: it joins `registry/repository:tag` (templates/_helpers.tpl `trainer.image`). */
function trainerImage(mirror?: string): { registry: string; repository: string; tag: string } {
  const image = IMAGES["trainer-controller-manager"];
  const [registry, ...path] = mirrored(image.repository, mirror).split("/");
  return { registry, repository: path.join("/"), tag: image.tag };
}

/**
 * Kubeflow Trainer v2 (kubeflow/trainer 2.3.0): TrainJobs, which run distributed PyTorch (and other frameworks')
 * training from a ClusterTrainingRuntime as a JobSet, one pod per node, with torchrun's rendezvous wired up.
 *
 * `disabled` by default: with JobSet it adds two controllers a laptop's footprint has no room for, and multi-node
 * data parallelism needs whole GPUs (a time-sliced slot or a MIG slice is one device among others to NCCL). cluster-gpu
 * opts in for its pool of whole A100s. Kueue admits TrainJobs as a whole (the `trainer.kubeflow.org/trainjob`
 * integration, platform/components/kueue.ts).
 *
 * What the chart does not do here:
 *  - its JobSet subchart is off: JobSet is its own component, and the Trainer release waits for its webhook gate;
 *  - its built-in runtimes (`runtimes.*`) stay off: a post-install hook Job applies them after `apk add kubectl`, which
 *    an air-gapped cluster cannot run, and their pods set no security context. The platform installs its own
 *    restricted `torch-distributed` instead (charts/training-runtimes.ts), once the webhook that validates it answers.
 * Its three CRDs are chart templates (`crds.enabled`) without `helm.sh/resource-policy: keep`: uninstalling the release
 * deletes them, and with them every TrainJob.
 */
export const kubeflowTrainer: ComponentDefinition = {
  id: "kubeflow-trainer",
  title: "Kubeflow Trainer",
  summary:
    "Distributed training (TrainJob) on PyTorch's torchrun, from the platform's restricted ClusterTrainingRuntime",
  defaultLifecycle: "disabled",
  reservedNamespaces: [NAMESPACE],
  // Job machinery: it runs where the training pods run.
  placement: "every-cluster",
  problems: (ctx) => multiKueueKindProblems(ctx, "kubeflow-trainer", "TrainJobs"),
  dependencies: () => [{ id: "jobset", reason: "every TrainJob runs as a JobSet, whose webhooks must answer first" }],
  teamKinds: () => [{ apiGroup: "trainer.kubeflow.org", resources: ["trainjobs"] }],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => {
    const runtimes = trainingRuntimes(ctx.profile.mirror.images);
    return [
      {
        kind: "upstream",
        name: RELEASE,
        namespace: NAMESPACE,
        chart: "kubeflow-trainer",
        primary: true,
        // The controller, its webhooks and CRDs; no TrainJob exists before its first install succeeds.
        onFailedInstall: "uninstall",
        values: {
          // Keys checked against kubeflow/trainer@v2.3.0:charts/kubeflow-trainer/values.yaml.
          // JobSet is the `jobset` component; the values comment says this must be false when it is installed apart.
          jobset: { install: false },
          image: trainerImage(ctx.profile.mirror.images),
          manager: {
            // The chart leaves them `{}` (values.yaml:97; its comment suggests 100m / 300Mi). Its securityContext
            // default is already restricted (values.yaml:106-113); the chart has no pod-level one.
            resources: resources("50m", "128Mi", "500m", "512Mi"),
          },
          // The default already, spelled out: the built-in runtimes' hook Job needs Alpine's package mirrors.
          runtimes: { defaultEnabled: false },
        },
      },
      {
        kind: "gate",
        name: WEBHOOK_GATE,
        namespace: NAMESPACE,
        after: [RELEASE],
        // The next release creates the ClusterTrainingRuntime, which `validator.clustertrainingruntime.trainer.kubeflow.org`
        // (failurePolicy Fail) sees; TrainJobs go to the same webhook server. Probe with that runtime under another name.
        probe: {
          ...torchRuntimeManifest({ ...runtimes[0], name: "kubeflow-trainer-webhook-probe" }, NODE_RESOURCES),
          apiVersion: TRAINER_API_VERSION,
          kind: "ClusterTrainingRuntime",
          metadata: { name: "kubeflow-trainer-webhook-probe" },
        },
        resource: "clustertrainingruntimes",
      },
      {
        kind: "local",
        name: RUNTIMES_RELEASE,
        namespace: NAMESPACE,
        // ClusterTrainingRuntimes from the version table; TrainJobs only read them.
        onFailedInstall: "uninstall",
        after: [WEBHOOK_GATE],
        render: (app, id) => new TrainingRuntimesChart(app, id, { runtimes, resources: NODE_RESOURCES }),
      },
    ];
  },
};
