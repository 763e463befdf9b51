/**
 * On a MultiKueue worker: the least-privileged ServiceAccount the management cluster's Kueue uses, with
 * the RBAC of charts/multikueue.ts `multiKueueWorkerRules` (reads cluster-wide, writes only through a
 * RoleBinding in each team namespace), and a long-lived token Secret. Terraform
 * resources rather than a chart, because the token must become an output for the manager's kubeconfig. MultiKueue rejects exec-plugin kubeconfigs, so a ServiceAccount token is the
 * only way in; rotate it by tainting the Secret (`tofu apply -replace=...`), which re-issues the token
 * and, through the cross-stack reference, the manager's kubeconfig Secret.
 */
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import type { ITerraformDependable } from "cdktf";
import { Fn } from "cdktf";
import type { Construct } from "constructs";
import {
  MULTIKUEUE_CLUSTER_ROLE,
  MULTIKUEUE_CLUSTER_ROLE_BINDING,
  MULTIKUEUE_DISPATCH_ROLE,
  MULTIKUEUE_NAMESPACE,
  MULTIKUEUE_SERVICE_ACCOUNT,
  MULTIKUEUE_TOKEN_SECRET,
  multiKueueWorkerRules,
} from "../charts/multikueue";
import type { MultiKueueWorkerRules } from "../charts/multikueue";

/**
 * The worker ServiceAccount's rules. Ray rights always: this platform's Kueue enables the ray.io integrations,
 * whose adapters watch on every worker. The local tier's MultiKueue test (scripts/local/multikueue.ts) grants
 * the same.
 */
export function multiKueueWorkerAccessRules(): MultiKueueWorkerRules {
  return multiKueueWorkerRules(true);
}

/** Creates the ServiceAccount, its ClusterRole and binding, and the token Secret; returns the token (sensitive). */
export function addMultiKueueWorkerAccess(
  scope: Construct,
  namespace: ITerraformDependable,
  teamNamespaces: ReadonlyArray<{ readonly name: string; readonly resource: ITerraformDependable }>,
): string {
  const metadata = { name: MULTIKUEUE_SERVICE_ACCOUNT, namespace: MULTIKUEUE_NAMESPACE };
  // The identity is only used remotely, through the token; no pod runs as it.
  const account = new ServiceAccountV1(scope, "multikueue-sa", {
    metadata,
    automountServiceAccountToken: false,
    dependsOn: [namespace],
  });
  const rules = multiKueueWorkerAccessRules();
  const asRules = (list: ReadonlyArray<Record<string, string[]>>) =>
    list.map((r) => ({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs }));
  const role = new ClusterRoleV1(scope, "multikueue-role", {
    metadata: { name: MULTIKUEUE_CLUSTER_ROLE },
    rule: asRules(rules.clusterWide),
  });
  const dispatch = new ClusterRoleV1(scope, "multikueue-dispatch-role", {
    metadata: { name: MULTIKUEUE_DISPATCH_ROLE },
    rule: asRules(rules.perTeamNamespace),
  });
  for (const team of teamNamespaces) {
    new RoleBindingV1(scope, `multikueue-dispatch-${team.name}`, {
      metadata: { name: MULTIKUEUE_DISPATCH_ROLE, namespace: team.name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: MULTIKUEUE_DISPATCH_ROLE },
      subject: [{ kind: "ServiceAccount", name: MULTIKUEUE_SERVICE_ACCOUNT, namespace: MULTIKUEUE_NAMESPACE }],
      dependsOn: [dispatch, account, team.resource],
    });
  }
  new ClusterRoleBindingV1(scope, "multikueue-binding", {
    metadata: { name: MULTIKUEUE_CLUSTER_ROLE_BINDING },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: MULTIKUEUE_CLUSTER_ROLE },
    subject: [{ kind: "ServiceAccount", name: MULTIKUEUE_SERVICE_ACCOUNT, namespace: MULTIKUEUE_NAMESPACE }],
    dependsOn: [role, account],
  });
  const token = new SecretV1(scope, "multikueue-token", {
    metadata: {
      name: MULTIKUEUE_TOKEN_SECRET,
      namespace: MULTIKUEUE_NAMESPACE,
      annotations: { "kubernetes.io/service-account.name": MULTIKUEUE_SERVICE_ACCOUNT },
    },
    type: "kubernetes.io/service-account-token",
    waitForServiceAccountToken: true,
    dependsOn: [account],
  });
  return Fn.lookup(token.data, "token", "");
}
