/**
 * Team notebooks: JupyterHub (Zero to JupyterHub chart 4.4.0: JupyterHub 5.5.0, KubeSpawner 7.0.0, OAuthenticator
 * 17.4.0, jupyterhub/zero-to-jupyterhub-k8s@4.4.0:images/hub/requirements.txt). The hub runs in `notebooks`; each
 * user's server runs in a team namespace, as a plain Pod in the team's Kueue LocalQueue (Kueue's `pod` integration),
 * so it counts against the team's quota and waits in the queue when the quota is used up.
 *
 * Every values key below is in the chart's values.yaml or values.schema.json at 4.4.0
 * (../shared/reference/charts/jupyterhub-4.4.0/), except `hub.config.<Class>` sections, which the chart passes
 * through to traitlets (files/hub/jupyterhub_config.py, "load hub.config values"): see verify/values-keys.ts.
 */
import type { Construct } from "constructs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { NotebookAccess } from "../../charts/notebook-access";
import { TEAM_VECTOR_SECRET } from "../../charts/qdrant-team-keys";
import type { PodResources, ResourceDemand, Toleration } from "../../charts/workloads";
import {
  kueueLabels,
  podDemand,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from "../../charts/workloads";
import { DNS_LABEL } from "../../profiles/names";
import { poolWorker, queuePools, resourcesPerGpu, teamNames, teamNamespace, usesDra } from "../../profiles/plan";
import type { Problem } from "../../profiles/problems";
import { parseQuantity } from "../../charts/workloads";
import type { Profile } from "../../profiles/schema";
import { cloudStorageUris, KSERVE_STORAGE_SERVICE_ACCOUNT, usesCloudStorage } from "../clouds/storage";
import type { ComponentContext, ComponentDefinition, GeneratedSecret } from "../component";
import { IMAGES, mirrored } from "../versions";
import { flavorOrder } from "./kueue";
import { MLFLOW_TRACKING_URI } from "./mlflow";
import { OTLP_HTTP_ENDPOINT } from "./opentelemetry-collector";
import {
  objectStoreEndpoint,
  objectStoreRegion,
  s3CredentialsSecretName,
  teamS3Secrets,
  usesS3Keys,
} from "./object-store";
import { demandExcess, samplePlacement } from "./samples";
import { resources } from "./shared";
import { teamNamespaceSpecs } from "./teams";
import { vectorDatabaseEndpoint, vectorDatabaseHttpUrl, pgvectorTenant } from "./vector-database";

export const NOTEBOOKS_NAMESPACE = "notebooks";
const RELEASE = "notebooks";
/** The chart's hub ServiceAccount and Service (`jupyterhub.hub.fullname` for this release name). */
export const HUB_SERVICE_ACCOUNT = "hub";
/** The hub's API port, which single-user servers call (the `hub` Service). */
export const HUB_PORT = 8081;
/** The single-user server's port, which the hub and the proxy call (KubeSpawner's default `port`). */
export const NOTEBOOK_PORT = 8888;

/** On kind: the generated password every team user logs in with (key `password`). */
export const SHARED_PASSWORD_SECRET = "notebooks-shared-password";
const SHARED_PASSWORD_KEY = "password";
/** The key of the OIDC client secret in the Secret named by `settings.oidc.clientSecret`. */
export const OIDC_CLIENT_SECRET_KEY = "client-secret";
/** Where the hub reads the shared password (charts/notebooks-hub.py) and OAuthenticator its client secret. */
const SHARED_PASSWORD_ENV = "NOTEBOOKS_SHARED_PASSWORD";
const OIDC_CLIENT_SECRET_ENV = "OAUTH_CLIENT_SECRET";

/** The hub configuration Python (hub.extraConfig): team membership, profile list, authentication secrets. */
const HUB_CONFIG = readFileSync(join(__dirname, "../../charts/notebooks-hub.py"), "utf8");

/** The user's home volume, one PersistentVolumeClaim per user and team namespace. */
const HOME_VOLUME = "1Gi";

/** What one server asks for: requests equal limits, as the golden-path workloads (quota and use agree). */
export const NOTEBOOK_SIZES = {
  cpu: { cpu: "1", memory: "2Gi" },
  gpu: { cpu: "2", memory: "8Gi" },
} as const;

export const notebooksSettings = z.strictObject({
  /** A server with no activity for this long is stopped (chart `cull.timeout`). */
  idleMinutes: z.number().int().min(5).max(10080).default(60),
  /** How long a queued server may wait for its team's quota before the spawn fails (KubeSpawner `start_timeout`). */
  startTimeoutMinutes: z.number().int().min(5).max(1440).default(60),
  /** OpenID Connect login (required on eks, gke and aks); team membership comes from the groups claim. */
  oidc: z
    .strictObject({
      /** The issuer; its `/.well-known/openid-configuration` names the endpoints. */
      issuerUrl: z.url({ protocol: /^https$/ }),
      clientId: z.string().min(1),
      /** A Secret you create in the `notebooks` namespace, with the client secret under key `client-secret`. */
      clientSecret: z.string().regex(DNS_LABEL),
      /** The userinfo claim with the user's groups, matched against `teams.<t>.groups`. */
      groupsClaim: z.string().min(1).default("groups"),
      /** The userinfo claim that names the user. */
      usernameClaim: z.string().min(1).default("preferred_username"),
    })
    .optional(),
});
export type NotebooksSettings = z.infer<typeof notebooksSettings>;

/** One server option of a team: where it runs and what it asks its queue for. */
export interface NotebookOption {
  /** Unique across teams, e.g. `research-cpu`, `research-mig-mig-1g-10gb`. */
  readonly slug: string;
  readonly displayName: string;
  readonly description: string;
  readonly team: string;
  /** The pool (Kueue flavor) its pod is placed on. */
  readonly pool: string;
  readonly resources: PodResources;
  /** What one running server requests (Kueue admits by requests). */
  readonly demand: ResourceDemand;
}

/** How a GPU resource of a pool is offered: a whole GPU, a shared slot or a MIG slice. */
function gpuOffer(profile: Profile, pool: string, resourceName: string): { suffix: string; title: string } {
  const gpu = queuePools(profile)[pool].gpu;
  const name = resourceName.split("/")[1].replace(/\./g, "-");
  switch (gpu?.sharing.mode) {
    case "time-slicing":
    case "mps":
      return {
        suffix: `shared-${name}`,
        title: `a shared GPU slot (${gpu.sharing.mode}, 1 of ${gpu.sharing.replicas} per GPU)`,
      };
    case "mig":
      return { suffix: name, title: `a MIG slice (${resourceName})` };
    default:
      return { suffix: name, title: `a whole GPU (${resourceName})` };
  }
}

function option(profile: Profile, team: string, pool: string, gpu?: string): NotebookOption | undefined {
  const size = gpu ? NOTEBOOK_SIZES.gpu : NOTEBOOK_SIZES.cpu;
  const podResources: PodResources = gpu ? { ...size, gpu: { resourceName: gpu, count: 1 } } : { ...size };
  const demand = podDemand(podResources, 1);
  // An option the team's queue could never admit would wait forever: it is not offered.
  if (demandExcess(profile, team, pool, demand).length > 0) return undefined;
  const offer = gpu ? gpuOffer(profile, pool, gpu) : undefined;
  return {
    slug: offer ? `${team}-${pool}-${offer.suffix}` : `${team}-cpu`,
    displayName: offer ? `${team}: ${offer.title} on ${pool}` : `${team}: CPU`,
    description: `${size.cpu} CPU, ${size.memory} memory${offer ? `, ${offer.title}` : ""}; pool ${pool}, queued in ${teamNamespace(team, profile.teams[team])}`,
    team,
    pool,
    resources: podResources,
    demand,
  };
}

/**
 * Each team's server options, built from the pools of this cluster (pools of MultiKueue workers are left out):
 * CPU on the first pool in Kueue's flavor order where it fits the team's quota, and one GPU (a whole GPU, a shared
 * slot or a MIG slice, whatever the pool offers) on every GPU pool where the team can obtain one. The capacity report
 * reads the demands.
 */
export function notebookProfiles(profile: Profile): Record<string, NotebookOption[]> {
  const pools = queuePools(profile);
  const local = flavorOrder(profile).filter((pool) => poolWorker(profile, pool) === undefined);
  return Object.fromEntries(
    teamNames(profile).map((team) => {
      const cpu = local.map((pool) => option(profile, team, pool)).find((o) => o !== undefined);
      // KubeSpawner renders no ResourceClaims, so a DRA pool offers notebooks no GPU (docs/dra.md).
      const gpus = local.flatMap((pool) =>
        Object.keys(usesDra(pools[pool].gpu) ? {} : resourcesPerGpu(pools[pool].gpu)).flatMap(
          (resource) => option(profile, team, pool, resource) ?? [],
        ),
      );
      return [team, [...(cpu ? [cpu] : []), ...gpus]];
    }),
  );
}

/** The environment of a team's servers: what the golden-path workloads get, with the same Secrets and names. */
export function notebookEnvironment(ctx: ComponentContext, team: string): Record<string, unknown> {
  const { profile } = ctx;
  const fromSecret = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });
  const env: Record<string, unknown> = {};
  if (ctx.isAvailable("mlflow")) {
    env.MLFLOW_TRACKING_URI = MLFLOW_TRACKING_URI;
    env.MLFLOW_EXPERIMENT_NAME = `${team}-notebooks`;
    if (ctx.isAvailable("opentelemetry-collector")) {
      // MLflow 3 tracing (e.g. mlflow.openai.autolog()) writes each span to the tracking server and, with dual export,
      // to the gateway too (mlflow/environment_variables.py MLFLOW_TRACE_ENABLE_OTLP_DUAL_EXPORT). OTLP over HTTP:
      // the client then needs opentelemetry-exporter-otlp-proto-http beside mlflow (docs/observability.md).
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `${OTLP_HTTP_ENDPOINT}/v1/traces`;
      env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL = "http/protobuf";
      env.MLFLOW_TRACE_ENABLE_OTLP_DUAL_EXPORT = "true";
      env.OTEL_SERVICE_NAME = `${team}-notebooks`;
    }
  }
  if (ctx.isAvailable("object-store") && usesS3Keys(profile)) {
    const secret = s3CredentialsSecretName(profile);
    env.AWS_ENDPOINT_URL = objectStoreEndpoint(profile);
    env.MLFLOW_S3_ENDPOINT_URL = objectStoreEndpoint(profile);
    env.AWS_DEFAULT_REGION = objectStoreRegion(profile);
    env.AWS_ACCESS_KEY_ID = fromSecret(secret, "AWS_ACCESS_KEY_ID");
    env.AWS_SECRET_ACCESS_KEY = fromSecret(secret, "AWS_SECRET_ACCESS_KEY");
  }
  const engine = profile.vectorDatabase.engine;
  if (ctx.isAvailable("vector-database") && engine !== "milvus") {
    const endpoint = vectorDatabaseEndpoint(engine);
    env.VECTOR_DB_ENGINE = engine;
    if (engine === "qdrant") {
      env.VECTOR_DB_ENDPOINT = vectorDatabaseHttpUrl(engine);
      env.VECTOR_DB_CREDENTIALS = fromSecret(TEAM_VECTOR_SECRET, "api-key");
    } else {
      env.VECTOR_DB_ENDPOINT = `postgresql://${endpoint.host}:${endpoint.ports[0]}/${pgvectorTenant(profile, team).database}`;
      env.VECTOR_DB_CREDENTIALS = fromSecret(TEAM_VECTOR_SECRET, "uri");
    }
  }
  return env;
}

