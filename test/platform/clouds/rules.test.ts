import { loadCheckedProfile } from "../../../platform/check";
import { loadProfile } from "../../../profiles/load";
import { ProfileError } from "../../../profiles/problems";
import type { Pool, Profile } from "../../../profiles/schema";
import { apiAccessProblems, assertCloudRules, cloudProblems } from "../../../platform/clouds/rules";
import { withoutCloudStorage } from "../../support/profiles";

/** A shipped profile with some pools replaced, bypassing the profile rules as a fork's code could. */
function withPools(name: string, pools: Record<string, Pool | undefined>): Profile {
  const profile = loadProfile(name);
  const merged = { ...profile.pools, ...pools };
  return {
    ...profile,
    pools: Object.fromEntries(
      Object.entries(merged).filter((entry): entry is [string, Pool] => entry[1] !== undefined),
    ),
  };
}

const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" as const };

function gpuPool(gpu: Pool["gpu"], extra: Partial<Pool> = {}): Pool {
  return { nodes: 0, autoscaling: { min: 0, max: 2 }, spot: false, labels: {}, taints: [GPU_TAINT], gpu, ...extra };
}

describe("the clouds' rules", () => {
  test.each(["laptop", "cluster-gpu", "eks-gpu", "gke-gpu", "aks-gpu", "multicloud-gpu"])(
    "the shipped profile %s breaks none",
    (name) => {
      expect(cloudProblems(loadProfile(name))).toEqual([]);
    },
  );

  test("every pool's instance type problem comes back, not only the first", () => {
    const profile = withPools("eks-gpu", {
      l4: gpuPool({ accelerator: "nvidia-l4", perNode: 2, sharing: { mode: "none" } }),
      t4: gpuPool({ accelerator: "nvidia-t4", perNode: 1, sharing: { mode: "none" } }, { instanceType: "g5.xlarge" }),
    });
    expect(cloudProblems(profile)).toEqual([
      {
        path: "pools.l4.gpu.perNode",
        value: 2,
        allowed:
          "EKS's EC2 instance types with nvidia-l4: g6.xlarge (1), g6.12xlarge (4), g6.48xlarge (8); " +
          "use one of those GPU counts, or give the pool an instanceType with 2 × nvidia-l4",
      },
      {
        path: "pools.t4.instanceType",
        value: "g5.xlarge",
        allowed:
          "g5.xlarge carries 1 × nvidia-a10g, but the pool's gpu asks for 1 × nvidia-t4; pick g4dn.xlarge, or change the pool's gpu to 1 × nvidia-a10g",
      },
    ]);
  });

  test("EKS: a VPC the stack creates must be a /22 or larger; an adopted cluster's network is not checked", () => {
    const profile = loadProfile("eks-gpu", { cluster: { network: { create: { cidr: "10.0.0.0/24" } } } });
    expect(cloudProblems(profile)).toEqual([
      {
        path: "cluster.network.create.cidr",
        value: "10.0.0.0/24",
        allowed: "a /22 or larger: the public subnets are a sixty-fourth of the VPC and need /28 at least",
      },
    ]);
    expect(
      cloudProblems(
        loadProfile("eks-gpu", { cluster: { existing: true, network: { create: { cidr: "10.0.0.0/24" } } } }),
      ),
    ).toEqual([]);
  });

  test("EKS: each bucket name with the cluster's prefix must fit S3's 63 characters", () => {
    const profile = loadProfile("eks-gpu", { buckets: { mlflowArtifacts: "a".repeat(56), models: "m".repeat(60) } });
    expect(cloudProblems(profile)).toEqual([
      {
        path: "buckets.mlflowArtifacts",
        value: "a".repeat(56),
        allowed: `the S3 bucket name "cnai-eks-${"a".repeat(56)}" has 65 characters, S3 allows 63; shorten the bucket or cluster.name`,
      },
      {
        path: "buckets.models",
        value: "m".repeat(60),
        allowed: `the S3 bucket name "cnai-eks-${"m".repeat(60)}" has 69 characters, S3 allows 63; shorten the bucket or cluster.name`,
      },
    ]);
    expect(cloudProblems(withoutCloudStorage(profile))).toEqual([]);
  });

  test("GKE: an accelerator Compute Engine does not offer, and a layout it cannot cut into one partition size", () => {
    const profile = withPools("gke-gpu", {
      a10g: gpuPool(
        { accelerator: "nvidia-a10g", perNode: 1, sharing: { mode: "none" } },
        { instanceType: "g2-standard-4" },
      ),
      a100: gpuPool({
        accelerator: "nvidia-a100-40gb",
        perNode: 1,
        sharing: { mode: "mig", strategy: "single", layout: "all-balanced" },
      }),
    });
    expect(cloudProblems(profile)).toEqual([
      {
        path: "pools.a100.gpu.sharing.layout",
        value: "all-balanced",
        allowed:
          "GKE cuts every GPU of a node pool into one partition size (gpu_partition_size); use a uniform layout of nvidia-a100-40gb: " +
          "all-1g.5gb, all-2g.10gb, all-3g.20gb, all-4g.20gb, all-7g.40gb, or a separate pool per MIG profile",
      },
      {
        path: "pools.a10g.gpu.accelerator",
        value: "nvidia-a10g",
        allowed:
          "GKE node pools name their accelerator, and GKE offers none called nvidia-a10g; use one of nvidia-t4, nvidia-l4, " +
          "nvidia-a100-40gb, nvidia-a100-80gb, nvidia-h100-80gb, nvidia-h200-141gb",
      },
    ]);
  });

  test("GKE and AKS leave the mixed strategy, unknown layouts and GPUs without MIG to the profile rules", () => {
    const mig = (accelerator: "nvidia-a100-80gb" | "nvidia-t4", strategy: "single" | "mixed", layout: string) =>
      gpuPool({ accelerator, perNode: 1, sharing: { mode: "mig", strategy, layout } });
    for (const name of ["gke-gpu", "aks-gpu"]) {
      const profile = withPools(name, {
        mixed: mig("nvidia-a100-80gb", "mixed", "all-balanced"),
        unknown: mig("nvidia-a100-80gb", "single", "all-1g.5gb"),
        nomig: mig("nvidia-t4", "single", "all-1g.10gb"),
      });
      expect([name, cloudProblems(profile)]).toEqual([name, []]);
    }
  });

  test("AKS: a pool name AKS cannot take, a layout AKS cannot cut, and the default pool's own rules", () => {
    const profile = withPools("aks-gpu", {
      system: { nodes: 0, autoscaling: { min: 0, max: 2 }, spot: true, labels: {}, taints: [GPU_TAINT] },
      "gpu-a100": gpuPool({
        accelerator: "nvidia-a100-80gb",
        perNode: 1,
        sharing: { mode: "mig", strategy: "single", layout: "all-balanced" },
      }),
    });
    expect(cloudProblems(profile)).toEqual([
      {
        path: "pools.gpu-a100",
        value: "gpu-a100",
        allowed:
          "AKS node pool names are a lowercase letter, then lowercase letters or digits, 12 at most (e.g. gpua100); rename the pool",
      },
      {
        path: "pools.gpu-a100.gpu.sharing.layout",
        value: "all-balanced",
        allowed:
          "AKS gives every GPU of a node pool one MIG profile (gpu_instance); use a uniform layout of nvidia-a100-80gb: " +
          "all-1g.10gb, all-1g.20gb, all-2g.20gb, all-3g.40gb, all-4g.40gb, all-7g.80gb, or a separate pool per MIG profile",
      },
      {
        path: "pools.system.spot",
        value: true,
        allowed:
          "AKS system pools (the first CPU pool) cannot run on Spot VMs; set spot: false or put an on-demand CPU pool first",
      },
      {
        path: "pools.system.taints",
        value: [GPU_TAINT],
        allowed:
          "azurerm 4.x has no node_taints on the default (system) pool, the first CPU pool; move the taints to another pool",
      },
      {
        path: "pools.system.nodes",
        value: 0,
        allowed: "the AKS system pool (the first CPU pool) needs at least one node; set nodes: 1 or more",
      },
      {
        path: "pools.system.autoscaling.min",
        value: 0,
        allowed: "the AKS system pool (the first CPU pool) needs at least one node; set autoscaling.min: 1 or more",
      },
    ]);
  });

  test("AKS: a cluster the stack creates needs a CPU pool for its default pool; an adopted one keeps its own", () => {
    const profile = withPools("aks-gpu", { system: undefined });
    expect(cloudProblems(profile)).toEqual([
      {
        path: "pools",
        value: ["t4"],
        allowed:
          "AKS needs a CPU pool for its default (System mode) node pool; add a pool without gpu, e.g. pools.system",
      },
    ]);
    if (profile.cluster.provider !== "aks") throw new Error("aks-gpu is not an AKS profile");
    expect(cloudProblems({ ...profile, cluster: { ...profile.cluster, existing: true } })).toEqual([]);
  });

  test("AKS: the storage account name from the cluster's name and the buckets as blob containers", () => {
    const profile = loadProfile("aks-gpu", {
      cluster: { name: "cnai-aks-westeurope-prod12" },
      // A name shorter than 3 characters is already refused by the profile schema (every cloud's bucket rule).
      buckets: { mlflowArtifacts: "mlflow--artifacts", models: "models" },
    });
    expect(cloudProblems(profile)).toEqual([
      {
        path: "cluster.name",
        value: "cnai-aks-westeurope-prod12",
        allowed:
          'the AKS storage account name is "cnai-aks-westeurope-prod12" without non-alphanumerics plus "ml" ' +
          '("cnaiakswesteuropeprod12ml", 25 characters), and Azure allows 3 to 24; use at most 22 letters and digits in cluster.name',
      },
      {
        path: "buckets.mlflowArtifacts",
        value: "mlflow--artifacts",
        allowed:
          "an Azure blob container name: 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric",
      },
    ]);
    expect(cloudProblems(withoutCloudStorage(profile))).toEqual([]);
  });

  test("the stacks' guard throws every problem in one ProfileError", () => {
    const profile = withPools("eks-gpu", {
      l4: gpuPool({ accelerator: "nvidia-l4", perNode: 2, sharing: { mode: "none" } }),
      t4: gpuPool({ accelerator: "nvidia-t4", perNode: 3, sharing: { mode: "none" } }),
    });
    expect(() => assertCloudRules(profile)).toThrow(ProfileError);
    expect(() => assertCloudRules(profile)).toThrow(
      /^Profile "eks-gpu" is invalid \(2 problems\); nothing was synthesized:\n {2}- pools\.l4\.gpu\.perNode: got 2; .*\n {2}- pools\.t4\.gpu\.perNode: got 3; /,
    );
    // The shipped profile passes: the guard returns without a problem.
    expect(cloudProblems(loadProfile("eks-gpu"))).toEqual([]);
    expect(assertCloudRules(loadProfile("eks-gpu"))).toBeUndefined();
  });
});

