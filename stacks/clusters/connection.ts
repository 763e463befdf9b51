/**
 * How the platform stack reaches a cluster: its API endpoint and CA from the cluster stack's outputs,
 * and either client certificates (kind) or an exec credential plugin (clouds), so no long-lived
 * token ever sits in state.
 */
export interface ExecAuth {
  readonly apiVersion: "client.authentication.k8s.io/v1beta1";
  readonly command: string;
  readonly args: readonly string[];
}

export interface ClusterConnection {
  /** The API server URL; absent when the providers read a kubeconfig file. */
  readonly host?: string;
  /** PEM (not base64) CA certificate. */
  readonly clusterCaCertificate?: string;
  /** A kubeconfig file the providers read (an existing cluster, `cluster.provider: kubeconfig`). */
  readonly configPath?: string;
  readonly configContext?: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
  readonly exec?: ExecAuth;
}

/**
 * `aws eks get-token` (needs the AWS CLI where OpenTofu runs), as the terraform-aws-eks examples configure
 * the providers (terraform-aws-modules/terraform-aws-eks@v21.19.0:examples/karpenter/main.tf). The ExecCredential
 * API: https://kubernetes.io/docs/reference/config-api/client-authentication.v1beta1/.
 */
export function eksExecAuth(clusterName: string, region: string): ExecAuth {
  return {
    apiVersion: "client.authentication.k8s.io/v1beta1",
    command: "aws",
    args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region],
  };
}

/**
 * The gke-gcloud-auth-plugin, required by kubectl ≥ 1.26 for GKE
 * (https://cloud.google.com/kubernetes-engine/docs/deprecations/auth-plugin).
 */
export function gkeExecAuth(): ExecAuth {
  return { apiVersion: "client.authentication.k8s.io/v1beta1", command: "gke-gcloud-auth-plugin", args: [] };
}

/** The fixed application id of the "Azure Kubernetes Service AAD Server" (https://azure.github.io/kubelogin/concepts/aks.html). */
export const AKS_AAD_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

/** kubelogin with the Azure CLI's login, for Entra ID-enabled AKS clusters (https://azure.github.io/kubelogin/cli/get-token.html). */
export function aksExecAuth(): ExecAuth {
  return {
    apiVersion: "client.authentication.k8s.io/v1beta1",
    command: "kubelogin",
    args: ["get-token", "--login", "azurecli", "--server-id", AKS_AAD_SERVER_ID],
  };
}
