/**
 * A batch Ray job queued by Kueue: KubeRay creates a fresh Ray cluster for it, submits the entrypoint
 * from a submitter Job, and deletes the cluster when the job ends.
 *
 * Kueue rules for a managed RayJob (kueue v0.19.2, pkg/controller/jobs/rayjob/rayjob_webhook.go and
 * site docs tasks/run/rayjobs.md): it must bring its own `rayClusterSpec` (no `clusterSelector`),
 * `shutdownAfterJobFinishes` must be true, in-tree autoscaling must be off, and `spec.suspend` belongs to
 * Kueue. We leave `suspend` out: Kueue's mutating webhook suspends a queued RayJob on creation
 * (`ApplyDefaultForSuspend`); writing `suspend: true` ourselves would make every Helm upgrade of the
 * release patch an admitted, running job back to suspended.
 */
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { Placement, PodResources, ResourceDemand } from "./placement";
import {
  containerResources,
  DEFAULT_RUN_AS_USER,
  MAX_POD_SETS,
  podDemand,
  propsError,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  schedulingFields,
  sumDemands,
  validateCount,
  validateName,
  validatePodResources,
  workloadLabels,
} from "./placement";
import type { RayClusterShape } from "./ray-cluster";
import { rayClusterDemand, rayClusterSpec, validateRayClusterShape } from "./ray-cluster";

export interface RayJobWorkloadProps extends RayClusterShape {
  /** RayJob name. */
  readonly name: string;
  readonly placement: Placement;
  /** The command the submitter runs on the cluster, e.g. `python -m train`. */
  readonly entrypoint: string;
  /**
   * Ray runtime environment (pip packages, env vars, working_dir) as YAML.
   * @default none
   */
  readonly runtimeEnvYAML?: string;
  /**
   * Seconds KubeRay keeps the finished cluster before deleting it (logs stay readable meanwhile;
   * Kueue releases the quota as soon as the job finishes).
   * @default 300
   */
  readonly ttlSecondsAfterFinished?: number;
  /**
   * Seconds the job may run before KubeRay fails it.
   * @default no deadline
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * The submitter pod (`ray job submit`), which Kueue also counts as a PodSet. KubeRay's own default
   * is 500m/200Mi requests with 1 CPU/1Gi limits.
   * @default { cpu: "200m", memory: "512Mi" }
   */
  readonly submitterResources?: PodResources;
}

const DEFAULT_TTL_SECONDS = 300;
const DEFAULT_SUBMITTER_RESOURCES: PodResources = { cpu: "200m", memory: "512Mi" };

export class RayJobWorkload extends Construct {
  /** What the job's pods request while it runs: head, workers at maxReplicas, and the submitter. */
  public readonly demand: ResourceDemand;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: RayJobWorkloadProps) {
    super(scope, id);
    const workload = `RayJobWorkload "${props.name}"`;
    const ttlSecondsAfterFinished = props.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS;
    const submitterResources = props.submitterResources ?? DEFAULT_SUBMITTER_RESOURCES;

    validateName(workload, "name", props.name);
    // The submitter Job takes one of Kueue's PodSets.
    validateRayClusterShape(workload, props, MAX_POD_SETS - 1);
    if (props.entrypoint.trim() === "") {
      throw propsError(workload, "entrypoint", props.entrypoint, "give the command to run, e.g. python train.py");
    }
    validateCount(workload, "ttlSecondsAfterFinished", ttlSecondsAfterFinished, 0);
    if (props.activeDeadlineSeconds !== undefined) {
      validateCount(workload, "activeDeadlineSeconds", props.activeDeadlineSeconds, 1);
    }
    validatePodResources(workload, "submitterResources", submitterResources);

    this.demand = sumDemands([rayClusterDemand(props), podDemand(submitterResources, 1)]);

    const headNodes = props.head.nodePlacement ?? props.placement;
    this.apiObject = new ApiObject(this, "ray-job", {
      apiVersion: "ray.io/v1",
      kind: "RayJob",
      metadata: {
        name: props.name,
        namespace: props.placement.namespace,
        labels: workloadLabels(props.name, props.placement),
      },
      spec: {
        entrypoint: props.entrypoint,
        ...(props.runtimeEnvYAML ? { runtimeEnvYAML: props.runtimeEnvYAML } : {}),
        shutdownAfterJobFinishes: true,
        ttlSecondsAfterFinished,
        ...(props.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: props.activeDeadlineSeconds } : {}),
        // Stated, not defaulted: Kueue's PodSets (and our demand) depend on the submitter Job existing.
        submissionMode: "K8sJobMode",
        // KubeRay fills in the `ray job submit` command and dashboard address; the template only has to
        // pass Pod Security "restricted" and stay small.
        submitterPodTemplate: {
          spec: {
            restartPolicy: "Never",
            ...(props.placement.serviceAccountName ? { serviceAccountName: props.placement.serviceAccountName } : {}),
            securityContext: restrictedPodSecurityContext(props.runAsUser ?? DEFAULT_RUN_AS_USER),
            ...schedulingFields(headNodes),
            containers: [
              {
                name: "ray-job-submitter",
                image: props.image,
                resources: containerResources(submitterResources),
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
          },
        },
        rayClusterSpec: rayClusterSpec(props, props.placement),
      },
    });
  }
}
