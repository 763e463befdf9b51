import { KserveStorageChart } from "../../charts/kserve-storage";
import type { Profile } from "../../profiles/schema";
import { teamNames, teamNamespace } from "../../profiles/plan";
import { teamNamespaceSpecs } from "./teams";
import type { ComponentContext, ComponentDefinition, GeneratedSecret, LocalRelease, Step } from "../component";
import { imageRef } from "../versions";
import type { ServingRuntime } from "../../charts/serving-runtimes";
import { ServingRuntimesChart } from "../../charts/serving-runtimes";
import { objectStoreEndpoint, objectStoreRegion, s3ServingSecretName, teamS3Secrets, usesS3Keys } from "./object-store";
import { resources } from "./shared";

export const NAMESPACE = "kserve";

const CRD_RELEASE = "kserve-crd";
const RELEASE = "kserve-resources";
const RUNTIMES_RELEASE = "kserve-runtimes";
const STORAGE_RELEASE = "kserve-storage";
export const WEBHOOK_GATE = "kserve-webhook-ready";

/** `serving.kserve.io/v1alpha1`: the API version of (Cluster)ServingRuntime. */
export const KSERVE_RUNTIME_API_VERSION = "serving.kserve.io/v1alpha1";

/** The ServiceAccount InferenceServices in the team namespace name to pull models from the object store. */
export const KSERVE_S3_SERVICE_ACCOUNT = "kserve-s3";

/**
 * The ClusterServingRuntimes the platform installs (charts/serving-runtimes.ts): KServe's own servers for
 * scikit-learn, XGBoost, LightGBM and Hugging Face models, with the arguments, formats and protocols
 * kserve/kserve@v0.20.0:charts/kserve-runtime-configs/files/runtimes/resources.yaml gives them. The other
 * upstream runtimes (TensorFlow Serving, MLServer, TorchServe, Triton, PMML, Paddle, the predictive server,
 * vLLM, the multi-node Hugging Face server) are not installed.
 */
export const SERVING_RUNTIMES = (mirror?: string): ServingRuntime[] => {
  const model = ["--model_name={{.Name}}", "--model_dir=/mnt/models", "--http_port=8080"];
  return [
    {
      name: "sklearnserver",
      image: imageRef("kserve-sklearnserver", mirror),
      formats: [{ name: "sklearn", version: "1" }],
      protocolVersions: ["v1", "v2"],
      args: model,
    },
    {
      name: "xgbserver",
      image: imageRef("kserve-xgbserver", mirror),
      formats: [{ name: "xgboost", version: "2" }],
      protocolVersions: ["v1", "v2"],
      args: [...model, "--nthread=1"],
    },
    {
      name: "lgbserver",
      image: imageRef("kserve-lgbserver", mirror),
      formats: [{ name: "lightgbm", version: "4" }],
      protocolVersions: ["v1", "v2"],
      args: [...model, "--nthread=1"],
    },
    {
      name: "huggingfaceserver",
      image: imageRef("kserve-huggingfaceserver", mirror),
      formats: [{ name: "huggingface", version: "1" }],
      protocolVersions: ["v2", "v1"],
      args: ["--model_name={{.Name}}"],
      env: { LMCACHE_USE_EXPERIMENTAL: "True" },
      sharedMemory: true,
    },
  ];
};

/** The default for predictors that set no resources (upstream's runtimes ask 1 CPU / 2Gi each, too much for a laptop). */
const PREDICTOR_RESOURCES = resources("100m", "256Mi", "1", "1Gi");

/**
 * The storage initializer's S3 settings. KServe wants the endpoint as `host:port` and derives the scheme
 * from `useHttps` ("0"/"1"), so the endpoint URL is split here.
 */
export function kserveS3Settings(profile: Profile): { endpoint: string; useHttps: string; region: string } {
  const url = new URL(objectStoreEndpoint(profile));
  return { endpoint: url.host, useHttps: url.protocol === "https:" ? "1" : "0", region: objectStoreRegion(profile) };
}

function kserveResourcesValues(ctx: ComponentContext): Record<string, unknown> {
  return {
    kserve: {
      controller: {
        // Standard: plain Deployments + Services + HPA; Knative mode would need Istio and Knative Serving.
        deploymentMode: "Standard",
        // No Istio or Gateway on a laptop: predictors are reached with port-forward, not ingress objects.
        gateway: { disableIngressCreation: true },
        resources: resources("20m", "64Mi", "200m", "256Mi"),
        rbacProxy: { resources: resources("5m", "16Mi", "50m", "64Mi") },
      },
      // The default for predictors that set no resources (chart default: 1 CPU / 2Gi each, too much for a laptop).
      inferenceservice: { resources: PREDICTOR_RESOURCES },
      storage: {
        resources: resources("50m", "64Mi", "1", "1Gi"),
        // An S3 endpoint with keys; cloud storage works through the pods' workload identity instead.
        ...(usesS3Keys(ctx.profile) && { s3: kserveS3Settings(ctx.profile) }),
      },
    },
  };
}

