/**
 * The profile schema: the one typed description of what a profile may say.
 *
 * Every object is strict (an unknown key is an error, never silently ignored) and every
 * cross-field rule lives in `profileRules` below, so a bad profile yields every problem at once.
 */
import { z } from "zod";

/** Every component of the distribution, by id. The catalog in `stacks/catalog.ts` must define exactly these. */
export const COMPONENT_IDS = [
  "cert-manager",
  "observability",
  "gpu-operator",
  "kuberay",
  "kueue",
  "kserve",
  "postgres-operator",
  "postgresql",
  "object-store",
  "mlflow",
  "vector-database",
] as const;
export type ComponentId = (typeof COMPONENT_IDS)[number];

export const LIFECYCLES = ["managed", "external", "disabled"] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

export const VECTOR_ENGINES = ["qdrant", "milvus", "pgvector"] as const;
export type VectorEngine = (typeof VECTOR_ENGINES)[number];

export const GPU_SHARING_MODES = ["none", "time-slicing", "mps"] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsLabel = z
  .string()
  .regex(DNS_LABEL, { message: "a lowercase DNS label (a-z, 0-9, '-'), at most 63 characters" });

/** A Kubernetes resource quantity such as `500m`, `2`, `512Mi`, `8Gi`. */
const QUANTITY = /^([0-9]+)(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
export const quantity = z.string().regex(QUANTITY, { message: "a Kubernetes quantity such as 500m, 2, 512Mi or 8Gi" });

/** Helm values a profile layers over a component's defaults (deep merge: maps merge, lists replace). */
const helmValues = z.record(z.string(), z.unknown());

const componentSettings = z.strictObject({
  lifecycle: z.enum(LIFECYCLES),
  /** Helm values merged over the component's typed defaults. */
  values: helmValues.optional(),
});
export type ComponentSettings = z.infer<typeof componentSettings>;

const componentsShape = Object.fromEntries(COMPONENT_IDS.map((id) => [id, componentSettings])) as Record<
  ComponentId,
  typeof componentSettings
>;

const kindWorker = z.strictObject({
  /** Host GPU indices exposed to this worker the nvkind way (one `/dev/null` mount per GPU). Empty: a CPU worker. */
  gpus: z.array(z.number().int().min(0).max(63)),
  /** Extra node labels. */
  labels: z.record(z.string(), z.string()),
});

const externalPostgres = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  database: dnsLabel,
  /** A Secret in the MLflow namespace with keys `username` and `password`. */
  credentialsSecret: dnsLabel,
});

const externalObjectStore = z.strictObject({
  /** The S3 endpoint URL, e.g. `https://s3.eu-west-1.amazonaws.com` or an in-cluster service URL. */
  endpoint: z.url(),
  region: z.string().min(1),
  /** A Secret with keys `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, present in each namespace that reads from the store. */
  credentialsSecret: dnsLabel,
});

export const profileSchema = z.strictObject({
  name: dnsLabel,
  description: z.string().min(1),
  cluster: z.strictObject({
    /** The kind cluster's name (also the kubeconfig context `kind-<name>`). */
    name: dnsLabel,
    controlPlanes: z.literal(1),
    workers: z.array(kindWorker).min(1).max(8),
  }),
  gpu: z.strictObject({
    sharing: z.strictObject({
      mode: z.enum(GPU_SHARING_MODES),
      /** Pods per physical GPU for `time-slicing` and `mps`. */
      replicas: z.number().int().min(2).max(48).optional(),
    }),
  }),
  /** The platform team's queue: one Kueue ClusterQueue and a LocalQueue in an opted-in namespace. */
  queue: z.strictObject({
    namespace: dnsLabel,
    localQueue: dnsLabel,
    clusterQueue: dnsLabel,
    nominalQuota: z.strictObject({ cpu: quantity, memory: quantity, gpu: z.number().int().min(0) }),
  }),
  vectorDatabase: z.strictObject({ engine: z.enum(VECTOR_ENGINES) }),
  /** Buckets created in the object store. */
  buckets: z.strictObject({ mlflowArtifacts: dnsLabel, models: dnsLabel }),
  /** Where `external` components live. Required for each external postgresql or object-store. */
  external: z.strictObject({ postgresql: externalPostgres.optional(), objectStore: externalObjectStore.optional() }),
  components: z.strictObject(componentsShape),
});

export type Profile = z.infer<typeof profileSchema>;
export type KindWorker = z.infer<typeof kindWorker>;

/** A recursive partial: what a profile or an override file may say on top of the defaults. */
export type ProfileOverride = DeepPartial<Profile>;
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
