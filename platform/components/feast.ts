import type { Construct } from "constructs";
import type { STORE_SECRET_KEYS } from "../../charts/feast";
import { FeastOperatorChart, FEATURE_SERVER_PORT, FeatureStoresChart } from "../../charts/feast";
import { PostgresClusterChart } from "../../charts/postgres-cluster";
import { teamNames, teamNamespace } from "../../profiles/plan";
import type { Profile } from "../../profiles/schema";
import type { ComponentDefinition, GeneratedSecret } from "../component";
import { pinnedManifest } from "../manifests";
import { imageRef } from "../versions";
import { monitoringEnabled, resources } from "./shared";
import { teamNamespaceSpecs } from "./teams";

/** The operator's namespace, as its manifest names it (feast-dev/feast@v0.66.0:infra/feast-operator/dist/install.yaml). */
export const OPERATOR_NAMESPACE = "feast-operator-system";
/** The feature stores' database and the FeatureStores themselves (see FeatureStoresChart for why not the team namespaces). */
export const FEAST_NAMESPACE = "feast";
export const OPERATOR_RELEASE = "feast-operator";
/** The release with every team's CloudNativePG Cluster. */
const DB_RELEASE = "feast-db";
const FEAST_DB_PORT = 5432;
const STORES_RELEASE = "feature-stores";
/** Each team's database and its owner, in the team's own Cluster. */
const DB_NAME = "feast";
const DB_OWNER = "feast";

/** The Secret in every team namespace with the team's client `feature_store.yaml` and its feature server's URL. */
export const TEAM_FEAST_SECRET = "feast-store";
/** Its keys. */
export const TEAM_FEAST_KEYS = { config: "feature_store.yaml", featureServerUrl: "feature-server-url" } as const;

/** One team's feature store: its FeatureStore, Feast project, PostgreSQL Cluster, and Secrets. */
export interface FeastTenant {
  readonly teamNamespace: string;
  /** The FeatureStore's name: the team namespace. */
  readonly name: string;
  /** The Feast project: the team namespace with `_` for `-`. */
  readonly project: string;
  /**
   * The team's CloudNativePG Cluster, `db-<team namespace>`: not `feast-<…>`, the operator's prefix, because both
   * the operator and CloudNativePG name a ServiceAccount after their object.
   */
  readonly cluster: string;
  /** The read/write Service of the team's Cluster. */
  readonly host: string;
  /** In FEAST_NAMESPACE: the database owner's credentials, which `initdb` sets. */
  readonly ownerSecret: string;
  /** In FEAST_NAMESPACE: the FeatureStore's store parameters (STORE_SECRET_KEYS). */
  readonly storeSecret: string;
  /** The generated credential the three Secrets share. */
  readonly credential: string;
}

export function feastTenant(profile: Profile, team: string): FeastTenant {
  const namespace = teamNamespace(team, profile.teams[team]);
  const cluster = `db-${namespace}`;
  return {
    teamNamespace: namespace,
    name: namespace,
    project: namespace.replace(/-/g, "_"),
    cluster,
    host: `${cluster}-rw.${FEAST_NAMESPACE}.svc.cluster.local`,
    ownerSecret: `${cluster}-owner`,
    storeSecret: `feature-store-${namespace}`,
    credential: `feast-${namespace}`,
  };
}

/** The online feature server of a team's store: the operator's Service `feast-<name>-online` on port 80 (services.go:1264). */
export function featureServerUrl(tenant: FeastTenant): string {
  return `http://feast-${tenant.name}-online.${FEAST_NAMESPACE}.svc.cluster.local`;
}

/**
 * A store's `feature_store.yaml` parameters, without `type`/`registry_type` (the operator adds them and rejects a
 * Secret that disagrees: repo_config.go `extractConfigFromSecret`). PostgreSQL's keys are the PostgreSQLConfig fields
 * (feast-dev/feast@v0.66.0:sdk/python/feast/infra/utils/postgres/postgres_config.py); `sslmode: require` encrypts to
 * CloudNativePG's server certificate without verifying it (docs/reference/online-stores/postgres.md). The SQL
 * registry's `path` is a SQLAlchemy URL; Feast rewrites a bare `postgresql://` to its psycopg 3 driver
 * (docs/reference/registries/sql.md, sdk/python/feast/infra/registry/sql.py:320). The password is quoted so that
 * YAML reads it as a string whatever its characters.
 */
function storeParameters(tenant: FeastTenant): Record<keyof typeof STORE_SECRET_KEYS, string> {
  const postgres = [
    `host: ${tenant.host}`,
    `port: ${FEAST_DB_PORT}`,
    `database: ${DB_NAME}`,
    "db_schema: public",
    `user: ${DB_OWNER}`,
    'password: "{password}"',
    "sslmode: require",
    "",
  ].join("\n");
  return {
    registry: `path: postgresql://${DB_OWNER}:{password}@${tenant.host}:${FEAST_DB_PORT}/${DB_NAME}?sslmode=require\ncache_ttl_seconds: 60\n`,
    offline: postgres,
    online: postgres,
  };
}

const indent = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");

/**
 * The team's client configuration: the same stores as its FeatureStore, read directly with the team's credentials,
 * so `FeatureStore(fs_yaml_file=...)` gets historical features (offline store) and online features (online store),
 * and `feast apply` writes the registry. Serialization version 3 is the operator's (api/v1/featurestore_types.go:73).
 */
export function teamFeatureStoreYaml(tenant: FeastTenant): string {
  const parameters = storeParameters(tenant);
  return [
    `project: ${tenant.project}`,
    "provider: local",
    "entity_key_serialization_version: 3",
    "registry:",
    "  registry_type: sql",
    indent(parameters.registry),
    "offline_store:",
    "  type: postgres",
    indent(parameters.offline),
    "online_store:",
    "  type: postgres",
    indent(parameters.online),
    "",
  ].join("\n");
}

