/**
 * Feast, the feature store (platform/components/feast.ts; design in docs/feast.md):
 *  - FeastOperatorChart: the operator's published manifest (pinned in MANIFESTS, read by platform/manifests.ts), as
 *    objects of a local Helm release, with the patches the platform needs;
 *  - FeatureStoresChart: one FeatureStore per team, each on the team's own PostgreSQL role and database, and a
 *    NetworkPolicy that lets only that team's namespace call its feature server.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import type { Resources } from "./resources";

/** A Kubernetes object of a published manifest, as parsed (platform/manifests.ts reads them). */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string } & Record<string, unknown>;
  readonly [field: string]: unknown;
}

/** The FeatureStore API: `v1` is the CRD's storage version (`v1alpha1` is still served). */
export const FEAST_API_VERSION = "feast.dev/v1";

/** The operator's Deployment and container in its manifest (feast-dev/feast@v0.66.0:infra/feast-operator/dist/install.yaml). */
export const OPERATOR_DEPLOYMENT = "feast-operator-controller-manager";
const OPERATOR_CONTAINER = "manager";

/**
 * The online feature server's container port (`TargetHttpPort` of the online type; its Service listens on 80):
 * feast-dev/feast@v0.66.0:infra/feast-operator/internal/controller/services/services_types.go:193.
 */
export const FEATURE_SERVER_PORT = 6566;

/** The label the operator puts on every pod of a FeatureStore, valued with its name (services_types.go:182, services.go:1292). */
export const FEATURE_STORE_NAME_LABEL = "feast.dev/name";

export interface FeastOperatorProps {
  /** The manifest's objects, as platform/manifests.ts reads them. */
  readonly objects: readonly ManifestObject[];
  /** `repository:tag` of the operator, its feature server (`RELATED_IMAGE_FEATURE_SERVER`) and its CronJob image (`RELATED_IMAGE_CRON_JOB`). */
  readonly images: { readonly operator: string; readonly featureServer: string; readonly cronJob: string };
}

/** The operator image's user (feast-dev/feast@v0.66.0:infra/feast-operator/Dockerfile). */
const OPERATOR_UID = 65532;

interface Container {
  name: string;
  securityContext?: Record<string, unknown>;
  image?: string;
  env?: Array<{ name: string; value?: string }>;
}
interface PodTemplate {
  spec: { securityContext?: Record<string, unknown>; containers: Container[] };
}

/**
 * The operator as upstream publishes it, except:
 *  - no Namespace object: the stack creates `feast-operator-system` before any release, like every component namespace;
 *  - the pod's seccomp profile is RuntimeDefault: the manifest sets runAsNonRoot and drops every capability but names
 *    no seccomp profile, which only Pod Security `baseline` admits (the last thing `restricted` asks for);
 *  - the pod runs as the image's own user, 65532 (infra/feast-operator/Dockerfile `USER 65532:65532`), said explicitly,
 *    and the manager's root file system is read-only: the operator writes no files (it talks to the API server only);
 *  - the three images come from the version table, so a profile's image mirror serves them.
 * Its requests and limits (10m/64Mi, 1 CPU/256Mi) are the manifest's own. The CRD is one object of the release: Helm
 * computes its own patches and keeps no last-applied annotation, which is why upstream applies the 1.4 MB CRD with
 * `--server-side` and Helm needs nothing of the kind. Uninstalling the release deletes the CRD and every FeatureStore.
 */