/** A shipped cloud profile whose own cluster's API is public for these CIDRs. */
function publicFor(name: string, authorizedCidrs: string[], cluster: Record<string, unknown> = {}): Profile {
  return loadProfile(name, { cluster: { ...cluster, apiAccess: { endpoint: "public", authorizedCidrs } } });
}

const FIX = 'list your own networks\' public egress CIDRs (office, VPN, CI runners), or use { endpoint: "private" }';

describe("the clouds' rules for a cluster's API access", () => {
  test.each(["eks-gpu", "gke-gpu", "aks-gpu"])(
    "on %s the whole internet is refused in either family, naming the field, the value and the fix",
    (name) => {
      expect(cloudProblems(publicFor(name, ["198.51.100.0/24", "0.0.0.0/0", "::/0"]))).toEqual([
        {
          path: "cluster.apiAccess.authorizedCidrs.1",
          value: "0.0.0.0/0",
          allowed: `0.0.0.0/0 opens the Kubernetes API to the whole internet; ${FIX}`,
        },
        {
          path: "cluster.apiAccess.authorizedCidrs.2",
          value: "::/0",
          allowed: `::/0 opens the Kubernetes API to the whole internet; ${FIX}`,
        },
      ]);
    },
  );

  test("IPv6 ranges, ranges wider than /8 and addresses with host bits set are refused, each with its fix", () => {
    const profile = publicFor("eks-gpu", ["2001:db8::/32", "64.0.0.0/3", "0.0.0.0/1", "198.51.100.7/24"]);
    expect(cloudProblems(profile)).toEqual([
      {
        path: "cluster.apiAccess.authorizedCidrs.0",
        value: "2001:db8::/32",
        allowed:
          "the cluster's API endpoint is reached over IPv4 (the stacks create IPv4 clusters); list IPv4 CIDRs, e.g. 198.51.100.0/24",
      },
      {
        path: "cluster.apiAccess.authorizedCidrs.1",
        value: "64.0.0.0/3",
        allowed: `a /3 is 1/8 of all IPv4 addresses, wider than any one network; ${FIX}, each a /8 or narrower`,
      },
      {
        path: "cluster.apiAccess.authorizedCidrs.2",
        value: "0.0.0.0/1",
        allowed: `a /1 is 1/2 of all IPv4 addresses, wider than any one network; ${FIX}, each a /8 or narrower`,
      },
      {
        path: "cluster.apiAccess.authorizedCidrs.3",
        value: "198.51.100.7/24",
        allowed:
          "the address has bits set past the /24; write the network, 198.51.100.0/24, or the host, 198.51.100.7/32",
      },
    ]);
  });

  test("a /8, a /24 and a single address pass, and a private endpoint lists nothing to check", () => {
    const profile = publicFor("gke-gpu", ["10.0.0.0/8", "198.51.100.0/24", "203.0.113.7/32"]);
    if (profile.cluster.provider !== "gke") throw new Error("gke-gpu is not a GKE profile");
    expect(apiAccessProblems(profile.cluster)).toEqual([]);
    expect(apiAccessProblems({ ...profile.cluster, apiAccess: { endpoint: "private" } })).toEqual([]);
  });

  test("a value an adopted cluster ignores is still refused where it stands", () => {
    expect(cloudProblems(publicFor("aks-gpu", ["0.0.0.0/0"], { existing: true }))).toEqual([
      {
        path: "cluster.apiAccess.authorizedCidrs.0",
        value: "0.0.0.0/0",
        allowed: `0.0.0.0/0 opens the Kubernetes API to the whole internet; ${FIX}`,
      },
    ]);
  });

  test("a MultiKueue worker's refused range is reported under workers.<name>, in the profile's one error", () => {
    const open = { endpoint: "public", authorizedCidrs: ["0.0.0.0/0"] };
    expect(() => loadCheckedProfile("multicloud-gpu", { workers: { gke: { cluster: { apiAccess: open } } } })).toThrow(
      /^Profile "multicloud-gpu" is invalid \(1 problem\); nothing was synthesized:\n {2}- workers\.gke\.cluster\.apiAccess\.authorizedCidrs\.0: got "0\.0\.0\.0\/0"; 0\.0\.0\.0\/0 opens the Kubernetes API to the whole internet; /,
    );
  });
});

