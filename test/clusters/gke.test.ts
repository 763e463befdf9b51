import { asksForCloudStorage, withoutCloudStorage } from "../support/profiles";
import { TerraformOutput, Testing } from "cdktf";
import { loadProfile } from "../../profiles/load";
import type { GkeClusterConfig, Pool, Profile } from "../../profiles/schema";
import { gkeExecAuth } from "../../stacks/clusters/connection";
import {
  gkeControlPlaneAccess,
  GkeClusterStack,
  gkeNodeServiceAccountId,
  gkeRegion,
  gkeServiceAccountEmail,
  gkeServiceAccountId,
} from "../../stacks/clusters/gke";

type GkeProfile = Profile & { cluster: GkeClusterConfig };

function gkeProfile(override?: unknown): GkeProfile {
  const loaded = loadProfile("gke-gpu", override) as GkeProfile;
  return asksForCloudStorage(override) ? loaded : withoutCloudStorage(loaded);
}

function stackFor(profile: GkeProfile): GkeClusterStack {
  return new GkeClusterStack(Testing.app(), "gke-gpu-cluster", { profile });
}

/** The stack's Terraform JSON, as cdktf writes it. */
function synth(profile: GkeProfile) {
  return JSON.parse(Testing.synth(stackFor(profile)));
}

/** The gke-gpu profile with cloud object storage (GCS buckets and Workload Identity). */
function cloudStorageProfile(override: Record<string, unknown> = {}): GkeProfile {
  return gkeProfile({
    external: { objectStore: { cloud: true } },
    components: { "object-store": { lifecycle: "external" } },
    ...override,
  });
}

/** The gke-gpu profile with one pool replaced (bypassing the profile rules, to reach the stack's own checks). */
function withPool(name: string, pool: Partial<Pool>): GkeProfile {
  const profile = gkeProfile();
  return { ...profile, pools: { ...profile.pools, [name]: { ...profile.pools.l4, ...pool } } };
}

const NODE_SERVICE_ACCOUNT = "${google_service_account.nodes-gsa.email}";
const CLOUD_PLATFORM = ["https://www.googleapis.com/auth/cloud-platform"];
const NODE_ROLE = "google_project_iam_member.nodes-gsa-default-node";

