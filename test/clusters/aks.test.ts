import { asksForCloudStorage, withoutCloudStorage } from "../support/profiles";
import { Testing, TerraformOutput } from "cdktf";
import { loadProfile } from "../../profiles/load";
import type { AksClusterConfig, ApiAccess, Profile, ProfileOverride } from "../../profiles/schema";
import { aksApiServerAccess, AksClusterStack } from "../../stacks/clusters/aks";

type AksProfile = Profile & { readonly cluster: AksClusterConfig };

const SUBNET_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets/aks";

function aksProfile(override?: ProfileOverride): AksProfile {
  const loaded = loadProfile("aks-gpu", override);
  const profile = asksForCloudStorage(override) ? loaded : withoutCloudStorage(loaded);
  if (profile.cluster.provider !== "aks") throw new Error("aks-gpu is not an AKS profile");
  return { ...profile, cluster: profile.cluster };
}

function aksStack(profile: AksProfile): AksClusterStack {
  return new AksClusterStack(Testing.app(), "aks-gpu-cluster", { profile });
}

/** The stack's Terraform JSON, as cdktf writes it. */
function synth(profile: AksProfile) {
  return JSON.parse(Testing.synth(aksStack(profile)));
}

/** A MIG pool on single A100 80 GB Spot VMs, fixed at one node, with its own label and a value-less taint. */
/** AKS taints Spot nodes itself; the profile rules make Spot pools list it so workloads tolerate it. */
const SPOT_TAINT = { key: "kubernetes.azure.com/scalesetpriority", value: "spot", effect: "NoSchedule" as const };

const A100_POOL: ProfileOverride = {
  pools: {
    a100: {
      nodes: 1,
      spot: true,
      labels: { "cnai.io/tier": "training" },
      taints: [{ key: "dedicated", effect: "NoSchedule" }, SPOT_TAINT],
      gpu: {
        accelerator: "nvidia-a100-80gb",
        perNode: 1,
        sharing: { mode: "mig", strategy: "single", layout: "all-1g.10gb" },
      },
    },
  },
};

