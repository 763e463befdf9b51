/**
 * The EKS cluster stack: a VPC (or adopted subnets), the cluster with API-only access entries, the
 * core add-ons, and one managed node group per profile pool, laid out as the terraform-aws-eks module
 * does it (terraform-aws-modules/terraform-aws-eks@v21.19.0). The API server answers as `cluster.apiAccess` says:
 * only inside the VPC, or also on a public endpoint restricted to the listed CIDRs (eksEndpointAccess). Provider
 * bindings are imported by deep path only (the package index loads every AWS resource). On a `{ cloud: true }`
 * object store it also creates the S3 buckets and
 * the EKS Pod Identity roles and associations for the storage subjects (platform/clouds/storage.ts).
 *
 * With `cluster.existing` the stack adopts the cluster of that name instead (read at plan time): no network,
 * cluster role, access entries or add-ons are created, since they come with the cluster and belong to its
 * owner (an access entry or managed add-on that already exists would fail to create); its endpoint access is
 * its owner's too, so `apiAccess` is ignored. The node groups go
 * into the cluster's own subnets with a node role of ours. The adopted cluster must allow the principal
 * running OpenTofu in (exec auth) and, for cloud storage, run the eks-pod-identity-agent add-on.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { DataAwsIamSessionContext } from "@cdktf/provider-aws/lib/data-aws-iam-session-context";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import type { EksClusterVpcConfig } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Fn, TerraformIterator, TerraformStack } from "cdktf";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import { poolNames, poolNodeLabels } from "../../profiles/plan";
import type { ApiAccess, EksClusterConfig, Pool, Profile } from "../../profiles/schema";
import { pinProviders } from "../providers/pins";
import type { ClusterConnection } from "./connection";
import { eksExecAuth } from "./connection";
import { configureBackend } from "./state";
import { assertCloudRules, EKS_MAX_VPC_PREFIX } from "../../platform/clouds/rules";
import { EKS_GPU_DISK_GIB, orThrow, pickInstanceType } from "../../platform/clouds/sizing";
import type { CloudStorage, StorageSubject } from "../../platform/clouds/storage";
import { cloudBucketName, cloudStorageUris, storageSubjects, usesCloudStorage } from "../../platform/clouds/storage";

/**
 * Add-on configuration. The VPC CNI enforces NetworkPolicies (the teams' default-deny) only with
 * `enableNetworkPolicy` set; it is off by default (docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html).
 */
const EKS_ADDON_CONFIGURATION: Readonly<Record<string, string>> = {
  "vpc-cni": JSON.stringify({ enableNetworkPolicy: "true" }),
};

/**
 * The add-ons EKS manages for us, versions left to EKS's default for the cluster version; the CNI and the
 * Pod Identity agent come first, as the module's `before_compute`
 * (terraform-aws-modules/terraform-aws-eks@v21.19.0:README.md).
 */
export const EKS_ADDONS_BEFORE_NODES = ["vpc-cni", "eks-pod-identity-agent"] as const;
export const EKS_ADDONS_AFTER_NODES = ["kube-proxy", "coredns"] as const;

const IAM_POLICY = "arn:aws:iam::aws:policy";
const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
const NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonEKS_CNI_Policy"];

/** IAM's `name_prefix` limit: the 64-character role name minus the provider's 26-character unique suffix. */
const ROLE_NAME_PREFIX_MAX = 38;

/** S3 actions per access level: list and read objects; read-write adds writing and deleting them. */
const S3_ACTIONS: Readonly<Record<StorageSubject["access"], { bucket: string[]; objects: string[] }>> = {
  read: { bucket: ["s3:ListBucket"], objects: ["s3:GetObject"] },
  "read-write": { bucket: ["s3:ListBucket"], objects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] },
};

const TAINT_EFFECTS = { NoSchedule: "NO_SCHEDULE", PreferNoSchedule: "PREFER_NO_SCHEDULE", NoExecute: "NO_EXECUTE" };

