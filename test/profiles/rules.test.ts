import { loadProfile } from "../../profiles/load";
import { ProfileError } from "../../profiles/problems";
import type { ProfileOverride } from "../../profiles/schema";

/** The problems (path: message) a profile override produces, or [] when it loads. */
function problems(name: string, override: ProfileOverride): string[] {
  try {
    loadProfile(name, override);
    return [];
  } catch (error) {
    if (error instanceof ProfileError) return error.problems.map((p) => `${p.path}: ${p.allowed}`);
    throw error;
  }
}

const GPU_POOL = (sharing: object, extra: object = {}) => ({
  pools: { workers: { gpu: { accelerator: "nvidia-a100-80gb", perNode: 1, sharing, hostDevices: [0] }, ...extra } },
});

describe("GPU pool rules", () => {
  test("MIG on an accelerator without MIG is an error", () => {
    expect(
      problems("laptop-gpu", GPU_POOL({ mode: "mig", strategy: "single", layout: "all-1g.10gb" }, {}) as never),
    ).toEqual([]);
    expect(
      problems("laptop-gpu", {
        pools: {
          workers: {
            gpu: { accelerator: "nvidia-l4", sharing: { mode: "mig", strategy: "single", layout: "all-1g.10gb" } },
          },
        },
      } as never),
    ).toEqual([
      'pools.workers.gpu.sharing.mode: nvidia-l4 does not support MIG; use "none", "time-slicing" or "mps", or a MIG-capable accelerator',
      'teams.default.quota.workers.gpu: pool "workers" has no GPUs; remove gpu or use a GPU pool',
    ]);
  });

  test("a MIG layout the accelerator does not have lists the ones it has", () => {
    expect(
      problems("laptop-gpu", GPU_POOL({ mode: "mig", strategy: "single", layout: "all-1g.5gb" }) as never),
    ).toEqual([
      "pools.workers.gpu.sharing.layout: a MIG layout of nvidia-a100-80gb: all-1g.10gb, all-1g.20gb, all-2g.20gb, all-3g.40gb, all-4g.40gb, all-7g.80gb, all-balanced",
      'teams.default.quota.workers.gpu: pool "workers" has no GPUs; remove gpu or use a GPU pool',
    ]);
  });

  test("a mixed MIG layout needs the mixed strategy", () => {
    expect(
      problems("laptop-gpu", GPU_POOL({ mode: "mig", strategy: "single", layout: "all-balanced" }) as never),
    ).toEqual([
      'pools.workers.gpu.sharing.strategy: "all-balanced" mixes MIG profiles (1g.10gb, 2g.20gb, 3g.40gb), which only the "mixed" strategy can advertise',
    ]);
  });

  test("a mixed layout takes a quota by resource name, and the sum must fit", () => {
    const mixed = GPU_POOL({ mode: "mig", strategy: "mixed", layout: "all-balanced" });
    expect(
      problems("laptop-gpu", {
        ...mixed,
        teams: { default: { quota: { workers: { gpu: { "nvidia.com/mig-1g.10gb": 2 } } } } },
      } as never),
    ).toEqual([]);
    expect(
      problems("laptop-gpu", {
        ...mixed,
        teams: { default: { quota: { workers: { gpu: { "nvidia.com/mig-1g.10gb": 3, "nvidia.com/gpu": 1 } } } } },
      } as never),
    ).toEqual([
      'teams.default.quota.workers.gpu.nvidia.com/gpu: pool "workers" advertises nvidia.com/mig-1g.10gb, nvidia.com/mig-2g.20gb, nvidia.com/mig-3g.40gb',
      'teams.*.quota.workers.gpu: the nominal nvidia.com/mig-1g.10gb quotas add up to 3, but pool "workers" has 2 (1 node(s) × 1 GPU(s) × 2 per GPU)',
    ]);
  });

  test("MPS takes up to 48 clients per GPU", () => {
    expect(
      problems("laptop-gpu", { pools: { workers: { gpu: { sharing: { mode: "mps", replicas: 48 } } } } } as never),
    ).toEqual([]);
    expect(
      problems("laptop-gpu", { pools: { workers: { gpu: { sharing: { mode: "mps", replicas: 49 } } } } } as never),
    ).toEqual(["pools.workers.gpu.sharing.replicas: Too big: expected number to be <=48"]);
  });

  test("kind GPU pools need exactly nodes × perNode host GPUs, each given once", () => {
    expect(problems("laptop-gpu", { pools: { workers: { gpu: { perNode: 2 } } } } as never)).toEqual([
      "pools.workers.gpu.hostDevices: exactly 2 host GPU indices (nodes 1 × perNode 2)",
    ]);
    expect(
      problems("laptop-gpu", {
        pools: {
          extra: {
            nodes: 1,
            gpu: { accelerator: "nvidia-rtx", perNode: 1, sharing: { mode: "none" }, hostDevices: [0] },
          },
        },
      } as never),
    ).toEqual(['pools.workers.gpu.hostDevices: host GPU 0 is already given to pool "extra"; each index appears once']);
  });
});