function tenants(profile: Profile): FeastTenant[] {
  return teamNames(profile).map((team) => feastTenant(profile, team));
}

/**
 * Feast 0.66.0, the feature store, through its operator (no Helm chart upstream: its published manifest is pinned data,
 * platform/manifests.ts). Every team gets a FeatureStore of its own: a Feast project whose SQL registry, PostgreSQL
 * offline store and PostgreSQL online store are the one database of the team's own CloudNativePG Cluster, whose
 * password only that team's Secrets hold. A Cluster per team rather than a database per team in one Cluster: a team's
 * database would be a CloudNativePG `Database` resource, whose CRD the pinned reference data lacks (it has `Cluster`
 * only), so it could not be checked for conformance; and separate instances cannot leak through a shared server.
 * Why PostgreSQL for all three roles, and why the stores run in the `feast` namespace: docs/feast.md.
 *
 * `disabled` by default: an operator and a PostgreSQL instance per team a laptop's footprint has no room for.
 */
export const feast: ComponentDefinition = {
  id: "feast",
  title: "Feast",
  summary:
    "Feature store: one Feast project per team on PostgreSQL (registry, offline and online store), served by the Feast operator",
  defaultLifecycle: "disabled",
  reservedNamespaces: [OPERATOR_NAMESPACE, FEAST_NAMESPACE],
  placement: "management-only",
  dependencies: () => [
    { id: "postgres-operator", reason: "the feature stores' database is a CloudNativePG Cluster" },
    { id: "observability", optional: true, reason: "PodMonitor for the feature stores' database" },
  ],
  // Each team reaches its feature server (the NetworkPolicy in FEAST_NAMESPACE admits only the store's own team) and
  // the database, where its role opens only its own database: training reads historical features from the offline store.
  teamEgress: () => [{ name: "feast", namespace: FEAST_NAMESPACE, ports: [FEATURE_SERVER_PORT, FEAST_DB_PORT] }],
  namespaces: (ctx) => [{ name: OPERATOR_NAMESPACE }, { name: FEAST_NAMESPACE }, ...teamNamespaceSpecs(ctx.profile)],
  secrets: (ctx): GeneratedSecret[] =>
    tenants(ctx.profile).flatMap((tenant): GeneratedSecret[] => [
      {
        name: tenant.ownerSecret,
        namespace: FEAST_NAMESPACE,
        credential: tenant.credential,
        role: "server",
        type: "kubernetes.io/basic-auth",
        data: { username: DB_OWNER, password: "{password}" },
      },
      {
        // The feature server's own configuration (the operator reads it into the server's feature_store.yaml).
        name: tenant.storeSecret,
        namespace: FEAST_NAMESPACE,
        credential: tenant.credential,
        role: "server",
        data: storeParameters(tenant),
      },
      {
        name: TEAM_FEAST_SECRET,
        namespace: tenant.teamNamespace,
        credential: tenant.credential,
        data: {
          [TEAM_FEAST_KEYS.config]: teamFeatureStoreYaml(tenant),
          [TEAM_FEAST_KEYS.featureServerUrl]: featureServerUrl(tenant),
        },
      },
    ]),
  steps: (ctx) => {
    const mirror = ctx.profile.mirror.images;
    const teams = tenants(ctx.profile);
    return [
      {
        kind: "local",
        name: OPERATOR_RELEASE,
        namespace: OPERATOR_NAMESPACE,
        // The operator, its RBAC and the CRD, all from the pinned manifest; the data is in the teams' Clusters.
        onFailedInstall: "uninstall",
        render: (app: Construct, id: string) =>
          new FeastOperatorChart(app, id, {
            objects: pinnedManifest("feast-operator"),
            images: {
              operator: imageRef("feast-operator", mirror),
              featureServer: imageRef("feast-feature-server", mirror),
              cronJob: imageRef("feast-cronjob", mirror),
            },
          }),
      },
      ...(teams.length === 0
        ? []
        : [
            {
              kind: "local" as const,
              name: DB_RELEASE,
              namespace: FEAST_NAMESPACE,
              // The feature data: kept for the reasons of mlflow-db (platform/components/postgresql.ts).
              onFailedInstall: "keep" as const,
              render: (app: Construct, id: string) => {
                for (const t of teams) {
                  new PostgresClusterChart(app, `${id}-${t.cluster}`, {
                    name: t.cluster,
                    namespace: FEAST_NAMESPACE,
                    database: DB_NAME,
                    owner: DB_OWNER,
                    ownerSecret: t.ownerSecret,
                    image: imageRef("postgresql", mirror),
                    instances: 1,
                    storageSize: "2Gi",
                    resources: resources("50m", "128Mi", "500m", "512Mi"),
                    enablePodMonitor: monitoringEnabled(ctx),
                  });
                }
              },
            },
            {
              kind: "local" as const,
              name: STORES_RELEASE,
              namespace: FEAST_NAMESPACE,
              after: [OPERATOR_RELEASE, DB_RELEASE],
              // FeatureStores and NetworkPolicies from the profile; what they serve is in the teams' Clusters.
              onFailedInstall: "uninstall" as const,
              render: (app: Construct, id: string) =>
                new FeatureStoresChart(app, id, {
                  namespace: FEAST_NAMESPACE,
                  stores: teams.map((t) => ({
                    name: t.name,
                    project: t.project,
                    teamNamespace: t.teamNamespace,
                    secret: t.storeSecret,
                  })),
                  resources: resources("100m", "256Mi", "1", "1Gi"),
                }),
            },
          ]),
    ];
  },
};