/** Node group size: desired = nodes, min/max = autoscaling or fixed; EKS needs max ≥ 1 (NodegroupScalingConfig API). */
export function eksScaling(poolName: string, pool: Pool): { minSize: number; maxSize: number; desiredSize: number } {
  const min = pool.autoscaling?.min ?? pool.nodes;
  const max = Math.max(pool.autoscaling?.max ?? pool.nodes, 1);
  if (pool.nodes < min || pool.nodes > max || min > max) {
    throw new Error(
      `pools.${poolName}.nodes: ${pool.nodes} must lie within autoscaling min ${min} and max ${max} (EKS starts the group at nodes); ` +
        `change nodes or widen autoscaling.`,
    );
  }
  return { minSize: min, maxSize: max, desiredSize: pool.nodes };
}

/** Terraform's cidrsubnet for IPv4, at synth time so the plan shows plain CIDRs. */
export function cidrSubnet(cidr: string, newBits: number, netNum: number): string {
  const [address, prefixText] = cidr.split("/");
  const prefix = Number(prefixText) + newBits;
  const base = address.split(".").reduce((value, octet) => value * 256 + Number(octet), 0);
  const network = base - (base % 2 ** (32 - Number(prefixText)));
  const start = network + netNum * 2 ** (32 - prefix);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/**
 * The VPC layout: the first three quarters of the CIDR are private subnets (nodes and pods; the VPC CNI
 * gives pods VPC addresses, so they get the room), the start of the last quarter holds small public
 * subnets for the NAT gateway and internet-facing load balancers (public ones are /prefix+6).
 */
export function eksSubnetCidrs(cidr: string, zones: number): { private: string[]; public: string[] } {
  const prefix = Number(cidr.split("/")[1]);
  if (prefix > EKS_MAX_VPC_PREFIX) {
    throw new Error(
      `cluster.network.create.cidr: ${cidr} is too small; use a /22 or larger (public subnets are /28+).`,
    );
  }
  const indices = Array.from({ length: zones }, (_, i) => i);
  return {
    private: indices.map((i) => cidrSubnet(cidr, 2, i)),
    public: indices.map((i) => cidrSubnet(cidr, 6, 48 + i)),
  };
}

/**
 * The endpoint fields of the cluster's `vpc_config` (hashicorp/aws 6.25.0, `aws_eks_cluster.vpc_config`). The private
 * endpoint is always on, so nodes and pods reach the API inside the VPC whatever the public side says. `private`
 * turns the public endpoint off; `public` keeps it for exactly the listed CIDRs (never EKS's default 0.0.0.0/0).
 * https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
 */
export function eksEndpointAccess(
  access: ApiAccess,
): Pick<EksClusterVpcConfig, "endpointPrivateAccess" | "endpointPublicAccess" | "publicAccessCidrs"> {
  return access.endpoint === "private"
    ? { endpointPrivateAccess: true, endpointPublicAccess: false }
    : { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: [...access.authorizedCidrs] };
}

/** What the rest of the stack needs from the cluster, created or adopted. */
interface EksClusterHandle {
  readonly name: string;
  readonly endpoint: string;
  /** Base64-encoded, as EKS returns it. */
  readonly caData: string;
  /** Where the node groups go. */
  readonly subnetIds: string[];
  /** The created cluster, which gets our add-ons; undefined when adopted (its add-ons are its owner's). */
  readonly created?: EksCluster;
}

export interface EksClusterStackProps {
  readonly profile: Profile & { readonly cluster: EksClusterConfig };
}

export class EksClusterStack extends TerraformStack {
  readonly connection: ClusterConnection;
  /** The buckets and how pods reach them; only on a profile whose object store is `{ cloud: true }`. */
  readonly storage?: CloudStorage;

  constructor(scope: Construct, id: string, props: EksClusterStackProps) {
    super(scope, id);
    const { profile } = props;
    const { cluster } = profile;
    // A profile from loadCheckedProfile passed these already; one built by hand fails here, before any construct.
    assertCloudRules(profile);
    const pools = poolNames(profile).map((name) => {
      const pool = profile.pools[name];
      const instanceType = orThrow(pickInstanceType("eks", name, pool)).type;
      return { name, pool, instanceType, scaling: eksScaling(name, pool) };
    });

    configureBackend(this, profile, id);
    pinProviders(this, ["aws"]);
    new AwsProvider(this, "aws", {
      region: cluster.region,
      defaultTags: [{ tags: { "cnai.io/profile": profile.name, "cnai.io/cluster": cluster.name } }],
    });

    const eks = cluster.existing ? this.adoptCluster(cluster) : this.createCluster(cluster);

    const nodeRole = new IamRole(this, "node-role", {
      namePrefix: `${cluster.name.slice(0, 29)}-nodes-`,
      assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"),
    });
    // The provider doc: policies must exist before and outlive the node groups, or EKS cannot clean up nodes.
    const nodePolicies = NODE_POLICIES.map(
      (policy) =>
        new IamRolePolicyAttachment(this, `node-role-${policy}`, {
          role: nodeRole.name,
          policyArn: `${IAM_POLICY}/${policy}`,
        }),
    );

    // The CNI and the Pod Identity agent must be there before nodes join (the module's `before_compute`).
    const created = eks.created;
    const earlyAddons = created ? EKS_ADDONS_BEFORE_NODES.map((name) => this.addon(created, name, [])) : [];

    const nodeGroups = pools.map(
      ({ name, pool, instanceType, scaling }) =>
        new EksNodeGroup(this, `pool-${name}`, {
          clusterName: eks.name,
          nodeGroupName: name,
          nodeRoleArn: nodeRole.arn,
          subnetIds: eks.subnetIds,
          amiType: pool.gpu ? cluster.gpuAmi : "AL2023_x86_64_STANDARD",
          instanceTypes: [instanceType],
          capacityType: pool.spot ? "SPOT" : "ON_DEMAND",
          diskSize: pool.gpu ? EKS_GPU_DISK_GIB : undefined,
          scalingConfig: scaling,
          labels: poolNodeLabels(name, pool),
          taint: pool.taints.map((t) => ({ key: t.key, value: t.value, effect: TAINT_EFFECTS[t.effect] })),
          // An autoscaler owns the size of a scaling pool after creation (provider doc, "Ignoring Changes to Desired Size").
          lifecycle: pool.autoscaling ? { ignoreChanges: ["scaling_config[0].desired_size"] } : undefined,
          dependsOn: [...nodePolicies, ...earlyAddons],
        }),
    );

    // CoreDNS needs nodes to schedule on before EKS reports the add-on active.
    if (created) EKS_ADDONS_AFTER_NODES.forEach((name) => this.addon(created, name, nodeGroups));

    this.connection = {
      host: eks.endpoint,
      clusterCaCertificate: Fn.base64decode(eks.caData),
      exec: eksExecAuth(cluster.name, cluster.region),
    };

    if (usesCloudStorage(profile)) this.storage = this.createStorage(profile, eks.name);
  }

  /** The network (or adopted subnets) and the cluster with its role and admins. */
  private createCluster(cluster: EksClusterConfig): EksClusterHandle {
    // Nodes and the control plane's network interfaces go into the private subnets (or the adopted ones).
    const subnetIds =
      "create" in cluster.network
        ? this.createNetwork(cluster, cluster.network.create)
        : [...cluster.network.existing.subnetIds];

    const clusterRole = new IamRole(this, "cluster-role", {
      namePrefix: `${cluster.name.slice(0, 29)}-cluster-`,
      assumeRolePolicy: assumeRolePolicy("eks.amazonaws.com"),
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, "cluster-role-AmazonEKSClusterPolicy", {
      role: clusterRole.name,
      policyArn: `${IAM_POLICY}/AmazonEKSClusterPolicy`,
    });

    const eks = new EksCluster(this, "cluster", {
      name: cluster.name,
      version: cluster.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: { subnetIds, ...eksEndpointAccess(cluster.apiAccess) },
      // API-only access entries, no aws-auth ConfigMap; the creator gets no implicit, unmanaged admin entry:
      // admins are explicit access entries below, as the terraform-aws-eks module does (terraform-aws-modules/terraform-aws-eks@v21.19.0:main.tf).
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      dependsOn: [clusterPolicy],
    });

    this.grantClusterAdmins(eks, cluster.adminPrincipalArns);
    return {
      name: eks.name,
      endpoint: eks.endpoint,
      caData: eks.certificateAuthority.get(0).data,
      subnetIds,
      created: eks,
    };
  }

  /** The existing cluster of `cluster.name`, read at plan time; its subnets take the node groups. */
  private adoptCluster(cluster: EksClusterConfig): EksClusterHandle {
    const eks = new DataAwsEksCluster(this, "cluster", { name: cluster.name });
    return {
      name: eks.name,
      endpoint: eks.endpoint,
      caData: eks.certificateAuthority.get(0).data,
      subnetIds: eks.vpcConfig.get(0).subnetIds,
    };
  }

  /**
   * The MLflow-artifacts and models buckets (private, encrypted), one Pod Identity role per access level
   * allowed on both buckets (a predictor may serve a model straight from an MLflow run's artifacts, and
   * MLflow may publish into the models bucket), and one association per storage subject. Pod Identity needs no OIDC provider
   * and no ServiceAccount annotation: the association names the ServiceAccount
   * (https://docs.aws.amazon.com/eks/latest/eksctl/pod-identity-associations.html).
   */
  private createStorage(profile: EksClusterStackProps["profile"], clusterName: string): CloudStorage {
    const { cluster } = profile;
    const buckets = (["mlflowArtifacts", "models"] as const).map((field) => {
      // dnsLabel keeps the characters legal; the clouds' rules keep the prefixed name within S3's 63.
      const name = cloudBucketName(profile, profile.buckets[field]);
      const id = field === "models" ? "models" : "artifacts";
      const bucket = new S3Bucket(this, `${id}-bucket`, { bucket: name });
      new S3BucketPublicAccessBlock(this, `${id}-bucket-public-access`, {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      // SSE-S3: encrypted at rest without a KMS key to manage or pay for per request.
      new S3BucketServerSideEncryptionConfigurationA(this, `${id}-bucket-encryption`, {
        bucket: bucket.id,
        rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      });
      return { name, arn: bucket.arn };
    });

    const subjects = storageSubjects(profile);
    const accessLevels = (["read-write", "read"] as const).filter((access) =>
      subjects.some((s) => s.access === access),
    );
    const roleArns = Object.fromEntries(
      accessLevels.map((access) => {
        const suffix = `-s3-${access}-`;
        const granted = subjects.filter((s) => s.access === access);
        const role = new IamRole(this, `storage-${access}-role`, {
          namePrefix: `${cluster.name.slice(0, ROLE_NAME_PREFIX_MAX - suffix.length)}${suffix}`,
          assumeRolePolicy: podIdentityTrustPolicy(cluster.name, granted),
        });
        new IamRolePolicy(this, `storage-${access}-policy`, {
          role: role.id,
          name: `s3-${access}`,
          policy: s3AccessPolicy(
            S3_ACTIONS[access],
            buckets.map((b) => b.arn),
          ),
        });
        return [access, role.arn];
      }),
    );

    for (const subject of subjects) {
      new EksPodIdentityAssociation(this, `storage-${subject.namespace}-${subject.serviceAccount}`, {
        clusterName,
        namespace: subject.namespace,
        serviceAccount: subject.serviceAccount,
        roleArn: roleArns[subject.access],
      });
    }

    // The URIs, labels and env are deterministic (platform/clouds/storage.ts), so components use them without cross-stack references.
    return { ...cloudStorageUris(profile), serviceAccountAnnotations: {} };
  }

  /** VPC with a public and a private subnet per zone, one NAT gateway; returns the private subnet ids. */
  private createNetwork(cluster: EksClusterConfig, network: { cidr: string; zones: number }): string[] {
    const cidrs = eksSubnetCidrs(network.cidr, network.zones);
    // Zone names are read at plan time; opt-in zones (Local/Wavelength) cannot host EKS node groups.
    const zones = new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    // EKS needs DNS hostnames and resolution for its private endpoint and node registration.
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: network.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: cluster.name },
    });
    const gateway = new InternetGateway(this, "internet-gateway", { vpcId: vpc.id, tags: { Name: cluster.name } });
    const publicRoutes = new RouteTable(this, "public-routes", {
      vpcId: vpc.id,
      tags: { Name: `${cluster.name}-public` },
    });
    new Route(this, "public-default-route", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: gateway.id,
    });
    // Load balancer discovery tags: public subnets for internet-facing, private for internal load balancers.
    const publicSubnets = cidrs.public.map((cidr, i) => {
      const subnet = new Subnet(this, `public-subnet-${i}`, {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: Fn.element(zones.names, i),
        tags: { Name: `${cluster.name}-public-${i}`, "kubernetes.io/role/elb": "1" },
      });
      new RouteTableAssociation(this, `public-subnet-${i}-routes`, {
        subnetId: subnet.id,
        routeTableId: publicRoutes.id,
      });
      return subnet;
    });
    // One NAT gateway keeps a small cluster cheap; nodes in every zone egress through it.
    const natAddress = new Eip(this, "nat-address", { domain: "vpc", tags: { Name: `${cluster.name}-nat` } });
    const nat = new NatGateway(this, "nat-gateway", {
      allocationId: natAddress.allocationId,
      subnetId: publicSubnets[0].id,
      tags: { Name: cluster.name },
      dependsOn: [gateway],
    });
    const privateRoutes = new RouteTable(this, "private-routes", {
      vpcId: vpc.id,
      tags: { Name: `${cluster.name}-private` },
    });
    new Route(this, "private-default-route", {
      routeTableId: privateRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      natGatewayId: nat.id,
    });
    return cidrs.private.map((cidr, i) => {
      const subnet = new Subnet(this, `private-subnet-${i}`, {
        vpcId: vpc.id,
        cidrBlock: cidr,
        availabilityZone: Fn.element(zones.names, i),
        tags: { Name: `${cluster.name}-private-${i}`, "kubernetes.io/role/internal-elb": "1" },
      });
      new RouteTableAssociation(this, `private-subnet-${i}-routes`, {
        subnetId: subnet.id,
        routeTableId: privateRoutes.id,
      });
      return subnet.id;
    });
  }

  /**
   * Cluster admins: the profile's principals plus the IAM principal running OpenTofu (its role, not the
   * STS session), so the platform stack, which authenticates as that same principal through
   * `aws eks get-token`, can install into the cluster. One set, so a principal listed twice gets one entry.
   * This mirrors the terraform-aws-eks module's `enable_cluster_creator_admin_permissions` (its main.tf
   * "cluster_creator" access entry from `aws_iam_session_context.issuer_arn`).
   */
  private grantClusterAdmins(eks: EksCluster, principalArns: readonly string[]): void {
    const caller = new DataAwsCallerIdentity(this, "caller");
    const callerSession = new DataAwsIamSessionContext(this, "caller-session", { arn: caller.arn });
    const admins = TerraformIterator.fromList(Fn.concat([[callerSession.issuerArn], [...principalArns]]));
    const entries = new EksAccessEntry(this, "admin", {
      forEach: admins,
      clusterName: eks.name,
      principalArn: admins.value,
      type: "STANDARD",
    });
    const entry = TerraformIterator.fromResources(entries);
    new EksAccessPolicyAssociation(this, "admin-policy", {
      forEach: entry,
      clusterName: eks.name,
      principalArn: entry.getString("principal_arn"),
      policyArn: CLUSTER_ADMIN_POLICY,
      accessScope: { type: "cluster" },
    });
  }

  private addon(eks: EksCluster, name: string, dependsOn: ITerraformDependable[]): EksAddon {
    return new EksAddon(this, `addon-${name}`, {
      clusterName: eks.name,
      addonName: name,
      // EKS installs self-managed vpc-cni, kube-proxy and coredns at cluster creation; take them over.
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
      configurationValues: EKS_ADDON_CONFIGURATION[name],
      dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
    });
  }
}

/** Trust policy letting an AWS service assume the role (provider doc's node role example). */
function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

/**
 * Trust for EKS Pod Identity (AWS "pod-id-role" page: principal `pods.eks.amazonaws.com`, AssumeRole and
 * TagSession). The session tags EKS adds (pod-id-abac page) pin it to this cluster and to the subjects'
 * namespaces and ServiceAccounts, so another cluster's association cannot borrow the role.
 */
function podIdentityTrustPolicy(clusterName: string, subjects: readonly StorageSubject[]): string {
  const unique = (values: string[]) => [...new Set(values)];
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": clusterName,
            "aws:RequestTag/kubernetes-namespace": unique(subjects.map((s) => s.namespace)),
            "aws:RequestTag/kubernetes-service-account": unique(subjects.map((s) => s.serviceAccount)),
          },
        },
      },
    ],
  });
}

/** Bucket-level actions on the buckets, object-level actions on their objects; nothing else. */
function s3AccessPolicy(actions: { bucket: string[]; objects: string[] }, bucketArns: readonly string[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: actions.bucket, Resource: [...bucketArns] },
      { Effect: "Allow", Action: actions.objects, Resource: bucketArns.map((arn) => `${arn}/*`) },
    ],
  });
}
