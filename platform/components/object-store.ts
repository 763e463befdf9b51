import { teamNames, teamNamespace } from "../../profiles/plan";
import type { Profile } from "../../profiles/schema";
import type { Problem } from "../../profiles/problems";
import type { ComponentContext, ComponentDefinition, GeneratedSecret } from "../component";
import { lifecycleIn } from "../component";

import { monitoringEnabled, resources, RESTRICTED_CONTAINER } from "./shared";

export const OBJECT_STORE_NAMESPACE = "object-store";

/** The S3 client credentials every reader of the store mounts (keys `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`). */
export const S3_CREDENTIALS_SECRET = "object-store-credentials";

/** The Helm release; with this name the chart's full name is plain `seaweedfs` (it contains the chart name). */
const RELEASE = "seaweedfs";

/** `seaweedfs.componentName (list . "all-in-one")`: the Service in front of master, volume, filer and S3. */
export const SEAWEEDFS_SERVICE = `${RELEASE}-all-in-one`;

/** The S3 gateway port, set explicitly so the endpoint below never depends on a chart default. */
export const S3_PORT = 8333;

/** SeaweedFS accepts any region in signatures; clients still need one for SigV4. */
const MANAGED_REGION = "us-east-1";

/**
 * The identities file SeaweedFS's S3 gateway reads (`-s3.config=/etc/sw/s3/seaweedfs_s3_config`, mounted
 * from `allInOne.s3.existingConfigSecret`): the JSON shape the chart's own `s3-secret.yaml` writes. Actions
 * scoped as `Action:bucket` limit an identity to one bucket (seaweedfs/seaweedfs@4.44:weed/command/s3.go, the
 * `-config` example "user_limited_to_bucket1"; weed/s3api/auth_credentials.go).
 */
const S3_CONFIG_SECRET = "seaweedfs-s3-config";

/**
 * SeaweedFS runs as an unprivileged user: the chart's own example values use UID 1000, and the data volume
 * is made group-writable through fsGroup.
 */
const SEAWEEDFS_POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: "RuntimeDefault" },
};
const S3_CONFIG_KEY = "seaweedfs_s3_config";

/** The platform's own identity (bucket creation, administration): its Secret stays in the store's namespace. */
const ADMIN_CREDENTIAL = "object-store";
const MLFLOW_CREDENTIAL = "object-store-mlflow";

/**
 * The managed store's S3 identities: the admin; MLflow, on its artifacts bucket only (teams reach artifacts
 * through MLflow, which proxies them); and per team one read-write identity and one read-only identity for
 * serving, both on the team's own bucket only.
 */
export function s3Identities(profile: Profile): Array<{ name: string; credential: string; actions: string[] }> {
  const readWrite = (bucket: string) => ["Read", "Write", "List", "Tagging"].map((action) => `${action}:${bucket}`);
  return [
    { name: "platform", credential: ADMIN_CREDENTIAL, actions: ["Admin", "Read", "List", "Tagging", "Write"] },
    { name: "mlflow", credential: MLFLOW_CREDENTIAL, actions: readWrite(profile.buckets.mlflowArtifacts) },
    ...teamNames(profile).flatMap((team) => {
      const bucket = teamBucket(profile, team);
      return [
        { name: bucket, credential: teamCredential(profile, team, "read-write"), actions: readWrite(bucket) },
        {
          name: `${bucket}-serving`,
          credential: teamCredential(profile, team, "read"),
          actions: [`Read:${bucket}`, `List:${bucket}`],
        },
      ];
    }),
  ];
}

/** A team's own bucket in the managed store: named after its namespace. */
export function teamBucket(profile: Profile, team: string): string {
  return teamNamespace(team, profile.teams[team]);
}

function teamCredential(profile: Profile, team: string, access: "read-write" | "read"): string {
  return `object-store-${teamBucket(profile, team)}${access === "read" ? "-serving" : ""}`;
}

/** The Secret a team's serving (KServe's storage initializer) reads models with: read-only on the team's bucket. */
export const S3_SERVING_CREDENTIALS_SECRET = "object-store-serving-credentials";

/** A client Secret with one identity's S3 keys (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`). */
function s3KeysSecret(name: string, namespace: string, credential: string): GeneratedSecret {
  return {
    name,
    namespace,
    credential,
    data: { AWS_ACCESS_KEY_ID: "{username}", AWS_SECRET_ACCESS_KEY: "{password}" },
  };
}

