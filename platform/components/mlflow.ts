import type { BackendStore } from "../../charts/mlflow";
import { MLFLOW_PORT, MlflowChart } from "../../charts/mlflow";
import type { Profile } from "../../profiles/schema";
import type { ComponentDefinition } from "../component";
import { lifecycleIn } from "../component";
import { imageRef } from "../versions";
import { cloudStorageUris, MLFLOW_SERVICE_ACCOUNT, usesCloudStorage } from "../clouds/storage";
import { mlflowS3Secret, objectStoreEndpoint, objectStoreRegion, s3CredentialsSecretName } from "./object-store";
import { MLFLOW_DB_APP_SECRET, MLFLOW_NAMESPACE, postgresql } from "./postgresql";
import { resources } from "./shared";

/** The Service name; in-cluster clients use `http://mlflow.mlflow.svc.cluster.local:5000`. */
export const MLFLOW_SERVICE = "mlflow";

/** The tracking URI for clients inside the cluster. */
export const MLFLOW_TRACKING_URI = `http://${MLFLOW_SERVICE}.${MLFLOW_NAMESPACE}.svc.cluster.local:${MLFLOW_PORT}`;

/**
 * Host headers MLflow accepts: the Service's DNS names, with and without the port (the header carries
 * the port when the client's URL does), and `kubectl port-forward` on the default local port.
 */
export function mlflowAllowedHosts(): string[] {
  const names = [
    MLFLOW_SERVICE,
    `${MLFLOW_SERVICE}.${MLFLOW_NAMESPACE}`,
    `${MLFLOW_SERVICE}.${MLFLOW_NAMESPACE}.svc`,
    `${MLFLOW_SERVICE}.${MLFLOW_NAMESPACE}.svc.cluster.local`,
  ];
  return [
    ...names.flatMap((name) => [name, `${name}:${MLFLOW_PORT}`]),
    `localhost:${MLFLOW_PORT}`,
    `127.0.0.1:${MLFLOW_PORT}`,
  ];
}

/** CloudNativePG's generated URI for the managed database; host, port and a credentials Secret for an external one. */
export function mlflowBackendStore(profile: Profile): BackendStore {
  if (lifecycleIn(profile, postgresql) !== "external") {
    return { kind: "uri-secret", secretName: MLFLOW_DB_APP_SECRET, key: "uri" };
  }
  const external = profile.external.postgresql;
  if (external === undefined) {
    throw new Error('components.postgresql.lifecycle is "external" but external.postgresql is not set');
  }
  return {
    kind: "postgresql",
    host: external.host,
    port: external.port,
    database: external.database,
    credentialsSecret: external.credentialsSecret,
  };
}

/** The MLflow tracking server, authored here (no upstream chart): PostgreSQL backend store, S3 artifacts proxied by the server. */
export const mlflow: ComponentDefinition = {
  id: "mlflow",
  title: "MLflow",
  summary: "Experiment tracking and model registry, backed by PostgreSQL and the object store",
  defaultLifecycle: "managed",
  reservedNamespaces: [MLFLOW_NAMESPACE],
  placement: "management-only",
  teamEgress: () => [{ name: "mlflow", namespace: MLFLOW_NAMESPACE, ports: [MLFLOW_PORT] }],
  dependencies: () => [
    { id: "postgresql", reason: "the tracking database (backend store)" },
    { id: "object-store", reason: "the artifact store" },
  ],
  namespaces: () => [{ name: MLFLOW_NAMESPACE }],
  steps: (ctx) => [
    {
      kind: "local",
      name: "mlflow",
      namespace: MLFLOW_NAMESPACE,
      // The tracking server holds no data itself: runs live in mlflow-db and artifacts in the object store,
      // both releases that keep.
      onFailedInstall: "uninstall",
      render: (app, id) =>
        new MlflowChart(app, id, {
          namespace: MLFLOW_NAMESPACE,
          name: MLFLOW_SERVICE,
          image: imageRef("mlflow", ctx.profile.mirror.images),
          backendStore: mlflowBackendStore(ctx.profile),
          artifactsDestination: usesCloudStorage(ctx.profile)
            ? cloudStorageUris(ctx.profile).artifactsUri
            : `s3://${ctx.profile.buckets.mlflowArtifacts}/`,
          storage: usesCloudStorage(ctx.profile)
            ? {
                kind: "workload-identity",
                serviceAccountName: MLFLOW_SERVICE_ACCOUNT,
                podLabels: cloudStorageUris(ctx.profile).podLabels,
                env: cloudStorageUris(ctx.profile).mlflowEnv,
              }
            : {
                kind: "s3-keys",
                endpointUrl: objectStoreEndpoint(ctx.profile),
                region: objectStoreRegion(ctx.profile),
                credentialsSecret: s3CredentialsSecretName(ctx.profile),
              },
          allowedHosts: mlflowAllowedHosts(),
          resources: resources("50m", "384Mi", "1", "1Gi"),
          workers: 2,
        }),
    },
  ],
  // MLflow's own keys, on its artifacts bucket only. An external store's credentials Secret is provided by the
  // operator of that store, in every reader's namespace.
  secrets: (ctx) => (ctx.lifecycle("object-store") === "managed" ? [mlflowS3Secret(MLFLOW_NAMESPACE)] : []),
};
