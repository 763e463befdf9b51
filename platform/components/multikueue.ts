import { MultiKueueManager } from "../../charts/multikueue";
import { workerNames } from "../../profiles/multicluster";
import type { ComponentDefinition } from "../component";
import { MULTIKUEUE_NAMESPACE } from "../../charts/multikueue";
import { MULTIKUEUE_ADMISSION_CHECK } from "./kueue";

/** The Secret (in the manager's Kueue namespace) holding a worker's kubeconfig. */
export function multiKueueSecretName(worker: string): string {
  return `multikueue-${worker}`;
}

/**
 * MultiKueue on a management cluster: a MultiKueueCluster per worker (its kubeconfig Secret is built by
 * the platform stack from the worker's ServiceAccount token, see stacks/multikueue-access.ts), one
 * MultiKueueConfig and the AdmissionCheck every team ClusterQueue requires. Nothing on a single cluster.
 */
export const multikueue: ComponentDefinition = {
  id: "multikueue",
  title: "MultiKueue",
  summary: "Dispatches the management cluster's queued jobs to its worker clusters (multicloud profiles)",
  defaultLifecycle: "managed",
  reservedNamespaces: [MULTIKUEUE_NAMESPACE],
  placement: "management-only",
  dependencies: (profile) =>
    workerNames(profile).length > 0
      ? [{ id: "kueue", reason: "MultiKueue objects are Kueue resources, validated by its webhook" }]
      : [],
  namespaces: (ctx) => (workerNames(ctx.profile).length > 0 ? [{ name: MULTIKUEUE_NAMESPACE }] : []),
  steps: (ctx) => {
    const workers = workerNames(ctx.profile);
    if (workers.length === 0) return [];
    return [
      {
        kind: "local",
        name: "multikueue",
        namespace: MULTIKUEUE_NAMESPACE,
        // Configuration from the profile; the worker kubeconfig Secrets are Terraform resources, not in the release.
        onFailedInstall: "uninstall",
        render: (app, id) =>
          new MultiKueueManager(app, id, {
            clusters: workers.map((worker) => ({ name: worker, kubeconfigSecret: multiKueueSecretName(worker) })),
            configName: MULTIKUEUE_ADMISSION_CHECK,
            admissionCheckName: MULTIKUEUE_ADMISSION_CHECK,
          }),
      },
    ];
  },
};
