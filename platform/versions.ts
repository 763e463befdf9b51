/**
 * THE version table: every Helm chart and every container image tag the distribution sets.
 * Nothing else in the code base spells a version; tests fail on anything unpinned or floating.
 * The README's version table is generated from this file (`npm run readme`) and tested against it.
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

/** A Terraform/OpenTofu provider, written fully qualified and pinned exactly in every stack. */
export interface ProviderVersion {
  readonly kind: "provider";
  readonly source: string;
  readonly version: string;
}

/**
 * A rendered manifest an upstream project publishes instead of a Helm chart (`kubectl apply -f <url>`). The stack
 * installs its objects itself (a local Helm release), so the file is pinned data: fetched once from `url` by
 * `npm run fetch:manifests` into the tools cache (scripts/fetch-manifests.ts), or read from the reference data
 * (verify/reference.ts), and read at synthesis by platform/manifests.ts. `sha256` is the published file's digest.
 */
export interface ManifestVersion {
  readonly kind: "manifest";
  readonly url: string;
  /** The folder name in the tools cache and the reference data: `manifests/<name>-v<version>/`. */
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly source: string;
}

export type VersionEntry = ChartVersion | ImageVersion | ProviderVersion | ManifestVersion;

/** The providers the stacks use; the versions are the ones the prebuilt cdktf bindings were generated from. */
export const PROVIDERS = {
  kubernetes: { kind: "provider", source: "hashicorp/kubernetes", version: "2.38.0" },
  helm: { kind: "provider", source: "hashicorp/helm", version: "3.1.1" },
  random: { kind: "provider", source: "hashicorp/random", version: "3.7.2" },
  kind: { kind: "provider", source: "tehcyx/kind", version: "0.11.0" },
  aws: { kind: "provider", source: "hashicorp/aws", version: "6.25.0" },
  google: { kind: "provider", source: "hashicorp/google", version: "6.50.0" },
  azurerm: { kind: "provider", source: "hashicorp/azurerm", version: "4.55.0" },
} as const satisfies Record<string, ProviderVersion>;

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
  keda: {
    kind: "chart",
    repository: "https://kedacore.github.io/charts",
    chart: "keda",
    version: "2.20.2",
    source: "kedacore/charts@v2.20.2:keda",
  },
  milvus: {
    kind: "chart",
    repository: "https://zilliztech.github.io/milvus-helm/",
    chart: "milvus",
    version: "5.0.19",
    source: "zilliztech/milvus-helm (2026-04-16):charts/milvus",
  },
  jupyterhub: {
    kind: "chart",
    repository: "https://hub.jupyter.org/helm-chart/",
    chart: "jupyterhub",
    version: "4.4.0",
    source:
      "jupyterhub/zero-to-jupyterhub-k8s@4.4.0:jupyterhub (JupyterHub 5.5.0, KubeSpawner 7.0.0, OAuthenticator 17.4.0)",
  },
  /**
   * Kepler's release workflow packages the chart as `kepler-helm-<version>.tgz` and `helm push`es it to
   * `oci://quay.io/sustainable_computing_io/charts`; helm push names the OCI artifact after the Chart.yaml name
   * (`kepler`) and version, so `helm pull oci://quay.io/sustainable_computing_io/charts/kepler --version 0.11.4`
   * resolves it and saves `kepler-0.11.4.tgz`.
   */
  kepler: {
    kind: "chart",
    repository: "oci://quay.io/sustainable_computing_io/charts",
    chart: "kepler",
    version: "0.11.4",
    source:
      "sustainable-computing-io/kepler@v0.11.4:manifests/helm/kepler (.github/workflows/release.yaml sets version 0.11.4, appVersion v0.11.4; docs/user/helm-updates.md:9)",
  },
  "opentelemetry-operator": {
    kind: "chart",
    repository: "https://open-telemetry.github.io/opentelemetry-helm-charts",
    chart: "opentelemetry-operator",
    version: "0.122.0",
    source:
      "open-telemetry/opentelemetry-helm-charts@opentelemetry-operator-0.122.0:charts/opentelemetry-operator (operator 0.158.0)",
  },
  "opentelemetry-collector": {
    kind: "chart",
    repository: "https://open-telemetry.github.io/opentelemetry-helm-charts",
    chart: "opentelemetry-collector",
    version: "0.170.0",
    source: "open-telemetry/opentelemetry-helm-charts@opentelemetry-collector-0.170.0:charts/opentelemetry-collector",
  },
  /**
   * NVIDIA's DRA driver for GPUs, now kubernetes-sigs/dra-driver-nvidia-gpu (renamed from nvidia-dra-driver-gpu at
   * v0.4.0; docs/upgrade.md). Its chart is published to registry.k8s.io (docs/install.md).
   */
  "dra-driver-nvidia-gpu": {
    kind: "chart",
    repository: "oci://registry.k8s.io/dra-driver-nvidia/charts",
    chart: "dra-driver-nvidia-gpu",
    version: "0.4.1",
    source:
      "kubernetes-sigs/dra-driver-nvidia-gpu@v0.4.1:deployments/helm/dra-driver-nvidia-gpu (docs/install.md:24; appVersion 0.4.1)",
  },
  /**
   * JobSet: the controller Kubeflow Trainer runs each TrainJob as (a JobSet of indexed Jobs). Published only as an OCI
   * chart; `hack/helm-chart-package.sh` stamps the promoted tag's version, appVersion and image (git holds staging values).
   */
  jobset: {
    kind: "chart",
    repository: "oci://registry.k8s.io/jobset/charts",
    chart: "jobset",
    version: "0.12.0",
    source:
      "kubernetes-sigs/jobset@v0.12.0:charts/jobset (README.md: helm install oci://registry.k8s.io/jobset/charts/jobset; hack/helm-chart-package.sh sets version 0.12.0, appVersion v0.12.0)",
  },
  /** Kubeflow Trainer v2 (TrainJob, ClusterTrainingRuntime); its JobSet subchart stays off (`jobset.install: false`). */
  "kubeflow-trainer": {
    kind: "chart",
    repository: "oci://ghcr.io/kubeflow/charts",
    chart: "kubeflow-trainer",
    version: "2.3.0",
    source:
      "kubeflow/trainer@v2.3.0:charts/kubeflow-trainer (README.md:26; .github/workflows/publish-helm-charts.yaml pushes Chart.yaml's version)",
  },
  /**
   * Argo Workflows (v4.0.6): the workflow controller only. `crds.full: false` puts the eight minimal CRDs in the
   * release instead of the hook Job that downloads the full ones from GitHub (templates/crds-install-job.yaml).
   */
  "argo-workflows": {
    kind: "chart",
    repository: "https://argoproj.github.io/argo-helm",
    chart: "argo-workflows",
    version: "1.0.18",
    source: "argoproj/argo-helm@argo-workflows-1.0.18:charts/argo-workflows (README.md:14; appVersion v4.0.6)",
  },
  /**
   * The Spark operator (SparkApplication); its CRDs ship in the chart's crds/ (Helm installs them once, `hook.upgradeCrd`
   * stays false so no kubectl hook image is needed).
   */
  "spark-operator": {
    kind: "chart",
    repository: "https://kubeflow.github.io/spark-operator",
    chart: "spark-operator",
    version: "2.5.2",
    source: "kubeflow/spark-operator@v2.5.2:charts/spark-operator-chart (README.md; appVersion 2.5.2)",
  },
} as const satisfies Record<string, ChartVersion>;

