import { asksForCloudStorage, withoutCloudStorage } from "../support/profiles";
import { Testing, TerraformOutput } from "cdktf";
import { loadProfile } from "../../profiles/load";
import type { EksClusterConfig, Pool, Profile } from "../../profiles/schema";
import { cidrSubnet, eksEndpointAccess, EksClusterStack, eksScaling, eksSubnetCidrs } from "../../stacks/clusters/eks";

type EksProfile = Profile & { readonly cluster: EksClusterConfig };

function eksProfile(override?: unknown): EksProfile {
  const loaded = loadProfile("eks-gpu", override);
  const profile = asksForCloudStorage(override) ? loaded : withoutCloudStorage(loaded);
  if (profile.cluster.provider !== "eks") throw new Error("eks-gpu is not an EKS profile");
  return { ...profile, cluster: profile.cluster };
}

/** The stack's Terraform JSON, with the connection's fields as outputs so their expressions can be read. */
function synth(profile: EksProfile = eksProfile()) {
  const stack = new EksClusterStack(Testing.app(), "eks-gpu-cluster", { profile });
  new TerraformOutput(stack, "host", { value: stack.connection.host });
  new TerraformOutput(stack, "ca", { value: stack.connection.clusterCaCertificate });
  return { stack, json: JSON.parse(Testing.synth(stack)) };
}

const PRIVATE_SUBNETS = [
  "${aws_subnet.private-subnet-0.id}",
  "${aws_subnet.private-subnet-1.id}",
  "${aws_subnet.private-subnet-2.id}",
];

const NODE_GROUP_DEPENDENCIES = [
  "aws_iam_role_policy_attachment.node-role-AmazonEKSWorkerNodePolicy",
  "aws_iam_role_policy_attachment.node-role-AmazonEC2ContainerRegistryReadOnly",
  "aws_iam_role_policy_attachment.node-role-AmazonEKS_CNI_Policy",
  "aws_eks_addon.addon-vpc-cni",
  "aws_eks_addon.addon-eks-pod-identity-agent",
];

const GPU_TAINT = [{ key: "nvidia.com/gpu", value: "present", effect: "NO_SCHEDULE" }];