/** In every team namespace, the ServiceAccount InferenceServices name (`serviceAccountName`) to pull models with the S3 credentials. */
function storageRelease(profile: Profile): LocalRelease {
  const namespaces = teamNames(profile).map((team) => teamNamespace(team, profile.teams[team]));
  return {
    kind: "local",
    name: STORAGE_RELEASE,
    // ServiceAccounts from the profile.
    onFailedInstall: "uninstall",
    // Every object names its team namespace; the release itself lives in the KServe namespace.
    namespace: NAMESPACE,
    render: (app, id) => {
      for (const namespace of namespaces) {
        new KserveStorageChart(app, `${id}-${namespace}`, {
          namespace,
          serviceAccountName: KSERVE_S3_SERVICE_ACCOUNT,
          credentialsSecret: s3ServingSecretName(profile),
        });
      }
    },
  };
}

/**
 * KServe in Standard mode (raw Deployments, no Istio or Knative): CRDs, then controller and webhooks,
 * then the ClusterServingRuntimes once the webhook that validates them answers. Models are pulled
 * from the object store with the credentials in the team namespace.
 */
export const kserve: ComponentDefinition = {
  id: "kserve",
  title: "KServe",
  summary: "Model serving (InferenceService) in Standard mode, pulling models from the object store",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "management-only",
  dependencies: () => [
    { id: "cert-manager", reason: "the chart renders a cert-manager Certificate and Issuer for its webhooks" },
    { id: "object-store", optional: true, reason: "S3 storage for models (storageUri s3://…)" },
    {
      id: "keda",
      optional: true,
      reason: "the controller looks for KEDA's ScaledObject CRD only when it starts (autoscalerClass keda)",
    },
    {
      id: "opentelemetry-operator",
      optional: true,
      reason: "the controller looks for the OpenTelemetryCollector CRD only when it starts (PodMetric autoscaling)",
    },
    {
      id: "observability",
      optional: true,
      reason: "Prometheus Operator CRDs first, so teams can add PodMonitors for predictors (the chart ships none)",
    },
  ],
  // InferenceServices run in the team namespaces, which get the storage ServiceAccount.
  namespaces: (ctx) => [{ name: NAMESPACE }, ...teamNamespaceSpecs(ctx.profile)],
  steps: (ctx): Step[] => [
    // CRDs only: a failed first install has no InferenceService yet; a rollback keeps every CRD both revisions have.
    {
      kind: "upstream",
      name: CRD_RELEASE,
      namespace: NAMESPACE,
      chart: "kserve-crd",
      values: {},
      onFailedInstall: "uninstall",
    },
    {
      kind: "upstream",
      name: RELEASE,
      namespace: NAMESPACE,
      chart: "kserve-resources",
      primary: true,
      // The controller; InferenceServices are the teams' (and the samples release's), not in this release.
      onFailedInstall: "uninstall",
      after: [CRD_RELEASE],
      values: kserveResourcesValues(ctx),
    },
    {
      kind: "gate",
      name: WEBHOOK_GATE,
      namespace: NAMESPACE,
      after: [RELEASE],
      // The next release creates ClusterServingRuntimes, which the `clusterservingruntime.serving.kserve.io`
      // ValidatingWebhookConfiguration (failurePolicy Fail) sends to the webhook: probe with one.
      probe: {
        apiVersion: KSERVE_RUNTIME_API_VERSION,
        kind: "ClusterServingRuntime",
        metadata: { name: "kserve-webhook-probe" },
        spec: {
          supportedModelFormats: [{ name: "sklearn" }],
          containers: [{ name: "kserve-container", image: "kserve/sklearnserver" }],
        },
      },
      resource: "clusterservingruntimes",
    },
    {
      kind: "local",
      name: RUNTIMES_RELEASE,
      namespace: NAMESPACE,
      // ClusterServingRuntimes from the version table.
      onFailedInstall: "uninstall",
      after: [WEBHOOK_GATE],
      render: (app, id) =>
        new ServingRuntimesChart(app, id, {
          runtimes: SERVING_RUNTIMES(ctx.profile.mirror.images),
          resources: PREDICTOR_RESOURCES,
        }),
    },
    // With cloud storage the platform stack creates the ServiceAccounts, annotated for the cloud's workload identity.
    ...(usesS3Keys(ctx.profile) && teamNames(ctx.profile).length > 0 ? [storageRelease(ctx.profile)] : []),
  ],
  // With the managed store each team gets its own keys, scoped to its own bucket; an external store's Secret
  // must already be there (external.objectStore.credentialsSecret).
  secrets: (ctx): readonly GeneratedSecret[] =>
    ctx.lifecycle("object-store") === "managed"
      ? teamNames(ctx.profile).flatMap((team) => teamS3Secrets(ctx.profile, team))
      : [],
};