export const MANIFESTS = {
  /**
   * The Feast operator has no Helm chart: upstream applies this file with `kubectl apply --server-side` (its README).
   * The digest is that of the file at the tag (checked against a clone of feast-dev/feast at v0.66.0).
   */
  "feast-operator": {
    kind: "manifest",
    url: "https://raw.githubusercontent.com/feast-dev/feast/refs/tags/v0.66.0/infra/feast-operator/dist/install.yaml",
    name: "feast-operator",
    version: "0.66.0",
    sha256: "53719ced887ef5603a703c61d89efd322ca4703564523195fd380851c1194727",
    source: "feast-dev/feast@v0.66.0:infra/feast-operator/dist/install.yaml (infra/feast-operator/README.md:32-38)",
  },
} as const satisfies Record<string, ManifestVersion>;

export const IMAGES = {
  /** kind node image; the tag is the Kubernetes version, the digest pins the build. */
  "kind-node": {
    kind: "image",
    repository: "kindest/node",
    tag: "v1.35.0@sha256:452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f",
    source: "kubernetes-sigs/kind@v0.31.0 default node image (the kind release tehcyx/kind v0.11.0 embeds)",
  },
  /** The `-full` variant: the plain image lacks the PostgreSQL driver and the S3 client. */
  mlflow: {
    kind: "image",
    repository: "ghcr.io/mlflow/mlflow",
    tag: "v3.17.0-full",
    source: "mlflow/mlflow@v3.17.0:docker/README.md (-full variant exists from v3.9.0)",
  },
  /** PostgreSQL operand for CloudNativePG: the operator 1.30 default; `system` images ship pgvector. */
  postgresql: {
    kind: "image",
    repository: "ghcr.io/cloudnative-pg/postgresql",
    tag: "18.6-system-trixie",
    source:
      "cloudnative-pg/cloudnative-pg@v1.30.0 default image; cloudnative-pg/postgres-containers:README.md (system type)",
  },
  /** The golden-path Ray samples (head, workers and job submitter). */
  ray: {
    kind: "image",
    repository: "rayproject/ray",
    tag: "2.52.0",
    source: "ray-project/kuberay v1.7 samples (rayproject/ray:2.52.0 in ray-operator/config/samples)",
  },
  /** KServe's model servers, the ClusterServingRuntimes the platform installs (charts/serving-runtimes.ts). */
  "kserve-sklearnserver": {
    kind: "image",
    repository: "kserve/sklearnserver",
    tag: "v0.20.0",
    source: "kserve/kserve@v0.20.0:charts/kserve-runtime-configs (the runtime's tag defaults to kserve.version)",
  },
  "kserve-xgbserver": {
    kind: "image",
    repository: "kserve/xgbserver",
    tag: "v0.20.0",
    source: "kserve/kserve@v0.20.0:charts/kserve-runtime-configs (the runtime's tag defaults to kserve.version)",
  },
  "kserve-lgbserver": {
    kind: "image",
    repository: "kserve/lgbserver",
    tag: "v0.20.0",
    source: "kserve/kserve@v0.20.0:charts/kserve-runtime-configs (the runtime's tag defaults to kserve.version)",
  },
  "kserve-huggingfaceserver": {
    kind: "image",
    repository: "kserve/huggingfaceserver",
    tag: "v0.20.0",
    source: "kserve/kserve@v0.20.0:charts/kserve-runtime-configs (the runtime's tag defaults to kserve.version)",
  },
  /** Notebook servers (JupyterHub single-user pods): the chart's own user image at the chart's version. */
  "jupyter-singleuser": {
    kind: "image",
    repository: "quay.io/jupyterhub/k8s-singleuser-sample",
    tag: "4.4.0",
    source:
      "jupyterhub/zero-to-jupyterhub-k8s@4.4.0:jupyterhub/values.yaml singleuser.image (tag set by chartpress at release)",
  },
  /** The DRA driver's kubelet plugin (and controller); the chart's `image.tag: ""` is "v" + appVersion. */
  "dra-driver-nvidia-gpu": {
    kind: "image",
    repository: "registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu",
    tag: "v0.4.1",
    source: "kubernetes-sigs/dra-driver-nvidia-gpu@v0.4.1:deployments/helm/dra-driver-nvidia-gpu/values.yaml:59 image",
  },
  /** Kepler's exporter; the chart's `image.tag: ""` defaults to its appVersion, pinned here instead. */
  kepler: {
    kind: "image",
    repository: "quay.io/sustainable_computing_io/kepler",
    tag: "v0.11.4",
    source:
      "sustainable-computing-io/kepler@v0.11.4:manifests/helm/kepler/values.yaml image (appVersion v0.11.4 from .github/workflows/release.yaml)",
  },
  /**
   * The OpenTelemetry Collector gateway (platform/components/opentelemetry-collector.ts). The contrib distribution:
   * the `otelcol-k8s` one the chart suggests has no `prometheus` exporter at this version.
   */
  "opentelemetry-collector-contrib": {
    kind: "image",
    repository: "otel/opentelemetry-collector-contrib",
    tag: "0.158.0",
    source:
      "open-telemetry/opentelemetry-collector-releases@v0.158.0:distributions/otelcol-contrib (manifest.yaml: prometheusexporter; the collector chart 0.170.0's appVersion)",
  },
  /** The JobSet controller; the published chart's `image.tag` (git holds the staging `main`). */
  jobset: {
    kind: "image",
    repository: "registry.k8s.io/jobset/jobset",
    tag: "v0.12.0",
    source:
      "kubernetes-sigs/jobset@v0.12.0:hack/helm-chart-package.sh (values.yaml image rewritten for the promoted tag)",
  },
  /** Kubeflow Trainer's controller manager; the chart's `image.tag: ""` is "v" + the chart version (templates/_helpers.tpl). */
  "trainer-controller-manager": {
    kind: "image",
    repository: "ghcr.io/kubeflow/trainer/trainer-controller-manager",
    tag: "v2.3.0",
    source:
      "kubeflow/trainer@v2.3.0:charts/kubeflow-trainer/values.yaml:41-52 image, templates/_helpers.tpl (v<chart version>)",
  },
  /**
   * PyTorch for the `torch-distributed` ClusterTrainingRuntime (charts/training-runtimes.ts): the image upstream's own
   * runtime of that name uses at v2.3.0 (CUDA 13.0; needs an NVIDIA driver that supports CUDA 13).
   */
  pytorch: {
    kind: "image",
    repository: "pytorch/pytorch",
    tag: "2.13.0-cuda13.0-cudnn9-runtime",
    source: "kubeflow/trainer@v2.3.0:charts/kubeflow-trainer/files/runtimes/torch-distributed.yaml",
  },
  /** Argo Workflows' controller; the chart's `controller.image.tag: ""` is `images.tag`, else its appVersion. */
  "argo-workflow-controller": {
    kind: "image",
    repository: "quay.io/argoproj/workflow-controller",
    tag: "v4.0.6",
    source:
      "argoproj/argo-helm@argo-workflows-1.0.18:charts/argo-workflows/values.yaml controller.image (appVersion v4.0.6)",
  },
  /** Argo's executor: the init and wait containers of every workflow pod (`executor.image`). */
  argoexec: {
    kind: "image",
    repository: "quay.io/argoproj/argoexec",
    tag: "v4.0.6",
    source:
      "argoproj/argo-helm@argo-workflows-1.0.18:charts/argo-workflows/values.yaml executor.image (appVersion v4.0.6)",
  },
  /** The Feast operator (platform/components/feast.ts); its manifest's Deployment image, pinned here to mirror it. */
  "feast-operator": {
    kind: "image",
    repository: "quay.io/feastdev/feast-operator",
    tag: "0.66.0",
    source:
      "feast-dev/feast@v0.66.0:infra/feast-operator/dist/install.yaml (Deployment feast-operator-controller-manager)",
  },
  /**
   * Feast's feature server: the operator runs it for every FeatureStore (`RELATED_IMAGE_FEATURE_SERVER`), and the
   * sample feature repository's Job applies and materializes with it (the image has the SDK and the PostgreSQL extras).
   */
  "feast-feature-server": {
    kind: "image",
    repository: "quay.io/feastdev/feature-server",
    tag: "0.66.0",
    source: "feast-dev/feast@v0.66.0:infra/feast-operator/dist/install.yaml (env RELATED_IMAGE_FEATURE_SERVER)",
  },
  /** The operator's image for materialization CronJobs (`RELATED_IMAGE_CRON_JOB`); set so a mirror serves it too. */
  "feast-cronjob": {
    kind: "image",
    repository: "quay.io/openshift/origin-cli",
    tag: "4.17",
    source: "feast-dev/feast@v0.66.0:infra/feast-operator/dist/install.yaml (env RELATED_IMAGE_CRON_JOB)",
  },
  /** The Spark operator's controller and webhook (one image); the chart's `image.tag: ""` is its appVersion. */
  "spark-operator": {
    kind: "image",
    repository: "ghcr.io/kubeflow/spark-operator/controller",
    tag: "2.5.2",
    source: "kubeflow/spark-operator@v2.5.2:charts/spark-operator-chart/values.yaml:31-38 image (appVersion 2.5.2)",
  },
  /** Runs the webhook readiness probes (`kubectl create --dry-run=server`); distroless, no shell. */
  kubectl: {
    kind: "image",
    repository: "registry.k8s.io/kubectl",
    tag: "v1.35.0",
    source: "kubernetes/kubernetes@v1.35.0:build/common.sh (kubectl server image)",
  },
} as const satisfies Record<string, ImageVersion>;

