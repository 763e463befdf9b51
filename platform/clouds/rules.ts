/**
 * The clouds' constraints on a profile, returned as problems so each one reaches the profile's one
 * error (platform/check.ts): the networks allowed to reach a public API endpoint, every pool's
 * instance type and MIG cut (./sizing.ts), AKS's node pool names and default pool, the bucket and
 * storage account names a cloud takes, and the size of a VPC the EKS stack creates. The cluster
 * stacks check the same rules first and call the same functions, so a profile that passes here builds.
 *
 * Checks the profile rules (profiles/rules.ts) make are not repeated: a pool's size against its
 * autoscaling range, MIG on a GPU without it, a MIG layout the GPU does not have, and the mixed MIG
 * strategy on GKE and AKS.
 */
import { poolNames } from "../../profiles/plan";
import type { Problem } from "../../profiles/problems";
import { ProfileError } from "../../profiles/problems";
import type { AksClusterConfig, CloudClusterConfig, EksClusterConfig, Profile } from "../../profiles/schema";
import type { Checked, Cloud } from "./sizing";
import { aksGpuInstance, gkePartitionSize, migLayout, pickInstanceType } from "./sizing";
import { aksStorageAccountProblem, cloudBucketName, usesCloudStorage } from "./storage";

/** Every cloud problem of a profile's own cluster (a MultiKueue worker is checked as a profile of its own). */
export function cloudProblems(profile: Profile): Problem[] {
  const { cluster } = profile;
  switch (cluster.provider) {
    case "kind":
    case "kubeconfig":
      return [];
    case "eks":
      return [...apiAccessProblems(cluster), ...poolProblems("eks", profile), ...eksProblems({ ...profile, cluster })];
    case "gke":
      return [...apiAccessProblems(cluster), ...poolProblems("gke", profile)];
    case "aks":
      return [
        ...apiAccessProblems(cluster),
        ...aksPoolNameProblems(profile),
        ...poolProblems("aks", profile),
        ...aksProblems({ ...profile, cluster }),
      ];
  }
}

/** The cluster stacks' first step: a profile that reached them passed cloudProblems, unless it was built by hand. */
export function assertCloudRules(profile: Profile): void {
  const problems = cloudProblems(profile);
  if (problems.length > 0) throw new ProfileError(profile.name, problems);
}

/** The widest range one authorized CIDR may be: /8, the largest block ever allocated to one organisation. */
export const WIDEST_AUTHORIZED_PREFIX = 8;

/**
 * The networks allowed to reach a public API endpoint. The schema has checked their form; here each one must be
 * a network of the deployer's: never the whole internet (`0.0.0.0/0`, `::/0`), nor a range wider than /8 (two
 * /1s are the whole internet too), nor IPv6 (the stacks create IPv4 clusters, and an IPv4 EKS cluster takes no
 * IPv6 CIDR: https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigRequest.html), and written as its
 * network address. Checked on an adopted cluster too, where the setting is ignored: a value is refused wherever
 * it stands.
 */
export function apiAccessProblems(cluster: CloudClusterConfig): Problem[] {
  const access = cluster.apiAccess;
  if (access.endpoint === "private") return [];
  const fix = 'list your own networks\' public egress CIDRs (office, VPN, CI runners), or use { endpoint: "private" }';
  return access.authorizedCidrs.flatMap((cidr, index): Problem[] => {
    const path = `cluster.apiAccess.authorizedCidrs.${index}`;
    const [address, prefixText] = cidr.split("/");
    const prefix = Number(prefixText);
    if (prefix === 0) {
      return [{ path, value: cidr, allowed: `${cidr} opens the Kubernetes API to the whole internet; ${fix}` }];
    }
    if (address.includes(":")) {
      return [
        {
          path,
          value: cidr,
          allowed: `the cluster's API endpoint is reached over IPv4 (the stacks create IPv4 clusters); list IPv4 CIDRs, e.g. 198.51.100.0/24`,
        },
      ];
    }
    if (prefix < WIDEST_AUTHORIZED_PREFIX) {
      return [
        {
          path,
          value: cidr,
          allowed: `a /${prefix} is 1/${2 ** prefix} of all IPv4 addresses, wider than any one network; ${fix}, each a /${WIDEST_AUTHORIZED_PREFIX} or narrower`,
        },
      ];
    }
    const network = ipv4Network(address, prefix);
    if (network !== address) {
      return [
        {
          path,
          value: cidr,
          allowed: `the address has bits set past the /${prefix}; write the network, ${network}/${prefix}, or the host, ${address}/32`,
        },
      ];
    }
    return [];
  });
}

/** The network address of an IPv4 address under a prefix: `10.1.2.3`, 16 → `10.1.0.0`. */
function ipv4Network(address: string, prefix: number): string {
  const value = address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  const network = value - (value % size);
  return [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".");
}

/** Each pool's instance type, and on GKE and AKS the one MIG profile every GPU of the pool is cut into. */
function poolProblems(cloud: Cloud, profile: Profile): Problem[] {
  return poolNames(profile).flatMap((name) => {
    const pool = profile.pools[name];
    const problems: Problem[] = [];
    const picked = pickInstanceType(cloud, name, pool);
    if ("problem" in picked) problems.push(picked.problem);
    // A GPU without MIG, an unknown layout and the mixed strategy are the profile rules' to report.
    const sharing = pool.gpu?.sharing;
    if (cloud !== "eks" && migLayout(pool) !== undefined && sharing?.mode === "mig" && sharing.strategy === "single") {
      const cut = cloud === "gke" ? gkePartitionSize(name, pool) : aksGpuInstance(name, pool);
      if ("problem" in cut) problems.push(cut.problem);
    }
    return problems;
  });
}

