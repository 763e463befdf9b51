/**
 * The GKE Standard cluster stack: a VPC-native network (or an adopted one), a cluster with Workload
 * Identity at the profile's Kubernetes minor, and one node pool per profile pool.
 *
 * GPUs use GKE's own stack (driver installer, managed device plugin, time-sharing/MPS/MIG set on the
 * node pool), which is why the gke-gpu profile marks the GPU Operator `external`: a node must have
 * exactly one `nvidia.com/gpu` advertiser, and GKE-native sharing does not combine with the operator's
 * device plugin or MIG manager (https://docs.cloud.google.com/kubernetes-engine/docs/how-to/gpu-operator;
 * https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/google-gke.html).
 *
 * Exposure: nodes are private (internal addresses only) and leave the network through a Cloud NAT the stack creates
 * with the network; the control plane answers as `cluster.apiAccess` says (gkeControlPlaneAccess). Every node pool
 * runs as a dedicated node service account with the role GKE documents for nodes, not as the Compute Engine
 * default service account (GKE_NODE_ROLES).
 *
 * With `cluster.existing` the stack adopts the cluster of that name and location instead (read at plan
 * time): its network and its endpoint access come with it, so `network` and `apiAccess` are ignored, and only
 * the node pools (with the node service account) are created on it.
 * Cloud storage then needs Workload Identity enabled on that cluster (workload pool `<project>.svc.id.goog`).
 */