/** MLflow's S3 keys, in its namespace: read-write on the artifacts bucket only. */
export function mlflowS3Secret(namespace: string): GeneratedSecret {
  return s3KeysSecret(S3_CREDENTIALS_SECRET, namespace, MLFLOW_CREDENTIAL);
}

/** A team's two Secrets in its namespace: read-write keys for its jobs, read-only keys for serving. */
export function teamS3Secrets(profile: Profile, team: string): GeneratedSecret[] {
  const namespace = teamNamespace(team, profile.teams[team]);
  return [
    s3KeysSecret(S3_CREDENTIALS_SECRET, namespace, teamCredential(profile, team, "read-write")),
    s3KeysSecret(S3_SERVING_CREDENTIALS_SECRET, namespace, teamCredential(profile, team, "read")),
  ];
}

type KeyedStore = Exclude<NonNullable<Profile["external"]["objectStore"]>, { cloud: true }>;

/** An external S3-compatible store with keys (not cloud storage, which works by identity and has no endpoint here). */
function externalStore(profile: Profile): KeyedStore {
  const external = profile.external.objectStore;
  if (external === undefined || "cloud" in external) {
    throw new Error("external.objectStore: an S3-compatible endpoint with keys is needed here, not cloud storage");
  }
  return external;
}

/** True when clients use an S3 endpoint with keys: the managed SeaweedFS, or an external S3-compatible store. */
export function usesS3Keys(profile: Profile): boolean {
  const lifecycle = lifecycleIn(profile, objectStore);
  const external = profile.external.objectStore;
  return lifecycle === "managed" || (lifecycle === "external" && external !== undefined && !("cloud" in external));
}

function isExternal(profile: Profile): boolean {
  return lifecycleIn(profile, objectStore) === "external";
}

/** The S3 endpoint URL (scheme, host and port) clients use. */
export function objectStoreEndpoint(profile: Profile): string {
  if (isExternal(profile)) return externalStore(profile).endpoint;
  return `http://${SEAWEEDFS_SERVICE}.${OBJECT_STORE_NAMESPACE}.svc.cluster.local:${S3_PORT}`;
}

export function objectStoreRegion(profile: Profile): string {
  return isExternal(profile) ? externalStore(profile).region : MANAGED_REGION;
}

/**
 * The Secret with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` in a reader's namespace: the generated
 * copy for the managed store, or the one the profile names for an external store.
 */
export function s3CredentialsSecretName(profile: Profile): string {
  return isExternal(profile) ? externalStore(profile).credentialsSecret : S3_CREDENTIALS_SECRET;
}

/** The Secret KServe's storage initializer reads models with: the team's read-only keys, or an external store's Secret. */
export function s3ServingSecretName(profile: Profile): string {
  return isExternal(profile) ? externalStore(profile).credentialsSecret : S3_SERVING_CREDENTIALS_SECRET;
}

/** Where a team's models live: its own bucket in the managed store, the shared models bucket of an external store. */
export function teamModelsUri(profile: Profile, team: string, model: string): string {
  return isExternal(profile) ? `s3://${profile.buckets.models}/${model}` : `s3://${teamBucket(profile, team)}/${model}`;
}

/**
 * SeaweedFS in all-in-one mode: one pod running master, volume server, filer and the S3 gateway, the
 * lightest layout that still serves authenticated S3. The separate master/volume/filer workloads are
 * switched off, since the chart renders them whenever their own `enabled` is true.
 */