describe("the AKS cluster stack", () => {
  test("the cluster is Entra ID-only with workload identity, CNI Overlay with Cilium, and the system pool as default", () => {
    expect(synth(aksProfile()).resource.azurerm_kubernetes_cluster).toEqual({
      cluster: {
        name: "cnai-aks",
        location: "${azurerm_resource_group.resource-group.location}",
        resource_group_name: "${azurerm_resource_group.resource-group.name}",
        dns_prefix: "cnai-aks",
        kubernetes_version: "1.35",
        identity: { type: "SystemAssigned" },
        oidc_issuer_enabled: true,
        workload_identity_enabled: true,
        local_account_disabled: true,
        // aks-gpu keeps the default API access: a private cluster.
        private_cluster_enabled: true,
        role_based_access_control_enabled: true,
        azure_active_directory_role_based_access_control: { azure_rbac_enabled: true, admin_group_object_ids: [] },
        network_profile: {
          network_plugin: "azure",
          network_plugin_mode: "overlay",
          network_data_plane: "cilium",
          network_policy: "cilium",
          load_balancer_sku: "standard",
          outbound_type: "loadBalancer",
        },
        default_node_pool: {
          name: "system",
          vm_size: "Standard_D4s_v5",
          orchestrator_version: "1.35",
          vnet_subnet_id: "${azurerm_subnet.nodes.id}",
          node_labels: { "cnai.io/pool": "system" },
          auto_scaling_enabled: true,
          node_count: 2,
          min_count: 2,
          max_count: 4,
        },
        lifecycle: { ignore_changes: ["default_node_pool[0].node_count"] },
      },
    });
  });

  test("a public API server answers exactly the listed ranges and the cluster is not private", () => {
    const cluster = synth(
      aksProfile({
        cluster: { apiAccess: { endpoint: "public", authorizedCidrs: ["198.51.100.0/24", "192.0.2.7/32"] } },
      }),
    ).resource.azurerm_kubernetes_cluster.cluster;
    expect([cluster.private_cluster_enabled, cluster.api_server_access_profile]).toEqual([
      false,
      { authorized_ip_ranges: ["198.51.100.0/24", "192.0.2.7/32"] },
    ]);
  });

  test("a private API server has no access profile; a public one lists the ranges in order", () => {
    expect(aksApiServerAccess({ endpoint: "private" })).toEqual({ privateClusterEnabled: true });
    expect(aksApiServerAccess({ endpoint: "public", authorizedCidrs: ["203.0.113.9/32", "198.51.100.0/24"] })).toEqual({
      privateClusterEnabled: false,
      apiServerAccessProfile: { authorizedIpRanges: ["203.0.113.9/32", "198.51.100.0/24"] },
    });
  });

  test("the T4 pool is a User pool scaling from zero with the AKS GPU driver, pool labels and its taint", () => {
    expect(synth(aksProfile()).resource.azurerm_kubernetes_cluster_node_pool).toEqual({
      "pool-t4": {
        name: "t4",
        kubernetes_cluster_id: "${azurerm_kubernetes_cluster.cluster.id}",
        mode: "User",
        vm_size: "Standard_NC4as_T4_v3",
        orchestrator_version: "1.35",
        vnet_subnet_id: "${azurerm_subnet.nodes.id}",
        node_labels: { "cnai.io/pool": "t4", "nvidia.com/device-plugin.config": "t4" },
        node_taints: ["nvidia.com/gpu=present:NoSchedule"],
        auto_scaling_enabled: true,
        node_count: 0,
        min_count: 0,
        max_count: 4,
        gpu_driver: "Install",
        lifecycle: { ignore_changes: ["node_count"] },
      },
    });
  });

  test("a Spot MIG pool gets Spot settings, the Spot taint, gpu_instance from its uniform layout and a fixed size", () => {
    expect(synth(aksProfile(A100_POOL)).resource.azurerm_kubernetes_cluster_node_pool["pool-a100"]).toEqual({
      name: "a100",
      kubernetes_cluster_id: "${azurerm_kubernetes_cluster.cluster.id}",
      mode: "User",
      vm_size: "Standard_NC24ads_A100_v4",
      orchestrator_version: "1.35",
      vnet_subnet_id: "${azurerm_subnet.nodes.id}",
      node_labels: {
        "cnai.io/tier": "training",
        "cnai.io/pool": "a100",
        "nvidia.com/device-plugin.config": "a100",
        "nvidia.com/mig.config": "all-1g.10gb",
      },
      node_taints: ["dedicated:NoSchedule", "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"],
      auto_scaling_enabled: false,
      node_count: 1,
      priority: "Spot",
      eviction_policy: "Delete",
      spot_max_price: -1,
      gpu_driver: "Install",
      gpu_instance: "MIG1g",
    });
  });

  test("a pool's instanceType wins over the table", () => {
    const json = synth(aksProfile({ pools: { t4: { instanceType: "Standard_NC8as_T4_v3" } } }));
    expect(json.resource.azurerm_kubernetes_cluster_node_pool["pool-t4"].vm_size).toBe("Standard_NC8as_T4_v3");
  });

  test("a created network is a VNet with the node subnet, in the cluster's resource group", () => {
    const json = synth(aksProfile());
    expect(json.resource.azurerm_resource_group).toEqual({
      "resource-group": { name: "cnai-platform", location: "westeurope" },
    });
    expect(json.resource.azurerm_virtual_network).toEqual({
      vnet: {
        name: "cnai-aks-vnet",
        location: "${azurerm_resource_group.resource-group.location}",
        resource_group_name: "${azurerm_resource_group.resource-group.name}",
        address_space: ["10.60.0.0/16"],
      },
    });
    expect(json.resource.azurerm_subnet).toEqual({
      nodes: {
        name: "cnai-aks-nodes",
        resource_group_name: "${azurerm_resource_group.resource-group.name}",
        virtual_network_name: "${azurerm_virtual_network.vnet.name}",
        address_prefixes: ["10.60.0.0/20"],
      },
    });
  });

  test("the cluster identity may use the subnet and the deployer is cluster admin through Azure RBAC", () => {
    const json = synth(aksProfile());
    expect(json.resource.azurerm_role_assignment).toEqual({
      "cluster-network-contributor": {
        scope: "${azurerm_subnet.nodes.id}",
        role_definition_name: "Network Contributor",
        principal_id: "${azurerm_kubernetes_cluster.cluster.identity[0].principal_id}",
      },
      "deployer-cluster-admin": {
        scope: "${azurerm_kubernetes_cluster.cluster.id}",
        role_definition_name: "Azure Kubernetes Service RBAC Cluster Admin",
        principal_id: "${data.azurerm_client_config.deployer.object_id}",
      },
    });
    expect(json.data).toEqual({ azurerm_client_config: { deployer: {} } });
  });

  test("an existing subnet is adopted: no VNet, every pool and the role assignment use its id", () => {
    const profile = aksProfile();
    const json = synth({ ...profile, cluster: { ...profile.cluster, network: { existing: { subnetId: SUBNET_ID } } } });
    expect(json.resource.azurerm_virtual_network).toBeUndefined();
    expect(json.resource.azurerm_subnet).toBeUndefined();
    expect(json.resource.azurerm_kubernetes_cluster.cluster.default_node_pool.vnet_subnet_id).toBe(SUBNET_ID);
    expect(json.resource.azurerm_kubernetes_cluster_node_pool["pool-t4"].vnet_subnet_id).toBe(SUBNET_ID);
    expect(json.resource.azurerm_role_assignment["cluster-network-contributor"].scope).toBe(SUBNET_ID);
  });

  test("admin groups become the cluster's Entra ID admin groups", () => {
    const group = "11111111-2222-4333-8444-555555555555";
    const json = synth(aksProfile({ cluster: { adminGroupObjectIds: [group] } }));
    expect(json.resource.azurerm_kubernetes_cluster.cluster.azure_active_directory_role_based_access_control).toEqual({
      azure_rbac_enabled: true,
      admin_group_object_ids: [group],
    });
  });

  test("state lives in Azure Blob Storage with Entra ID auth, the provider is pinned and has its features block", () => {
    const json = synth(aksProfile());
    expect(json.terraform).toEqual({
      backend: {
        azurerm: {
          resource_group_name: "cnai-state",
          storage_account_name: "cnaitofustate",
          container_name: "tfstate",
          key: "aks-gpu/aks-gpu-cluster.tfstate",
          use_azuread_auth: true,
        },
      },
      required_providers: { azurerm: { source: "hashicorp/azurerm", version: "4.55.0" } },
    });
    expect(json.provider).toEqual({ azurerm: [{ features: [{}] }] });
  });

  test("the connection is the kube_config host and decoded CA with kubelogin as exec plugin", () => {
    const stack = aksStack(aksProfile());
    new TerraformOutput(stack, "host", { value: stack.connection.host });
    new TerraformOutput(stack, "ca", { value: stack.connection.clusterCaCertificate });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.output.host.value).toBe("${azurerm_kubernetes_cluster.cluster.kube_config[0].host}");
    expect(json.output.ca.value).toBe(
      "${base64decode(azurerm_kubernetes_cluster.cluster.kube_config[0].cluster_ca_certificate)}",
    );
    expect(stack.connection.exec).toEqual({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "kubelogin",
      args: ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
    });
    expect(stack.connection.clientCertificate).toBeUndefined();
    expect(stack.connection.clientKey).toBeUndefined();
  });

  test("an existing cluster is adopted: read by name and resource group, no group, network, cluster or role assignment", () => {
    const json = synth(aksProfile({ cluster: { existing: true } }));
    expect(Object.keys(json.resource)).toEqual(["azurerm_kubernetes_cluster_node_pool"]);
    expect(json.data).toEqual({
      azurerm_kubernetes_cluster: { cluster: { name: "cnai-aks", resource_group_name: "cnai-platform" } },
    });
  });

  test("an adopted cluster keeps its owner's API server access: apiAccess changes nothing in the stack", () => {
    const adopted = (apiAccess: ApiAccess) => synth(aksProfile({ cluster: { existing: true, apiAccess } }));
    const publicAccess = adopted({ endpoint: "public", authorizedCidrs: ["198.51.100.0/24"] });
    expect(publicAccess.resource.azurerm_kubernetes_cluster).toBeUndefined();
    expect(publicAccess).toEqual(adopted({ endpoint: "private" }));
  });

  test("on an adopted cluster every profile pool, the first CPU pool too, is a User pool of it at its version", () => {
    const pools = synth(aksProfile({ cluster: { existing: true } })).resource.azurerm_kubernetes_cluster_node_pool;
    expect(pools["pool-system"]).toEqual({
      name: "system",
      kubernetes_cluster_id: "${data.azurerm_kubernetes_cluster.cluster.id}",
      mode: "User",
      vm_size: "Standard_D4s_v5",
      orchestrator_version: "${data.azurerm_kubernetes_cluster.cluster.kubernetes_version}",
      node_labels: { "cnai.io/pool": "system" },
      node_taints: [],
      auto_scaling_enabled: true,
      node_count: 2,
      min_count: 2,
      max_count: 4,
      lifecycle: { ignore_changes: ["node_count"] },
    });
    expect(pools["pool-t4"].kubernetes_cluster_id).toBe("${data.azurerm_kubernetes_cluster.cluster.id}");
    expect(Object.keys(pools).sort()).toEqual(["pool-system", "pool-t4"]);
  });

  test("the connection to an adopted cluster is its kube_config host and decoded CA from the data source", () => {
    const stack = aksStack(aksProfile({ cluster: { existing: true } }));
    new TerraformOutput(stack, "host", { value: stack.connection.host });
    new TerraformOutput(stack, "ca", { value: stack.connection.clusterCaCertificate });
    const json = JSON.parse(Testing.synth(stack));
    expect(json.output.host.value).toBe("${data.azurerm_kubernetes_cluster.cluster.kube_config[0].host}");
    expect(json.output.ca.value).toBe(
      "${base64decode(data.azurerm_kubernetes_cluster.cluster.kube_config[0].cluster_ca_certificate)}",
    );
  });

  test("a profile built by hand that breaks the clouds' rules fails before any construct, with every problem", () => {
    const profile = aksProfile({ pools: { t4: { instanceType: "Standard_NC64as_T4_v3" } } });
    const broken: AksProfile = {
      ...profile,
      pools: {
        ...profile.pools,
        system: { ...profile.pools.system, spot: true, taints: [SPOT_TAINT] },
        "gpu-pool": { ...profile.pools.t4, instanceType: undefined, gpu: { ...profile.pools.t4.gpu!, perNode: 2 } },
      },
    };
    expect(() => aksStack(broken)).toThrow(
      new RegExp(
        [
          '^Profile "aks-gpu" is invalid \\(5 problems\\); nothing was synthesized:',
          '  - pools\\.gpu-pool: got "gpu-pool"; AKS node pool names are a lowercase letter, .*',
          "  - pools\\.gpu-pool\\.gpu\\.perNode: got 2; AKS's VM sizes with nvidia-t4: .*",
          '  - pools\\.t4\\.instanceType: got "Standard_NC64as_T4_v3"; Standard_NC64as_T4_v3 carries 4 × nvidia-t4, .*',
          "  - pools\\.system\\.spot: got true; AKS system pools \\(the first CPU pool\\) cannot run on Spot VMs; .*",
          "  - pools\\.system\\.taints: got .*; azurerm 4\\.x has no node_taints on the default \\(system\\) pool, .*$",
        ].join("\n"),
      ),
    );
  });

  test("a profile built by hand that lets every IPv6 address reach the API fails before any construct", () => {
    const profile = aksProfile();
    const open: AksProfile = {
      ...profile,
      cluster: { ...profile.cluster, apiAccess: { endpoint: "public", authorizedCidrs: ["198.51.100.0/24", "::/0"] } },
    };
    expect(() => aksStack(open)).toThrow(
      /^Profile "aks-gpu" is invalid \(1 problem\); nothing was synthesized:\n {2}- cluster\.apiAccess\.authorizedCidrs\.1: got "::\/0"; ::\/0 opens the Kubernetes API to the whole internet; list your own networks' public egress CIDRs/,
    );
  });

  test("a MIG layout mixing profiles is refused, naming the pool's layout (the profile rules catch it first)", () => {
    const profile = aksProfile(A100_POOL);
    const a100 = profile.pools.a100;
    const mixed: AksProfile = {
      ...profile,
      pools: {
        ...profile.pools,
        a100: { ...a100, gpu: { ...a100.gpu!, sharing: { mode: "mig", strategy: "mixed", layout: "all-balanced" } } },
      },
    };
    expect(() => aksStack(mixed)).toThrow(
      /^pools\.a100\.gpu\.sharing\.layout: got "all-balanced"; AKS gives every GPU of a node pool one MIG profile \(gpu_instance\); use a uniform layout of nvidia-a100-80gb: /,
    );
  });

  test("an initial size outside the autoscaling range is refused (the profile rules catch it first)", () => {
    const profile = aksProfile();
    expect(() => aksStack({ ...profile, pools: { ...profile.pools, t4: { ...profile.pools.t4, nodes: 5 } } })).toThrow(
      /^pools\.t4\.nodes: 5 must lie within pools\.t4\.autoscaling \(min 0, max 4\)/,
    );
  });
});