describe("a cluster's API access in a profile", () => {
  test("a cloud cluster that says nothing gets a private endpoint", () => {
    const profile = loadProfile("gke-gpu", { cluster: { apiAccess: undefined } });
    if (profile.cluster.provider !== "gke") throw new Error("gke-gpu is not a GKE profile");
    expect(profile.cluster.apiAccess).toEqual({ endpoint: "private" });
  });

  test("a public endpoint needs at least one CIDR, each in CIDR form", () => {
    expect(() => publicFor("eks-gpu", [])).toThrow(
      /\n {2}- cluster\.apiAccess\.authorizedCidrs: got \[\]; at least one CIDR: list your networks, or use \{ endpoint: "private" \}$/,
    );
    expect(() => publicFor("aks-gpu", ["198.51.100.0"])).toThrow(
      /\n {2}- cluster\.apiAccess\.authorizedCidrs\.0: got "198\.51\.100\.0"; a CIDR of a network of yours, such as 198\.51\.100\.0\/24 or 198\.51\.100\.7\/32$/,
    );
  });

  test("each cloud takes no more CIDRs than its documented limit: EKS 40, GKE 50, AKS 200", () => {
    const cidrs = (count: number) => Array.from({ length: count }, (_, i) => `198.51.${i}.0/24`);
    expect(() => publicFor("eks-gpu", cidrs(41))).toThrow(
      /- cluster\.apiAccess\.authorizedCidrs: got .*; at most 40 CIDRs \(EKS's public endpoint access CIDR quota, not adjustable\)$/,
    );
    expect(() => publicFor("gke-gpu", cidrs(51))).toThrow(
      /- cluster\.apiAccess\.authorizedCidrs: got .*; at most 50 CIDRs \(GKE's limit of authorized networks on a cluster with a public endpoint\)$/,
    );
    expect(() => publicFor("aks-gpu", cidrs(201))).toThrow(
      /- cluster\.apiAccess\.authorizedCidrs: got .*; at most 200 CIDRs \(AKS's limit of API server authorized IP ranges\)$/,
    );
    expect(publicFor("eks-gpu", cidrs(40)).cluster).toMatchObject({
      apiAccess: { endpoint: "public", authorizedCidrs: cidrs(40) },
    });
  });

  test("an endpoint kind the schema does not know is refused, showing both shapes it takes", () => {
    expect(() => loadProfile("eks-gpu", { cluster: { apiAccess: { endpoint: "internal" } } })).toThrow(
      /- cluster\.apiAccess\.endpoint: got "internal"; expected \{ endpoint: "private" \} or \{ endpoint: "public", authorizedCidrs: \[your networks\] \}$/,
    );
  });
});