describe("the EKS cluster stack", () => {
  test("the cluster runs the profile's Kubernetes version with API-only access entries in the private subnets", () => {
    const { json } = synth();
    expect(json.resource.aws_eks_cluster).toEqual({
      cluster: {
        name: "cnai-eks",
        version: "1.35",
        role_arn: "${aws_iam_role.cluster-role.arn}",
        // eks-gpu keeps the default API access: the private endpoint only.
        vpc_config: { subnet_ids: PRIVATE_SUBNETS, endpoint_private_access: true, endpoint_public_access: false },
        access_config: { authentication_mode: "API", bootstrap_cluster_creator_admin_permissions: false },
        depends_on: ["aws_iam_role_policy_attachment.cluster-role-AmazonEKSClusterPolicy"],
      },
    });
  });

  test("a public endpoint answers exactly the listed CIDRs, and the private endpoint stays on for the nodes", () => {
    const { json } = synth(
      eksProfile({
        cluster: { apiAccess: { endpoint: "public", authorizedCidrs: ["198.51.100.0/24", "192.0.2.7/32"] } },
      }),
    );
    expect(json.resource.aws_eks_cluster.cluster.vpc_config).toEqual({
      subnet_ids: PRIVATE_SUBNETS,
      endpoint_private_access: true,
      endpoint_public_access: true,
      public_access_cidrs: ["198.51.100.0/24", "192.0.2.7/32"],
    });
  });

  test("a private endpoint turns the public one off and lists no CIDR; a public one copies the CIDRs in order", () => {
    expect(eksEndpointAccess({ endpoint: "private" })).toEqual({
      endpointPrivateAccess: true,
      endpointPublicAccess: false,
    });
    expect(eksEndpointAccess({ endpoint: "public", authorizedCidrs: ["203.0.113.9/32", "198.51.100.0/24"] })).toEqual({
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.9/32", "198.51.100.0/24"],
    });
  });

  test("each pool becomes a managed node group with its instance type, AMI, capacity, size, labels and taints", () => {
    const { json } = synth();
    const common = {
      cluster_name: "${aws_eks_cluster.cluster.name}",
      node_role_arn: "${aws_iam_role.node-role.arn}",
      subnet_ids: PRIVATE_SUBNETS,
      lifecycle: { ignore_changes: ["scaling_config[0].desired_size"] },
      depends_on: NODE_GROUP_DEPENDENCIES,
    };
    expect(json.resource.aws_eks_node_group).toEqual({
      "pool-a100": {
        ...common,
        node_group_name: "a100",
        ami_type: "AL2023_x86_64_NVIDIA",
        instance_types: ["p4d.24xlarge"],
        capacity_type: "SPOT",
        disk_size: 100,
        scaling_config: { desired_size: 0, min_size: 0, max_size: 2 },
        labels: {
          "cnai.io/pool": "a100",
          "nvidia.com/device-plugin.config": "a100",
          "nvidia.com/mig.config": "all-1g.5gb",
        },
        taint: GPU_TAINT,
      },
      "pool-l4": {
        ...common,
        node_group_name: "l4",
        ami_type: "AL2023_x86_64_NVIDIA",
        instance_types: ["g6.xlarge"],
        capacity_type: "ON_DEMAND",
        disk_size: 100,
        scaling_config: { desired_size: 0, min_size: 0, max_size: 4 },
        labels: { "cnai.io/pool": "l4", "nvidia.com/device-plugin.config": "l4" },
        taint: GPU_TAINT,
      },
      "pool-system": {
        ...common,
        node_group_name: "system",
        ami_type: "AL2023_x86_64_STANDARD",
        instance_types: ["m6i.xlarge"],
        capacity_type: "ON_DEMAND",
        scaling_config: { desired_size: 2, min_size: 2, max_size: 4 },
        labels: { "cnai.io/pool": "system" },
        taint: [],
      },
    });
  });

  test("a pool's own labels, taint effects in EKS spelling, a fixed size and the Bottlerocket GPU AMI", () => {
    const profile = eksProfile();
    // Only the l4 pool: profile rules keep MIG pools (a100) off Bottlerocket.
    const l4Pool: Pool = {
      ...profile.pools.l4,
      nodes: 1,
      autoscaling: undefined,
      labels: { tier: "interactive" },
      taints: [
        { key: "a", effect: "PreferNoSchedule" },
        { key: "b", value: "x", effect: "NoExecute" },
      ],
    };
    const cluster = { ...profile.cluster, gpuAmi: "BOTTLEROCKET_x86_64_NVIDIA" as const };
    const l4 = synth({ ...profile, cluster, pools: { l4: l4Pool } }).json.resource.aws_eks_node_group["pool-l4"];
    expect(l4.ami_type).toBe("BOTTLEROCKET_x86_64_NVIDIA");
    expect(l4.labels).toEqual({ tier: "interactive", "cnai.io/pool": "l4", "nvidia.com/device-plugin.config": "l4" });
    expect(l4.taint).toEqual([
      { key: "a", effect: "PREFER_NO_SCHEDULE" },
      { key: "b", value: "x", effect: "NO_EXECUTE" },
    ]);
    expect(l4.scaling_config).toEqual({ desired_size: 1, min_size: 1, max_size: 1 });
    expect(l4.lifecycle).toBeUndefined();
  });

  test("state lives in S3 with a native lock file (so OpenTofu 1.10 or later), and the aws provider is pinned and set to the region", () => {
    const { json } = synth();
    expect(json.terraform).toEqual({
      backend: {
        s3: {
          bucket: "cnai-tofu-state",
          key: "eks-gpu/eks-gpu-cluster.tfstate",
          region: "eu-west-1",
          encrypt: true,
          use_lockfile: true,
        },
      },
      required_providers: { aws: { source: "hashicorp/aws", version: "6.25.0" } },
      required_version: ">= 1.10.0",
    });
    expect(json.provider).toEqual({
      aws: [
        {
          region: "eu-west-1",
          default_tags: [{ tags: { "cnai.io/profile": "eks-gpu", "cnai.io/cluster": "cnai-eks" } }],
        },
      ],
    });
  });

  test("the VPC has a public and a private subnet per zone, zones read at plan time, one NAT gateway", () => {
    const { json } = synth();
    const r = json.resource;
    expect(r.aws_vpc.vpc).toEqual({
      cidr_block: "10.40.0.0/16",
      enable_dns_hostnames: true,
      enable_dns_support: true,
      tags: { Name: "cnai-eks" },
    });
    expect(json.data.aws_availability_zones.zones).toEqual({
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    expect(r.aws_subnet["private-subnet-1"]).toEqual({
      vpc_id: "${aws_vpc.vpc.id}",
      cidr_block: "10.40.64.0/18",
      availability_zone: "${element(data.aws_availability_zones.zones.names, 1)}",
      tags: { Name: "cnai-eks-private-1", "kubernetes.io/role/internal-elb": "1" },
    });
    expect(r.aws_subnet["public-subnet-2"]).toEqual({
      vpc_id: "${aws_vpc.vpc.id}",
      cidr_block: "10.40.200.0/22",
      availability_zone: "${element(data.aws_availability_zones.zones.names, 2)}",
      tags: { Name: "cnai-eks-public-2", "kubernetes.io/role/elb": "1" },
    });
    expect(Object.keys(r.aws_subnet)).toHaveLength(6);
    expect(r.aws_nat_gateway["nat-gateway"]).toEqual({
      allocation_id: "${aws_eip.nat-address.allocation_id}",
      subnet_id: "${aws_subnet.public-subnet-0.id}",
      tags: { Name: "cnai-eks" },
      depends_on: ["aws_internet_gateway.internet-gateway"],
    });
    expect(r.aws_route).toEqual({
      "public-default-route": {
        route_table_id: "${aws_route_table.public-routes.id}",
        destination_cidr_block: "0.0.0.0/0",
        gateway_id: "${aws_internet_gateway.internet-gateway.id}",
      },
      "private-default-route": {
        route_table_id: "${aws_route_table.private-routes.id}",
        destination_cidr_block: "0.0.0.0/0",
        nat_gateway_id: "${aws_nat_gateway.nat-gateway.id}",
      },
    });
    expect(r.aws_route_table_association["private-subnet-2-routes"]).toEqual({
      subnet_id: "${aws_subnet.private-subnet-2.id}",
      route_table_id: "${aws_route_table.private-routes.id}",
    });
  });

  test("existing subnets are adopted for the cluster and the node groups, and no network is created", () => {
    const profile = eksProfile();
    const subnetIds = ["subnet-0a1b2c", "subnet-3d4e5f"];
    const { json } = synth({ ...profile, cluster: { ...profile.cluster, network: { existing: { subnetIds } } } });
    expect(json.resource.aws_eks_cluster.cluster.vpc_config.subnet_ids).toEqual(subnetIds);
    expect(json.resource.aws_eks_node_group["pool-system"].subnet_ids).toEqual(subnetIds);
    expect(json.resource.aws_vpc).toBeUndefined();
    expect(json.resource.aws_subnet).toBeUndefined();
    expect(json.resource.aws_nat_gateway).toBeUndefined();
    expect(json.data.aws_availability_zones).toBeUndefined();
  });

  test("the cluster and node roles trust their services and carry the EKS managed policies", () => {
    const { json } = synth();
    const trust = (service: string) =>
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
      });
    expect(json.resource.aws_iam_role).toEqual({
      "cluster-role": { name_prefix: "cnai-eks-cluster-", assume_role_policy: trust("eks.amazonaws.com") },
      "node-role": { name_prefix: "cnai-eks-nodes-", assume_role_policy: trust("ec2.amazonaws.com") },
    });
    expect(json.resource.aws_iam_role_policy_attachment).toEqual({
      "cluster-role-AmazonEKSClusterPolicy": {
        role: "${aws_iam_role.cluster-role.name}",
        policy_arn: "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
      },
      "node-role-AmazonEKSWorkerNodePolicy": {
        role: "${aws_iam_role.node-role.name}",
        policy_arn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      },
      "node-role-AmazonEC2ContainerRegistryReadOnly": {
        role: "${aws_iam_role.node-role.name}",
        policy_arn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      },
      "node-role-AmazonEKS_CNI_Policy": {
        role: "${aws_iam_role.node-role.name}",
        policy_arn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      },
    });
  });

  test("the profile's admins and the principal running OpenTofu get one access entry each with cluster admin", () => {
    const admin = "arn:aws:iam::123456789012:role/platform-admins";
    const { json } = synth(eksProfile({ cluster: { adminPrincipalArns: [admin] } }));
    expect(json.data.aws_iam_session_context).toEqual({
      "caller-session": { arn: "${data.aws_caller_identity.caller.arn}" },
    });
    expect(json.resource.aws_eks_access_entry).toEqual({
      admin: {
        for_each: `\${toset(concat([data.aws_iam_session_context.caller-session.issuer_arn], ["${admin}"]))}`,
        cluster_name: "${aws_eks_cluster.cluster.name}",
        principal_arn: "${each.value}",
        type: "STANDARD",
      },
    });
    expect(json.resource.aws_eks_access_policy_association).toEqual({
      "admin-policy": {
        for_each: "${aws_eks_access_entry.admin}",
        cluster_name: "${aws_eks_cluster.cluster.name}",
        principal_arn: "${each.value.principal_arn}",
        policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        access_scope: { type: "cluster" },
      },
    });
  });

  test("the four add-ons take EKS's default versions; CNI (enforcing NetworkPolicies) and Pod Identity before the nodes, the rest after", () => {
    const { json } = synth();
    const addon = (name: string, dependsOn?: string[]) => ({
      cluster_name: "${aws_eks_cluster.cluster.name}",
      addon_name: name,
      resolve_conflicts_on_create: "OVERWRITE",
      resolve_conflicts_on_update: "OVERWRITE",
      ...(dependsOn ? { depends_on: dependsOn } : {}),
    });
    const nodeGroups = ["aws_eks_node_group.pool-a100", "aws_eks_node_group.pool-l4", "aws_eks_node_group.pool-system"];
    expect(json.resource.aws_eks_addon).toEqual({
      "addon-vpc-cni": { ...addon("vpc-cni"), configuration_values: '{"enableNetworkPolicy":"true"}' },
      "addon-eks-pod-identity-agent": addon("eks-pod-identity-agent"),
      "addon-kube-proxy": addon("kube-proxy", nodeGroups),
      "addon-coredns": addon("coredns", nodeGroups),
    });
  });

  test("the connection is the cluster endpoint, its decoded CA and `aws eks get-token`", () => {
    const { stack, json } = synth();
    expect(json.output.host.value).toBe("${aws_eks_cluster.cluster.endpoint}");
    expect(json.output.ca.value).toBe("${base64decode(aws_eks_cluster.cluster.certificate_authority[0].data)}");
    expect(stack.connection.exec).toEqual({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "aws",
      args: ["eks", "get-token", "--cluster-name", "cnai-eks", "--region", "eu-west-1"],
    });
    expect(stack.connection.clientCertificate).toBeUndefined();
    expect(stack.connection.clientKey).toBeUndefined();
  });

  test("an existing cluster is adopted: read by name, no network, cluster, admins or add-ons are created", () => {
    const { json } = synth(eksProfile({ cluster: { existing: true } }));
    expect(Object.keys(json.resource).sort()).toEqual([
      "aws_eks_node_group",
      "aws_iam_role",
      "aws_iam_role_policy_attachment",
    ]);
    expect(Object.keys(json.resource.aws_iam_role)).toEqual(["node-role"]);
    expect(json.data).toEqual({ aws_eks_cluster: { cluster: { name: "cnai-eks" } } });
  });

  test("an adopted cluster keeps its owner's endpoint access: apiAccess changes nothing in the stack", () => {
    const adopted = (apiAccess: unknown) => synth(eksProfile({ cluster: { existing: true, apiAccess } })).json;
    const publicAccess = adopted({ endpoint: "public", authorizedCidrs: ["198.51.100.0/24"] });
    expect(publicAccess.resource.aws_eks_cluster).toBeUndefined();
    expect(publicAccess).toEqual(adopted({ endpoint: "private" }));
  });

  test("on an adopted cluster the node groups join it in its own subnets with our node role, waiting on no add-on", () => {
    const { json } = synth(eksProfile({ cluster: { existing: true } }));
    const groups = json.resource.aws_eks_node_group;
    expect(Object.keys(groups).sort()).toEqual(["pool-a100", "pool-l4", "pool-system"]);
    for (const group of Object.values<Record<string, unknown>>(groups)) {
      expect(group.cluster_name).toBe("${data.aws_eks_cluster.cluster.name}");
      expect(group.subnet_ids).toBe("${tolist(data.aws_eks_cluster.cluster.vpc_config[0].subnet_ids)}");
      expect(group.node_role_arn).toBe("${aws_iam_role.node-role.arn}");
      expect(group.depends_on).toEqual(NODE_GROUP_DEPENDENCIES.slice(0, 3));
    }
  });

  test("the connection to an adopted cluster is its endpoint and decoded CA from the data source", () => {
    const { stack, json } = synth(eksProfile({ cluster: { existing: true } }));
    expect(json.output.host.value).toBe("${data.aws_eks_cluster.cluster.endpoint}");
    expect(json.output.ca.value).toBe("${base64decode(data.aws_eks_cluster.cluster.certificate_authority[0].data)}");
    expect(stack.connection.exec?.args).toEqual([
      "eks",
      "get-token",
      "--cluster-name",
      "cnai-eks",
      "--region",
      "eu-west-1",
    ]);
  });

  test("a profile built by hand that breaks the clouds' rules fails before any construct, with every problem", () => {
    const profile = eksProfile();
    const gpu = (accelerator: "nvidia-rtx" | "nvidia-l4", perNode: number) => ({
      accelerator,
      perNode,
      sharing: { mode: "none" as const },
    });
    const pools = {
      ...profile.pools,
      l4: { ...profile.pools.l4, gpu: gpu("nvidia-rtx", 1) },
      more: { ...profile.pools.l4, gpu: gpu("nvidia-l4", 2) },
    };
    expect(() => synth({ ...profile, pools })).toThrow(
      /^Profile "eks-gpu" is invalid \(2 problems\); nothing was synthesized:\n {2}- pools\.l4\.gpu\.accelerator: got "nvidia-rtx"; EKS has no EC2 instance type with nvidia-rtx in its table; .*\n {2}- pools\.more\.gpu\.perNode: got 2; /,
    );
  });

  test("a profile built by hand that opens the API to the whole internet fails before any construct", () => {
    const profile = eksProfile();
    const open = {
      ...profile,
      cluster: { ...profile.cluster, apiAccess: { endpoint: "public" as const, authorizedCidrs: ["0.0.0.0/0"] } },
    };
    expect(() => synth(open)).toThrow(
      /^Profile "eks-gpu" is invalid \(1 problem\); nothing was synthesized:\n {2}- cluster\.apiAccess\.authorizedCidrs\.0: got "0\.0\.0\.0\/0"; 0\.0\.0\.0\/0 opens the Kubernetes API to the whole internet; list your own networks' public egress CIDRs/,
    );
  });
});