export class FeastOperatorChart extends Chart {
  constructor(scope: Construct, id: string, props: FeastOperatorProps) {
    super(scope, id);
    const deployment = props.objects.find((o) => o.kind === "Deployment" && o.metadata.name === OPERATOR_DEPLOYMENT);
    const template = (deployment?.spec as { template?: PodTemplate } | undefined)?.template;
    const container = template?.spec.containers.find((c) => c.name === OPERATOR_CONTAINER);
    if (!template || !container) {
      throw new Error(
        `FeastOperatorChart: the manifest has no Deployment "${OPERATOR_DEPLOYMENT}" with a container "${OPERATOR_CONTAINER}"; the patches in charts/feast.ts expect the layout of feast-dev/feast@v0.66.0:infra/feast-operator/dist/install.yaml: check the pinned manifest.`,
      );
    }
    const related: Record<string, string> = {
      RELATED_IMAGE_FEATURE_SERVER: props.images.featureServer,
      RELATED_IMAGE_CRON_JOB: props.images.cronJob,
    };
    for (const name of Object.keys(related)) {
      if (!container.env?.some((e) => e.name === name)) {
        throw new Error(
          `FeastOperatorChart: the operator container has no ${name} variable; check the pinned manifest (charts/feast.ts sets it to the pinned image).`,
        );
      }
    }
    const patched: PodTemplate = {
      ...template,
      spec: {
        ...template.spec,
        securityContext: {
          ...template.spec.securityContext,
          runAsUser: OPERATOR_UID,
          runAsGroup: OPERATOR_UID,
          seccompProfile: { type: "RuntimeDefault" },
        },
        containers: template.spec.containers.map((c) =>
          c !== container
            ? c
            : {
                ...c,
                image: props.images.operator,
                securityContext: { ...c.securityContext, readOnlyRootFilesystem: true },
                env: c.env?.map((e) => (e.name in related ? { ...e, value: related[e.name] } : e)),
              },
        ),
      },
    };
    for (const object of props.objects) {
      if (object.kind === "Namespace") continue;
      const body =
        object === deployment ? { ...object, spec: { ...(object.spec as object), template: patched } } : object;
      new ApiObject(this, `${object.kind}-${object.metadata.name}`.toLowerCase(), body);
    }
  }
}

/** One team's feature store. */
export interface TeamFeatureStore {
  /** The FeatureStore's name (the operator prefixes its objects `feast-<name>`). */
  readonly name: string;
  /** The Feast project (`spec.feastProject`), what the team's feature repository registers under. */
  readonly project: string;
  /** The team namespace: the only one whose pods may call this store's feature server. */
  readonly teamNamespace: string;
  /** The Secret (in the chart's namespace) with the store's `registry`, `offline` and `online` parameters. */
  readonly secret: string;
}

export interface FeatureStoresProps {
  /** Where the FeatureStores, their Secrets and the operator's pods for them live. */
  readonly namespace: string;
  readonly stores: readonly TeamFeatureStore[];
  /** Requests and limits of each online feature server. */
  readonly resources: Resources;
}

/** The keys of a store Secret, one per role, each the role's `feature_store.yaml` parameters without `type`. */
export const STORE_SECRET_KEYS = { registry: "registry", offline: "offline", online: "online" } as const;

/**
 * A FeatureStore per team (field names: feast-dev/feast@v0.66.0:infra/feast-operator/api/v1/featurestore_types.go):
 *  - registry `sql` (:809-822), offline store `postgres` (:620-644) and online store `postgres` (:740-770), each
 *    `store` persistence reading its parameters from one key of the team's Secret;
 *  - no registry or offline server (the online server reads the registry from the database; training reads the
 *    offline store directly with the team's credentials), no `feastProjectDir`, so no init containers and no
 *    `feast apply` on pod start: the team's repository is applied by the team (the sample Job does it);
 *  - the pod-level security context `restricted` asks for (`services.securityContext`, :505). The operator sets no
 *    container security context on the feature server (services.go: only the pod's), so the pods cannot run in a
 *    `restricted` team namespace: that is why the stores live here and not in the team namespaces.
 * The NetworkPolicy selects the store's pods by the operator's name label and admits the team namespace only, on the
 * feature server's port: another team that may reach this namespace cannot read this team's online features.
 */
export class FeatureStoresChart extends Chart {
  constructor(scope: Construct, id: string, props: FeatureStoresProps) {
    super(scope, id, { namespace: props.namespace });
    for (const store of props.stores) {
      const persistence = (type: string, key: string) => ({
        store: { type, secretRef: { name: store.secret }, secretKeyName: key },
      });
      new ApiObject(this, `featurestore-${store.name}`, {
        apiVersion: FEAST_API_VERSION,
        kind: "FeatureStore",
        metadata: { name: store.name },
        spec: {
          feastProject: store.project,
          services: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            registry: { local: { persistence: persistence("sql", STORE_SECRET_KEYS.registry) } },
            offlineStore: { persistence: persistence("postgres", STORE_SECRET_KEYS.offline) },
            onlineStore: {
              persistence: persistence("postgres", STORE_SECRET_KEYS.online),
              server: { resources: props.resources },
            },
          },
        },
      });
      new ApiObject(this, `networkpolicy-${store.name}`, {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: `feature-server-${store.name}` },
        spec: {
          podSelector: { matchLabels: { [FEATURE_STORE_NAME_LABEL]: store.name } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": store.teamNamespace } } }],
              ports: [{ protocol: "TCP", port: FEATURE_SERVER_PORT }],
            },
          ],
        },
      });
    }
  }
}