describe("team rules", () => {
  test("a quota on a pool that does not exist names the pools", () => {
    expect(problems("laptop", { teams: { default: { quota: { gpu: { cpu: "1", memory: "1Gi" } } } } })).toEqual([
      'teams.default.quota.gpu: no pool "gpu" provides this flavor; pools: workers',
    ]);
  });

  test("nominal GPU quotas above the pool's capacity are an error naming every share", () => {
    expect(problems("workstation-gpu", { teams: { applied: { quota: { gpu: { gpu: 5 } } } } })).toEqual([
      'teams.*.quota.gpu.gpu: the nominal nvidia.com/gpu quotas add up to 9, but pool "gpu" has 8 (1 node(s) × 2 GPU(s) × 4 per GPU)',
    ]);
  });

  test("lending more than the nominal quota is an error", () => {
    expect(
      problems("workstation-gpu", { teams: { applied: { quota: { gpu: { lendingLimit: { gpu: 5 } } } } } }),
    ).toEqual([
      "teams.applied.quota.gpu.lendingLimit.gpu: a team cannot lend more nvidia.com/gpu than its nominal quota (4)",
    ]);
  });

  test("two teams in one namespace, or a team in a namespace of Kubernetes itself, are errors", () => {
    expect(
      problems("workstation-gpu", {
        teams: { applied: { namespace: "kube-public" }, research: { namespace: "default" } },
      }),
    ).toEqual([
      'teams.applied.namespace: a namespace of Kubernetes itself ("default" and every "kube-*" are reserved); choose another, e.g. team-applied',
      'teams.research.namespace: a namespace of Kubernetes itself ("default" and every "kube-*" are reserved); choose another, e.g. team-research',
    ]);
    expect(problems("workstation-gpu", { teams: { applied: { namespace: "team-research" } } })).toEqual([
      'teams.research.namespace: already the namespace of team "applied"; each team needs its own',
    ]);
  });
});

describe("sample rules", () => {
  test("a sample asking more GPUs than its team can ever get is rejected", () => {
    expect(problems("workstation-gpu", { samples: { "ray-train": { replicas: 9 } } })).toEqual([
      'samples.ray-train.gpus: 9 pod(s) × 1 nvidia.com/gpu = 9, but team "research" can never hold more than 6 in pool "gpu" (nominal quota plus what it may borrow); such a workload would wait forever',
    ]);
  });

  test("a vector client sample with the Milvus engine is an error, since teams cannot reach Milvus", () => {
    expect(
      problems("laptop", {
        vectorDatabase: { engine: "milvus" },
        samples: { v: { kind: "vector-client", team: "default", pool: "workers" } },
      }),
    ).toEqual([
      'samples.v.kind: Milvus runs without per-team users here, so team namespaces have no route to it; use vectorDatabase.engine "qdrant" or "pgvector", or drop the sample',
    ]);
  });

  test("a sample of an unknown team or pool, or on a pool its team has no quota on, is an error", () => {
    expect(problems("laptop", { samples: { x: { kind: "training-job", team: "nobody", pool: "workers" } } })).toEqual([
      "samples.x.team: a team: default",
    ]);
    expect(problems("laptop", { samples: { x: { kind: "training-job", team: "default", pool: "gpus" } } })).toEqual([
      "samples.x.pool: a pool: workers",
    ]);
  });

  test("a RAG sample names an llm-service sample of its own team, and needs Qdrant", () => {
    expect(problems("cluster-gpu", { samples: { rag: { llm: "pretrain" } } })).toEqual([
      'samples.rag.llm: the llm-service sample of team "serving" that answers: llm-serving',
    ]);
    expect(problems("cluster-gpu", { samples: { rag: { team: "research", pool: "mig" } } })).toEqual([
      'samples.rag.llm: the llm-service sample of team "research" that answers; add one (kind: llm-service, team: research) and name it here',
    ]);
    expect(problems("cluster-gpu", { vectorDatabase: { engine: "pgvector" } })).toEqual([
      'samples.rag.kind: the RAG sample stores its embeddings in Qdrant, where each team\'s key opens its own collection; set vectorDatabase.engine "qdrant" or drop the sample',
    ]);
    expect(problems("cluster-gpu", { samples: { pretrain: { llm: "llm-serving" } } })).toEqual([
      "samples.pretrain.llm: only rag samples ask an LLM; remove the key",
    ]);
  });

  test("GPUs asked of a CPU pool are an error", () => {
    expect(
      problems("laptop", { samples: { x: { kind: "training-job", team: "default", pool: "workers", gpus: 1 } } }),
    ).toEqual(['samples.x.gpus: pool "workers" has no GPUs']);
  });
});

