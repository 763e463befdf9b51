/**
 * The AKS cluster stack: a resource group, a VNet and node subnet (or an adopted subnet), an Entra ID-only
 * cluster (no local accounts: kubelogin is the only way in) with workload identity, and one node pool per
 * profile pool. Resource arguments: the azurerm provider's docs at the pinned version
 * (hashicorp/terraform-provider-azurerm@v4.55.0:website/docs/r/kubernetes_cluster.html.markdown and
 * kubernetes_cluster_node_pool.html.markdown).
 *
 * Decisions:
 *  - Network: Azure CNI Overlay with the Cilium dataplane. Nodes take VNet addresses from `nodesCidr`, pods a
 *    private overlay CIDR, so GPU pools scaling from zero never exhaust the subnet. kubenet retires on
 *    31 March 2028 (learn.microsoft.com/azure/aks/concepts-network-legacy-cni), and the tenancy component's
 *    NetworkPolicies need an enforcing dataplane; Cilium requires overlay (or a pod subnet) and network_policy
 *    "cilium" (hashicorp/terraform-provider-azurerm#19639; "CiliumDataplaneRequiresNetworkPolicyCilium").
 *  - Authorization: Entra ID with Azure RBAC *and* Kubernetes RBAC (AKS evaluates both), so the team
 *    RoleBindings of the tenancy component keep working, `adminGroupObjectIds` become cluster-admin, and
 *    whoever applies this stack gets "Azure Kubernetes Service RBAC Cluster Admin" on the cluster: with local
 *    accounts disabled that is what lets the platform stack (kubelogin --login azurecli) in.
 *  - The default (system) pool is the first CPU pool; AKS keeps CriticalAddonsOnly workloads schedulable there.
 *    azurerm 4.x's `default_node_pool` has no `mode` (it is always System), `priority` or `node_taints`.
 *  - GPU pools: `gpu_driver = "Install"`: AKS images ship driver and container toolkit, the GPU Operator
 *    then runs with driver and toolkit disabled
 *    (https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/microsoft-aks.html); gpu_driver exists
 *    in azurerm ≥ 4.40.0 (Azure/terraform-azurerm-avm-res-containerservice-managedcluster#115).
 *  - Cloud storage (`external.objectStore: { cloud: true }`, platform/clouds/storage.ts): one storage account
 *    with the two containers, Entra ID only (shared keys off), and AKS Workload Identity: one user-assigned
 *    identity per access level, federated with exactly the storage subjects' ServiceAccounts. Roles are granted on the
 *    account, i.e. on both containers, as EKS does: KServe may then also serve a model straight from MLflow's
 *    artifacts, and the account holds nothing else.
 *  - API access (`cluster.apiAccess`, aksApiServerAccess): `private` makes a private cluster (the API server gets
 *    a private IP in the VNet, its FQDN resolves through a private DNS zone AKS manages; no public FQDN);
 *    `public` keeps the public endpoint and limits it to the listed ranges with `api_server_access_profile`
 *    (the two do not combine; AKS also lets in the cluster's own outbound IP, so nodes need no listing:
 *    learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges).
 *  - Adopted cluster (`cluster.existing`): the cluster of that name in the resource group is read at plan time
 *    and nothing of its own is created: no resource group, network (the cluster brings its own; `network` is
 *    ignored; `apiAccess` too, its endpoint is the owner's), or role assignments (access to it is its owner's
 *    business, and an assignment that already exists fails to create). Its default pool stays its own, so every
 *    profile pool becomes a User pool, without a subnet of ours (AKS picks the cluster's), at the control plane's
 *    version. It must be Entra ID-enabled (kubelogin) and,
 *    for cloud storage, have the OIDC issuer and workload identity enabled.
 */
