/**
 * The MLflow tracking server: one Deployment running `mlflow server` from the official `-full` image
 * (which ships the PostgreSQL driver and the S3 client), and a Service `mlflow` on port 5000.
 *
 * Every credential reaches the pod through `secretKeyRef`; the manifests carry only Secret names.
 * The server proxies artifacts (`--serve-artifacts`), so clients need no S3 credentials of their own.
 */
import { ApiObject, Chart, Duration, JsonPatch, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-27";
import type { Construct } from "constructs";
import type { Resources } from "./resources";

/** MLflow's default port, also the Service port. */
export const MLFLOW_PORT = 5000;

/** Where MLflow's backend store (the tracking database) lives. */
export type BackendStore =
  /** A Secret holding a complete SQLAlchemy URI, e.g. CloudNativePG's `<cluster>-app` Secret (key `uri`). */
  | { readonly kind: "uri-secret"; readonly secretName: string; readonly key: string }
  /**
   * A PostgreSQL server given by address, with `username` / `password` keys in a Secret. The values are
   * spliced into the URI unescaped, so they must be URL-safe.
   */
  | {
      readonly kind: "postgresql";
      readonly host: string;
      readonly port: number;
      readonly database: string;
      readonly credentialsSecret: string;
    };

export type ArtifactStoreAccess =
  | {
      readonly kind: "s3-keys";
      /** The S3 endpoint URL (`MLFLOW_S3_ENDPOINT_URL`). */
      readonly endpointUrl: string;
      readonly region: string;
      /** A Secret in `namespace` with keys `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. */
      readonly credentialsSecret: string;
    }
  | {
      readonly kind: "workload-identity";
      /** The ServiceAccount bound to the cloud identity (created, with its annotations, by the platform stack). */
      readonly serviceAccountName: string;
      /** Labels the identity webhook needs on the pod (AKS). */
      readonly podLabels: Readonly<Record<string, string>>;
      readonly env: Readonly<Record<string, string>>;
    };

export interface MlflowProps {
  readonly namespace: string;
  /** The Deployment, Service and container name. */
  readonly name: string;
  readonly image: string;
  readonly backendStore: BackendStore;
  /** Where the server writes artifacts, e.g. `s3://mlflow-artifacts/`. */
  readonly artifactsDestination: string;
  /** How the server reaches the artifact store: an S3 endpoint with keys, or the cloud's workload identity. */
  readonly storage: ArtifactStoreAccess;
  /** Host headers the server answers (its DNS-rebinding guard); `/health` is exempt. */
  readonly allowedHosts: readonly string[];
  readonly resources: Resources;
  /**
   * Server worker processes; each holds a full copy of the app in memory.
   * @default 2
   */
  readonly workers?: number;
}

/** The image has no USER (it runs as root by default); any UID works once /tmp is writable. Above 10000, so it matches no node user. */
const RUN_AS_USER = 10001;
const BACKEND_STORE_URI_ENV = "BACKEND_STORE_URI";

export class MlflowChart extends Chart {
  constructor(scope: Construct, id: string, props: MlflowProps) {
    super(scope, id, { namespace: props.namespace });
    const workers = props.workers ?? 2;
    const labels = { "app.kubernetes.io/name": props.name, "app.kubernetes.io/component": "tracking-server" };

    const deployment = new kplus.Deployment(this, "deployment", {
      metadata: { name: props.name, labels },
      replicas: 1,
      // Two servers must never run the database migrations at once during an upgrade.
      strategy: kplus.DeploymentStrategy.recreate(),
      select: false,
      // The identity webhook (AKS) looks for its label on the pod; the selector keeps to our stable labels.
      podMetadata: {
        labels: { ...labels, ...(props.storage.kind === "workload-identity" ? props.storage.podLabels : {}) },
      },
      automountServiceAccountToken: false,
      ...(props.storage.kind === "workload-identity"
        ? {
            serviceAccount: kplus.ServiceAccount.fromServiceAccountName(
              this,
              "service-account",
              props.storage.serviceAccountName,
            ),
          }
        : {}),
      securityContext: { ensureNonRoot: true, user: RUN_AS_USER, group: RUN_AS_USER },
    });
    deployment.select(kplus.LabelSelector.of({ labels }));

    const tmp = kplus.Volume.fromEmptyDir(this, "tmp", "tmp", { sizeLimit: Size.mebibytes(512) });
    const secretValue = (secretName: string, key: string): kplus.EnvValue =>
      kplus.EnvValue.fromSecretValue({
        secret: kplus.Secret.fromSecretName(this, `${secretName}-${key}`, secretName),
        key,
      });

    const healthProbe = (failureThreshold: number): kplus.Probe =>
      kplus.Probe.fromHttpGet("/health", {
        port: MLFLOW_PORT,
        periodSeconds: Duration.seconds(10),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold,
      });

    deployment.addContainer({
      name: props.name,
      image: props.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: ["mlflow"],
      args: [
        "server",
        "--host=0.0.0.0",
        `--port=${MLFLOW_PORT}`,
        `--workers=${workers}`,
        `--backend-store-uri=$(${BACKEND_STORE_URI_ENV})`,
        "--serve-artifacts",
        `--artifacts-destination=${props.artifactsDestination}`,
        `--allowed-hosts=${props.allowedHosts.join(",")}`,
      ],
      envVariables: {
        ...backendStoreEnv(props.backendStore, secretValue),
        ...(props.storage.kind === "s3-keys"
          ? {
              MLFLOW_S3_ENDPOINT_URL: kplus.EnvValue.fromValue(props.storage.endpointUrl),
              AWS_DEFAULT_REGION: kplus.EnvValue.fromValue(props.storage.region),
              AWS_ACCESS_KEY_ID: secretValue(props.storage.credentialsSecret, "AWS_ACCESS_KEY_ID"),
              AWS_SECRET_ACCESS_KEY: secretValue(props.storage.credentialsSecret, "AWS_SECRET_ACCESS_KEY"),
            }
          : Object.fromEntries(
              Object.entries(props.storage.env).map(([key, value]) => [key, kplus.EnvValue.fromValue(value)]),
            )),
        // The root filesystem is read-only: caches and temporary uploads go to the /tmp emptyDir.
        HOME: kplus.EnvValue.fromValue("/tmp"),
      },
      ports: [{ name: "http", number: MLFLOW_PORT, protocol: kplus.Protocol.TCP }],
      // The server listens only after the schema migrations, which take a while on the first start.
      startup: healthProbe(30),
      readiness: healthProbe(3),
      liveness: healthProbe(6),
      // cdk8s-plus renders memory in Mi (`1Gi` becomes `1024Mi`): the same quantity.
      resources: {
        cpu: { request: cpu(props.resources.requests.cpu), limit: cpu(props.resources.limits.cpu) },
        memory: { request: memory(props.resources.requests.memory), limit: memory(props.resources.limits.memory) },
      },
      securityContext: {
        ensureNonRoot: true,
        user: RUN_AS_USER,
        group: RUN_AS_USER,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
      },
      volumeMounts: [{ path: "/tmp", volume: tmp }],
    });

    ApiObject.of(deployment).addJsonPatch(
      // cdk8s-plus-27 has no fields for these two hardening settings.
      JsonPatch.add("/spec/template/spec/containers/0/securityContext/capabilities", { drop: ["ALL"] }),
      JsonPatch.add("/spec/template/spec/securityContext/seccompProfile", { type: "RuntimeDefault" }),
      // cdk8s-plus labels every pod with its construct path; the Service selects our stable labels instead.
      JsonPatch.remove("/spec/template/metadata/labels/cdk8s.io~1metadata.addr"),
      // Emitted even without an fsGroup, where it means nothing.
      JsonPatch.remove("/spec/template/spec/securityContext/fsGroupChangePolicy"),
    );

    const service = new kplus.Service(this, "service", {
      metadata: { name: props.name, labels },
      type: kplus.ServiceType.CLUSTER_IP,
      ports: [{ name: "http", port: MLFLOW_PORT, targetPort: MLFLOW_PORT, protocol: kplus.Protocol.TCP }],
    });
    for (const [key, value] of Object.entries(labels)) service.selectLabel(key, value);
    ApiObject.of(service).addJsonPatch(JsonPatch.remove("/spec/externalIPs"));
  }
}

function backendStoreEnv(
  store: BackendStore,
  secretValue: (secretName: string, key: string) => kplus.EnvValue,
): Record<string, kplus.EnvValue> {
  if (store.kind === "uri-secret") return { [BACKEND_STORE_URI_ENV]: secretValue(store.secretName, store.key) };
  // Kubernetes expands $(VAR) in a value from variables defined earlier in the list.
  return {
    DB_USERNAME: secretValue(store.credentialsSecret, "username"),
    DB_PASSWORD: secretValue(store.credentialsSecret, "password"),
    [BACKEND_STORE_URI_ENV]: kplus.EnvValue.fromValue(
      `postgresql://$(DB_USERNAME):$(DB_PASSWORD)@${store.host}:${store.port}/${store.database}`,
    ),
  };
}

/** `500m` → 500 millicores, `1` → 1 core (rendered as written). */
function cpu(quantity: string): kplus.Cpu {
  return quantity.endsWith("m") ? kplus.Cpu.millis(Number(quantity.slice(0, -1))) : kplus.Cpu.units(Number(quantity));
}

function memory(quantity: string): Size {
  if (quantity.endsWith("Gi")) return Size.gibibytes(Number(quantity.slice(0, -2)));
  if (quantity.endsWith("Mi")) return Size.mebibytes(Number(quantity.slice(0, -2)));
  throw new Error(`Memory quantity "${quantity}" must be in Mi or Gi`);
}
