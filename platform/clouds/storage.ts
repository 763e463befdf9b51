/**
 * Cloud object storage with workload identity: on a cloud profile whose `external.objectStore` is
 * `{ cloud: true }`, the cluster stack creates the buckets (MLflow artifacts, models) and lets exactly
 * the pods that need them in, through the cloud's workload identity (EKS Pod Identity, GKE Workload
 * Identity, AKS Workload Identity); no static keys exist anywhere.
 */
import { teamNames, teamNamespace } from "../../profiles/plan";
import type { Problem } from "../../profiles/problems";
import type { Profile } from "../../profiles/schema";

/** The Kubernetes ServiceAccounts that get bucket access: MLflow's server, and each team's KServe storage account. */
export interface StorageSubject {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** What it needs: MLflow writes artifacts; predictors read models. */
  readonly access: "read-write" | "read";
}

export const MLFLOW_SERVICE_ACCOUNT = "mlflow";
export const KSERVE_STORAGE_SERVICE_ACCOUNT = "kserve-s3";

export function storageSubjects(profile: Profile): StorageSubject[] {
  return [
    { namespace: "mlflow", serviceAccount: MLFLOW_SERVICE_ACCOUNT, access: "read-write" },
    ...teamNames(profile).map((team) => ({
      namespace: teamNamespace(team, profile.teams[team]),
      serviceAccount: KSERVE_STORAGE_SERVICE_ACCOUNT,
      access: "read" as const,
    })),
  ];
}

/** Bucket names are global (S3, GCS): prefix them with the cluster's name. */
export function cloudBucketName(profile: Profile, bucket: string): string {
  return `${profile.cluster.name}-${bucket}`;
}

/** What the platform stack needs from the cluster stack to use the cloud storage. */
export interface CloudStorage {
  /** Where MLflow stores artifacts, e.g. `s3://cnai-eks-mlflow-artifacts`, `gs://…`, `wasbs://…`. */
  readonly artifactsUri: string;
  /** Where models are, for InferenceServices' `storageUri`. */
  readonly modelsUri: string;
  /** Annotations each subject's ServiceAccount needs (values may be Terraform references). */
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  /** Labels the subjects' pods need (AKS: `azure.workload.identity/use: "true"`). */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Extra environment for MLflow's server (no secrets). */
  readonly mlflowEnv: Readonly<Record<string, string>>;
}

/**
 * True when the profile keeps MLflow artifacts and models in buckets its cloud cluster stack creates
 * (the object-store component's rules make such a profile's object store `external`).
 */
export function usesCloudStorage(profile: Profile): boolean {
  const store = profile.external.objectStore;
  return store !== undefined && "cloud" in store;
}

/** AKS: the storage account (3-24 lowercase letters and digits, globally unique) holding the containers. */
export function aksStorageAccountName(profile: Profile): string {
  const problem = aksStorageAccountProblem(profile);
  if (problem) throw new Error(`${problem.path}: ${problem.allowed}.`);
  return storageAccountCandidate(profile);
}

/** The cluster name without non-alphanumerics, plus "ml", in lower case. */
function storageAccountCandidate(profile: Profile): string {
  return `${profile.cluster.name.replace(/[^A-Za-z0-9]/g, "")}ml`.toLowerCase();
}

/** Why the cluster's name makes no AKS storage account name, if it does not (the clouds' rules, ./rules.ts). */
export function aksStorageAccountProblem(profile: Profile): Problem | undefined {
  const name = storageAccountCandidate(profile);
  if (name.length >= 3 && name.length <= 24) return undefined;
  return {
    path: "cluster.name",
    value: profile.cluster.name,
    allowed:
      `the AKS storage account name is "${profile.cluster.name}" without non-alphanumerics plus "ml" ` +
      `("${name}", ${name.length} characters), and Azure allows 3 to 24; use at most 22 letters and digits in cluster.name`,
  };
}

/** Where artifacts and models live, and what MLflow's pods need, from the profile alone (deterministic names). */
export function cloudStorageUris(
  profile: Profile,
): Pick<CloudStorage, "artifactsUri" | "modelsUri" | "podLabels" | "mlflowEnv"> {
  const { mlflowArtifacts, models } = profile.buckets;
  const { cluster } = profile;
  switch (cluster.provider) {
    case "eks":
      return {
        artifactsUri: `s3://${cloudBucketName(profile, mlflowArtifacts)}/`,
        modelsUri: `s3://${cloudBucketName(profile, models)}`,
        podLabels: {},
        mlflowEnv: { AWS_DEFAULT_REGION: cluster.region },
      };
    case "gke":
      return {
        artifactsUri: `gs://${cloudBucketName(profile, mlflowArtifacts)}/`,
        modelsUri: `gs://${cloudBucketName(profile, models)}`,
        podLabels: {},
        mlflowEnv: {},
      };
    case "aks": {
      const account = aksStorageAccountName(profile);
      return {
        artifactsUri: `wasbs://${mlflowArtifacts}@${account}.blob.core.windows.net/`,
        modelsUri: `https://${account}.blob.core.windows.net/${models}`,
        // The Azure Workload Identity webhook injects the federated token only into pods with this label.
        podLabels: { "azure.workload.identity/use": "true" },
        mlflowEnv: { AZURE_STORAGE_ACCOUNT: account },
      };
    }
    case "kind":
    case "kubeconfig":
      throw new Error(
        `external.objectStore.cloud: a ${cluster.provider} cluster has no cloud storage of ours; use the managed object store or an external S3 endpoint`,
      );
  }
}

/**
 * What team pods need to reach for cloud storage under their default-deny NetworkPolicies: the node-local
 * identity endpoint (EKS Pod Identity agent 169.254.170.23, docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html,
 * plain HTTP; GKE metadata server 169.254.169.254:80, and 169.254.169.252:988 which GKE's Dataplane V2 guidance
 * lists for Workload Identity [not verified here]) and the storage and token APIs over HTTPS, whose addresses no
 * selector can name.
 */
export function cloudStorageEgress(profile: Profile): Array<{ name: string; cidr: string; ports: number[] }> {
  const https = { name: "cloud-apis", cidr: "0.0.0.0/0", ports: [443] };
  switch (profile.cluster.provider) {
    case "eks":
      return [{ name: "pod-identity-agent", cidr: "169.254.170.23/32", ports: [80] }, https];
    case "gke":
      return [
        { name: "gke-metadata", cidr: "169.254.169.254/32", ports: [80] },
        { name: "gke-metadata-server", cidr: "169.254.169.252/32", ports: [988] },
        https,
      ];
    case "aks":
      return [https];
    case "kind":
    case "kubeconfig":
      return [];
  }
}