/** Bytes, as KubeSpawner's memory traits take them (its `G` suffix is binary, so plain bytes avoid any doubt). */
function bytes(quantity: string): number {
  return parseQuantity(quantity) ?? 0;
}

/** A team's options as KubeSpawner profiles: namespace, queue labels, placement, resources and environment. */
export function kubespawnerProfiles(ctx: ComponentContext, team: string): Array<Record<string, unknown>> {
  const { profile } = ctx;
  const cloudStorage = usesCloudStorage(profile);
  return (notebookProfiles(profile)[team] ?? []).map((o, index) => {
    // The golden-path workloads' placement: team namespace and LocalQueue, the pool's node label and taints.
    const placement = samplePlacement(profile, {
      kind: "training-job",
      team,
      pool: o.pool,
      gpus: 0,
      replicas: 1,
      priority: "interactive",
    });
    const gpu = o.resources.gpu ? { [o.resources.gpu.resourceName]: String(o.resources.gpu.count) } : undefined;
    return {
      display_name: o.displayName,
      slug: o.slug,
      description: o.description,
      ...(index === 0 ? { default: true } : {}),
      kubespawner_override: {
        namespace: placement.namespace,
        extra_labels: { ...kueueLabels(placement), ...(cloudStorage ? cloudStorageUris(profile).podLabels : {}) },
        node_selector: { ...placement.nodeSelector },
        tolerations: placement.tolerations.map((t: Toleration) => ({ ...t })),
        cpu_guarantee: Number(parseQuantity(o.resources.cpu)),
        cpu_limit: Number(parseQuantity(o.resources.cpu)),
        mem_guarantee: bytes(o.resources.memory),
        mem_limit: bytes(o.resources.memory),
        ...(gpu ? { extra_resource_guarantees: gpu, extra_resource_limits: gpu } : {}),
        environment: notebookEnvironment(ctx, team),
        // Cloud storage works through the team's workload-identity ServiceAccount, as for its InferenceServices.
        ...(cloudStorage ? { service_account: KSERVE_STORAGE_SERVICE_ACCOUNT } : {}),
      },
    };
  });
}