import { createHash } from "node:crypto";
import { Fn, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import type { ContainerClusterConfig } from "@cdktf/provider-google/lib/container-cluster";
import { ContainerCluster } from "@cdktf/provider-google/lib/container-cluster";
import { DataGoogleContainerCluster } from "@cdktf/provider-google/lib/data-google-container-cluster";
import type { ContainerNodePoolNodeConfigGuestAccelerator } from "@cdktf/provider-google/lib/container-node-pool";
import { ContainerNodePool } from "@cdktf/provider-google/lib/container-node-pool";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { ServiceAccountIamMember } from "@cdktf/provider-google/lib/service-account-iam-member";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import { poolNames, poolNodeLabels } from "../../profiles/plan";
import type { ApiAccess, GkeClusterConfig, Pool, Profile } from "../../profiles/schema";
import type { ClusterConnection } from "./connection";
import { gkeExecAuth } from "./connection";
import { assertCloudRules } from "../../platform/clouds/rules";
import { gkePartitionSize, orThrow, pickInstanceType } from "../../platform/clouds/sizing";
import type { CloudStorage, StorageSubject } from "../../platform/clouds/storage";
import { cloudBucketName, cloudStorageUris, storageSubjects, usesCloudStorage } from "../../platform/clouds/storage";
import { configureBackend } from "./state";
import { pinProviders } from "../providers/pins";

/** What the node pools and the connection need from the cluster, created or adopted. */
interface GkeClusterHandle {
  /** What a node pool's `cluster` takes: the created cluster's id, or the adopted cluster's name. */
  readonly poolCluster: string;
  /** The address the platform stack connects to: the private endpoint of a private control plane. */
  readonly endpoint: string;
  /** Base64-encoded, as GKE returns it. */
  readonly caCertificate: string;
}

export interface GkeClusterStackProps {
  readonly profile: Profile & { readonly cluster: GkeClusterConfig };
}

/**
 * The node pool's `guest_accelerator`: GKE's driver installer (`gpu_driver_installation_config` DEFAULT,
 * hashicorp/terraform-provider-google@v6.50.0:website/docs/r/container_cluster.html.markdown) and the pool's
 * sharing carried out by GKE's device plugin. A MIG pool is cut into one partition size (gkePartitionSize).
 */
export function gkeGuestAccelerator(
  poolName: string,
  pool: Pool,
): ContainerNodePoolNodeConfigGuestAccelerator | undefined {
  if (!pool.gpu) return undefined;
  const { perNode, sharing } = pool.gpu;
  const { acceleratorType } = orThrow(pickInstanceType("gke", poolName, pool));
  // Every GKE_ACCELERATORS entry names its accelerator type; a table edit without one would land here.
  if (acceleratorType === undefined)
    throw new Error(`GKE_ACCELERATORS["${pool.gpu.accelerator}"] has no acceleratorType.`);
  const base = {
    type: acceleratorType,
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
    case "mig":
      // The profile rules refuse "mixed" on GKE; this guards profiles built by hand.
      if (sharing.strategy !== "single") {
        throw new Error(
          `pools.${poolName}.gpu.sharing.strategy: GKE advertises MIG partitions as nvidia.com/gpu; use "single", not "${sharing.strategy}".`,
        );
      }
      return { ...base, gpuPartitionSize: orThrow(gkePartitionSize(poolName, pool)).size };
  }
}

const TAINT_EFFECTS = { NoSchedule: "NO_SCHEDULE", PreferNoSchedule: "PREFER_NO_SCHEDULE", NoExecute: "NO_EXECUTE" };

/**
 * The project roles of the node service account: only the one Google documents for a least-privileged node service
 * account, Kubernetes Engine Default Node Service Account (logging and monitoring), per "Configure GKE
 * node service accounts", "Grant the minimum required role for GKE"
 * (https://docs.cloud.google.com/kubernetes-engine/security/configure-node-service-accounts).
 * No `roles/artifactregistry.reader`: the platform's images come from public registries (profile
 * `security.allowedRegistries`) and GKE's own from Google-owned ones, so no node reads a registry of the project; a
 * fork mirroring images into its Artifact Registry grants that role on the repository. Pods never act as this account:
 * the GKE metadata server gives them their own identity (Workload Identity).
 */
export const GKE_NODE_ROLES: Readonly<Record<string, string>> = {
  "default-node": "roles/container.defaultNodeServiceAccount",
};

/**
 * The node pools' access scope. Google recommends the `cloud-platform` scope together with a dedicated, least-privileged
 * service account, so that IAM roles alone decide what nodes may do
 * (https://cloud.google.com/compute/docs/access/service-accounts, access scopes; the provider's own example,
 * hashicorp/terraform-provider-google@v6.50.0:website/docs/r/container_node_pool.html.markdown: "Google recommends
 * custom service accounts that have cloud-platform scope and permissions granted via IAM Roles").
 */
export const GKE_NODE_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"] as const;

/**
 * The control plane's endpoints for the profile's API access (google 6.50.0, `google_container_cluster`). Both kinds
 * have private nodes (`private_cluster_config.enable_private_nodes`: internal addresses only, egress through the Cloud
 * NAT) and keep the IAM-gated DNS endpoint closed to user traffic (`control_plane_endpoints_config.dns_endpoint_config`);
 * Google's "About network isolation" (https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation) and
 * "Customize your network isolation" (https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters).
 *  - `private`: `enable_private_endpoint` turns the external IP endpoint off; the API answers on its internal
 *    address in the cluster's VPC only.
 *  - `public`: the external IP endpoint answers only `master_authorized_networks_config.cidr_blocks`, with
 *    `gcp_public_cidrs_access_enabled = false` so that Compute Engine's public addresses (any customer's VM) are not let
 *    in beside them (https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks).
 * Nodes reach the control plane on its internal endpoint in both, so no node address needs authorizing. Without a
 * `master_ipv4_cidr_block` the cluster uses Private Service Connect; the provider turns `enable_private_endpoint`
 * into the API's `ipEndpointsConfig.enablePublicEndpoint = false` and `enable_private_nodes` into
 * `networkConfig.defaultEnablePrivateNodes` (hashicorp/terraform-provider-google@v6.50.0:
 * google/services/container/resource_container_cluster.go, expandControlPlaneEndpointsConfig).
 */
export function gkeControlPlaneAccess(
  access: ApiAccess,
): Pick<
  ContainerClusterConfig,
  "privateClusterConfig" | "masterAuthorizedNetworksConfig" | "controlPlaneEndpointsConfig"
> {
  const dnsClosed = { dnsEndpointConfig: { allowExternalTraffic: false } };
  if (access.endpoint === "private") {
    return {
      privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: true },
      controlPlaneEndpointsConfig: dnsClosed,
    };
  }
  return {
    privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false },
    masterAuthorizedNetworksConfig: {
      cidrBlocks: access.authorizedCidrs.map((cidrBlock) => ({ cidrBlock })),
      gcpPublicCidrsAccessEnabled: false,
    },
    controlPlaneEndpointsConfig: dnsClosed,
  };
}

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
  return accountId(profile.cluster.name, GSA_SUFFIXES[access]);
}

/** The `account_id` of the cluster's node service account, `<cluster>-nodes`, shortened as gkeServiceAccountId does. */
export function gkeNodeServiceAccountId(profile: Profile): string {
  return accountId(profile.cluster.name, "nodes");
}

