/**
 * The GKE Standard cluster stack: a VPC-native network (or an adopted one), a cluster with Workload
 * Identity at the profile's Kubernetes minor, and one node pool per profile pool.
 *
 * GPUs use GKE's own stack (driver installer, managed device plugin, time-sharing/MPS/MIG set on the
 * node pool), which is why the gke-gpu profile marks the GPU Operator `external`: a node must have
 * exactly one `nvidia.com/gpu` advertiser, and GKE-native sharing does not combine with the operator's
 * device plugin or MIG manager (facts-clouds §4 "Device plugin").
 *
 * With `cluster.existing` the stack adopts the cluster of that name and location instead (read at plan
 * time): its network comes with it, so `network` is ignored, and only the node pools are created on it.
 * Cloud storage then needs Workload Identity enabled on that cluster (workload pool `<project>.svc.id.goog`).
 */
import { createHash } from "node:crypto";
import { Fn, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { ContainerCluster } from "@cdktf/provider-google/lib/container-cluster";
import { DataGoogleContainerCluster } from "@cdktf/provider-google/lib/data-google-container-cluster";
import type { ContainerNodePoolNodeConfigGuestAccelerator } from "@cdktf/provider-google/lib/container-node-pool";
import { ContainerNodePool } from "@cdktf/provider-google/lib/container-node-pool";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { ServiceAccountIamMember } from "@cdktf/provider-google/lib/service-account-iam-member";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import type { AcceleratorId } from "../../profiles/accelerators";
import { ACCELERATORS } from "../../profiles/accelerators";
import { poolNames, poolNodeLabels } from "../../profiles/plan";
import type { GkeClusterConfig, Pool, Profile } from "../../profiles/schema";
import type { ClusterConnection } from "./connection";
import { gkeExecAuth } from "./connection";
import type { CloudStorage, StorageSubject } from "../../platform/clouds/storage";
import { cloudBucketName, cloudStorageUris, storageSubjects, usesCloudStorage } from "../../platform/clouds/storage";
import { configureBackend } from "./state";
import { pinProviders } from "../providers/pins";

/** What the node pools and the connection need from the cluster, created or adopted. */
interface GkeClusterHandle {
  /** What a node pool's `cluster` takes: the created cluster's id, or the adopted cluster's name. */
  readonly poolCluster: string;
  readonly endpoint: string;
  /** Base64-encoded, as GKE returns it. */
  readonly caCertificate: string;
}

export interface GkeClusterStackProps {
  readonly profile: Profile & { readonly cluster: GkeClusterConfig };
}

/** A machine type and the GPUs it carries. */
export interface GkeMachineType {
  readonly type: string;
  readonly gpus: number;
}

/** A GKE accelerator: its `guest_accelerator.type` and the machine types that carry it. */
export interface GkeAccelerator {
  /** The Compute Engine accelerator type (`guest_accelerator.type`). */
  readonly acceleratorType: string;
  readonly machines: readonly GkeMachineType[];
}

/** CPU pools: a small general-purpose machine (4 vCPU, 16 GB). */
export const GKE_CPU_MACHINE_TYPE = "e2-standard-4";

/**
 * Accelerator id → GKE accelerator type and machine types (A/G series come with their GPUs; N1 takes
 * attached T4s). Series ↔ GPU from https://cloud.google.com/compute/docs/gpus (facts-clouds §4).
 * Counts per machine type: G2 from the Compute Engine G2 table (find_string id 59817902449), A2/A3 from
 * public machine-type → accelerator maps (find_string ids 56961946540, 51819475008). The N1 shapes for
 * T4 are our choice of size (any N1 shape within the per-GPU vCPU limits works) [vCPU limits not verified here].
 * No entry: nvidia-rtx (workstation GPU), nvidia-a10g (AWS only), nvidia-a30 (not offered on Compute Engine).
 */
export const GKE_ACCELERATORS: Partial<Record<AcceleratorId, GkeAccelerator>> = {
  // The T4 type string as GKE Terraform modules pass it (terraform-google-modules examples); not in facts-clouds.
  "nvidia-t4": {
    acceleratorType: "nvidia-tesla-t4",
    machines: [
      { type: "n1-standard-8", gpus: 1 },
      { type: "n1-standard-16", gpus: 2 },
      { type: "n1-standard-32", gpus: 4 },
    ],
  },
  "nvidia-l4": {
    acceleratorType: "nvidia-l4",
    machines: [
      { type: "g2-standard-4", gpus: 1 },
      { type: "g2-standard-24", gpus: 2 },
      { type: "g2-standard-48", gpus: 4 },
      { type: "g2-standard-96", gpus: 8 },
    ],
  },
  "nvidia-a100-40gb": {
    acceleratorType: "nvidia-tesla-a100",
    machines: [
      { type: "a2-highgpu-1g", gpus: 1 },
      { type: "a2-highgpu-2g", gpus: 2 },
      { type: "a2-highgpu-4g", gpus: 4 },
      { type: "a2-highgpu-8g", gpus: 8 },
      { type: "a2-megagpu-16g", gpus: 16 },
    ],
  },
  "nvidia-a100-80gb": {
    acceleratorType: "nvidia-a100-80gb",
    machines: [
      { type: "a2-ultragpu-1g", gpus: 1 },
      { type: "a2-ultragpu-2g", gpus: 2 },
      { type: "a2-ultragpu-4g", gpus: 4 },
      { type: "a2-ultragpu-8g", gpus: 8 },
    ],
  },
  // A3 High also has 1g/2g/4g shapes for some provisioning models [not verified here]; 8g is the documented one.
  "nvidia-h100-80gb": { acceleratorType: "nvidia-h100-80gb", machines: [{ type: "a3-highgpu-8g", gpus: 8 }] },
  // A3 Ultra: 8× H200 (hpc-toolkit v1.44.1 release notes; cluster-toolkit machine map, find_string id 51819475008).
  "nvidia-h200-141gb": { acceleratorType: "nvidia-h200-141gb", machines: [{ type: "a3-ultragpu-8g", gpus: 8 }] },
};

/** The machine type of a pool: `instanceType`, else the table's type for the accelerator and GPUs per node. */
export function gkeMachineType(poolName: string, pool: Pool): string {
  if (!pool.gpu) return pool.instanceType ?? GKE_CPU_MACHINE_TYPE;
  const { accelerator, perNode } = pool.gpu;
  const machines = GKE_ACCELERATORS[accelerator]?.machines ?? [];
  if (pool.instanceType !== undefined) {
    const known = machines.find((m) => m.type === pool.instanceType);
    if (known && known.gpus !== perNode) {
      throw new Error(
        `pools.${poolName}.gpu.perNode: ${pool.instanceType} carries ${known.gpus} ${accelerator} GPU(s), not ${perNode}; ` +
          `set perNode to ${known.gpus} or pick another machine type.`,
      );
    }
    return pool.instanceType;
  }
  const match = machines.find((m) => m.gpus === perNode);
  if (!match) {
    const offered = machines.map((m) => `${m.type} (${m.gpus})`).join(", ") || "none";
    throw new Error(
      `pools.${poolName}.instanceType: GKE has no machine type for ${perNode}× ${accelerator} ` +
        `(known: ${offered}); set pools.${poolName}.instanceType or change the accelerator.`,
    );
  }
  return match.type;
}

/** The Compute Engine accelerator type of a GPU pool. */
function gkeAcceleratorType(poolName: string, accelerator: AcceleratorId): string {
  const entry = GKE_ACCELERATORS[accelerator];
  if (!entry)
    throw new Error(
      `pools.${poolName}.gpu.accelerator: ${accelerator} is not offered on GKE; use one of ${Object.keys(GKE_ACCELERATORS).join(", ")}.`,
    );
  return entry.acceleratorType;
}

/**
 * The node pool's `guest_accelerator`: GKE's driver installer (DEFAULT driver, facts-clouds §4) and the
 * pool's sharing carried out by GKE's device plugin. GKE partitions every GPU of a node the same way,
 * so a MIG layout must be uniform (one profile), and its devices are advertised as `nvidia.com/gpu`
 * like the GPU Operator's `single` strategy (derived: GKE exposes each partition as a regular GPU,
 * https://cloud.google.com/kubernetes-engine/docs/how-to/gpus-multi).
 */
export function gkeGuestAccelerator(
  poolName: string,
  pool: Pool,
): ContainerNodePoolNodeConfigGuestAccelerator | undefined {
  if (!pool.gpu) return undefined;
  const { accelerator, perNode, sharing } = pool.gpu;
  const base = {
    type: gkeAcceleratorType(poolName, accelerator),
    count: perNode,
    gpuDriverInstallationConfig: { gpuDriverVersion: "DEFAULT" },
  };
  switch (sharing.mode) {
    case "none":
      return base;
    case "time-slicing":
      return {
        ...base,
        gpuSharingConfig: { gpuSharingStrategy: "TIME_SHARING", maxSharedClientsPerGpu: sharing.replicas },
      };
    case "mps":
      return { ...base, gpuSharingConfig: { gpuSharingStrategy: "MPS", maxSharedClientsPerGpu: sharing.replicas } };
    case "mig": {
      if (sharing.strategy !== "single") {
        throw new Error(
          `pools.${poolName}.gpu.sharing.strategy: GKE advertises MIG partitions as nvidia.com/gpu; use "single", not "${sharing.strategy}".`,
        );
      }
      const layouts: Readonly<Record<string, Readonly<Record<string, number>>>> =
        (ACCELERATORS[accelerator] as { migLayouts?: Record<string, Record<string, number>> }).migLayouts ?? {};
      const profiles = Object.keys(layouts[sharing.layout] ?? {});
      if (profiles.length !== 1) {
        throw new Error(
          `pools.${poolName}.gpu.sharing: GKE partitions every GPU into one size (gpu_partition_size); ` +
            `layout "${sharing.layout}" is not a uniform ${accelerator} layout such as all-<profile>.`,
        );
      }
      return { ...base, gpuPartitionSize: profiles[0] };
    }
  }
}

const TAINT_EFFECTS = { NoSchedule: "NO_SCHEDULE", PreferNoSchedule: "PREFER_NO_SCHEDULE", NoExecute: "NO_EXECUTE" };

/** `europe-west4-a` → `europe-west4`; a region stays itself. */
export function gkeRegion(location: string): string {
  return /-[a-z]$/.test(location) ? location.slice(0, -2) : location;
}

/** The ServiceAccount annotation that names the Google service account a Kubernetes ServiceAccount acts as. */
export const GKE_GSA_ANNOTATION = "iam.gke.io/gcp-service-account";

/** One Google service account per access level: MLflow's (read-write, artifacts) and the predictors' (read, models). */
const GSA_SUFFIXES: Readonly<Record<StorageSubject["access"], string>> = { "read-write": "mlflow", read: "models" };

/**
 * The `account_id` of the Google service account for an access level: `<cluster>-mlflow` / `<cluster>-models`.
 * Ids are 6-30 characters, `[a-z][-a-z0-9]{4,28}[a-z0-9]` (the provider's check). A cluster name (a DNS label,
 * up to 63 characters, may start with a digit) gets a `gke-` prefix when it starts with a digit, and a long one
 * is cut and suffixed with a hash of the full name, so two long names sharing a prefix do not collide.
 */
export function gkeServiceAccountId(profile: Profile, access: StorageSubject["access"]): string {
  const suffix = `-${GSA_SUFFIXES[access]}`;
  const room = 30 - suffix.length;
  let base = /^[a-z]/.test(profile.cluster.name) ? profile.cluster.name : `gke-${profile.cluster.name}`;
  if (base.length > room) {
    const hash = createHash("sha256").update(profile.cluster.name).digest("hex").slice(0, 6);
    base = `${base.slice(0, room - hash.length - 1).replace(/-+$/, "")}-${hash}`;
  }
  return `${base}${suffix}`;
}

/**
 * The email of the Google service account for an access level, for the `iam.gke.io/gcp-service-account`
 * annotation of each subject's ServiceAccount (MLflow: "read-write"; KServe: "read"). It is deterministic
 * (`<account_id>@<project>.iam.gserviceaccount.com`), so no Terraform reference crosses stacks.
 */
export function gkeServiceAccountEmail(profile: Profile, access: StorageSubject["access"]): string {
  if (profile.cluster.provider !== "gke") {
    throw new Error(`cluster.provider: Google service accounts exist on gke, not ${profile.cluster.provider}.`);
  }
  return `${gkeServiceAccountId(profile, access)}@${profile.cluster.project}.iam.gserviceaccount.com`;
}

export class GkeClusterStack extends TerraformStack {
  readonly connection: ClusterConnection;
  /** The buckets and their identities, when the profile uses cloud storage (`external.objectStore: { cloud: true }`). */
  readonly storage?: CloudStorage;

  constructor(scope: Construct, id: string, props: GkeClusterStackProps) {
    super(scope, id);
    const { profile } = props;
    const { cluster: config } = profile;
    const names = poolNames(profile);
    // Validate every pool before creating anything, so a bad profile fails with the pool's path.
    const machineTypes = Object.fromEntries(names.map((name) => [name, gkeMachineType(name, profile.pools[name])]));
    const accelerators = Object.fromEntries(
      names.map((name) => [name, gkeGuestAccelerator(name, profile.pools[name])]),
    );

    configureBackend(this, profile, id);
    const region = gkeRegion(config.location);
    const zonal = region !== config.location;
    new GoogleProvider(this, "google", { project: config.project, region, zone: zonal ? config.location : undefined });
    pinProviders(this, ["google"]);

    const cluster = config.existing ? this.adoptCluster(config) : this.createCluster(config, region);

    for (const name of names) {
      const pool = profile.pools[name];
      const guestAccelerator = accelerators[name];
      new ContainerNodePool(this, `pool-${name}`, {
        name,
        cluster: cluster.poolCluster,
        location: config.location,
        // Autoscaled pools: total limits match the profile's pool-wide numbers. GKE has no pool-wide fixed
        // size: initial_node_count and node_count are per zone, so a regional cluster gets `nodes` in each of
        // its zones (exact only for a zonal location).
        ...(pool.autoscaling
          ? {
              initialNodeCount: pool.nodes,
              autoscaling: { totalMinNodeCount: pool.autoscaling.min, totalMaxNodeCount: pool.autoscaling.max },
            }
          : { nodeCount: pool.nodes }),
        // Release channels require auto-upgrade; auto-repair replaces broken nodes.
        management: { autoRepair: true, autoUpgrade: true },
        nodeConfig: {
          machineType: machineTypes[name],
          spot: pool.spot,
          labels: { ...pool.labels, ...poolNodeLabels(name, pool) },
          taint: pool.taints.map((t) => ({ key: t.key, value: t.value ?? "", effect: TAINT_EFFECTS[t.effect] })),
          // Pods get their own identity through the GKE metadata server (facts-clouds §4 "Workload Identity").
          workloadMetadataConfig: { mode: "GKE_METADATA" },
          oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
          guestAccelerator: guestAccelerator ? [guestAccelerator] : undefined,
        },
        // The autoscaler owns the size after creation; a new `nodes` must not recreate the pool.
        lifecycle: pool.autoscaling ? { ignoreChanges: ["initial_node_count"] } : undefined,
      });
    }

    // The same test identityServiceAccounts() uses, so accounts and annotations appear together.
    if (usesCloudStorage(profile)) {
      this.storage = this.createStorage(profile, region);
    }

    this.connection = {
      host: `https://${cluster.endpoint}`,
      clusterCaCertificate: Fn.base64decode(cluster.caCertificate),
      exec: gkeExecAuth(),
    };
  }

  /** The network (or an adopted subnetwork) and a VPC-native cluster with Workload Identity. */
  private createCluster(config: GkeClusterConfig, region: string): GkeClusterHandle {
    let network: string;
    let subnetwork: string;
    let ipAllocationPolicy: { clusterSecondaryRangeName?: string; servicesSecondaryRangeName?: string };
    if ("create" in config.network) {
      const { cidr, podsCidr, servicesCidr } = config.network.create;
      const vpc = new ComputeNetwork(this, "network", { name: config.name, autoCreateSubnetworks: false });
      const subnet = new ComputeSubnetwork(this, "subnetwork", {
        name: `${config.name}-nodes`,
        region,
        network: vpc.id,
        ipCidrRange: cidr,
        // Nodes reach Google APIs (Artifact Registry, GCS) without external IPs.
        privateIpGoogleAccess: true,
        secondaryIpRange: [
          { rangeName: "pods", ipCidrRange: podsCidr },
          { rangeName: "services", ipCidrRange: servicesCidr },
        ],
      });
      network = vpc.id;
      subnetwork = subnet.id;
      ipAllocationPolicy = { clusterSecondaryRangeName: "pods", servicesSecondaryRangeName: "services" };
    } else {
      // An adopted subnetwork: GKE picks (or creates) the secondary ranges itself.
      ({ network, subnetwork } = config.network.existing);
      ipAllocationPolicy = {};
    }

    const cluster = new ContainerCluster(this, "cluster", {
      name: config.name,
      location: config.location,
      // Node pools are separate resources; GKE still needs a default pool at creation, which is removed.
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      minMasterVersion: config.kubernetesVersion,
      // EXTENDED keeps the cluster on its minor until shortly before extended support ends, with patches
      // at the Regular cadence (https://cloud.google.com/blog/products/containers-kubernetes/announcing-gke-extended-support);
      // "no channel" (UNSPECIFIED) is deprecated and refused for new customers
      // (https://docs.cloud.google.com/kubernetes-engine/docs/release-notes-nochannel). Extended support itself is billed.
      releaseChannel: { channel: "EXTENDED" },
      workloadIdentityConfig: { workloadPool: `${config.project}.svc.id.goog` },
      networkingMode: "VPC_NATIVE",
      // Dataplane V2 (eBPF) enforces the teams' default-deny NetworkPolicies; the legacy datapath does not
      // without the Calico add-on (docs.cloud.google.com/kubernetes-engine/docs/reference/rest/v1/DatapathProvider).
      datapathProvider: "ADVANCED_DATAPATH",
      network,
      subnetwork,
      ipAllocationPolicy,
      // A reference distribution must tear down with `tofu destroy`; the provider default (true) blocks that.
      deletionProtection: false,
    });
    return {
      poolCluster: cluster.id,
      endpoint: cluster.endpoint,
      caCertificate: cluster.masterAuth.clusterCaCertificate,
    };
  }

  /** The existing cluster of `config.name` in `config.location`, read at plan time. */
  private adoptCluster(config: GkeClusterConfig): GkeClusterHandle {
    const cluster = new DataGoogleContainerCluster(this, "cluster", { name: config.name, location: config.location });
    return {
      poolCluster: cluster.name,
      endpoint: cluster.endpoint,
      caCertificate: cluster.masterAuth.get(0).clusterCaCertificate,
    };
  }

  /**
   * The MLflow artifacts and models buckets, and GKE Workload Identity for the storage subjects
   * (facts-clouds §4): each access level is a Google service account with an object role on its bucket,
   * which exactly the subjects of that level may impersonate (`roles/iam.workloadIdentityUser` for
   * `<project>.svc.id.goog[<namespace>/<serviceAccount>]`, as terraform-google-kubernetes-engine's
   * workload-identity module grants it). No keys exist: pods get tokens from the GKE metadata server.
   */
  private createStorage(profile: GkeClusterStackProps["profile"], region: string): CloudStorage {
    const { project } = profile.cluster;
    const bucket = (id: string, name: string) =>
      new StorageBucket(this, id, {
        name: cloudBucketName(profile, name),
        // GCS reports locations in upper case; writing it that way keeps plans free of case-only diffs.
        location: region.toUpperCase(),
        // IAM only (no ACLs), never public. Objects are encrypted at rest by default with Google-owned keys
        // (https://cloud.google.com/storage/docs/encryption/default-keys), so no `encryption` block is needed.
        uniformBucketLevelAccess: true,
        publicAccessPrevention: "enforced",
        // Artifacts and models outlive a `tofu destroy` unless emptied on purpose.
        forceDestroy: false,
      });
    const artifacts = bucket("artifacts-bucket", profile.buckets.mlflowArtifacts);
    const models = bucket("models-bucket", profile.buckets.models);

    // What each access level's account may do, and where.
    const grants = {
      "read-write": { bucket: artifacts, role: "roles/storage.objectAdmin", id: "artifacts-bucket-object-admin" },
      read: { bucket: models, role: "roles/storage.objectViewer", id: "models-bucket-object-viewer" },
    } as const;
    const serviceAccount = (access: StorageSubject["access"]): ServiceAccount => {
      const account = new ServiceAccount(this, `${GSA_SUFFIXES[access]}-gsa`, {
        accountId: gkeServiceAccountId(profile, access),
        // Explicit, because gkeServiceAccountEmail() spells the email from this project.
        project,
        displayName: `${profile.cluster.name} ${access === "read" ? "model readers" : "MLflow artifacts"}`,
      });
      const grant = grants[access];
      // The account's `email` reference orders the grant after the account exists.
      new StorageBucketIamMember(this, grant.id, {
        bucket: grant.bucket.name,
        role: grant.role,
        member: `serviceAccount:${account.email}`,
      });
      return account;
    };
    const accounts = { "read-write": serviceAccount("read-write"), read: serviceAccount("read") };

    for (const subject of storageSubjects(profile)) {
      new ServiceAccountIamMember(this, `workload-identity-${subject.namespace}-${subject.serviceAccount}`, {
        serviceAccountId: accounts[subject.access].name,
        role: "roles/iam.workloadIdentityUser",
        member: `serviceAccount:${project}.svc.id.goog[${subject.namespace}/${subject.serviceAccount}]`,
      });
    }

    return {
      ...cloudStorageUris(profile),
      // One map for every subject, but each access level has its own account: this one is the KServe
      // accounts'; MLflow's ServiceAccount needs gkeServiceAccountEmail(profile, "read-write") instead.
      serviceAccountAnnotations: { [GKE_GSA_ANNOTATION]: gkeServiceAccountEmail(profile, "read") },
    };
  }
}