function teamNamespaces(profile: Profile): string[] {
  return teamNames(profile).map((team) => teamNamespace(team, profile.teams[team]));
}

function settingsOf(ctx: ComponentContext): NotebooksSettings {
  return ctx.settings<NotebooksSettings>("notebooks");
}

/** The values of the JupyterHub release. */
export function notebooksValues(ctx: ComponentContext): Record<string, unknown> {
  const { profile } = ctx;
  const settings = settingsOf(ctx);
  const oidc = settings.oidc;
  const teams = teamNames(profile).map((team) => ({
    name: team,
    users: [...profile.teams[team].users],
    groups: [...profile.teams[team].groups],
    profiles: kubespawnerProfiles(ctx, team),
  }));
  const image = IMAGES["jupyter-singleuser"];
  const authenticator = oidc
    ? {
        JupyterHub: { authenticator_class: "generic-oauth" },
        GenericOAuthenticator: {
          client_id: oidc.clientId,
          scope: ["openid", "profile", "email"],
          username_claim: oidc.usernameClaim,
          // Team membership from the identity provider's groups; only members of a team's group may log in.
          manage_groups: true,
          auth_state_groups_key: `oauth_user.${oidc.groupsClaim}`,
          allowed_groups: [...new Set(teams.flatMap((t) => t.groups))].sort(),
        },
      }
    : {
        JupyterHub: { authenticator_class: "shared-password" },
        Authenticator: { allowed_users: [...new Set(teams.flatMap((t) => t.users))].sort() },
      };
  return {
    hub: {
      config: {
        ...authenticator,
        // Pod Security `restricted` for every server (KubeSpawner merges these over uid and fsGid).
        KubeSpawner: {
          pod_security_context: restrictedPodSecurityContext(1000),
          container_security_context: restrictedContainerSecurityContext(),
        },
      },
      extraConfig: { "notebooks-teams": HUB_CONFIG },
      extraEnv: oidc
        ? {
            [OIDC_CLIENT_SECRET_ENV]: {
              valueFrom: { secretKeyRef: { name: oidc.clientSecret, key: OIDC_CLIENT_SECRET_KEY } },
            },
          }
        : {
            [SHARED_PASSWORD_ENV]: {
              valueFrom: { secretKeyRef: { name: SHARED_PASSWORD_SECRET, key: SHARED_PASSWORD_KEY } },
            },
          },
      resources: resources("50m", "256Mi", "500m", "512Mi"),
      // The hub's sqlite database (users, servers, tokens) on the chart's volume claim.
      db: { pvc: { storage: "1Gi" } },
      // The chart admits labelled pods of its own namespace only; the servers run in the team namespaces.
      networkPolicy: {
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: "kubernetes.io/metadata.name", operator: "In", values: teamNamespaces(profile) },
                  ],
                },
                podSelector: { matchLabels: { "hub.jupyter.org/network-access-hub": "true" } },
              },
            ],
            ports: [{ port: HUB_PORT, protocol: "TCP" }],
          },
        ],
      },
    },
    proxy: {
      service: { type: "ClusterIP" },
      chp: { resources: resources("10m", "64Mi", "200m", "256Mi") },
    },
    singleuser: {
      image: { name: mirrored(image.repository, profile.mirror.images), tag: image.tag },
      // The iptables init container is privileged (Pod Security `restricted` forbids it); the team namespaces'
      // default-deny NetworkPolicies already keep servers off the metadata server.
      cloudMetadata: { blockWithIptables: false },
      // It would select servers in the release namespace only, where none run: the team namespaces' policies apply.
      networkPolicy: { enabled: false },
      // A server queued behind its team's quota waits this long; the spawn page shows the pod's events meanwhile.
      startTimeout: settings.startTimeoutMinutes * 60,
      events: true,
      storage: { capacity: HOME_VOLUME },
    },
    scheduling: {
      userScheduler: { enabled: false },
      userPlaceholder: { enabled: false },
      userPods: { nodeAffinity: { matchNodePurpose: "ignore" } },
    },
    prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
    cull: { enabled: true, timeout: settings.idleMinutes * 60 },
    custom: { notebooks: { teams, ...(oidc ? { oidc: { issuerUrl: oidc.issuerUrl } } : {}) } },
  };
}

