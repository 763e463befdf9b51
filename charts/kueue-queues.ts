/**
 * The platform team's Kueue queues: one default ResourceFlavor, one ClusterQueue that admits
 * workloads from opted-in namespaces only, and a LocalQueue in the team namespace.
 * Everything is written as `kueue.x-k8s.io/v1beta2` (the storage version since Kueue v0.16), so
 * nothing depends on the conversion webhook.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";

export const KUEUE_API_VERSION = "kueue.x-k8s.io/v1beta2";

/** The flavor every quota is expressed in: an empty spec matches every node. */
export const DEFAULT_FLAVOR = "default-flavor";

/** The extended resource the NVIDIA device plugin advertises. */
export const GPU_RESOURCE = "nvidia.com/gpu";

export interface NominalQuota {
  readonly cpu: string;
  readonly memory: string;
  /** Whole GPUs; 0 leaves GPUs out of the queue entirely. */
  readonly gpu: number;
}

export interface KueueQueuesProps {
  /** Name of the cluster-scoped ClusterQueue. */
  readonly clusterQueue: string;
  /** Name of the LocalQueue users put in their `kueue.x-k8s.io/queue-name` label. */
  readonly localQueue: string;
  /** The team namespace that holds the LocalQueue. */
  readonly namespace: string;
  /** Labels a namespace must carry for the ClusterQueue to admit its workloads. */
  readonly admittedNamespaceLabels: Readonly<Record<string, string>>;
  readonly nominalQuota: NominalQuota;
  /** Name of the ResourceFlavor the quotas are expressed in. @default DEFAULT_FLAVOR */
  readonly flavor?: string;
}

export class KueueQueues extends Chart {
  constructor(scope: Construct, id: string, props: KueueQueuesProps) {
    super(scope, id);
    const flavor = props.flavor ?? DEFAULT_FLAVOR;
    const quotas: Array<{ name: string; nominalQuota: string | number }> = [
      { name: "cpu", nominalQuota: props.nominalQuota.cpu },
      { name: "memory", nominalQuota: props.nominalQuota.memory },
    ];
    // A covered resource needs a quota in every flavor, so GPUs are only covered when there are some.
    if (props.nominalQuota.gpu > 0) quotas.push({ name: GPU_RESOURCE, nominalQuota: props.nominalQuota.gpu });

    new ApiObject(this, "resource-flavor", {
      apiVersion: KUEUE_API_VERSION,
      kind: "ResourceFlavor",
      metadata: { name: flavor },
    });

    new ApiObject(this, "cluster-queue", {
      apiVersion: KUEUE_API_VERSION,
      kind: "ClusterQueue",
      metadata: { name: props.clusterQueue },
      spec: {
        // Same opt-in as the controller's managedJobsNamespaceSelector: one rule decides what Kueue touches.
        namespaceSelector: { matchLabels: { ...props.admittedNamespaceLabels } },
        queueingStrategy: "BestEffortFIFO",
        resourceGroups: [
          {
            coveredResources: quotas.map((q) => q.name),
            flavors: [{ name: flavor, resources: quotas }],
          },
        ],
        // A lone queue has no cohort to borrow from or reclaim in; within it, urgent work may evict lower-priority work.
        preemption: {
          withinClusterQueue: "LowerPriority",
          reclaimWithinCohort: "Never",
          borrowWithinCohort: { policy: "Never" },
        },
      },
    });

    new ApiObject(this, "local-queue", {
      apiVersion: KUEUE_API_VERSION,
      kind: "LocalQueue",
      metadata: { name: props.localQueue, namespace: props.namespace },
      spec: { clusterQueue: props.clusterQueue },
    });
  }
}
