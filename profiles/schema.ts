/**
 * The profile schema: the one typed description of what a profile may say.
 *
 * Every object is strict (an unknown key is an error, never silently ignored) and every
 * cross-field rule lives in `profileRules` below, so a bad profile yields every problem at once.
 */
import { z } from "zod";
import { ACCELERATOR_IDS } from "./accelerators";
import {
  CHART_MIRROR_FIX,
  DNS_LABEL,
  IMAGE_MIRROR_FIX,
  isChartMirror,
  isDnsSubdomain,
  isImageMirror,
  isRegistryHost,
  REGISTRY_HOST_FIX,
} from "./names";

export const LIFECYCLES = ["managed", "external", "disabled"] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

export const VECTOR_ENGINES = ["qdrant", "milvus", "pgvector"] as const;
export type VectorEngine = (typeof VECTOR_ENGINES)[number];

const dnsLabel = z
  .string()
  .regex(DNS_LABEL, { message: "a lowercase DNS label (a-z, 0-9, '-'), at most 63 characters" });

/**
 * A Kubernetes resource quantity such as `500m`, `2`, `512Mi`, `8Gi`: at most 12 digits before the point and
 * 6 after, so every quantity is an exact, finite number (a 400-digit value would otherwise become Infinity).
 */
const QUANTITY = /^([0-9]{1,12})(\.[0-9]{1,6})?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
export const quantity = z.string().regex(QUANTITY, {
  message: "a Kubernetes quantity such as 500m, 2, 512Mi or 8Gi, with at most 12 digits before the point and 6 after",
});

/** The most GPU slots any quota or sample names: more than any cluster here could have, few enough to stay exact. */
export const MAX_GPU_SLOTS = 100_000;
const gpuSlots = z.number().int().min(0).max(MAX_GPU_SLOTS);

/**
 * Limits on the size of a profile, so a runaway file fails at once with a clear message instead of
 * running for minutes: far above what one platform needs (documented in the README's Profiles section).
 */
export const PROFILE_LIMITS = { pools: 50, teams: 200, samples: 100, workers: 10, labels: 32, taints: 16 } as const;

/** A map keyed by DNS labels, with at most `max` entries. */
function boundedRecord<T extends z.ZodType>(value: T, max: number, what: string) {
  return z.record(dnsLabel, value).refine((map) => Object.keys(map).length <= max, {
    message: `at most ${max} ${what} (the documented limit; split the platform or raise PROFILE_LIMITS in a fork)`,
  });
}

/** A Kubernetes label or taint key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelKey = z
  .string()
  .max(253 + 1 + 63)
  .regex(QUALIFIED_NAME, {
    message: "a label key: an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.'",
  })
  .refine((key) => !key.includes("/") || key.indexOf("/") <= 253, {
    message: "a label key prefix of at most 253 characters",
  });
/** A label or taint value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric. */
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
  message:
    "a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
});

/** An http(s) URL; other schemes (file:, javascript:, ...) are never a service address. */
const httpUrl = z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" });

/** A host name (DNS subdomain; an IPv4 address matches too), safe to splice into a connection string. */
const hostName = z.string().refine(isDnsSubdomain, {
  message: "a host name or IPv4 address (lowercase letters, digits, '-' and '.')",
});

/** An S3/GCS bucket name we also use as an Azure container name: 3 to 63 lowercase letters, digits and '-'. */
const bucketName = z.string().regex(/^[a-z0-9][-a-z0-9]{1,61}[a-z0-9]$/, {
  message: "a bucket name: 3 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
});

/** Helm values a profile layers over a component's defaults (deep merge: maps merge, lists replace). */
const helmValues = z.record(z.string(), z.unknown());

/**
 * What a profile says about one component. The components themselves (their ids, default lifecycles and
 * settings schemas) come from the catalog in `platform/catalog.ts`, which checks this map when the profile is
 * loaded (`platform/check.ts`): an unknown id or a bad `settings` is a profile problem there.
 */
const componentSettings = z.strictObject({
  /** @default the component's `defaultLifecycle` */
  lifecycle: z.enum(LIFECYCLES).optional(),
  /** Helm values merged over the component's typed defaults. */
  values: helmValues.optional(),
  /** The component's own typed settings (its `settings` schema). */
  settings: z.unknown().optional(),
});
export type ComponentSettings = z.infer<typeof componentSettings>;