describe("cloud rules", () => {
  test("the cloud profiles load", () => {
    expect(["eks-gpu", "gke-gpu", "aks-gpu"].map((name) => problems(name, {}))).toEqual([[], [], []]);
  });

  test("kind pools are fixed workers: autoscaling, instance types and spot are errors there", () => {
    expect(
      problems("laptop", {
        pools: { workers: { autoscaling: { min: 1, max: 2 }, instanceType: "m6i.xlarge", spot: true } },
      }),
    ).toEqual([
      "pools.workers.autoscaling: kind pools are the nodes the cluster has; this applies to cloud pools only, remove it",
      "pools.workers.instanceType: kind pools are the nodes the cluster has; this applies to cloud pools only, remove it",
      "pools.workers.spot: spot applies to cloud pools only; remove it on kind",
    ]);
  });

  test("host GPU indices are for kind only", () => {
    expect(problems("eks-gpu", { pools: { l4: { gpu: { hostDevices: [0] } } } } as never)).toEqual([
      "pools.l4.gpu.hostDevices: only kind pools take host GPU indices; remove it on eks",
    ]);
  });

  test("a cloud pool's size must lie within its autoscaling range, and a fixed pool needs nodes", () => {
    expect(problems("eks-gpu", { pools: { system: { nodes: 5 } } })).toEqual([
      "pools.system.nodes: between autoscaling.min 2 and autoscaling.max 4",
    ]);
  });

  test("GPU capacity in the clouds counts the autoscaling maximum", () => {
    expect(problems("gke-gpu", { teams: { default: { quota: { l4: { gpu: 17 } } } } })).toEqual([
      'teams.*.quota.l4.gpu: the nominal nvidia.com/gpu quotas add up to 17, but pool "l4" has 16 (4 node(s) at most × 1 GPU(s) × 4 per GPU)',
    ]);
  });

  test("GKE and AKS partition every GPU of a pool alike: mixed MIG is an error there", () => {
    const mixed = {
      gpu: { accelerator: "nvidia-a100-80gb", sharing: { mode: "mig", strategy: "mixed", layout: "all-1g.10gb" } },
    };
    expect(
      problems("aks-gpu", { pools: { t4: mixed }, teams: { default: { quota: { t4: { gpu: 1 } } } } } as never),
    ).toEqual([
      'pools.t4.gpu.sharing.strategy: AKS (gpu_instance) partitions every GPU of a pool alike and advertises nvidia.com/gpu: use "single" with a uniform layout',
    ]);
  });

  test("Bottlerocket GPU nodes do MIG their own way: MIG pools need the AL2023 AMI", () => {
    expect(problems("eks-gpu", { cluster: { gpuAmi: "BOTTLEROCKET_x86_64_NVIDIA" } } as never)).toEqual([
      "pools.a100.gpu.sharing.mode: Bottlerocket applies MIG through its own settings, not the GPU Operator's MIG manager; use the AL2023 NVIDIA AMI for MIG pools",
    ]);
  });
});