describe("EKS node group sizes and subnets", () => {
  const pool = (nodes: number, autoscaling?: { min: number; max: number }): Pool => ({
    nodes,
    autoscaling,
    spot: false,
    labels: {},
    taints: [],
  });

  test("a fixed pool is pinned at its size; an empty fixed pool still has the max of 1 EKS requires", () => {
    expect(eksScaling("p", pool(3))).toEqual({ minSize: 3, maxSize: 3, desiredSize: 3 });
    expect(eksScaling("p", pool(0))).toEqual({ minSize: 0, maxSize: 1, desiredSize: 0 });
    expect(eksScaling("p", pool(1, { min: 0, max: 5 }))).toEqual({ minSize: 0, maxSize: 5, desiredSize: 1 });
  });

  test("nodes outside the autoscaling range fail naming the pool", () => {
    expect(() => eksScaling("gpu", pool(6, { min: 0, max: 4 }))).toThrow(
      /pools\.gpu\.nodes: 6 must lie within autoscaling min 0 and max 4/,
    );
    expect(() => eksScaling("gpu", pool(1, { min: 2, max: 4 }))).toThrow(/pools\.gpu\.nodes: 1 must lie within/);
  });

  test("subnet CIDRs follow Terraform's cidrsubnet", () => {
    expect(cidrSubnet("10.40.0.0/16", 2, 1)).toBe("10.40.64.0/18");
    expect(cidrSubnet("10.40.0.0/16", 6, 48)).toBe("10.40.192.0/22");
    expect(cidrSubnet("192.168.4.0/22", 4, 15)).toBe("192.168.7.192/26");
    expect(eksSubnetCidrs("172.16.0.0/20", 2)).toEqual({
      private: ["172.16.0.0/22", "172.16.4.0/22"],
      public: ["172.16.12.0/26", "172.16.12.64/26"],
    });
  });

  test("a VPC CIDR too small for /28 public subnets fails naming the field", () => {
    expect(() => eksSubnetCidrs("10.0.0.0/24", 2)).toThrow(
      /cluster\.network\.create\.cidr: 10\.0\.0\.0\/24 is too small/,
    );
  });
});