const taint = z.strictObject({
  key: labelKey,
  value: labelValue.optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

/** How a pool's GPUs are shared; see profiles/gpu-plan.ts for the resources each mode advertises. */
const gpuSharing = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("none") }),
  /** Pods per GPU, taking turns (no memory isolation). */
  z.strictObject({ mode: z.literal("time-slicing"), replicas: z.number().int().min(2).max(48) }),
  /** Pods per GPU, each with an equal share of memory and compute (MPS control daemon). */
  z.strictObject({ mode: z.literal("mps"), replicas: z.number().int().min(2).max(48) }),
  /** Hardware partitions: `layout` is a mig-parted config name such as `all-1g.10gb` or `all-balanced`. */
  z.strictObject({ mode: z.literal("mig"), strategy: z.enum(["single", "mixed"]), layout: z.string().min(1) }),
]);

const gpuPool = z.strictObject({
  accelerator: z.enum(ACCELERATOR_IDS),
  /** GPUs per node. */
  perNode: z.number().int().min(1).max(16),
  sharing: gpuSharing,
  /**
   * How pods get the GPUs: the NVIDIA device plugin's extended resources (`nvidia.com/gpu`, `nvidia.com/mig-*`), or
   * Dynamic Resource Allocation through NVIDIA's DRA driver (ResourceClaimTemplates of DeviceClass `gpu.nvidia.com`
   * or `mig.nvidia.com`, counted by Kueue through `deviceClassMappings`). See docs/dra.md for the limits.
   * @default "device-plugin" (read it through `usesDra` in profiles/plan.ts)
   */
  allocation: z.enum(["device-plugin", "dra"]).optional(),
  /** kind only: the host GPU indices given to this pool's nodes, in node order (nodes × perNode of them). */
  hostDevices: z.array(z.number().int().min(0).max(63)).optional(),
});

const pool = z.strictObject({
  /** Nodes in the pool (kind: workers; clouds: the initial size). */
  nodes: z.number().int().min(0).max(64),
  /** Clouds only: the node group scales between these. @default fixed at `nodes` */
  autoscaling: z
    .strictObject({ min: z.number().int().min(0).max(1000), max: z.number().int().min(1).max(1000) })
    .optional(),
  /** Clouds only: spot / preemptible capacity. @default false */
  spot: z.boolean().default(false),
  /**
   * Clouds only: the instance (VM) type. A type the cloud's table lists must carry the pool's accelerator and GPUs
   * per node; one it does not list is taken as given. @default the cloud's type for the accelerator and GPUs per node
   * (the tables in platform/clouds/sizing.ts), or its CPU default
   */
  instanceType: z.string().min(1).optional(),
  /** Extra node labels; every node also gets `cnai.io/pool: <pool name>`. */
  labels: z
    .record(labelKey, labelValue)
    .refine((labels) => Object.keys(labels).length <= PROFILE_LIMITS.labels, {
      message: `at most ${PROFILE_LIMITS.labels} labels`,
    })
    .default({}),
  taints: z.array(taint).max(PROFILE_LIMITS.taints).default([]),
  gpu: gpuPool.optional(),
});

const resourceLimits = z.strictObject({
  cpu: quantity.optional(),
  memory: quantity.optional(),
  /** GPU slots in the pool's GPU resource unit; a map by resource name for pools that advertise several. */
  gpu: z.union([gpuSlots, z.record(z.string(), gpuSlots)]).optional(),
});

const poolQuota = z.strictObject({
  cpu: quantity,
  memory: quantity,
  /** GPU slots in the pool's GPU resource unit; a map by resource name for pools that advertise several. */
  gpu: z.union([gpuSlots, z.record(z.string(), gpuSlots)]).optional(),
  /** How much more the team may borrow from the cohort. @default unlimited */
  borrowingLimit: resourceLimits.optional(),
  /** How much of its quota the team lends to the cohort. @default all */
  lendingLimit: resourceLimits.optional(),
});

export const PRIORITY_CLASSES = ["interactive", "batch", "preemptible"] as const;

const kubernetesMinor = z.string().regex(/^1\.\d{2}$/, { message: "a Kubernetes minor version such as 1.35" });

/** A local kind cluster (Docker). */
const kindCluster = z.strictObject({
  provider: z.literal("kind"),
  /** The kind cluster's name (also the kubeconfig context `kind-<name>`). */
  name: dnsLabel,
  controlPlanes: z.literal(1),
});

