import type { Profile } from "../../profiles/schema";
import type { Problem } from "../../profiles/problems";
import type { ComponentContext, ComponentDefinition, GeneratedSecret } from "../component";
import { lifecycleIn } from "../component";

import { monitoringEnabled, resources } from "./shared";

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
 * from `allInOne.s3.existingConfigSecret`): the same JSON shape the chart's own `s3-secret.yaml` writes.
 */
const S3_CONFIG_SECRET = "seaweedfs-s3-config";
const S3_CONFIG_KEY = "seaweedfs_s3_config";
const S3_IDENTITIES_TEMPLATE = JSON.stringify({
  identities: [
    {
      name: "platform",
      credentials: [{ accessKey: "{username}", secretKey: "{password}" }],
      actions: ["Admin", "Read", "List", "Tagging", "Write"],
    },
  ],
});

/** A copy of the S3 client credentials in a namespace that reads from the managed store. */
export function s3CredentialsSecret(namespace: string): GeneratedSecret {
  return {
    name: S3_CREDENTIALS_SECRET,
    namespace,
    credential: "object-store",
    data: { AWS_ACCESS_KEY_ID: "{username}", AWS_SECRET_ACCESS_KEY: "{password}" },
  };
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
      values: {
        global: { seaweedfs: { monitoring: { enabled: monitoringEnabled(ctx) } } },
        master: { enabled: false },
        volume: { enabled: false },
        filer: { enabled: false },
        allInOne: {
          enabled: true,
          s3: {
            enabled: true,
            port: S3_PORT,
            enableAuth: true,
            existingConfigSecret: S3_CONFIG_SECRET,
            // Documented only as a comment in values.yaml; read by the post-install bucket hook Job.
            createBuckets: [{ name: ctx.profile.buckets.mlflowArtifacts }, { name: ctx.profile.buckets.models }],
            createBucketsHook: { resources: resources("10m", "32Mi", "100m", "128Mi") },
          },
          data: { type: "persistentVolumeClaim", size: "5Gi" },
          resources: resources("50m", "128Mi", "1", "1Gi"),
        },
      },
      workloads: [{ name: SEAWEEDFS_SERVICE, replicas: 1, resourcesAt: "allInOne.resources" }],
    },
  ],
  secrets: () => [
    {
      name: S3_CONFIG_SECRET,
      namespace: OBJECT_STORE_NAMESPACE,
      credential: "object-store",
      data: { [S3_CONFIG_KEY]: S3_IDENTITIES_TEMPLATE },
    },
    s3CredentialsSecret(OBJECT_STORE_NAMESPACE),
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
  if (lifecycle === "external" && store === undefined) {
    problems.push({
      path: "external.objectStore",
      value: undefined,
      allowed: "components.object-store is external: give endpoint, region and credentialsSecret",
    });
  }
  return problems;
}
