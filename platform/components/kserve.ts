import { KserveStorageChart } from "../../charts/kserve-storage";
import type { Profile } from "../../profiles/schema";
import { teamNames, teamNamespace } from "../../profiles/plan";
import { teamNamespaceSpecs } from "./teams";
import type { ComponentContext, ComponentDefinition, GeneratedSecret, LocalRelease, Step } from "../component";
import { CHARTS } from "../versions";
import { objectStoreEndpoint, objectStoreRegion, s3ServingSecretName, teamS3Secrets, usesS3Keys } from "./object-store";
import { resources } from "./shared";

export const NAMESPACE = "kserve";

const CRD_RELEASE = "kserve-crd";
const RELEASE = "kserve-resources";
const RUNTIMES_RELEASE = "kserve-runtime-configs";
const STORAGE_RELEASE = "kserve-storage";
export const WEBHOOK_GATE = "kserve-webhook-ready";

/** `serving.kserve.io/v1alpha1`: the API version of (Cluster)ServingRuntime. */
export const KSERVE_RUNTIME_API_VERSION = "serving.kserve.io/v1alpha1";

/** The ServiceAccount InferenceServices in the team namespace name to pull models from the object store. */
export const KSERVE_S3_SERVICE_ACCOUNT = "kserve-s3";

/**
 * ClusterServingRuntimes kept enabled: the ones built by KServe itself, whose image tag defaults to the
 * chart's `kserve.version`, so no extra image pin is needed. The others (TensorFlow Serving, MLServer,
 * TorchServe, Triton, PMML, Paddle, the combined predictive server) stay installed but disabled.
 */
export const ENABLED_RUNTIMES = ["sklearnserver", "xgbserver", "lgbserver", "huggingfaceserver"] as const;
export const DISABLED_RUNTIMES = [
  "tensorflow",
  "mlserver",
  "torchserve",
  "tritonserver",
  "pmmlserver",
  "paddleserver",
  "predictiveserver",
] as const;

/** The restricted container security context the runtimes run with (non-root, no privilege escalation). */
const RUNTIME_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  privileged: false,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

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
      inferenceservice: { resources: resources("100m", "256Mi", "1", "1Gi") },
      storage: {
        resources: resources("50m", "64Mi", "1", "1Gi"),
        // An S3 endpoint with keys; cloud storage works through the pods' workload identity instead.
        ...(usesS3Keys(ctx.profile) && { s3: kserveS3Settings(ctx.profile) }),
      },
    },
  };
}

function runtimeConfigsValues(): Record<string, unknown> {
  const enabled = Object.fromEntries(
    ENABLED_RUNTIMES.map((runtime) => [
      runtime,
      {
        disabled: false,
        image: `kserve/${runtime}`,
        imagePullPolicy: "IfNotPresent",
        securityContext: RUNTIME_SECURITY_CONTEXT,
      },
    ]),
  );
  const disabled = Object.fromEntries(DISABLED_RUNTIMES.map((runtime) => [runtime, { disabled: true }]));
  return {
    kserve: {
      // The runtimes' image tag defaults to this; the chart ships no values.yaml to default it.
      version: CHARTS["kserve-runtime-configs"].version,
      servingruntime: {
        enabled: true,
        // KServe's own runtime template placeholder (the InferenceService name), not a Helm template.
        modelNamePlaceholder: "{{.Name}}",
        ...enabled,
        ...disabled,
      },
      llmisvcConfigs: { enabled: false },
    },
  };
}

/** In every team namespace, the ServiceAccount InferenceServices name (`serviceAccountName`) to pull models with the S3 credentials. */
function storageRelease(profile: Profile): LocalRelease {
  const namespaces = teamNames(profile).map((team) => teamNamespace(team, profile.teams[team]));
  return {
    kind: "local",
    name: STORAGE_RELEASE,
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
      id: "observability",
      optional: true,
      reason: "Prometheus Operator CRDs first, so teams can add PodMonitors for predictors (the chart ships none)",
    },
  ],
  // InferenceServices run in the team namespaces, which get the storage ServiceAccount.
  namespaces: (ctx) => [{ name: NAMESPACE }, ...teamNamespaceSpecs(ctx.profile)],
  steps: (ctx): Step[] => [
    { kind: "upstream", name: CRD_RELEASE, namespace: NAMESPACE, chart: "kserve-crd", values: {} },
    {
      kind: "upstream",
      name: RELEASE,
      namespace: NAMESPACE,
      chart: "kserve-resources",
      primary: true,
      after: [CRD_RELEASE],
      values: kserveResourcesValues(ctx),
      workloads: [
        { name: "kserve-controller-manager", replicas: 1, resourcesAt: "kserve.controller.resources" },
        {
          name: "kserve-controller-manager (kube-rbac-proxy)",
          replicas: 1,
          resourcesAt: "kserve.controller.rbacProxy.resources",
        },
      ],
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
      kind: "upstream",
      name: RUNTIMES_RELEASE,
      namespace: NAMESPACE,
      chart: "kserve-runtime-configs",
      after: [WEBHOOK_GATE],
      values: runtimeConfigsValues(),
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