export const objectStore: ComponentDefinition = {
  id: "object-store",
  title: "Object store (SeaweedFS)",
  summary: "S3-compatible storage for MLflow artifacts and models, with generated credentials",
  defaultLifecycle: "managed",
  reservedNamespaces: [OBJECT_STORE_NAMESPACE],
  placement: "management-only",
  teamEgress: () => [{ name: "object-store", namespace: OBJECT_STORE_NAMESPACE, ports: [S3_PORT] }],
  problems: (ctx) => objectStoreProblems(ctx),
  dependencies: () => [{ id: "observability", optional: true, reason: "ServiceMonitor for metrics" }],
  namespaces: (ctx: ComponentContext) =>
    ctx.lifecycle("object-store") === "managed" ? [{ name: OBJECT_STORE_NAMESPACE }] : [],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: RELEASE,
      namespace: OBJECT_STORE_NAMESPACE,
      chart: "seaweedfs",
      primary: true,
      // The artifacts and models: the chart templates the all-in-one data volume claim itself
      // (seaweedfs/seaweedfs@4.44:k8s/charts/seaweedfs/templates/all-in-one/all-in-one-pvc.yaml), so an
      // uninstall deletes it; a rollback would run the previous SeaweedFS over data the new one wrote.
      onFailedInstall: "keep",
      values: {
        global: { seaweedfs: { monitoring: { enabled: monitoringEnabled(ctx) } } },
        master: { enabled: false },
        volume: { enabled: false },
        // Off in all-in-one mode; the post-install bucket hook still takes the filer's security contexts
        // (seaweedfs/seaweedfs@4.44:k8s/charts/seaweedfs/templates/shared/post-install-bucket-hook.yaml).
        filer: {
          enabled: false,
          podSecurityContext: { enabled: true, ...SEAWEEDFS_POD_SECURITY },
          containerSecurityContext: { enabled: true, ...RESTRICTED_CONTAINER },
        },
        allInOne: {
          enabled: true,
          s3: {
            enabled: true,
            port: S3_PORT,
            enableAuth: true,
            existingConfigSecret: S3_CONFIG_SECRET,
            // Documented only as a comment in values.yaml; read by the post-install bucket hook Job.
            createBuckets: [
              { name: ctx.profile.buckets.mlflowArtifacts },
              { name: ctx.profile.buckets.models },
              ...teamNames(ctx.profile).map((team) => ({ name: teamBucket(ctx.profile, team) })),
            ],
            createBucketsHook: { resources: resources("10m", "32Mi", "100m", "128Mi") },
          },
          data: { type: "persistentVolumeClaim", size: "5Gi" },
          resources: resources("50m", "128Mi", "1", "1Gi"),
          // The chart sets no security context by default; `enabled` is the chart's switch, not a Kubernetes field.
          podSecurityContext: { enabled: true, ...SEAWEEDFS_POD_SECURITY },
          containerSecurityContext: { enabled: true, ...RESTRICTED_CONTAINER },
        },
      },
    },
  ],
  secrets: (ctx) => [
    {
      name: S3_CONFIG_SECRET,
      namespace: OBJECT_STORE_NAMESPACE,
      credential: ADMIN_CREDENTIAL,
      role: "server",
      data: {
        [S3_CONFIG_KEY]: JSON.stringify({
          identities: s3Identities(ctx.profile).map(({ name, credential, actions }) => ({
            name,
            credentials: [{ accessKey: `{${credential}.username}`, secretKey: `{${credential}.password}` }],
            actions,
          })),
        }),
      },
    },
    // The admin's keys exist only here, in the store's own namespace.
    s3KeysSecret(S3_CREDENTIALS_SECRET, OBJECT_STORE_NAMESPACE, ADMIN_CREDENTIAL),
  ],
};

/** Where the object store lives must agree with its lifecycle: cloud buckets are external, an external store is described. */
function objectStoreProblems(ctx: ComponentContext): Problem[] {
  const { profile } = ctx;
  const lifecycle = ctx.lifecycle("object-store");
  const store = profile.external.objectStore;
  const problems: Problem[] = [];
  if (store !== undefined && "cloud" in store && profile.cluster.provider === "kind") {
    problems.push({
      path: "external.objectStore.cloud",
      value: true,
      allowed: "cloud storage is made by a cloud cluster stack (EKS, GKE, AKS); on kind use the managed object store",
    });
  }
  if (store !== undefined && "cloud" in store && lifecycle !== "external") {
    problems.push({
      path: "components.object-store.lifecycle",
      value: lifecycle,
      allowed: 'with external.objectStore.cloud the buckets are the cloud\'s: use "external"',
    });
  }
  if (lifecycle === "managed") {
    // Each team's bucket is named after its namespace (teamBucket).
    for (const team of teamNames(profile)) {
      const bucket = teamBucket(profile, team);
      if (bucket === profile.buckets.mlflowArtifacts || bucket === profile.buckets.models) {
        problems.push({
          path: `teams.${team}.namespace`,
          value: bucket,
          allowed: `the team's bucket is named after its namespace, and "${bucket}" is already the platform's bucket (buckets.*); choose another namespace, e.g. team-${team}`,
        });
      } else if (bucket.length < 3) {
        problems.push({
          path: `teams.${team}.namespace`,
          value: bucket,
          allowed:
            "the team's bucket is named after its namespace, and a bucket name has at least 3 characters; use a longer namespace",
        });
      }
    }
  }
  if (lifecycle === "external" && store === undefined) {
    problems.push({
      path: "external.objectStore",
      value: undefined,
      allowed: "components.object-store is external: give endpoint, region and credentialsSecret",
    });
  }
  return problems;
}