function accountId(clusterName: string, suffixName: string): string {
  const suffix = `-${suffixName}`;
  const room = 30 - suffix.length;
  let base = /^[a-z]/.test(clusterName) ? clusterName : `gke-${clusterName}`;
  if (base.length > room) {
    const hash = createHash("sha256").update(clusterName).digest("hex").slice(0, 6);
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
    // A profile from loadCheckedProfile passed these already; one built by hand fails here, before any construct.
    assertCloudRules(profile);
    const machineTypes = Object.fromEntries(
      names.map((name) => [name, orThrow(pickInstanceType("gke", name, profile.pools[name])).type]),
    );
    const accelerators = Object.fromEntries(
      names.map((name) => [name, gkeGuestAccelerator(name, profile.pools[name])]),
    );

    configureBackend(this, profile, id);
    const region = gkeRegion(config.location);
    const zonal = region !== config.location;
    new GoogleProvider(this, "google", { project: config.project, region, zone: zonal ? config.location : undefined });
    pinProviders(this, ["google"]);

    // The nodes' own identity, also for the pools put on an adopted cluster: they are ours.
    const nodeAccount = new ServiceAccount(this, "nodes-gsa", {
      accountId: gkeNodeServiceAccountId(profile),
      project: config.project,
      displayName: `${config.name} nodes`,
    });
    const nodeRoles = Object.entries(GKE_NODE_ROLES).map(
      ([id, role]) =>
        new ProjectIamMember(this, `nodes-gsa-${id}`, {
          project: config.project,
          role,
          member: `serviceAccount:${nodeAccount.email}`,
        }),
    );

    const cluster = config.existing ? this.adoptCluster(config) : this.createCluster(config, region, nodeAccount.email);

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
          // Pods get their own identity through the GKE metadata server: `workload_metadata_config` (the provider's
          // container_cluster doc), the GKE module's default node_metadata
          // (terraform-google-modules/terraform-google-kubernetes-engine@v44.2.0:README.md).
          workloadMetadataConfig: { mode: "GKE_METADATA" },
          serviceAccount: nodeAccount.email,
          oauthScopes: [...GKE_NODE_SCOPES],
          guestAccelerator: guestAccelerator ? [guestAccelerator] : undefined,
        },
        // The autoscaler owns the size after creation; a new `nodes` must not recreate the pool.
        lifecycle: pool.autoscaling ? { ignoreChanges: ["initial_node_count"] } : undefined,
        // Nodes start with their role granted, so their logs and metrics are written from the first minute.
        dependsOn: nodeRoles,
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

  /**
   * The network (or an adopted subnetwork) and a VPC-native cluster with Workload Identity, private nodes and the
   * profile's API access. A network of ours gets a Cloud NAT, the private nodes' only way out (image pulls from
   * public registries); an adopted network must already give its subnetwork egress (a Cloud NAT of its owner's).
   */
  private createCluster(config: GkeClusterConfig, region: string, nodeServiceAccount: string): GkeClusterHandle {
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
      // Private nodes have no external address: Cloud NAT gives them (and their pods) egress to the internet.
      const router = new ComputeRouter(this, "router", { name: `${config.name}-nat`, region, network: vpc.id });
      new ComputeRouterNat(this, "nat", {
        name: `${config.name}-nat`,
        router: router.name,
        region,
        natIpAllocateOption: "AUTO_ONLY",
        sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
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
      // Node pools are separate resources; GKE still needs a default pool at creation, which is removed. It runs as
      // the node service account too (not the Compute Engine default, which an organisation may have disabled). The
      // block only shapes that short-lived pool, so later differences in it are ignored.
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      nodeConfig: { serviceAccount: nodeServiceAccount, oauthScopes: [...GKE_NODE_SCOPES] },
      lifecycle: { ignoreChanges: ["node_config"] },
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
      ...gkeControlPlaneAccess(config.apiAccess),
      // A reference distribution must tear down with `tofu destroy`; the provider default (true) blocks that.
      deletionProtection: false,
    });
    return {
      poolCluster: cluster.id,
      // A private control plane has no external endpoint: connect to its internal address.
      endpoint:
        config.apiAccess.endpoint === "private" ? cluster.privateClusterConfig.privateEndpoint : cluster.endpoint,
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
   * The MLflow artifacts and models buckets, and GKE Workload Identity for the storage subjects: each
   * access level is a Google service account with an object role on its bucket, which exactly the subjects
   * of that level may impersonate (`roles/iam.workloadIdentityUser` for
   * `<project>.svc.id.goog[<namespace>/<serviceAccount>]`, as the GKE module's workload-identity module grants
   * it: terraform-google-modules/terraform-google-kubernetes-engine@v44.2.0:modules/workload-identity/main.tf).
   * No keys exist: pods get tokens from the GKE metadata server.
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
