/**
 * THE version table: every Helm chart and every container image tag the distribution sets.
 * Nothing else in the code base spells a version; tests fail on anything unpinned or floating.
 * The README's version table is generated from this file (`npm run readme:versions`) and tested against it.
 */

export interface ChartVersion {
  readonly kind: "chart";
  /** A Helm repository URL, or an OCI registry path (`oci://…`) that holds the chart. */
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
  /** Where the pin was checked (upstream repository and tag). */
  readonly source: string;
}

export interface ImageVersion {
  readonly kind: "image";
  readonly repository: string;
  readonly tag: string;
  readonly source: string;
}

export type VersionEntry = ChartVersion | ImageVersion;

export const CHARTS = {
  "cert-manager": {
    kind: "chart",
    repository: "https://charts.jetstack.io",
    chart: "cert-manager",
    version: "v1.21.1",
    source: "cert-manager/cert-manager@v1.21.1:deploy/charts/cert-manager",
  },
  "kube-prometheus-stack": {
    kind: "chart",
    repository: "https://prometheus-community.github.io/helm-charts",
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    source: "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3",
  },
  "gpu-operator": {
    kind: "chart",
    repository: "https://helm.ngc.nvidia.com/nvidia",
    chart: "gpu-operator",
    version: "v26.7.0",
    source: "NVIDIA/gpu-operator@v26.7.0:deployments/gpu-operator",
  },
  "kuberay-operator": {
    kind: "chart",
    repository: "https://ray-project.github.io/kuberay-helm/",
    chart: "kuberay-operator",
    version: "1.7.0",
    source: "ray-project/kuberay@v1.7.0:helm-chart/kuberay-operator",
  },
  kueue: {
    kind: "chart",
    repository: "oci://registry.k8s.io/kueue/charts",
    chart: "kueue",
    version: "0.19.2",
    source: "kubernetes-sigs/kueue@v0.19.2:charts/kueue",
  },
  "kserve-crd": {
    kind: "chart",
    repository: "oci://ghcr.io/kserve/charts",
    chart: "kserve-crd",
    version: "v0.20.0",
    source: "kserve/kserve@v0.20.0:charts/kserve-crd",
  },
  "kserve-resources": {
    kind: "chart",
    repository: "oci://ghcr.io/kserve/charts",
    chart: "kserve-resources",
    version: "v0.20.0",
    source: "kserve/kserve@v0.20.0:charts/kserve-resources",
  },
  "kserve-runtime-configs": {
    kind: "chart",
    repository: "oci://ghcr.io/kserve/charts",
    chart: "kserve-runtime-configs",
    version: "v0.20.0",
    source: "kserve/kserve@v0.20.0:charts/kserve-runtime-configs",
  },
  "cloudnative-pg": {
    kind: "chart",
    repository: "https://cloudnative-pg.github.io/charts",
    chart: "cloudnative-pg",
    version: "0.29.0",
    source: "cloudnative-pg/charts@cloudnative-pg-v0.29.0:charts/cloudnative-pg",
  },
  seaweedfs: {
    kind: "chart",
    repository: "https://seaweedfs.github.io/seaweedfs/helm",
    chart: "seaweedfs",
    version: "4.44.0",
    source: "seaweedfs/seaweedfs (2026-08-22):k8s/charts/seaweedfs",
  },
  qdrant: {
    kind: "chart",
    repository: "https://qdrant.github.io/qdrant-helm",
    chart: "qdrant",
    version: "1.19.0",
    source: "qdrant/qdrant-helm@qdrant-1.19.0:charts/qdrant",
  },
  milvus: {
    kind: "chart",
    repository: "https://zilliztech.github.io/milvus-helm/",
    chart: "milvus",
    version: "5.0.19",
    source: "zilliztech/milvus-helm (2026-04-16):charts/milvus",
  },
} as const satisfies Record<string, ChartVersion>;

export const IMAGES = {
  /** kind node image; the tag is the Kubernetes version, the digest pins the build. */
  "kind-node": {
    kind: "image",
    repository: "kindest/node",
    tag: "v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a",
    source: "kubernetes-sigs/kind@v0.30.0:pkg/apis/config/defaults/image.go",
  },
  /** The `-full` variant: the plain image lacks the PostgreSQL driver and the S3 client. */
  mlflow: {
    kind: "image",
    repository: "ghcr.io/mlflow/mlflow",
    tag: "v3.15.1-full",
    source: "mlflow/mlflow@v3.15.1:docker/README.md",
  },
  /** PostgreSQL operand for CloudNativePG; the `standard` image type ships pgvector. */
  postgresql: {
    kind: "image",
    repository: "ghcr.io/cloudnative-pg/postgresql",
    tag: "17.6-standard-trixie",
    source: "cloudnative-pg/postgres-containers:README.md",
  },
  /** Runs the webhook readiness probes (`kubectl create --dry-run=server`). */
  kubectl: {
    kind: "image",
    repository: "registry.k8s.io/kubectl",
    tag: "v1.34.0",
    source: "kubernetes/kubernetes@v1.34.0:build/server-image/kubectl",
  },
} as const satisfies Record<string, ImageVersion>;

export type ChartKey = keyof typeof CHARTS;
export type ImageKey = keyof typeof IMAGES;

export function imageRef(key: ImageKey): string {
  const image = IMAGES[key];
  return `${image.repository}:${image.tag}`;
}

/** Every pinned entry, charts first, for reports and the README table. */
export function allVersions(): Array<{ key: string } & VersionEntry> {
  return [
    ...Object.entries(CHARTS).map(([key, entry]) => ({ key, ...entry })),
    ...Object.entries(IMAGES).map(([key, entry]) => ({ key, ...entry })),
  ];
}
