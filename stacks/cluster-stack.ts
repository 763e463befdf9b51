/**
 * The cluster stack of a profile, by provider: kind locally, EKS, GKE or AKS in the clouds. Each
 * exposes the same `connection` (endpoint, CA, and client certificates or an exec plugin) that the
 * platform stack configures its providers from.
 */
import type { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { Profile } from "../profiles/schema";
import type { ClusterConnection } from "./clusters/connection";
import { AksClusterStack } from "./clusters/aks";
import { EksClusterStack } from "./clusters/eks";
import { GkeClusterStack, gkeServiceAccountEmail } from "./clusters/gke";
import { storageSubjects, usesCloudStorage } from "../platform/clouds/storage";
import { KindClusterStack } from "./clusters/kind";
import { KubeconfigClusterStack } from "./clusters/kubeconfig";

export type { ClusterConnection } from "./clusters/connection";
export { kindNodes, kindWorkerName, kindWorkers, NVKIND_NODE_SETUP, KindClusterStack } from "./clusters/kind";
export { stateFilePath } from "./clusters/state";

export type ClusterStack = TerraformStack & { readonly connection: ClusterConnection };

/**
 * The ServiceAccounts that get the cloud storage, with the annotations that bind each to its cloud
 * identity: none on EKS (Pod Identity associations live in the cluster stack), the Google service
 * account's email on GKE, the managed identity's client id on AKS (a Terraform reference).
 */
export function identityServiceAccounts(
  stack: ClusterStack,
  profile: Profile,
): Array<{ namespace: string; name: string; annotations: Record<string, string> }> {
  if (!usesCloudStorage(profile)) return [];
  return storageSubjects(profile).map((subject) => {
    let annotations: Record<string, string> = {};
    if (stack instanceof GkeClusterStack) {
      annotations = { "iam.gke.io/gcp-service-account": gkeServiceAccountEmail(profile, subject.access) };
    } else if (stack instanceof AksClusterStack && stack.storageClientIds) {
      const clientId = subject.access === "read-write" ? stack.storageClientIds.readWrite : stack.storageClientIds.read;
      annotations = { "azure.workload.identity/client-id": clientId };
    }
    return { namespace: subject.namespace, name: subject.serviceAccount, annotations };
  });
}

export function createClusterStack(scope: Construct, id: string, profile: Profile): ClusterStack {
  const { cluster } = profile;
  switch (cluster.provider) {
    case "kind":
      return new KindClusterStack(scope, id, { profile: { ...profile, cluster } });
    case "eks":
      return new EksClusterStack(scope, id, { profile: { ...profile, cluster } });
    case "gke":
      return new GkeClusterStack(scope, id, { profile: { ...profile, cluster } });
    case "aks":
      return new AksClusterStack(scope, id, { profile: { ...profile, cluster } });
    case "kubeconfig":
      return new KubeconfigClusterStack(scope, id, { profile: { ...profile, cluster } });
  }
}