/**
 * Any cluster that already exists, reached through a kubeconfig: on-premises, OpenShift, RKE2, k3s, or a
 * cloud cluster someone else runs. Nothing is created: the cluster stack only checks that the API answers
 * and that every pool's nodes carry the pool label (`cnai.io/pool: <pool>`), and the pools describe the
 * labels, taints and GPUs the nodes already have. State is kept locally, as for kind.
 */
const kubeconfigCluster = z.strictObject({
  provider: z.literal("kubeconfig"),
  /** A name for the cluster in stack and state names. */
  name: dnsLabel,
  /** The kubeconfig file; a relative path is taken from the synthesized stack's folder, so give an absolute one. */
  kubeconfig: z.string().startsWith("/", { message: "an absolute path to a kubeconfig file" }),
  /** The kubeconfig context. @default the file's current context */
  context: z.string().min(1).max(253).optional(),
  /** The cluster's Kubernetes minor (Pod Security labels and the Helm render use it). */
  kubernetesVersion: kubernetesMinor,
});

/**
 * A network allowed to reach a public API endpoint, in CIDR form. IPv6 is accepted here so that the cloud rules
 * (platform/clouds/rules.ts) can say what is wrong with it: `0.0.0.0/0` and `::/0`, ranges wider than /8 and IPv6
 * ranges (the stacks create IPv4 clusters) are refused there, each with its path and the fix.
 */
const authorizedCidr = z.union([z.cidrv4(), z.cidrv6()], {
  error: "a CIDR of a network of yours, such as 198.51.100.0/24 or 198.51.100.7/32",
});

/**
 * Who reaches the cluster's Kubernetes API server (README, "Deploying to a cloud"):
 *  - `private`: no internet-facing endpoint; the API answers only inside the cluster's VPC or VNet (a machine there,
 *    a bastion, a VPN). The safe default.
 *  - `public`: an internet-facing endpoint that answers only `authorizedCidrs`, at least one and at most the
 *    cloud's limit (`maxCidrs`).
 * An adopted cluster (`existing: true`) keeps the access its owner gave it: the setting is ignored there, like
 * `network`. @default { endpoint: "private" }
 */
function apiAccess(maxCidrs: number, limit: string) {
  return z
    .discriminatedUnion(
      "endpoint",
      [
        z.strictObject({ endpoint: z.literal("private") }),
        z.strictObject({
          endpoint: z.literal("public"),
          authorizedCidrs: z
            .array(authorizedCidr)
            .min(1, {
              error: 'at least one CIDR: list your networks, or use { endpoint: "private" }',
            })
            .max(maxCidrs, { error: `at most ${maxCidrs} CIDRs (${limit})` }),
        }),
      ],
      { error: 'expected { endpoint: "private" } or { endpoint: "public", authorizedCidrs: [your networks] }' },
    )
    .default({ endpoint: "private" });
}

/** Amazon EKS. State in S3 with native lock files. */
const eksCluster = z.strictObject({
  provider: z.literal("eks"),
  name: dnsLabel,
  /** Adopt the existing cluster of this name (its network comes with it) instead of creating one; pools are still created. @default false */
  existing: z.boolean().default(false),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: "an AWS region such as eu-west-1" }),
  kubernetesVersion: kubernetesMinor,
  /** Create a VPC (CIDR, zones), or adopt existing subnets. */
  network: z.union([
    z.strictObject({ create: z.strictObject({ cidr: z.cidrv4(), zones: z.number().int().min(2).max(3) }) }),
    z.strictObject({ existing: z.strictObject({ subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).min(2) }) }),
  ]),
  /** The GPU node image: AL2023 ships driver and toolkit; Bottlerocket also the device plugin. */
  gpuAmi: z.enum(["AL2023_x86_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA"]),
  /** IAM principals (role ARNs) given cluster-admin through access entries. */
  adminPrincipalArns: z.array(z.string().regex(/^arn:aws:iam::\d{12}:(role|user)\/.+$/)).default([]),
  /**
   * Who reaches the API server. EKS takes at most 40 public access CIDRs, a quota AWS does not raise
   * (https://docs.aws.amazon.com/general/latest/gr/eks.html, "Public endpoint access CIDR ranges per cluster").
   */
  apiAccess: apiAccess(40, "EKS's public endpoint access CIDR quota, not adjustable"),
  state: z.strictObject({ bucket: z.string().min(3), region: z.string().min(1) }),
});