/** The smallest VPC the EKS stack lays out: quarters for the private subnets, /prefix+6 public ones of at least /28. */
export const EKS_MAX_VPC_PREFIX = 22;

/** S3 bucket names are at most 63 characters (the cloud bucket names carry the cluster's name as a prefix). */
const S3_BUCKET_NAME_MAX = 63;

function eksProblems(profile: Profile & { readonly cluster: EksClusterConfig }): Problem[] {
  const problems: Problem[] = [];
  const { cluster } = profile;
  if (!cluster.existing && "create" in cluster.network) {
    const { cidr } = cluster.network.create;
    if (Number(cidr.split("/")[1]) > EKS_MAX_VPC_PREFIX) {
      problems.push({
        path: "cluster.network.create.cidr",
        value: cidr,
        allowed: `a /${EKS_MAX_VPC_PREFIX} or larger: the public subnets are a sixty-fourth of the VPC and need /28 at least`,
      });
    }
  }
  if (usesCloudStorage(profile)) {
    for (const field of ["mlflowArtifacts", "models"] as const) {
      const name = cloudBucketName(profile, profile.buckets[field]);
      if (name.length > S3_BUCKET_NAME_MAX) {
        problems.push({
          path: `buckets.${field}`,
          value: profile.buckets[field],
          allowed: `the S3 bucket name "${name}" has ${name.length} characters, S3 allows ${S3_BUCKET_NAME_MAX}; shorten the bucket or cluster.name`,
        });
      }
    }
  }
  return problems;
}

/** AKS Linux node pool names: a lowercase letter, then lowercase letters and digits, 12 characters at most. */
export const AKS_POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;

/** Blob container names: 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric. */
export const AKS_CONTAINER_NAME = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

function aksPoolNameProblems(profile: Profile): Problem[] {
  return poolNames(profile)
    .filter((name) => !AKS_POOL_NAME.test(name))
    .map((name) => ({
      path: `pools.${name}`,
      value: name,
      allowed:
        "AKS node pool names are a lowercase letter, then lowercase letters or digits, 12 at most (e.g. gpua100); rename the pool",
    }));
}

/**
 * The default (system) pool of a cluster the stack creates: the first CPU pool in name order. AKS keeps
 * CriticalAddonsOnly workloads on System pools, which never run on Spot VMs or scale below one node, and
 * azurerm 4.x's `default_node_pool` has no `node_taints`.
 */
export function aksSystemPool(profile: Profile): Checked<{ name: string }> {
  const name = poolNames(profile).find((candidate) => profile.pools[candidate].gpu === undefined);
  if (name !== undefined) return { name };
  return {
    problem: {
      path: "pools",
      value: poolNames(profile),
      allowed:
        "AKS needs a CPU pool for its default (System mode) node pool; add a pool without gpu, e.g. pools.system",
    },
  };
}

function aksProblems(profile: Profile & { readonly cluster: AksClusterConfig }): Problem[] {
  const problems: Problem[] = [];
  // An adopted cluster keeps its own default pool, so the rules of the default pool do not apply.
  if (!profile.cluster.existing) problems.push(...aksSystemPoolProblems(profile));
  if (usesCloudStorage(profile)) {
    const account = aksStorageAccountProblem(profile);
    if (account) problems.push(account);
    for (const field of ["mlflowArtifacts", "models"] as const) {
      const name = profile.buckets[field];
      if (!AKS_CONTAINER_NAME.test(name)) {
        problems.push({
          path: `buckets.${field}`,
          value: name,
          allowed:
            "an Azure blob container name: 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric",
        });
      }
    }
  }
  return problems;
}

function aksSystemPoolProblems(profile: Profile): Problem[] {
  const system = aksSystemPool(profile);
  if ("problem" in system) return [system.problem];
  const { name } = system;
  const pool = profile.pools[name];
  const path = `pools.${name}`;
  const problems: Problem[] = [];
  if (pool.spot) {
    problems.push({
      path: `${path}.spot`,
      value: true,
      allowed:
        "AKS system pools (the first CPU pool) cannot run on Spot VMs; set spot: false or put an on-demand CPU pool first",
    });
  }
  if (pool.taints.length > 0) {
    problems.push({
      path: `${path}.taints`,
      value: pool.taints,
      allowed:
        "azurerm 4.x has no node_taints on the default (system) pool, the first CPU pool; move the taints to another pool",
    });
  }
  if (pool.nodes < 1) {
    problems.push({
      path: `${path}.nodes`,
      value: pool.nodes,
      allowed: "the AKS system pool (the first CPU pool) needs at least one node; set nodes: 1 or more",
    });
  }
  if (pool.autoscaling && pool.autoscaling.min < 1) {
    problems.push({
      path: `${path}.autoscaling.min`,
      value: pool.autoscaling.min,
      allowed: "the AKS system pool (the first CPU pool) needs at least one node; set autoscaling.min: 1 or more",
    });
  }
  return problems;
}
