/**
 * What JupyterHub's hub may do in the team namespaces, where it starts each user's notebook server: a `Role`
 * and a `RoleBinding` for the hub's ServiceAccount in every team namespace. The chart's own Role only covers
 * its release namespace (jupyterhub/zero-to-jupyterhub-k8s@4.4.0:jupyterhub/templates/hub/rbac.yaml).
 *
 * Least privilege, from what KubeSpawner 7.0.0 calls (jupyterhub/kubespawner@7.0.0:kubespawner/spawner.py):
 *  - pods: `create`, `delete`, and `get`/`list`/`watch` for its per-namespace pod reflector (a namespace set
 *    through `kubespawner_override` gets its own reflector, so no ClusterRole is needed);
 *  - persistentvolumeclaims: `create`, `get` (`read_namespaced_persistent_volume_claim`) and `delete` (a
 *    deleted user's volume), only when the servers have a home volume;
 *  - events: `get`/`list`/`watch`, the spawn progress the user sees.
 * No services or secrets (KubeSpawner creates those only with `internal_ssl` or `services_enabled`, both off),
 * no namespaces: the team namespaces already exist.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { DNS_LABEL_FIX, isDnsLabel } from "../profiles/names";

export interface NotebookAccessProps {
  /** The hub's ServiceAccount. */
  readonly hubServiceAccount: { readonly name: string; readonly namespace: string };
  /** Team namespaces the hub starts servers in. */
  readonly namespaces: readonly string[];
  /** The servers get a PersistentVolumeClaim each. */
  readonly volumes: boolean;
  /** @default "notebook-hub" */
  readonly name?: string;
}

export const NOTEBOOK_ACCESS_ROLE = "notebook-hub";

const READ = ["get", "list", "watch"];

export class NotebookAccess extends Chart {
  constructor(scope: Construct, id: string, props: NotebookAccessProps) {
    super(scope, id);
    const name = props.name ?? NOTEBOOK_ACCESS_ROLE;
    for (const namespace of props.namespaces) {
      if (!isDnsLabel(namespace)) {
        throw new Error(`NotebookAccess: namespace "${namespace}" is not a DNS-1123 label; ${DNS_LABEL_FIX}.`);
      }
    }
    for (const namespace of props.namespaces) {
      new ApiObject(this, `role-${namespace}`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name, namespace },
        rules: [
          { apiGroups: [""], resources: ["pods"], verbs: [...READ, "create", "delete"] },
          ...(props.volumes
            ? [{ apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "create", "delete"] }]
            : []),
          { apiGroups: [""], resources: ["events"], verbs: READ },
        ],
      });
      new ApiObject(this, `role-binding-${namespace}`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name, namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [{ kind: "ServiceAccount", ...props.hubServiceAccount }],
      });
    }
  }
}