/** Google GKE (Standard). State in GCS. */
const gkeCluster = z.strictObject({
  provider: z.literal("gke"),
  name: dnsLabel,
  /** Adopt the existing cluster of this name (its network comes with it) instead of creating one; pools are still created. @default false */
  existing: z.boolean().default(false),
  project: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, { message: "a GCP project id" }),
  /** A region (regional cluster) or a zone. */
  location: z.string().regex(/^[a-z]+-[a-z]+\d(-[a-z])?$/, { message: "a GCP region or zone such as europe-west4" }),
  kubernetesVersion: kubernetesMinor,
  network: z.union([
    z.strictObject({ create: z.strictObject({ cidr: z.cidrv4(), podsCidr: z.cidrv4(), servicesCidr: z.cidrv4() }) }),
    z.strictObject({ existing: z.strictObject({ network: z.string().min(1), subnetwork: z.string().min(1) }) }),
  ]),
  /**
   * Who reaches the API server. GKE takes at most 50 authorized networks on a cluster with a public endpoint
   * (https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks, "Limitations").
   */
  apiAccess: apiAccess(50, "GKE's limit of authorized networks on a cluster with a public endpoint"),
  state: z.strictObject({ bucket: z.string().min(3) }),
});

/** Azure AKS. State in Azure Blob Storage. */
const aksCluster = z.strictObject({
  provider: z.literal("aks"),
  name: dnsLabel,
  /** Adopt the existing cluster of this name (its network comes with it) instead of creating one; pools are still created. @default false */
  existing: z.boolean().default(false),
  location: z.string().regex(/^[a-z0-9]+$/, { message: "an Azure region such as westeurope" }),
  resourceGroup: z.string().min(1),
  kubernetesVersion: kubernetesMinor,
  network: z.union([
    z.strictObject({ create: z.strictObject({ cidr: z.cidrv4(), nodesCidr: z.cidrv4() }) }),
    z.strictObject({ existing: z.strictObject({ subnetId: z.string().startsWith("/subscriptions/") }) }),
  ]),
  /** Entra ID groups (object ids) given cluster-admin. */
  adminGroupObjectIds: z.array(z.uuid()).default([]),
  /**
   * Who reaches the API server. AKS takes at most 200 authorized IP ranges
   * (https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges, "Limitations").
   */
  apiAccess: apiAccess(200, "AKS's limit of API server authorized IP ranges"),
  state: z.strictObject({
    resourceGroup: z.string().min(1),
    storageAccount: z.string().min(3),
    container: z.string().min(3),
  }),
});

const cluster = z.discriminatedUnion("provider", [kindCluster, kubeconfigCluster, eksCluster, gkeCluster, aksCluster]);

/**
 * A worker cluster that Kueue's MultiKueue dispatches jobs to from the management cluster (the
 * profile's own `cluster`). Its pools are flavors of the management cluster's queues too; pool names
 * are unique across all clusters.
 */
const workerCluster = z.strictObject({
  cluster: z.discriminatedUnion("provider", [eksCluster, gkeCluster, aksCluster]),
  pools: z.record(dnsLabel, pool),
  /** The GPU Operator on this worker: managed, or external where the cloud runs the GPU stack (GKE). */
  gpuOperator: z.enum(LIFECYCLES),
});
export const CLUSTER_PROVIDERS = ["kind", "eks", "gke", "aks"] as const;

const team = z.strictObject({
  /** @default `team-<name>` */
  namespace: dnsLabel.optional(),
  /** Identity-provider groups bound to the team's namespaced role. */
  groups: z.array(z.string().min(1)).default([]),
  users: z.array(z.string().min(1)).default([]),
  /** Fair-sharing weight within the cohort. */
  weight: z.number().int().min(1).max(100).default(1),
  /** The WorkloadPriorityClass the team's golden-path workloads use unless told otherwise. */
  defaultPriority: z.enum(PRIORITY_CLASSES).default("batch"),
  /** Nominal quota per pool (the pool's Kueue ResourceFlavor). */
  quota: z.record(dnsLabel, poolQuota),
  /**
   * Services the team may expose outside the cluster: the namespace's ResourceQuota allows this many, and the
   * guardrail policies reject the type altogether while it is 0. @default none of either
   */
  exposedServices: z
    .strictObject({
      loadBalancers: z.number().int().min(0).max(100).default(0),
      nodePorts: z.number().int().min(0).max(100).default(0),
    })
    .default({ loadBalancers: 0, nodePorts: 0 }),
});