export type ChartKey = keyof typeof CHARTS;
export type ProviderKey = keyof typeof PROVIDERS;
export type ImageKey = keyof typeof IMAGES;
export type ManifestKey = keyof typeof MANIFESTS;

/**
 * An image the distribution sets, as `repository:tag`. With an image mirror (a profile's `mirror.images`,
 * e.g. `registry.example.com/mirror`) it is pulled as `<mirror>/<registry>/<path>:tag`: the source
 * registry stays a path segment (`docker.io` where the reference names none), the layout of a
 * pull-through cache such as Harbor's proxy projects or `crane copy` by full name.
 */
export function imageRef(key: ImageKey, mirror?: string): string {
  const image = IMAGES[key];
  return `${mirrored(image.repository, mirror)}:${image.tag}`;
}

/** An image repository as pulled through a mirror (see imageRef); unchanged without one. */
export function mirrored(repository: string, mirror: string | undefined): string {
  if (!mirror) return repository;
  const first = repository.split("/")[0];
  const hasRegistry = repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return `${mirror.replace(/\/+$/, "")}/${hasRegistry ? repository : `docker.io/${repository}`}`;
}

/** Every pinned entry (charts, images, manifests, providers), for reports and the README table. */
export function allVersions(): Array<{ key: string } & VersionEntry> {
  return [
    ...Object.entries(CHARTS).map(([key, entry]) => ({ key, ...entry })),
    ...Object.entries(IMAGES).map(([key, entry]) => ({ key, ...entry })),
    ...Object.entries(MANIFESTS).map(([key, entry]) => ({ key, ...entry })),
    ...Object.entries(PROVIDERS).map(([key, entry]) => ({ key, ...entry })),
  ];
}