describe("the GKE cluster stack", () => {
  test("the gke-gpu cluster is VPC-native on its own subnetwork, with Workload Identity at the profile's minor", () => {
    const json = synth(gkeProfile());
    expect(json.resource.google_container_cluster.cluster).toEqual({
      name: "cnai-gke",
      location: "europe-west4-a",
      remove_default_node_pool: true,
      initial_node_count: 1,
      node_config: { service_account: NODE_SERVICE_ACCOUNT, oauth_scopes: CLOUD_PLATFORM },
      lifecycle: { ignore_changes: ["node_config"] },
      min_master_version: "1.35",
      release_channel: { channel: "EXTENDED" },
      workload_identity_config: { workload_pool: "cnai-platform.svc.id.goog" },
      networking_mode: "VPC_NATIVE",
      datapath_provider: "ADVANCED_DATAPATH",
      network: "${google_compute_network.network.id}",
      subnetwork: "${google_compute_subnetwork.subnetwork.id}",
      ip_allocation_policy: { cluster_secondary_range_name: "pods", services_secondary_range_name: "services" },
      // gke-gpu keeps the default API access: private nodes, no external IP endpoint, the DNS endpoint closed.
      private_cluster_config: { enable_private_nodes: true, enable_private_endpoint: true },
      control_plane_endpoints_config: { dns_endpoint_config: { allow_external_traffic: false } },
      deletion_protection: false,
    });
    expect(json.resource.google_compute_network.network).toEqual({ name: "cnai-gke", auto_create_subnetworks: false });
    expect(json.resource.google_compute_subnetwork.subnetwork).toEqual({
      name: "cnai-gke-nodes",
      region: "europe-west4",
      network: "${google_compute_network.network.id}",
      ip_cidr_range: "10.50.0.0/20",
      private_ip_google_access: true,
      secondary_ip_range: [
        { range_name: "pods", ip_cidr_range: "10.52.0.0/14" },
        { range_name: "services", ip_cidr_range: "10.56.0.0/20" },
      ],
    });
  });

  test("the L4 pool is time-shared by GKE's device plugin, scales 0-4 in total, and carries the pool labels and taint", () => {
    const json = synth(gkeProfile());
    expect(json.resource.google_container_node_pool["pool-l4"]).toEqual({
      name: "l4",
      cluster: "${google_container_cluster.cluster.id}",
      location: "europe-west4-a",
      initial_node_count: 0,
      autoscaling: { total_min_node_count: 0, total_max_node_count: 4 },
      management: { auto_repair: true, auto_upgrade: true },
      node_config: {
        machine_type: "g2-standard-4",
        spot: false,
        labels: { "cnai.io/pool": "l4", "nvidia.com/device-plugin.config": "l4" },
        taint: [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }],
        workload_metadata_config: { mode: "GKE_METADATA" },
        service_account: NODE_SERVICE_ACCOUNT,
        oauth_scopes: CLOUD_PLATFORM,
        guest_accelerator: [
          {
            type: "nvidia-l4",
            count: 1,
            gpu_driver_installation_config: { gpu_driver_version: "DEFAULT" },
            gpu_sharing_config: { gpu_sharing_strategy: "TIME_SHARING", max_shared_clients_per_gpu: 4 },
          },
        ],
      },
      lifecycle: { ignore_changes: ["initial_node_count"] },
      depends_on: [NODE_ROLE],
    });
  });

  test("the system pool is a small general-purpose machine without accelerators or taints", () => {
    const json = synth(gkeProfile());
    expect(json.resource.google_container_node_pool["pool-system"]).toEqual({
      name: "system",
      cluster: "${google_container_cluster.cluster.id}",
      location: "europe-west4-a",
      initial_node_count: 1,
      autoscaling: { total_min_node_count: 1, total_max_node_count: 3 },
      management: { auto_repair: true, auto_upgrade: true },
      node_config: {
        machine_type: "e2-standard-4",
        spot: false,
        labels: { "cnai.io/pool": "system" },
        taint: [],
        workload_metadata_config: { mode: "GKE_METADATA" },
        service_account: NODE_SERVICE_ACCOUNT,
        oauth_scopes: CLOUD_PLATFORM,
      },
      lifecycle: { ignore_changes: ["initial_node_count"] },
      depends_on: [NODE_ROLE],
    });
  });

  test("every node runs as the cluster's own node service account, which holds only GKE's default node role", () => {
    const json = synth(gkeProfile());
    expect(json.resource.google_service_account).toEqual({
      "nodes-gsa": { account_id: "cnai-gke-nodes", project: "cnai-platform", display_name: "cnai-gke nodes" },
    });
    expect(json.resource.google_project_iam_member).toEqual({
      "nodes-gsa-default-node": {
        project: "cnai-platform",
        role: "roles/container.defaultNodeServiceAccount",
        member: "serviceAccount:${google_service_account.nodes-gsa.email}",
      },
    });
    const accounts = Object.values<{ node_config: { service_account: string } }>(
      json.resource.google_container_node_pool,
    ).map((pool) => pool.node_config.service_account);
    expect(accounts).toEqual([NODE_SERVICE_ACCOUNT, NODE_SERVICE_ACCOUNT]);
  });

  test("the private nodes leave the created network through a Cloud NAT in the cluster's region", () => {
    const json = synth(gkeProfile());
    expect(json.resource.google_compute_router).toEqual({
      router: { name: "cnai-gke-nat", region: "europe-west4", network: "${google_compute_network.network.id}" },
    });
    expect(json.resource.google_compute_router_nat).toEqual({
      nat: {
        name: "cnai-gke-nat",
        router: "${google_compute_router.router.name}",
        region: "europe-west4",
        nat_ip_allocate_option: "AUTO_ONLY",
        source_subnetwork_ip_ranges_to_nat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
      },
    });
  });

  test("a public control plane answers only the listed networks, not every Compute Engine address, and keeps private nodes", () => {
    const cluster = synth(
      gkeProfile({
        cluster: { apiAccess: { endpoint: "public", authorizedCidrs: ["198.51.100.0/24", "192.0.2.7/32"] } },
      }),
    ).resource.google_container_cluster.cluster;
    expect([
      cluster.private_cluster_config,
      cluster.master_authorized_networks_config,
      cluster.control_plane_endpoints_config,
    ]).toEqual([
      { enable_private_nodes: true, enable_private_endpoint: false },
      {
        cidr_blocks: [{ cidr_block: "198.51.100.0/24" }, { cidr_block: "192.0.2.7/32" }],
        gcp_public_cidrs_access_enabled: false,
      },
      { dns_endpoint_config: { allow_external_traffic: false } },
    ]);
  });

  test("a private control plane sets no authorized networks; a public one lists the CIDRs in order", () => {
    const dnsClosed = { dnsEndpointConfig: { allowExternalTraffic: false } };
    expect(gkeControlPlaneAccess({ endpoint: "private" })).toEqual({
      privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: true },
      controlPlaneEndpointsConfig: dnsClosed,
    });
    expect(
      gkeControlPlaneAccess({ endpoint: "public", authorizedCidrs: ["203.0.113.9/32", "198.51.100.0/24"] }),
    ).toEqual({
      privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false },
      masterAuthorizedNetworksConfig: {
        cidrBlocks: [{ cidrBlock: "203.0.113.9/32" }, { cidrBlock: "198.51.100.0/24" }],
        gcpPublicCidrsAccessEnabled: false,
      },
      controlPlaneEndpointsConfig: dnsClosed,
    });
  });

  test("a profile built by hand with a range wider than /8 fails before any construct", () => {
    const profile = gkeProfile();
    const wide = {
      ...profile,
      cluster: {
        ...profile.cluster,
        apiAccess: { endpoint: "public" as const, authorizedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] },
      },
    };
    expect(() => stackFor(wide)).toThrow(
      /^Profile "gke-gpu" is invalid \(2 problems\); nothing was synthesized:\n {2}- cluster\.apiAccess\.authorizedCidrs\.0: got "0\.0\.0\.0\/1"; a \/1 is 1\/2 of all IPv4 addresses, wider than any one network; .*\n {2}- cluster\.apiAccess\.authorizedCidrs\.1: got "128\.0\.0\.0\/1"; a \/1 is 1\/2 /,
    );
  });

  test("state lives in GCS under the profile and stack, and the google provider is pinned and configured", () => {
    const json = synth(gkeProfile());
    expect(json.terraform.backend).toEqual({ gcs: { bucket: "cnai-tofu-state", prefix: "gke-gpu/gke-gpu-cluster" } });
    expect(json.terraform.required_providers).toEqual({ google: { source: "hashicorp/google", version: "6.50.0" } });
    expect(json.provider.google).toEqual([
      { project: "cnai-platform", region: "europe-west4", zone: "europe-west4-a" },
    ]);
  });

  test("an existing cluster is adopted: read by name and location, no network or cluster is created", () => {
    const json = synth(gkeProfile({ cluster: { existing: true } }));
    expect(Object.keys(json.resource).sort()).toEqual([
      "google_container_node_pool",
      "google_project_iam_member",
      "google_service_account",
    ]);
    expect(json.data).toEqual({
      google_container_cluster: { cluster: { name: "cnai-gke", location: "europe-west4-a" } },
    });
  });

  test("the pools put on an adopted cluster run as our node service account; its endpoint access stays its owner's", () => {
    const adopted = (apiAccess: unknown) => synth(gkeProfile({ cluster: { existing: true, apiAccess } }));
    const json = adopted({ endpoint: "public", authorizedCidrs: ["198.51.100.0/24"] });
    expect(json).toEqual(adopted({ endpoint: "private" }));
    expect(Object.keys(json.resource.google_service_account)).toEqual(["nodes-gsa"]);
    for (const pool of Object.values<{ node_config: { service_account: string }; depends_on: string[] }>(
      json.resource.google_container_node_pool,
    )) {
      expect([pool.node_config.service_account, pool.depends_on]).toEqual([NODE_SERVICE_ACCOUNT, [NODE_ROLE]]);
    }
  });

  test("on an adopted cluster every node pool names it through the data source, in its location", () => {
    const pools = synth(gkeProfile({ cluster: { existing: true } })).resource.google_container_node_pool;
    expect(Object.keys(pools).sort()).toEqual(["pool-l4", "pool-system"]);
    for (const pool of Object.values<{ cluster: string; location: string }>(pools)) {
      expect([pool.cluster, pool.location]).toEqual([
        "${data.google_container_cluster.cluster.name}",
        "europe-west4-a",
      ]);
    }
  });

  test("the connection to an adopted cluster is its https endpoint and decoded CA from the data source", () => {
    const stack = stackFor(gkeProfile({ cluster: { existing: true } }));
    new TerraformOutput(stack, "host", { value: stack.connection.host });
    new TerraformOutput(stack, "ca", { value: stack.connection.clusterCaCertificate });
    const { output } = JSON.parse(Testing.synth(stack));
    expect(output.host.value).toEqual("https://${data.google_container_cluster.cluster.endpoint}");
    expect(output.ca.value).toEqual(
      "${base64decode(data.google_container_cluster.cluster.master_auth[0].cluster_ca_certificate)}",
    );
  });

  test("the connection to a private control plane is its internal endpoint, the decoded CA and the gke-gcloud-auth-plugin", () => {
    const stack = stackFor(gkeProfile());
    // cdktf turns the tokens into cross-stack outputs; outputs here show what they resolve to.
    new TerraformOutput(stack, "host", { value: stack.connection.host });
    new TerraformOutput(stack, "ca", { value: stack.connection.clusterCaCertificate });
    const { output } = JSON.parse(Testing.synth(stack));
    expect(output.host.value).toEqual(
      "https://${google_container_cluster.cluster.private_cluster_config[0].private_endpoint}",
    );
    expect(output.ca.value).toEqual(
      "${base64decode(google_container_cluster.cluster.master_auth[0].cluster_ca_certificate)}",
    );
    expect(stack.connection.exec).toEqual({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "gke-gcloud-auth-plugin",
      args: [],
    });
    expect(stack.connection.exec).toEqual(gkeExecAuth());
    expect(stack.connection.clientKey).toBeUndefined();
  });

  test("the connection to a public control plane is its https endpoint", () => {
    const stack = stackFor(
      gkeProfile({ cluster: { apiAccess: { endpoint: "public", authorizedCidrs: ["198.51.100.0/24"] } } }),
    );
    new TerraformOutput(stack, "host", { value: stack.connection.host });
    expect(JSON.parse(Testing.synth(stack)).output.host.value).toEqual(
      "https://${google_container_cluster.cluster.endpoint}",
    );
  });

  test("an adopted network is used as is, and a zonal location sets the provider's zone", () => {
    // Overrides merge maps and cannot drop `network.create`, so the cluster is replaced.
    const base = gkeProfile();
    const json = synth({
      ...base,
      cluster: {
        ...base.cluster,
        location: "europe-west4-b",
        network: { existing: { network: "shared-vpc", subnetwork: "gke-nodes" } },
      },
    });
    expect(json.resource.google_compute_network).toBeUndefined();
    expect(json.resource.google_compute_subnetwork).toBeUndefined();
    // The adopted network's owner gives the private nodes their egress.
    expect(json.resource.google_compute_router).toBeUndefined();
    expect(json.resource.google_compute_router_nat).toBeUndefined();
    const cluster = json.resource.google_container_cluster.cluster;
    expect([cluster.network, cluster.subnetwork, cluster.location]).toEqual([
      "shared-vpc",
      "gke-nodes",
      "europe-west4-b",
    ]);
    // An empty block: VPC-native with ranges GKE picks in the adopted subnetwork.
    expect(cluster.ip_allocation_policy).toEqual({});
    expect(json.provider.google).toEqual([
      { project: "cnai-platform", region: "europe-west4", zone: "europe-west4-b" },
    ]);
  });

  test("a fixed-size spot pool with MPS on 8 H100s gets a node count and the A3 machine", () => {
    // Overrides merge maps and cannot drop `autoscaling`, so the pool is replaced whole.
    const json = synth(
      withPool("l4", {
        nodes: 2,
        autoscaling: undefined,
        spot: true,
        taints: [{ key: "dedicated", effect: "NoExecute" }],
        gpu: { accelerator: "nvidia-h100-80gb", perNode: 8, sharing: { mode: "mps", replicas: 2 } },
      }),
    );
    const pool = json.resource.google_container_node_pool["pool-l4"];
    expect(pool.node_count).toEqual(2);
    expect(pool.autoscaling).toBeUndefined();
    expect(pool.lifecycle).toBeUndefined();
    expect(pool.node_config.machine_type).toEqual("a3-highgpu-8g");
    expect(pool.node_config.spot).toEqual(true);
    expect(pool.node_config.taint).toEqual([{ key: "dedicated", value: "", effect: "NO_EXECUTE" }]);
    expect(pool.node_config.guest_accelerator).toEqual([
      {
        type: "nvidia-h100-80gb",
        count: 8,
        gpu_driver_installation_config: { gpu_driver_version: "DEFAULT" },
        gpu_sharing_config: { gpu_sharing_strategy: "MPS", max_shared_clients_per_gpu: 2 },
      },
    ]);
  });

  test("a uniform MIG layout becomes the pool's gpu_partition_size and the pool keeps its mig.config label", () => {
    const json = synth(
      withPool("l4", {
        gpu: {
          accelerator: "nvidia-a100-80gb",
          perNode: 2,
          sharing: { mode: "mig", strategy: "single", layout: "all-1g.10gb" },
        },
      }),
    );
    const pool = json.resource.google_container_node_pool["pool-l4"];
    expect(pool.node_config.machine_type).toEqual("a2-ultragpu-2g");
    expect(pool.node_config.labels).toEqual({
      "cnai.io/pool": "l4",
      "nvidia.com/device-plugin.config": "l4",
      "nvidia.com/mig.config": "all-1g.10gb",
    });
    expect(pool.node_config.guest_accelerator).toEqual([
      {
        type: "nvidia-a100-80gb",
        count: 2,
        gpu_driver_installation_config: { gpu_driver_version: "DEFAULT" },
        gpu_partition_size: "1g.10gb",
      },
    ]);
  });

  test("a MIG layout that mixes profiles is refused, naming the pool's sharing", () => {
    const profile = withPool("l4", {
      gpu: {
        accelerator: "nvidia-a100-80gb",
        perNode: 1,
        sharing: { mode: "mig", strategy: "single", layout: "all-balanced" },
      },
    });
    expect(() => stackFor(profile)).toThrow(
      /\n {2}- pools\.l4\.gpu\.sharing\.layout: got "all-balanced"; GKE cuts every GPU of a node pool into one partition size \(gpu_partition_size\); use a uniform layout of nvidia-a100-80gb: all-1g\.10gb, /,
    );
  });

  test("the mixed MIG strategy is refused, since GKE advertises partitions as nvidia.com/gpu", () => {
    const profile = withPool("l4", {
      gpu: {
        accelerator: "nvidia-a100-80gb",
        perNode: 1,
        sharing: { mode: "mig", strategy: "mixed", layout: "all-1g.10gb" },
      },
    });
    expect(() => stackFor(profile)).toThrow(/pools\.l4\.gpu\.sharing\.strategy: GKE advertises MIG partitions/);
  });

  test("a profile built by hand with an accelerator GKE lacks or a GPU count no machine type has fails before any construct", () => {
    const rtx = withPool("l4", { gpu: { accelerator: "nvidia-rtx", perNode: 1, sharing: { mode: "none" } } });
    const threeL4: Pool = {
      ...gkeProfile().pools.l4,
      gpu: { accelerator: "nvidia-l4", perNode: 3, sharing: { mode: "none" } },
    };
    const profile = { ...rtx, pools: { ...rtx.pools, more: threeL4 } };
    expect(() => stackFor(profile)).toThrow(
      /^Profile "gke-gpu" is invalid \(2 problems\); nothing was synthesized:\n {2}- pools\.l4\.gpu\.accelerator: got "nvidia-rtx"; GKE node pools name their accelerator, and GKE offers none called nvidia-rtx; .*\n {2}- pools\.more\.gpu\.perNode: got 3; GKE's machine types with nvidia-l4: g2-standard-4 \(1\)/,
    );
  });

  test("an instanceType outside the table becomes the pool's machine type, with the accelerator's type", () => {
    const pool = synth(withPool("l4", { instanceType: "g2-standard-8" })).resource.google_container_node_pool[
      "pool-l4"
    ];
    expect([pool.node_config.machine_type, pool.node_config.guest_accelerator[0].type]).toEqual([
      "g2-standard-8",
      "nvidia-l4",
    ]);
  });

  test("a zone's region drops the zone letter; a region stays itself", () => {
    expect([gkeRegion("europe-west4-a"), gkeRegion("us-central1")]).toEqual(["europe-west4", "us-central1"]);
  });

  test("cloud object storage makes two private, regional GCS buckets that survive a destroy", () => {
    const json = synth(cloudStorageProfile());
    const bucket = (name: string) => ({
      name,
      location: "EUROPE-WEST4",
      uniform_bucket_level_access: true,
      public_access_prevention: "enforced",
      force_destroy: false,
    });
    expect(json.resource.google_storage_bucket).toEqual({
      "artifacts-bucket": bucket("cnai-gke-mlflow-artifacts"),
      "models-bucket": bucket("cnai-gke-models"),
    });
  });

  test("cloud object storage gives MLflow's account objectAdmin on artifacts and the model readers' objectViewer on models", () => {
    const json = synth(cloudStorageProfile());
    expect(json.resource.google_service_account).toEqual({
      "nodes-gsa": { account_id: "cnai-gke-nodes", project: "cnai-platform", display_name: "cnai-gke nodes" },
      "mlflow-gsa": {
        account_id: "cnai-gke-mlflow",
        project: "cnai-platform",
        display_name: "cnai-gke MLflow artifacts",
      },
      "models-gsa": { account_id: "cnai-gke-models", project: "cnai-platform", display_name: "cnai-gke model readers" },
    });
    expect(json.resource.google_storage_bucket_iam_member).toEqual({
      "artifacts-bucket-object-admin": {
        bucket: "${google_storage_bucket.artifacts-bucket.name}",
        role: "roles/storage.objectAdmin",
        member: "serviceAccount:${google_service_account.mlflow-gsa.email}",
      },
      "models-bucket-object-viewer": {
        bucket: "${google_storage_bucket.models-bucket.name}",
        role: "roles/storage.objectViewer",
        member: "serviceAccount:${google_service_account.models-gsa.email}",
      },
    });
  });

  test("exactly the storage subjects may act as their access level's account through Workload Identity", () => {
    const json = synth(cloudStorageProfile({ teams: { research: { quota: {} } } }));
    expect(json.resource.google_service_account_iam_member).toEqual({
      "workload-identity-mlflow-mlflow": {
        service_account_id: "${google_service_account.mlflow-gsa.name}",
        role: "roles/iam.workloadIdentityUser",
        member: "serviceAccount:cnai-platform.svc.id.goog[mlflow/mlflow]",
      },
      "workload-identity-team-default-kserve-s3": {
        service_account_id: "${google_service_account.models-gsa.name}",
        role: "roles/iam.workloadIdentityUser",
        member: "serviceAccount:cnai-platform.svc.id.goog[team-default/kserve-s3]",
      },
      "workload-identity-team-research-kserve-s3": {
        service_account_id: "${google_service_account.models-gsa.name}",
        role: "roles/iam.workloadIdentityUser",
        member: "serviceAccount:cnai-platform.svc.id.goog[team-research/kserve-s3]",
      },
    });
  });

  test("on an adopted cluster the storage subjects still act through the project's workload pool", () => {
    const json = synth(cloudStorageProfile({ cluster: { existing: true } }));
    expect(json.resource.google_service_account_iam_member["workload-identity-mlflow-mlflow"]).toEqual({
      service_account_id: "${google_service_account.mlflow-gsa.name}",
      role: "roles/iam.workloadIdentityUser",
      member: "serviceAccount:cnai-platform.svc.id.goog[mlflow/mlflow]",
    });
    expect(Object.keys(json.resource.google_storage_bucket)).toEqual(["artifacts-bucket", "models-bucket"]);
  });

  test("the stack's storage names the gs:// buckets and annotates ServiceAccounts with the model readers' account", () => {
    const stack = stackFor(cloudStorageProfile());
    expect(stack.storage).toEqual({
      artifactsUri: "gs://cnai-gke-mlflow-artifacts/",
      modelsUri: "gs://cnai-gke-models",
      serviceAccountAnnotations: {
        "iam.gke.io/gcp-service-account": "cnai-gke-models@cnai-platform.iam.gserviceaccount.com",
      },
      podLabels: {},
      mlflowEnv: {},
    });
    expect(gkeServiceAccountEmail(cloudStorageProfile(), "read-write")).toEqual(
      "cnai-gke-mlflow@cnai-platform.iam.gserviceaccount.com",
    );
  });

  test("without cloud object storage there are no buckets, storage accounts or bindings, and no storage", () => {
    const stack = stackFor(gkeProfile());
    const { resource } = JSON.parse(Testing.synth(stack));
    expect(Object.keys(resource).sort()).toEqual([
      "google_compute_network",
      "google_compute_router",
      "google_compute_router_nat",
      "google_compute_subnetwork",
      "google_container_cluster",
      "google_container_node_pool",
      "google_project_iam_member",
      "google_service_account",
    ]);
    expect(Object.keys(resource.google_service_account)).toEqual(["nodes-gsa"]);
    expect(stack.storage).toBeUndefined();
  });

  test("service account ids stay valid for long cluster names and names that start with a digit", () => {
    const withName = (name: string) => ({ ...gkeProfile(), cluster: { ...gkeProfile().cluster, name } });
    const long = withName("a-very-long-cluster-name-for-the-research-platform");
    const ids = [
      gkeServiceAccountId(long, "read-write"),
      gkeServiceAccountId(long, "read"),
      gkeServiceAccountId(withName("a-very-long-cluster-name-for-the-other-team"), "read"),
      gkeServiceAccountId(withName("9lives"), "read"),
      gkeServiceAccountId(withName("a"), "read-write"),
      gkeNodeServiceAccountId(long),
      gkeNodeServiceAccountId(withName("9lives")),
    ];
    expect(ids).toEqual([
      // Cut to 16 characters plus a hash of the full name, so long names sharing a prefix stay distinct.
      "a-very-long-clus-5c9c15-mlflow",
      "a-very-long-clus-5c9c15-models",
      "a-very-long-clus-21b293-models",
      "gke-9lives-models",
      "a-mlflow",
      "a-very-long-clust-5c9c15-nodes",
      "gke-9lives-nodes",
    ]);
    for (const id of ids) expect(id).toMatch(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
  });

  test("a Google service account email is refused for a cluster that is not GKE", () => {
    expect(() => gkeServiceAccountEmail(loadProfile("laptop"), "read")).toThrow(
      /cluster\.provider: Google service accounts exist on gke, not kind/,
    );
  });
});