/** A container registry host, optionally with a port (profiles/names.ts, shared with charts/guardrails.ts). */
const registryHost = z.string().refine(isRegistryHost, { message: `a registry host: ${REGISTRY_HOST_FIX}` });

export const SAMPLE_KINDS = [
  "ray-job",
  "ray-cluster",
  "ray-tune",
  "inference-service",
  "llm-service",
  "rag",
  "training-job",
  "train-job",
  "vector-client",
  "pipeline",
  "feature-repo",
] as const;

const sample = z.strictObject({
  kind: z.enum(SAMPLE_KINDS),
  team: dnsLabel,
  pool: dnsLabel,
  /** GPU slots the sample's GPU pod(s) request each. @default 0 */
  gpus: gpuSlots.default(0),
  /** Pods (Ray workers, predictor replicas, a TrainJob's or a pipeline's training nodes). @default 1 */
  replicas: z.number().int().min(1).max(16).default(1),
  priority: z.enum(PRIORITY_CLASSES).optional(),
  /** A `rag` sample's LLM: the name of an `llm-service` sample of the same team, which answers its questions. */
  llm: dnsLabel.optional(),
});

const externalPostgres = z.strictObject({
  host: hostName,
  port: z.number().int().min(1).max(65535),
  database: dnsLabel,
  /** A Secret in the MLflow namespace with keys `username` and `password`. */
  credentialsSecret: dnsLabel,
});

const externalObjectStore = z.strictObject({
  /** The S3 endpoint URL, e.g. `https://s3.eu-west-1.amazonaws.com` or an in-cluster service URL. */
  endpoint: httpUrl,
  region: z.string().min(1),
  /** A Secret with keys `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, present in each namespace that reads from the store. */
  credentialsSecret: dnsLabel,
});

/** The most any grid's carbon intensity could be: coal plants emit about 1,000 gCO2e/kWh; 2,000 leaves room, not a typo of ×10. */
export const MAX_GRAMS_PER_KWH = 2000;

/**
 * The electricity grid's carbon intensity where the cluster runs, in grams of CO2-equivalent per kWh, with where the
 * figure comes from. The distribution ships no default: a figure is a property of a region and a year, and one
 * without a source would be a guess presented as a measurement (docs/energy.md says where to find one).
 */
const carbonIntensity = z.strictObject({
  gramsPerKWh: z
    .number()
    .positive({ message: "grams of CO2e per kWh, above 0 (e.g. 250 for a grid with much gas and some coal)" })
    .max(MAX_GRAMS_PER_KWH, {
      message: `grams of CO2e per kWh, at most ${MAX_GRAMS_PER_KWH} (coal alone emits about 1,000): give grams per kWh`,
    }),
  /** Who published the figure, e.g. a national agency's dataset or a grid operator, with its address. */
  source: z
    .string()
    .trim()
    .min(3, { message: "the publisher of the figure, e.g. a national dataset or the grid operator, with its URL" }),
  /** The date the source states (or the year it covers, as its first day), YYYY-MM-DD. */
  date: z.iso.date({ message: "the date the source states, as YYYY-MM-DD (e.g. 2025-01-01 for a 2025 average)" }),
});