describe("EKS cloud storage", () => {
  const CLOUD_STORAGE = {
    external: { objectStore: { cloud: true } },
    components: { "object-store": { lifecycle: "external" } },
  };
  const bucketArns = ["${aws_s3_bucket.artifacts-bucket.arn}", "${aws_s3_bucket.models-bucket.arn}"];
  const trust = (namespaces: string[], serviceAccounts: string[]) => ({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": "cnai-eks",
            "aws:RequestTag/kubernetes-namespace": namespaces,
            "aws:RequestTag/kubernetes-service-account": serviceAccounts,
          },
        },
      },
    ],
  });
  const access = (objectActions: string[]) => ({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArns },
      { Effect: "Allow", Action: objectActions, Resource: bucketArns.map((arn) => `${arn}/*`) },
    ],
  });

  test("the artifacts and models buckets are named after the cluster, block public access and are encrypted", () => {
    const r = synth(eksProfile(CLOUD_STORAGE)).json.resource;
    expect(r.aws_s3_bucket).toEqual({
      "artifacts-bucket": { bucket: "cnai-eks-mlflow-artifacts" },
      "models-bucket": { bucket: "cnai-eks-models" },
    });
    const blockAll = (id: string) => ({
      bucket: `\${aws_s3_bucket.${id}.id}`,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(r.aws_s3_bucket_public_access_block).toEqual({
      "artifacts-bucket-public-access": blockAll("artifacts-bucket"),
      "models-bucket-public-access": blockAll("models-bucket"),
    });
    const sse = (id: string) => ({
      bucket: `\${aws_s3_bucket.${id}.id}`,
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    expect(r.aws_s3_bucket_server_side_encryption_configuration).toEqual({
      "artifacts-bucket-encryption": sse("artifacts-bucket"),
      "models-bucket-encryption": sse("models-bucket"),
    });
  });

  test("a read-write and a read role trust Pod Identity for this cluster's subjects only and reach only the buckets", () => {
    const r = synth(eksProfile(CLOUD_STORAGE)).json.resource;
    const readWrite = r.aws_iam_role["storage-read-write-role"];
    const read = r.aws_iam_role["storage-read-role"];
    expect(readWrite.name_prefix).toBe("cnai-eks-s3-read-write-");
    expect(read.name_prefix).toBe("cnai-eks-s3-read-");
    expect(JSON.parse(readWrite.assume_role_policy)).toEqual(trust(["mlflow"], ["mlflow"]));
    expect(JSON.parse(read.assume_role_policy)).toEqual(trust(["team-research", "team-serving"], ["kserve-s3"]));
    expect(Object.keys(r.aws_iam_role).sort()).toEqual([
      "cluster-role",
      "node-role",
      "storage-read-role",
      "storage-read-write-role",
    ]);
    const policies = r.aws_iam_role_policy;
    expect(Object.keys(policies).sort()).toEqual(["storage-read-policy", "storage-read-write-policy"]);
    expect(policies["storage-read-write-policy"].role).toBe("${aws_iam_role.storage-read-write-role.id}");
    expect(policies["storage-read-write-policy"].name).toBe("s3-read-write");
    expect(JSON.parse(policies["storage-read-write-policy"].policy)).toEqual(
      access(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
    );
    expect(policies["storage-read-policy"].role).toBe("${aws_iam_role.storage-read-role.id}");
    expect(policies["storage-read-policy"].name).toBe("s3-read");
    expect(JSON.parse(policies["storage-read-policy"].policy)).toEqual(access(["s3:GetObject"]));
  });

  test("each storage subject gets one Pod Identity association: MLflow read-write, each team's KServe account read", () => {
    const r = synth(eksProfile(CLOUD_STORAGE)).json.resource;
    const association = (namespace: string, serviceAccount: string, role: string) => ({
      cluster_name: "${aws_eks_cluster.cluster.name}",
      namespace,
      service_account: serviceAccount,
      role_arn: `\${aws_iam_role.${role}.arn}`,
    });
    expect(r.aws_eks_pod_identity_association).toEqual({
      "storage-mlflow-mlflow": association("mlflow", "mlflow", "storage-read-write-role"),
      "storage-team-research-kserve-s3": association("team-research", "kserve-s3", "storage-read-role"),
      "storage-team-serving-kserve-s3": association("team-serving", "kserve-s3", "storage-read-role"),
    });
  });

  test("an adopted cluster's Pod Identity associations name it through the data source", () => {
    const r = synth(eksProfile({ ...CLOUD_STORAGE, cluster: { existing: true } })).json.resource;
    expect(Object.keys(r.aws_s3_bucket).sort()).toEqual(["artifacts-bucket", "models-bucket"]);
    expect(
      Object.values<{ cluster_name: string }>(r.aws_eks_pod_identity_association).map((a) => a.cluster_name),
    ).toEqual(Array(3).fill("${data.aws_eks_cluster.cluster.name}"));
  });

  test("the stack's storage gives the s3:// URIs and the region, and no annotations or labels (Pod Identity needs none)", () => {
    const { stack } = synth(eksProfile(CLOUD_STORAGE));
    expect(stack.storage).toEqual({
      artifactsUri: "s3://cnai-eks-mlflow-artifacts/",
      modelsUri: "s3://cnai-eks-models",
      serviceAccountAnnotations: {},
      podLabels: {},
      mlflowEnv: { AWS_DEFAULT_REGION: "eu-west-1" },
    });
  });

  test("without teams only MLflow's read-write role and association exist", () => {
    const profile = eksProfile(CLOUD_STORAGE);
    const r = synth({ ...profile, teams: {} }).json.resource;
    expect(Object.keys(r.aws_iam_role).sort()).toEqual(["cluster-role", "node-role", "storage-read-write-role"]);
    expect(Object.keys(r.aws_iam_role_policy)).toEqual(["storage-read-write-policy"]);
    expect(Object.keys(r.aws_eks_pod_identity_association)).toEqual(["storage-mlflow-mlflow"]);
  });

  test("a bucket name longer than S3's 63 characters fails naming the bucket field", () => {
    const profile = eksProfile({ ...CLOUD_STORAGE, buckets: { models: "m".repeat(60) } });
    expect(() => synth(profile)).toThrow(
      /\n {2}- buckets\.models: got "m{60}"; the S3 bucket name "cnai-eks-m{60}" has 69 characters, S3 allows 63; shorten the bucket or cluster\.name$/,
    );
  });

  test("without a cloud object store no bucket, storage role or association is created", () => {
    const { stack, json } = synth();
    const r = json.resource;
    expect(r.aws_s3_bucket).toBeUndefined();
    expect(r.aws_s3_bucket_public_access_block).toBeUndefined();
    expect(r.aws_s3_bucket_server_side_encryption_configuration).toBeUndefined();
    expect(r.aws_iam_role_policy).toBeUndefined();
    expect(r.aws_eks_pod_identity_association).toBeUndefined();
    expect(Object.keys(r.aws_iam_role).sort()).toEqual(["cluster-role", "node-role"]);
    expect(stack.storage).toBeUndefined();
  });
});
