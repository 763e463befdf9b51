/**
 * The Kueue objects of a profile: one ResourceFlavor per node pool, the WorkloadPriorityClasses, and
 * per team a ClusterQueue in the shared cohort plus a LocalQueue in the team namespace.
 * Everything is `kueue.x-k8s.io/v1beta2` (the storage version since Kueue v0.16), so nothing depends
 * on the conversion webhook. Field names follow the pinned CRDs
 * (kubernetes-sigs/kueue@v0.19.2:config/components/crd/bases), checked by the conformance tests.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";

export const KUEUE_API_VERSION = "kueue.x-k8s.io/v1beta2";

/** The label that opts a namespace in to Kueue (`managedJobsNamespaceSelector` and the ClusterQueues' namespaceSelector). */
export const KUEUE_OPT_IN_LABEL = "managed-by-kueue";
export const KUEUE_OPT_IN_VALUE = "true";
/** The label a Job, RayJob, RayCluster, RayService, Deployment or Pod carries to name its LocalQueue. */
export const KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
/** The label that picks a workload's WorkloadPriorityClass. */
export const KUEUE_PRIORITY_LABEL = "kueue.x-k8s.io/priority-class";

export interface FlavorSpec {
  readonly name: string;
  readonly nodeLabels: Readonly<Record<string, string>>;
  readonly tolerations: ReadonlyArray<{ key: string; operator: string; value?: string; effect: string }>;
}

export interface ResourceQuotaSpec {
  readonly name: string;
  readonly nominalQuota: string | number;
  readonly borrowingLimit?: string | number;
  readonly lendingLimit?: string | number;
}

export interface TeamQueueSpec {
  /** The ClusterQueue's name (the team's name). */
  readonly clusterQueue: string;
  readonly namespace: string;
  readonly localQueue: string;
  /** Fair-sharing weight; only written when fair sharing is on. */
  readonly weight: number;
  /** Quotas per flavor, for every flavor and every covered resource (0 where the team has none). */
  readonly flavors: ReadonlyArray<{ readonly flavor: string; readonly resources: readonly ResourceQuotaSpec[] }>;
}

export interface PriorityClassSpec {
  readonly name: string;
  readonly value: number;
  readonly description: string;
}

export interface KueueQueuesProps {
  readonly flavors: readonly FlavorSpec[];
  /** Every resource the queues account for: cpu, memory and each GPU resource name. */
  readonly coveredResources: readonly string[];
  readonly cohort: string;
  readonly fairSharing: boolean;
  readonly preemption: {
    readonly reclaimWithinCohort: string;
    readonly borrowWithinCohort: string;
    readonly withinClusterQueue: string;
  };
  readonly priorityClasses: readonly PriorityClassSpec[];
  readonly teams: readonly TeamQueueSpec[];
  /** Labels every admitted namespace carries (Kueue's opt-in label). */
  readonly admittedNamespaceLabels: Readonly<Record<string, string>>;
  /** An AdmissionCheck every ClusterQueue requires (MultiKueue on a management cluster). @default none */
  readonly admissionCheck?: string;
}

/** Kueue's limits on one resource group of a ClusterQueue (pinned v1beta2 CRD: 64 flavors, 64 covered resources). */
const MAX_FLAVORS = 64;
const MAX_COVERED_RESOURCES = 64;

export class KueueQueues extends Chart {
  constructor(scope: Construct, id: string, props: KueueQueuesProps) {
    super(scope, id);
    if (props.flavors.length > MAX_FLAVORS) {
      throw new Error(
        `KueueQueues: ${props.flavors.length} flavors (pools); a ClusterQueue resource group takes at most ${MAX_FLAVORS}`,
      );
    }
    if (props.coveredResources.length > MAX_COVERED_RESOURCES) {
      throw new Error(
        `KueueQueues: ${props.coveredResources.length} covered resources; at most ${MAX_COVERED_RESOURCES}`,
      );
    }

    for (const flavor of props.flavors) {
      new ApiObject(this, `flavor-${flavor.name}`, {
        apiVersion: KUEUE_API_VERSION,
        kind: "ResourceFlavor",
        metadata: { name: flavor.name },
        spec: {
          nodeLabels: { ...flavor.nodeLabels },
          ...(flavor.tolerations.length > 0 ? { tolerations: flavor.tolerations.map((t) => ({ ...t })) } : {}),
        },
      });
    }

    for (const priority of props.priorityClasses) {
      new ApiObject(this, `priority-${priority.name}`, {
        apiVersion: KUEUE_API_VERSION,
        kind: "WorkloadPriorityClass",
        metadata: { name: priority.name },
        value: priority.value,
        description: priority.description,
      });
    }

    for (const team of props.teams) {
      new ApiObject(this, `cluster-queue-${team.clusterQueue}`, {
        apiVersion: KUEUE_API_VERSION,
        kind: "ClusterQueue",
        metadata: { name: team.clusterQueue },
        spec: {
          cohortName: props.cohort,
          // Only the team's own, opted-in namespace can submit to its queue.
          namespaceSelector: {
            matchLabels: { ...props.admittedNamespaceLabels, "kubernetes.io/metadata.name": team.namespace },
          },
          queueingStrategy: "BestEffortFIFO",
          resourceGroups: [
            {
              coveredResources: [...props.coveredResources],
              flavors: team.flavors.map((f) => ({ name: f.flavor, resources: f.resources.map((r) => ({ ...r })) })),
            },
          ],
          preemption: {
            reclaimWithinCohort: props.preemption.reclaimWithinCohort,
            borrowWithinCohort: { policy: props.preemption.borrowWithinCohort },
            withinClusterQueue: props.preemption.withinClusterQueue,
          },
          ...(props.fairSharing ? { fairSharing: { weight: team.weight } } : {}),
          ...(props.admissionCheck
            ? { admissionChecksStrategy: { admissionChecks: [{ name: props.admissionCheck }] } }
            : {}),
        },
      });
      new ApiObject(this, `local-queue-${team.clusterQueue}`, {
        apiVersion: KUEUE_API_VERSION,
        kind: "LocalQueue",
        metadata: { name: team.localQueue, namespace: team.namespace },
        spec: { clusterQueue: team.clusterQueue },
      });
    }
  }
}