describe("AKS cloud storage", () => {
  const CLOUD_STORAGE: ProfileOverride = {
    external: { objectStore: { cloud: true } },
    components: { "object-store": { lifecycle: "external" } },
  };
  const identity = (access: string) => `\${azurerm_user_assigned_identity.storage-${access}-identity`;
  const federation = (name: string, access: string, subject: string) => ({
    name,
    resource_group_name: "${azurerm_resource_group.resource-group.name}",
    parent_id: `${identity(access)}.id}`,
    issuer: "${azurerm_kubernetes_cluster.cluster.oidc_issuer_url}",
    subject,
    audience: ["api://AzureADTokenExchange"],
  });

  test("one Entra ID-only storage account named after the cluster holds the two private containers", () => {
    const r = synth(aksProfile(CLOUD_STORAGE)).resource;
    expect(r.azurerm_storage_account).toEqual({
      "storage-account": {
        name: "cnaiaksml",
        location: "${azurerm_resource_group.resource-group.location}",
        resource_group_name: "${azurerm_resource_group.resource-group.name}",
        account_tier: "Standard",
        account_replication_type: "LRS",
        https_traffic_only_enabled: true,
        min_tls_version: "TLS1_2",
        allow_nested_items_to_be_public: false,
        shared_access_key_enabled: false,
      },
    });
    expect(r.azurerm_storage_container).toEqual({
      "artifacts-container": {
        name: "mlflow-artifacts",
        storage_account_id: "${azurerm_storage_account.storage-account.id}",
        container_access_type: "private",
      },
      "models-container": {
        name: "models",
        storage_account_id: "${azurerm_storage_account.storage-account.id}",
        container_access_type: "private",
      },
    });
  });

  test("the provider skips the storage data plane, which shared-key-less accounts would refuse", () => {
    expect(synth(aksProfile(CLOUD_STORAGE)).provider).toEqual({
      azurerm: [{ features: [{ storage: [{ data_plane_available: false }] }] }],
    });
  });

  test("each access level is a user-assigned identity with its blob data role on the account", () => {
    const r = synth(aksProfile(CLOUD_STORAGE)).resource;
    const uami = (name: string) => ({
      name,
      location: "${azurerm_resource_group.resource-group.location}",
      resource_group_name: "${azurerm_resource_group.resource-group.name}",
    });
    expect(r.azurerm_user_assigned_identity).toEqual({
      "storage-read-write-identity": uami("cnai-aks-storage-read-write"),
      "storage-read-identity": uami("cnai-aks-storage-read"),
    });
    const grant = (access: string, role: string) => ({
      scope: "${azurerm_storage_account.storage-account.id}",
      role_definition_name: role,
      principal_id: `${identity(access)}.principal_id}`,
      principal_type: "ServicePrincipal",
    });
    expect(r.azurerm_role_assignment["storage-read-write-blob-data"]).toEqual(
      grant("read-write", "Storage Blob Data Contributor"),
    );
    expect(r.azurerm_role_assignment["storage-read-blob-data"]).toEqual(grant("read", "Storage Blob Data Reader"));
  });

  test("MLflow's and the team's KServe ServiceAccounts each federate with their access level's identity", () => {
    expect(synth(aksProfile(CLOUD_STORAGE)).resource.azurerm_federated_identity_credential).toEqual({
      "storage-federation-mlflow-mlflow": federation(
        "mlflow-mlflow",
        "read-write",
        "system:serviceaccount:mlflow:mlflow",
      ),
      "storage-federation-team-default-kserve-s3": federation(
        "team-default-kserve-s3",
        "read",
        "system:serviceaccount:team-default:kserve-s3",
      ),
    });
  });

  test("on an adopted cluster storage goes into its resource group and location and trusts its OIDC issuer", () => {
    const r = synth(aksProfile({ ...CLOUD_STORAGE, cluster: { existing: true } })).resource;
    const { resource_group_name: group, location } = r.azurerm_storage_account["storage-account"];
    expect([group, location]).toEqual(["cnai-platform", "${data.azurerm_kubernetes_cluster.cluster.location}"]);
    expect(r.azurerm_federated_identity_credential["storage-federation-mlflow-mlflow"]).toEqual({
      ...federation("mlflow-mlflow", "read-write", "system:serviceaccount:mlflow:mlflow"),
      resource_group_name: "cnai-platform",
      issuer: "${data.azurerm_kubernetes_cluster.cluster.oidc_issuer_url}",
    });
  });

  test("credentials on one identity are created one after another, since Azure refuses concurrent writes", () => {
    const profile = aksProfile(CLOUD_STORAGE);
    const json = synth({
      ...profile,
      teams: { ...profile.teams, research: { ...profile.teams.default, namespace: "team-research" } },
    });
    const credentials = json.resource.azurerm_federated_identity_credential;
    expect(Object.keys(credentials).sort()).toEqual([
      "storage-federation-mlflow-mlflow",
      "storage-federation-team-default-kserve-s3",
      "storage-federation-team-research-kserve-s3",
    ]);
    expect(credentials["storage-federation-team-research-kserve-s3"]).toEqual({
      ...federation("team-research-kserve-s3", "read", "system:serviceaccount:team-research:kserve-s3"),
      depends_on: ["azurerm_federated_identity_credential.storage-federation-team-default-kserve-s3"],
    });
    expect(credentials["storage-federation-team-default-kserve-s3"].depends_on).toBeUndefined();
    expect(credentials["storage-federation-mlflow-mlflow"].depends_on).toBeUndefined();
  });

  test("stack.storage gives wasbs and https URIs, the read identity's client id, the webhook label and the account", () => {
    const stack = aksStack(aksProfile(CLOUD_STORAGE));
    const storage = stack.storage!;
    const clientIds = stack.storageClientIds!;
    new TerraformOutput(stack, "annotation", {
      value: storage.serviceAccountAnnotations["azure.workload.identity/client-id"],
    });
    new TerraformOutput(stack, "read-write", { value: clientIds.readWrite });
    new TerraformOutput(stack, "read", { value: clientIds.read });
    const json = JSON.parse(Testing.synth(stack));
    expect(storage.artifactsUri).toBe("wasbs://mlflow-artifacts@cnaiaksml.blob.core.windows.net/");
    expect(storage.modelsUri).toBe("https://cnaiaksml.blob.core.windows.net/models");
    expect(Object.keys(storage.serviceAccountAnnotations)).toEqual(["azure.workload.identity/client-id"]);
    expect(json.output.annotation.value).toBe(`${identity("read")}.client_id}`);
    expect(json.output["read-write"].value).toBe(`${identity("read-write")}.client_id}`);
    expect(json.output.read.value).toBe(`${identity("read")}.client_id}`);
    expect(storage.podLabels).toEqual({ "azure.workload.identity/use": "true" });
    expect(storage.mlflowEnv).toEqual({ AZURE_STORAGE_ACCOUNT: "cnaiaksml" });
  });

  test("without a cloud object store there is no storage, identity, credential or provider storage feature", () => {
    const stack = aksStack(aksProfile());
    const json = JSON.parse(Testing.synth(stack));
    expect(stack.storage).toBeUndefined();
    expect(stack.storageClientIds).toBeUndefined();
    expect(json.resource.azurerm_storage_account).toBeUndefined();
    expect(json.resource.azurerm_storage_container).toBeUndefined();
    expect(json.resource.azurerm_user_assigned_identity).toBeUndefined();
    expect(json.resource.azurerm_federated_identity_credential).toBeUndefined();
    expect(Object.keys(json.resource.azurerm_role_assignment).sort()).toEqual([
      "cluster-network-contributor",
      "deployer-cluster-admin",
    ]);
    expect(json.provider).toEqual({ azurerm: [{ features: [{}] }] });
  });

  test("a cluster name too long for a storage account is refused, naming cluster.name", () => {
    const profile = aksProfile(CLOUD_STORAGE);
    const cluster = { ...profile.cluster, name: "cnai-aks-westeurope-prod12" };
    expect(() => aksStack({ ...profile, cluster })).toThrow(
      /\n {2}- cluster\.name: got "cnai-aks-westeurope-prod12"; the AKS storage account name is "cnai-aks-westeurope-prod12" without non-alphanumerics plus "ml" \("cnaiakswesteuropeprod12ml", 25 characters\), and Azure allows 3 to 24/,
    );
  });

  test("a cluster name of 22 letters and digits just fits: 24 characters", () => {
    const profile = aksProfile(CLOUD_STORAGE);
    const cluster = { ...profile.cluster, name: "cnai-aks-westeurope-prod1" };
    const json = synth({ ...profile, cluster });
    expect(json.resource.azurerm_storage_account["storage-account"].name).toBe("cnaiakswesteuropeprod1ml");
  });

  test("a bucket name Azure cannot take as a container is refused, naming the bucket", () => {
    const profile = aksProfile(CLOUD_STORAGE);
    expect(() => aksStack({ ...profile, buckets: { ...profile.buckets, models: "ml" } })).toThrow(
      /\n {2}- buckets\.models: got "ml"; an Azure blob container name: 3-63 lowercase letters, digits and single hyphens/,
    );
    expect(() =>
      aksStack({ ...profile, buckets: { ...profile.buckets, mlflowArtifacts: "mlflow--artifacts" } }),
    ).toThrow(/\n {2}- buckets\.mlflowArtifacts: got "mlflow--artifacts"; an Azure blob container name/);
  });
});