describe("DRA rules", () => {
  const draPool = (sharing: object) => ({
    pools: { full: { gpu: { accelerator: "nvidia-a100-80gb", perNode: 4, sharing, allocation: "dra" } } },
  });

  test("cluster-gpu-dra loads", () => {
    expect(problems("cluster-gpu-dra", {})).toEqual([]);
  });

  test("time-slicing or MPS through DRA is refused, with the reason", () => {
    expect(problems("cluster-gpu-dra", draPool({ mode: "time-slicing", replicas: 4 }) as never)).toContain(
      'pools.full.gpu.allocation: time-slicing through DRA is a per-claim GpuConfig (the driver\'s alpha TimeSlicingSettings / MPSSupport gates), and Kueue admits no per-request config (kubernetes-sigs/kueue@v0.19.2 site/content/en/docs/concepts/dynamic_resource_allocation.md); use sharing "none" or "mig" on this pool, or allocation "device-plugin"',
    );
  });

  test("a MIG layout mixing profiles on a DRA pool is refused, since Kueue counts a DeviceClass's devices alike", () => {
    expect(
      problems("cluster-gpu-dra", {
        pools: { mig: { gpu: { sharing: { mode: "mig", strategy: "mixed", layout: "all-balanced" } } } },
      } as never).filter((p) => p.startsWith("pools.mig.gpu.sharing.layout")),
    ).toEqual([
      "pools.mig.gpu.sharing.layout: Kueue counts every device of DeviceClass mig.nvidia.com alike, so a layout mixing MIG profiles (1g.10gb, 2g.20gb, 3g.40gb) would count a large slice as a small one; use a single-profile layout such as all-1g.10gb on a DRA pool",
    ]);
  });

  test("a GPU sample that renders no ResourceClaimTemplate is refused on a DRA pool", () => {
    expect(
      problems("cluster-gpu-dra", {
        samples: { sweep: { kind: "ray-job", team: "research", pool: "mig", gpus: 1, replicas: 2 } },
      } as never),
    ).toEqual([
      'samples.sweep.kind: pool "mig" allocates GPUs through DRA, and only training-job samples claim DRA devices here (a ResourceClaimTemplate per pod); run a ray-job on a device-plugin pool, or without GPUs',
    ]);
  });

  test("a TrainJob sample is refused on a DRA pool, with why: runtime patches cannot add resource claims", () => {
    expect(
      problems("cluster-gpu-dra", {
        samples: { ddp: { kind: "train-job", team: "training", pool: "full", gpus: 1, replicas: 2 } },
      } as never),
    ).toEqual([
      'samples.ddp.kind: pool "full" allocates GPUs through DRA, and a TrainJob cannot claim DRA devices: its pods come from the ClusterTrainingRuntime, and a TrainJob\'s runtimePatches cannot add the pod\'s resourceClaims (Kubeflow Trainer 2.3.0 CRD); use kind "training-job" (a ResourceClaimTemplate per pod) on this pool, or run the TrainJob on a device-plugin pool',
    ]);
    // Without GPUs it claims nothing, and the rule has nothing to say.
    expect(
      problems("cluster-gpu-dra", {
        samples: { ddp: { kind: "train-job", team: "training", pool: "system", replicas: 2 } },
      } as never),
    ).toEqual([]);
  });

  test("DRA on GKE is refused with what GKE documents", () => {
    const found = problems("gke-gpu", {
      pools: { l4: { gpu: { allocation: "dra" } } },
      components: { "dra-driver": { lifecycle: "managed" } },
    } as never);
    expect(found).toContainEqual(
      expect.stringMatching(
        /^pools\.l4\.gpu\.allocation: GKE supports DRA only on node pools created with automatic driver installation off \(gpu-driver-version=disabled\) .*set-up-dra\)/,
      ),
    );
  });

  test("a cloud cluster below Kubernetes 1.35 cannot run a DRA pool", () => {
    const found = problems("eks-gpu", {
      cluster: { kubernetesVersion: "1.34" },
      pools: { l4: { gpu: { allocation: "dra" } } },
      components: { "dra-driver": { lifecycle: "managed" } },
    } as never);
    expect(found).toContain(
      "cluster.kubernetesVersion: pools l4 use DRA, which needs Kubernetes 1.34.2 or later (resource.k8s.io/v1; kubernetes-sigs/dra-driver-nvidia-gpu@v0.4.1 docs/prerequisites.md) and a 1.34 minor may run an older patch; use 1.35 or later",
    );
  });

  test("a DRA pool on a MultiKueue worker is refused", () => {
    expect(
      problems("multicloud-gpu", {
        workers: { gke: { pools: { "gke-l4": { gpu: { allocation: "dra" } } } } },
      } as never),
    ).toContain(
      'workers.gke.pools.gke-l4.gpu.allocation: DRA pools on MultiKueue workers are not modelled yet; use allocation "device-plugin" there',
    );
  });
});