export const profileSchema = z.strictObject({
  name: dnsLabel,
  description: z.string().min(1),
  cluster: cluster,
  /** Node pools by name; each becomes kind workers now (cloud node groups later) and one Kueue ResourceFlavor. */
  pools: boundedRecord(pool, PROFILE_LIMITS.pools, "pools"),
  /** Teams by name: a namespace with tenancy objects, a ClusterQueue in the cohort, a LocalQueue. */
  teams: boundedRecord(team, PROFILE_LIMITS.teams, "teams"),
  /** The cohort all team queues share. */
  queueing: z.strictObject({
    cohort: dnsLabel,
    fairSharing: z.boolean(),
    preemption: z.strictObject({
      reclaimWithinCohort: z.enum(["Never", "LowerPriority", "Any"]),
      borrowWithinCohort: z.enum(["Never", "LowerPriority"]),
      withinClusterQueue: z.enum(["Never", "LowerPriority", "LowerOrNewerEqualPriority"]),
    }),
  }),
  /** Golden-path workloads rendered as samples, by name. */
  samples: boundedRecord(sample, PROFILE_LIMITS.samples, "samples"),
  /** MultiKueue worker clusters by name; empty for a single cluster. */
  workers: boundedRecord(workerCluster, PROFILE_LIMITS.workers, "workers"),
  /** How jobs on worker clusters reach the management cluster's shared services (you expose them, e.g. an Ingress). */
  sharedServices: z.strictObject({ mlflowUrl: httpUrl.optional() }),
  vectorDatabase: z.strictObject({ engine: z.enum(VECTOR_ENGINES) }),
  /** Buckets created in the object store. */
  buckets: z.strictObject({ mlflowArtifacts: bucketName, models: bucketName }),
  /** Guardrails enforced in team namespaces by ValidatingAdmissionPolicies (charts/guardrails.ts). */
  security: z.strictObject({
    /** Registries team pods may pull from; an image without a registry host is from docker.io. */
    allowedRegistries: z.array(registryHost).min(1).max(32),
  }),
  /**
   * Air-gapped installs (README "Air-gapped install"): where the charts and images come from instead of
   * their public sources.
   */
  mirror: z.strictObject({
    /**
     * Replaces every pinned chart's source: a Helm repository that serves each chart under its own name and
     * version, or an OCI prefix under which each chart is `<prefix>/<chart>`. @default each chart's own repository
     */
    charts: z
      .string()
      .refine(isChartMirror, { message: `a chart mirror: ${CHART_MIRROR_FIX}` })
      .optional(),
    /**
     * Rewrites every image the distribution sets to `<mirror>/<registry>/<path>:<tag>` (the registry kept as a
     * path segment, `docker.io` where an image names none). @default the images' own registries
     */
    images: z
      .string()
      .refine(isImageMirror, { message: `an image mirror: ${IMAGE_MIRROR_FIX}` })
      .optional(),
  }),
  /** Where `external` components live. Required for each external postgresql or object-store. */
  external: z.strictObject({
    postgresql: externalPostgres.optional(),
    /** An S3-compatible endpoint with keys, or `{ cloud: true }`: buckets and workload identity made by a cloud cluster stack. */
    objectStore: z.union([externalObjectStore, z.strictObject({ cloud: z.literal(true) })]).optional(),
  }),
  /** Components by catalog id; a component the profile does not name keeps its default lifecycle. */
  components: z.record(dnsLabel, componentSettings),
  /** Energy and carbon per team, from Kepler's measurements (docs/energy.md, `npm run cost -- --prometheus`). */
  energy: z.strictObject({
    /**
     * The grid's carbon intensity where the (management) cluster runs, to turn measured kWh into gCO2e.
     * @default none: the cost report shows energy (kWh) only, never a carbon figure
     */
    carbonIntensity: carbonIntensity.optional(),
  }),
});

export type Profile = z.infer<typeof profileSchema>;
export type WorkerCluster = Profile["workers"][string];
export type ClusterConfig = Profile["cluster"];
export type KindClusterConfig = Extract<ClusterConfig, { provider: "kind" }>;
export type KubeconfigClusterConfig = Extract<ClusterConfig, { provider: "kubeconfig" }>;
export type EksClusterConfig = Extract<ClusterConfig, { provider: "eks" }>;
export type GkeClusterConfig = Extract<ClusterConfig, { provider: "gke" }>;
export type AksClusterConfig = Extract<ClusterConfig, { provider: "aks" }>;
export type CloudClusterConfig = EksClusterConfig | GkeClusterConfig | AksClusterConfig;
export type ApiAccess = CloudClusterConfig["apiAccess"];
export type Pool = Profile["pools"][string];
export type GpuPool = NonNullable<Pool["gpu"]>;
export type GpuSharing = GpuPool["sharing"];
export type Team = Profile["teams"][string];
export type PoolQuota = Team["quota"][string];
export type Sample = Profile["samples"][string];
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];
export type CarbonIntensity = NonNullable<Profile["energy"]["carbonIntensity"]>;

/** A recursive partial: what a profile or an override file may say on top of the defaults. */
export type ProfileOverride = DeepPartial<Profile>;
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