/** The cloud providers, where notebooks log users in through the identity provider (no shared password). */
const CLOUDS: readonly string[] = ["eks", "gke", "aks"];

/**
 * On a cloud, notebooks need an identity provider: the shared password is for kind and your own cluster
 * (`kubeconfig`), where the platform admin hands it out.
 */
function notebooksProblems(ctx: ComponentContext): Problem[] {
  const { profile } = ctx;
  if (ctx.lifecycle("notebooks") !== "managed" || !CLOUDS.includes(profile.cluster.provider)) return [];
  const parsed = notebooksSettings.safeParse(profile.components.notebooks?.settings ?? {});
  if (!parsed.success || parsed.data.oidc !== undefined) return [];
  return [
    {
      path: "components.notebooks.settings.oidc",
      value: undefined,
      allowed: `notebooks on cluster provider "${profile.cluster.provider}" log users in through OpenID Connect: give issuerUrl, clientId and clientSecret (a Secret you create in namespace "${NOTEBOOKS_NAMESPACE}" with key "${OIDC_CLIENT_SECRET_KEY}"), or set components.notebooks.lifecycle to "disabled"`,
    },
  ];
}

export const notebooks: ComponentDefinition = {
  id: "notebooks",
  title: "Notebooks (JupyterHub)",
  summary: "JupyterHub: each user's notebook server in their team namespace, queued by Kueue under the team's quota",
  // Every profile with teams gets notebooks; without teams it renders nothing. On a cloud it needs settings.oidc.
  defaultLifecycle: "managed",
  reservedNamespaces: [NOTEBOOKS_NAMESPACE],
  placement: "management-only",
  settings: notebooksSettings,
  problems: notebooksProblems,
  teamEgress: (ctx) =>
    teamNames(ctx.profile).length === 0
      ? []
      : [{ name: "notebooks-hub", namespace: NOTEBOOKS_NAMESPACE, ports: [HUB_PORT] }],
  teamIngress: (ctx) =>
    teamNames(ctx.profile).length === 0
      ? []
      : [{ name: "notebooks", namespace: NOTEBOOKS_NAMESPACE, ports: [NOTEBOOK_PORT] }],
  dependencies: () => [
    { id: "kueue", reason: "notebook servers are queued in their team's LocalQueue (Kueue's pod integration)" },
    { id: "tenancy", reason: "notebook servers run in the team namespaces, under their quotas and policies" },
  ],
  namespaces: (ctx) =>
    teamNames(ctx.profile).length === 0 ? [] : [{ name: NOTEBOOKS_NAMESPACE }, ...teamNamespaceSpecs(ctx.profile)],
  steps: (ctx) =>
    teamNames(ctx.profile).length === 0
      ? []
      : [
          {
            kind: "upstream",
            name: RELEASE,
            namespace: NOTEBOOKS_NAMESPACE,
            chart: "jupyterhub",
            primary: true,
            // The hub's database (users, servers, tokens) on the volume claim the chart templates: an uninstall
            // would delete it.
            onFailedInstall: "keep",
            values: notebooksValues(ctx),
          },
          {
            kind: "local",
            name: "notebook-access",
            namespace: NOTEBOOKS_NAMESPACE,
            // Roles and RoleBindings from the profile; the servers and their volumes are not in the release.
            onFailedInstall: "uninstall",
            render: (app: Construct, id: string) =>
              new NotebookAccess(app, id, {
                hubServiceAccount: { name: HUB_SERVICE_ACCOUNT, namespace: NOTEBOOKS_NAMESPACE },
                namespaces: teamNamespaces(ctx.profile),
                volumes: true,
              }),
          },
        ],
  secrets: (ctx): GeneratedSecret[] => [
    ...(settingsOf(ctx).oidc || teamNames(ctx.profile).length === 0
      ? []
      : [
          {
            name: SHARED_PASSWORD_SECRET,
            namespace: NOTEBOOKS_NAMESPACE,
            credential: "notebooks-shared-password",
            role: "server" as const,
            data: { [SHARED_PASSWORD_KEY]: "{password}" },
          },
        ]),
    // The servers read the team's read-write S3 keys; KServe declares the same Secrets when it is managed.
    ...(ctx.lifecycle("object-store") === "managed" && ctx.lifecycle("kserve") !== "managed"
      ? teamNames(ctx.profile).flatMap((team) => teamS3Secrets(ctx.profile, team))
      : []),
  ],
};