import { AKS_SPOT_TAINT as AKS_SPOT_NODE_TAINT } from "../../profiles/rules";
import { Fn, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import { DataAzurermKubernetesCluster } from "@cdktf/provider-azurerm/lib/data-azurerm-kubernetes-cluster";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import type { KubernetesClusterConfig } from "@cdktf/provider-azurerm/lib/kubernetes-cluster";
import { KubernetesCluster } from "@cdktf/provider-azurerm/lib/kubernetes-cluster";
import { KubernetesClusterNodePool } from "@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container";
import { Subnet } from "@cdktf/provider-azurerm/lib/subnet";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { VirtualNetwork } from "@cdktf/provider-azurerm/lib/virtual-network";
import { poolNames, poolNodeLabels } from "../../profiles/plan";
import type { AksClusterConfig, ApiAccess, Pool, Profile } from "../../profiles/schema";
import { pinProviders } from "../providers/pins";
import type { ClusterConnection } from "./connection";
import { aksExecAuth } from "./connection";
import { configureBackend } from "./state";
import { aksSystemPool, assertCloudRules } from "../../platform/clouds/rules";
import { aksGpuInstance, orThrow, pickInstanceType } from "../../platform/clouds/sizing";
import type { CloudStorage, StorageSubject } from "../../platform/clouds/storage";
import {
  aksStorageAccountName,
  cloudStorageUris,
  storageSubjects,
  usesCloudStorage,
} from "../../platform/clouds/storage";

/** AKS taints every Spot node with this; pods need a toleration for it on top of the pool's own taints. */
export const AKS_SPOT_TAINT = `${AKS_SPOT_NODE_TAINT.key}=${AKS_SPOT_NODE_TAINT.value}:${AKS_SPOT_NODE_TAINT.effect}`;

/** The "Azure Kubernetes Service RBAC Cluster Admin" built-in role. */
const CLUSTER_ADMIN_ROLE = "Azure Kubernetes Service RBAC Cluster Admin";

/** The built-in data-plane role each storage access level gets on the storage account. */
export const AKS_STORAGE_ROLES: Readonly<Record<StorageSubject["access"], string>> = {
  "read-write": "Storage Blob Data Contributor",
  read: "Storage Blob Data Reader",
};

/**
 * The audience AKS Workload Identity's projected tokens carry
 * (hashicorp/terraform-provider-azurerm@v4.55.0:website/docs/r/federated_identity_credential.html.markdown).
 */
export const AKS_TOKEN_AUDIENCE = "api://AzureADTokenExchange";

/** The client ids of the storage identities: MLflow's ServiceAccount needs `readWrite`, the KServe ones `read`. */
export interface AksStorageClientIds {
  readonly readWrite: string;
  readonly read: string;
}

/** What the pools, storage and connection need from the cluster, created or adopted. */
interface AksClusterHandle {
  readonly id: string;
  readonly host: string;
  /** Base64-encoded, as kube_config holds it. */
  readonly caCertificate: string;
  readonly oidcIssuerUrl: string;
  /** Where new storage goes: the cluster's resource group and location. */
  readonly resourceGroup: { readonly name: string; readonly location: string };
  /** The profile pool that is the created cluster's default pool; undefined when adopted. */
  readonly defaultPoolName?: string;
  /** The node subnet of our pools; undefined when adopted (AKS uses the cluster's default pool subnet). */
  readonly subnetId?: string;
  /** The Kubernetes version of the pools; the control plane's when adopted, so the pools never run ahead of it. */
  readonly poolVersion: string;
}

export interface AksClusterStackProps {
  readonly profile: Profile & { readonly cluster: AksClusterConfig };
}

/** Taints as AKS writes them: `key=value:Effect` (`key:Effect` without a value), plus the Spot taint. */
export function aksNodeTaints(pool: Pool): string[] {
  const taints = pool.taints.map((t) =>
    t.value === undefined ? `${t.key}:${t.effect}` : `${t.key}=${t.value}:${t.effect}`,
  );
  // The profile rules require spot pools to list AKS's Spot taint, so pods tolerate it; write it once.
  return pool.spot && !taints.includes(AKS_SPOT_TAINT) ? [...taints, AKS_SPOT_TAINT] : taints;
}

/** Autoscaling between `autoscaling.min` and `.max` starting at `nodes`, or a fixed `nodes`. */
export function aksScaling(
  name: string,
  pool: Pool,
): { autoScalingEnabled: boolean; nodeCount: number; minCount?: number; maxCount?: number } {
  const scaling = pool.autoscaling;
  if (!scaling) return { autoScalingEnabled: false, nodeCount: pool.nodes };
  if (scaling.min > scaling.max || pool.nodes < scaling.min || pool.nodes > scaling.max) {
    throw new Error(
      `pools.${name}.nodes: ${pool.nodes} must lie within pools.${name}.autoscaling (min ${scaling.min}, max ${scaling.max}); ` +
        `change nodes or widen autoscaling.`,
    );
  }
  return { autoScalingEnabled: true, nodeCount: pool.nodes, minCount: scaling.min, maxCount: scaling.max };
}

/**
 * How the API server is reached (azurerm 4.55.0, `azurerm_kubernetes_cluster`): `private_cluster_enabled` for a
 * private cluster, or the public endpoint with `api_server_access_profile.authorized_ip_ranges`. Switching between
 * the two replaces the cluster (`private_cluster_enabled` forces a new resource); the ranges change in place.
 */
export function aksApiServerAccess(
  access: ApiAccess,
): Pick<KubernetesClusterConfig, "privateClusterEnabled" | "apiServerAccessProfile"> {
  return access.endpoint === "private"
    ? { privateClusterEnabled: true }
    : { privateClusterEnabled: false, apiServerAccessProfile: { authorizedIpRanges: [...access.authorizedCidrs] } };
}

export class AksClusterStack extends TerraformStack {
  readonly connection: ClusterConnection;
  /** Set when `external.objectStore` is `{ cloud: true }`. */
  readonly storage?: CloudStorage;
  /** The storage identities' client ids (Terraform references), set with `storage`. */
  readonly storageClientIds?: AksStorageClientIds;

  constructor(scope: Construct, id: string, props: AksClusterStackProps) {
    super(scope, id);
    const { profile } = props;
    const { cluster } = profile;

    // A profile from loadCheckedProfile passed these already; one built by hand fails here, before any construct.
    assertCloudRules(profile);
    for (const name of poolNames(profile)) aksScaling(name, profile.pools[name]);
    const cloudStorage = usesCloudStorage(profile);

    configureBackend(this, profile, id);
    // azurerm 4.x needs a subscription id: ARM_SUBSCRIPTION_ID where OpenTofu runs (no credentials in code).
    // With shared keys off, the storage account's queue and static-website reads (data plane, shared key by
    // default) would fail with KeyBasedAuthenticationNotPermitted; `data_plane_available = false` skips them,
    // and containers made through `storage_account_id` go through Resource Manager.
    new AzurermProvider(this, "azurerm", {
      features: [cloudStorage ? { storage: [{ dataPlaneAvailable: false }] } : {}],
    });
    pinProviders(this, ["azurerm"]);

    // An adopted cluster keeps its own default pool; a created one makes the first CPU pool its default pool.
    const aks = cluster.existing
      ? this.adoptCluster(cluster)
      : this.createCluster(profile, orThrow(aksSystemPool(profile)).name);

    for (const name of poolNames(profile).filter((candidate) => candidate !== aks.defaultPoolName)) {
      const pool = profile.pools[name];
      const scaling = aksScaling(name, pool);
      new KubernetesClusterNodePool(this, `pool-${name}`, {
        name,
        kubernetesClusterId: aks.id,
        mode: "User",
        vmSize: orThrow(pickInstanceType("aks", name, pool)).type,
        orchestratorVersion: aks.poolVersion,
        vnetSubnetId: aks.subnetId,
        nodeLabels: poolNodeLabels(name, pool),
        nodeTaints: aksNodeTaints(pool),
        ...scaling,
        ...(pool.spot ? { priority: "Spot", evictionPolicy: "Delete", spotMaxPrice: -1 } : {}),
        ...(pool.gpu ? { gpuDriver: "Install", gpuInstance: orThrow(aksGpuInstance(name, pool)).gpuInstance } : {}),
        lifecycle: scaling.autoScalingEnabled ? { ignoreChanges: ["node_count"] } : undefined,
      });
    }

    if (cloudStorage) {
      const { storage, clientIds } = this.createStorage(profile, aks);
      this.storage = storage;
      this.storageClientIds = clientIds;
    }

    // kube_config holds host and CA only (no local account); kubelogin supplies the token (./connection.ts).
    this.connection = {
      host: aks.host,
      clusterCaCertificate: Fn.base64decode(aks.caCertificate),
      exec: aksExecAuth(),
    };
  }

  /** The resource group, the network (or an adopted subnet), the cluster with the default pool, and its access. */
  private createCluster(profile: AksClusterStackProps["profile"], systemPoolName: string): AksClusterHandle {
    const { cluster } = profile;
    const resourceGroup = new ResourceGroup(this, "resource-group", {
      name: cluster.resourceGroup,
      location: cluster.location,
    });
    const subnetId = this.nodeSubnetId(cluster, resourceGroup);

    const systemPool = profile.pools[systemPoolName];
    const systemScaling = aksScaling(systemPoolName, systemPool);
    const aks = new KubernetesCluster(this, "cluster", {
      name: cluster.name,
      location: resourceGroup.location,
      resourceGroupName: resourceGroup.name,
      dnsPrefix: cluster.name,
      // AKS accepts a minor alias and picks its latest patch.
      kubernetesVersion: cluster.kubernetesVersion,
      identity: { type: "SystemAssigned" },
      oidcIssuerEnabled: true,
      workloadIdentityEnabled: true,
      localAccountDisabled: true,
      ...aksApiServerAccess(cluster.apiAccess),
      roleBasedAccessControlEnabled: true,
      azureActiveDirectoryRoleBasedAccessControl: {
        azureRbacEnabled: true,
        adminGroupObjectIds: [...cluster.adminGroupObjectIds],
      },
      networkProfile: {
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        networkDataPlane: "cilium",
        networkPolicy: "cilium",
        loadBalancerSku: "standard",
        outboundType: "loadBalancer",
      },
      defaultNodePool: {
        name: systemPoolName,
        vmSize: orThrow(pickInstanceType("aks", systemPoolName, systemPool)).type,
        orchestratorVersion: cluster.kubernetesVersion,
        vnetSubnetId: subnetId,
        nodeLabels: poolNodeLabels(systemPoolName, systemPool),
        ...systemScaling,
      },
      // The autoscaler owns the node count once the pool exists.
      lifecycle: systemScaling.autoScalingEnabled ? { ignoreChanges: ["default_node_pool[0].node_count"] } : undefined,
    });

    // With a bring-your-own subnet the cluster identity needs Network Contributor on it (load balancers, node NICs).
    new RoleAssignment(this, "cluster-network-contributor", {
      scope: subnetId,
      roleDefinitionName: "Network Contributor",
      principalId: aks.identity.principalId,
    });
    // Local accounts are off: whoever applies this stack gets in through Azure RBAC (read at plan time).
    const deployer = new DataAzurermClientConfig(this, "deployer", {});
    new RoleAssignment(this, "deployer-cluster-admin", {
      scope: aks.id,
      roleDefinitionName: CLUSTER_ADMIN_ROLE,
      principalId: deployer.objectId,
    });

    // kube_config holds host and CA only (no local account); kubelogin supplies the token (./connection.ts).
    const kubeConfig = aks.kubeConfig.get(0);
    return {
      id: aks.id,
      host: kubeConfig.host,
      caCertificate: kubeConfig.clusterCaCertificate,
      oidcIssuerUrl: aks.oidcIssuerUrl,
      resourceGroup: { name: resourceGroup.name, location: resourceGroup.location },
      defaultPoolName: systemPoolName,
      subnetId,
      poolVersion: cluster.kubernetesVersion,
    };
  }

  /** The existing cluster of `cluster.name` in `cluster.resourceGroup`, read at plan time. */
  private adoptCluster(cluster: AksClusterConfig): AksClusterHandle {
    const aks = new DataAzurermKubernetesCluster(this, "cluster", {
      name: cluster.name,
      resourceGroupName: cluster.resourceGroup,
    });
    const kubeConfig = aks.kubeConfig.get(0);
    return {
      id: aks.id,
      host: kubeConfig.host,
      caCertificate: kubeConfig.clusterCaCertificate,
      oidcIssuerUrl: aks.oidcIssuerUrl,
      resourceGroup: { name: cluster.resourceGroup, location: aks.location },
      poolVersion: aks.kubernetesVersion,
    };
  }

  /**
   * The storage account with the artifacts and models containers, and AKS Workload Identity for the storage
   * subjects (which needs the cluster's OIDC issuer: the precondition in
   * Azure/terraform-azurerm-aks@e29456e:main.tf): per access level a user-assigned identity with its blob data
   * role on the account, and per subject a federated credential trusting the cluster's OIDC issuer for exactly
   * `system:serviceaccount:<namespace>:<serviceAccount>`. No keys: shared key access is off, so only Entra ID
   * tokens (which the workload identity webhook lets pods obtain) are accepted.
   */
  private createStorage(
    profile: AksClusterStackProps["profile"],
    aks: AksClusterHandle,
  ): { storage: CloudStorage; clientIds: AksStorageClientIds } {
    const { cluster } = profile;
    const { resourceGroup } = aks;
    const accountName = aksStorageAccountName(profile);
    const account = new StorageAccount(this, "storage-account", {
      name: accountName,
      location: resourceGroup.location,
      resourceGroupName: resourceGroup.name,
      accountTier: "Standard",
      accountReplicationType: "LRS",
      httpsTrafficOnlyEnabled: true,
      minTlsVersion: "TLS1_2",
      // No anonymous reads of any container; data is always encrypted at rest (Microsoft-managed keys).
      allowNestedItemsToBePublic: false,
      sharedAccessKeyEnabled: false,
    });
    // The bucket names themselves: containers are per account, so no prefix (the clouds' rules check the names).
    for (const [id, name] of [
      ["artifacts-container", profile.buckets.mlflowArtifacts],
      ["models-container", profile.buckets.models],
    ]) {
      // Through Resource Manager (storage_account_id), not the data plane: works without shared keys.
      new StorageContainer(this, id, { name, storageAccountId: account.id, containerAccessType: "private" });
    }

    const identities = Object.fromEntries(
      (["read-write", "read"] as const).map((access) => {
        const identity = new UserAssignedIdentity(this, `storage-${access}-identity`, {
          name: `${cluster.name}-storage-${access}`,
          location: resourceGroup.location,
          resourceGroupName: resourceGroup.name,
        });
        new RoleAssignment(this, `storage-${access}-blob-data`, {
          scope: account.id,
          roleDefinitionName: AKS_STORAGE_ROLES[access],
          principalId: identity.principalId,
          // A new identity may not have replicated in Entra ID yet; the type spares ARM the lookup.
          principalType: "ServicePrincipal",
        });
        return [access, identity];
      }),
    ) as Record<StorageSubject["access"], UserAssignedIdentity>;

    // Azure refuses concurrent credential writes on one identity (ConcurrentFederatedIdentityCredentialsWrites…,
    // hashicorp/terraform-provider-azurerm#29242), so each waits for the previous one on the same identity.
    const previous: Partial<Record<StorageSubject["access"], FederatedIdentityCredential>> = {};
    for (const subject of storageSubjects(profile)) {
      const name = `${subject.namespace}-${subject.serviceAccount}`;
      const before = previous[subject.access];
      previous[subject.access] = new FederatedIdentityCredential(this, `storage-federation-${name}`, {
        name,
        resourceGroupName: resourceGroup.name,
        parentId: identities[subject.access].id,
        issuer: aks.oidcIssuerUrl,
        subject: `system:serviceaccount:${subject.namespace}:${subject.serviceAccount}`,
        audience: [AKS_TOKEN_AUDIENCE],
        dependsOn: before ? [before] : undefined,
      });
    }

    return {
      storage: {
        // MLflow's Azure Blob repository takes wasbs URIs; KServe's storage initializer takes https blob URLs.
        ...cloudStorageUris(profile),
        // One map for every subject: this is the KServe accounts' identity; MLflow's ServiceAccount needs
        // storageClientIds.readWrite instead.
        serviceAccountAnnotations: { "azure.workload.identity/client-id": identities.read.clientId },
      },
      clientIds: { readWrite: identities["read-write"].clientId, read: identities.read.clientId },
    };
  }

  private nodeSubnetId(cluster: AksClusterConfig, resourceGroup: ResourceGroup): string {
    if ("existing" in cluster.network) return cluster.network.existing.subnetId;
    const vnet = new VirtualNetwork(this, "vnet", {
      name: `${cluster.name}-vnet`,
      location: resourceGroup.location,
      resourceGroupName: resourceGroup.name,
      addressSpace: [cluster.network.create.cidr],
    });
    const subnet = new Subnet(this, "nodes", {
      name: `${cluster.name}-nodes`,
      resourceGroupName: resourceGroup.name,
      virtualNetworkName: vnet.name,
      addressPrefixes: [cluster.network.create.nodesCidr],
    });
    return subnet.id;
  }
}
