/**
 * Cross-field rules: combinations the schema's types allow but a cluster could never honour.
 * Each returns problems (never throws), so all of them reach the user in one error.
 */
import { ACCELERATORS } from "./accelerators";
import {
  gpuAmounts,
  maxObtainableGpu,
  migDevicesPerGpu,
  poolGpuCapacity,
  poolMaxNodes,
  poolNames,
  poolWorker,
  queuePoolNames,
  queuePools,
  resourcesPerGpu,
  singleGpuResource,
  teamNames,
  teamNamespace,
  usesDra,
} from "./plan";
import type { Problem } from "./problems";
import type { Pool, PoolQuota, Profile, Sample } from "./schema";
import { byText } from "./order";

/** The taint AKS puts on every Spot node (Azure docs; hashicorp/terraform-provider-azurerm#14030). */
export const AKS_SPOT_TAINT = {
  key: "kubernetes.azure.com/scalesetpriority",
  value: "spot",
  effect: "NoSchedule",
} as const;

/**
 * Kubernetes' own namespaces: `default` and every `kube-*` (kube-system, kube-public, kube-node-lease, and any
 * a later version adds). No team may take one. The platform components' namespaces are reserved by the
 * components themselves (`reservedNamespaces`, checked in platform/check.ts).
 */
export function isKubernetesNamespace(namespace: string): boolean {
  return namespace === "default" || namespace.startsWith("kube-");
}

export function gpuPoolNames(profile: Profile): string[] {
  return poolNames(profile).filter((name) => profile.pools[name].gpu !== undefined);
}

export function profileRules(profile: Profile): Problem[] {
  return [
    ...poolRules(profile),
    ...workerRules(profile),
    ...teamRules(profile),
    ...sampleRules(profile),
    ...draRules(profile),
    ...bucketRules(profile),
  ];
}

/** Where the DRA rules' limits come from, for the messages. */
const KUEUE_DRA_DOC = "kubernetes-sigs/kueue@v0.19.2 site/content/en/docs/concepts/dynamic_resource_allocation.md";
const GKE_DRA_DOC = "https://cloud.google.com/kubernetes-engine/docs/how-to/set-up-dra";

/**
 * DRA pools (`gpu.allocation: dra`): what Kueue can count, what the clusters can run, and which samples can claim.
 * See docs/dra.md for the sources.
 */
function draRules(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  const draPools = poolNames(profile).filter((name) => usesDra(profile.pools[name].gpu));
  for (const name of draPools) {
    const gpu = profile.pools[name].gpu as NonNullable<Pool["gpu"]>;
    const path = `pools.${name}.gpu`;
    if (gpu.sharing.mode === "time-slicing" || gpu.sharing.mode === "mps") {
      problems.push({
        path: `${path}.allocation`,
        value: "dra",
        allowed: `${gpu.sharing.mode} through DRA is a per-claim GpuConfig (the driver's alpha TimeSlicingSettings / MPSSupport gates), and Kueue admits no per-request config (${KUEUE_DRA_DOC}); use sharing "none" or "mig" on this pool, or allocation "device-plugin"`,
      });
    }
    const layout = migDevicesPerGpu(gpu);
    if (layout && Object.keys(layout).length > 1) {
      problems.push({
        path: `${path}.sharing.layout`,
        value: gpu.sharing.mode === "mig" ? gpu.sharing.layout : undefined,
        allowed: `Kueue counts every device of DeviceClass mig.nvidia.com alike, so a layout mixing MIG profiles (${Object.keys(layout).join(", ")}) would count a large slice as a small one; use a single-profile layout such as all-1g.10gb on a DRA pool`,
      });
    }
  }
  for (const worker of Object.keys(profile.workers).sort()) {
    for (const pool of Object.keys(profile.workers[worker].pools).sort()) {
      if (usesDra(profile.workers[worker].pools[pool].gpu)) {
        problems.push({
          path: `workers.${worker}.pools.${pool}.gpu.allocation`,
          value: "dra",
          allowed: 'DRA pools on MultiKueue workers are not modelled yet; use allocation "device-plugin" there',
        });
      }
    }
  }
  if (draPools.length === 0) return problems;
  const cluster = profile.cluster;
  if (cluster.provider === "gke") {
    problems.push({
      path: `pools.${draPools[0]}.gpu.allocation`,
      value: "dra",
      allowed: `GKE supports DRA only on node pools created with automatic driver installation off (gpu-driver-version=disabled) and its device plugin off (node label gke-no-default-nvidia-gpu-device-plugin=true), without time-sharing, MIG or MPS (${GKE_DRA_DOC}); this distribution's GKE pools let Google own the GPU stack, so use allocation "device-plugin" on GKE`,
    });
  }
  if ("kubernetesVersion" in cluster && Number(cluster.kubernetesVersion.split(".")[1]) < 35) {
    problems.push({
      path: "cluster.kubernetesVersion",
      value: cluster.kubernetesVersion,
      allowed: `pools ${draPools.join(", ")} use DRA, which needs Kubernetes 1.34.2 or later (resource.k8s.io/v1; kubernetes-sigs/dra-driver-nvidia-gpu@v0.4.1 docs/prerequisites.md) and a 1.34 minor may run an older patch; use 1.35 or later`,
    });
  }
  for (const [name, sample] of Object.entries(profile.samples).sort(([a], [b]) => byText(a, b))) {
    if (sample.gpus === 0 || !draPools.includes(sample.pool) || sample.kind === "training-job") continue;
    problems.push({
      path: `samples.${name}.kind`,
      value: sample.kind,
      allowed:
        sample.kind === "train-job"
          ? `pool "${sample.pool}" allocates GPUs through DRA, and a TrainJob cannot claim DRA devices: its pods come from the ClusterTrainingRuntime, and a TrainJob's runtimePatches cannot add the pod's resourceClaims (Kubeflow Trainer 2.3.0 CRD); use kind "training-job" (a ResourceClaimTemplate per pod) on this pool, or run the TrainJob on a device-plugin pool`
          : `pool "${sample.pool}" allocates GPUs through DRA, and only training-job samples claim DRA devices here (a ResourceClaimTemplate per pod); run a ${sample.kind} on a device-plugin pool, or without GPUs`,
    });
  }
  return problems;
}

/** Each MultiKueue worker's pools follow the rules of its own cloud; pool names are unique across clusters. */
function workerRules(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  const owner = new Map(Object.keys(profile.pools).map((pool) => [pool, "the management cluster"]));
  for (const name of Object.keys(profile.workers).sort()) {
    const worker = profile.workers[name];
    for (const pool of Object.keys(worker.pools)) {
      const other = owner.get(pool);
      if (other !== undefined) {
        problems.push({
          path: `workers.${name}.pools.${pool}`,
          value: pool,
          allowed: `pool "${pool}" already belongs to ${other}; pool names are unique across clusters (each is a Kueue flavor)`,
        });
      }
      owner.set(pool, `worker "${name}"`);
    }
    const asCluster: Profile = { ...profile, cluster: worker.cluster, pools: worker.pools, workers: {} };
    for (const problem of poolRules(asCluster)) problems.push({ ...problem, path: `workers.${name}.${problem.path}` });
    if (worker.cluster.provider === "gke" && worker.gpuOperator === "managed") {
      problems.push({
        path: `workers.${name}.gpuOperator`,
        value: "managed",
        allowed: 'on GKE the node pools bring Google\'s driver installer and device plugin; use "external"',
      });
    }
  }
  return problems;
}

function poolRules(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  const seenDevices = new Map<number, string>();
  for (const name of poolNames(profile)) {
    const pool = profile.pools[name];
    const gpu = pool.gpu;
    if (!gpu) continue;
    const path = `pools.${name}.gpu`;
    const accelerator = ACCELERATORS[gpu.accelerator] as {
      migLayouts?: Record<string, Record<string, number>>;
      maxMpsReplicas: number;
    };
    const { sharing } = gpu;
    if (sharing.mode === "mig") {
      const layouts = accelerator.migLayouts;
      if (!layouts) {
        problems.push({
          path: `${path}.sharing.mode`,
          value: "mig",
          allowed: `${gpu.accelerator} does not support MIG; use "none", "time-slicing" or "mps", or a MIG-capable accelerator`,
        });
      } else if (!(sharing.layout in layouts)) {
        problems.push({
          path: `${path}.sharing.layout`,
          value: sharing.layout,
          allowed: `a MIG layout of ${gpu.accelerator}: ${Object.keys(layouts).join(", ")}`,
        });
      } else if (
        sharing.strategy === "single" &&
        Object.keys(layouts[sharing.layout]).length > 1 &&
        // GKE and AKS cut every GPU of a pool alike: platform/clouds/rules.ts asks for a uniform layout there.
        profile.cluster.provider !== "gke" &&
        profile.cluster.provider !== "aks"
      ) {
        problems.push({
          path: `${path}.sharing.strategy`,
          value: "single",
          allowed: `"${sharing.layout}" mixes MIG profiles (${Object.keys(layouts[sharing.layout]).join(", ")}), which only the "mixed" strategy can advertise`,
        });
      }
    }
    if (sharing.mode === "mps" && sharing.replicas > accelerator.maxMpsReplicas) {
      problems.push({
        path: `${path}.sharing.replicas`,
        value: sharing.replicas,
        allowed: `at most ${accelerator.maxMpsReplicas} MPS clients per ${gpu.accelerator}`,
      });
    }
    const provider = profile.cluster.provider;
    if (provider !== "kind") {
      if (gpu.hostDevices !== undefined) {
        problems.push({
          path: `${path}.hostDevices`,
          value: gpu.hostDevices,
          allowed: `only kind pools take host GPU indices; remove it on ${provider}`,
        });
      }
      if (sharing.mode === "mig" && sharing.strategy === "mixed" && (provider === "gke" || provider === "aks")) {
        problems.push({
          path: `${path}.sharing.strategy`,
          value: "mixed",
          allowed: `${provider === "gke" ? "GKE (gpu_partition_size)" : "AKS (gpu_instance)"} partitions every GPU of a pool alike and advertises nvidia.com/gpu: use "single" with a uniform layout`,
        });
      }
      if (
        provider === "eks" &&
        sharing.mode === "mig" &&
        profile.cluster.provider === "eks" &&
        profile.cluster.gpuAmi.startsWith("BOTTLEROCKET")
      ) {
        problems.push({
          path: `${path}.sharing.mode`,
          value: "mig",
          allowed:
            "Bottlerocket applies MIG through its own settings, not the GPU Operator's MIG manager; use the AL2023 NVIDIA AMI for MIG pools",
        });
      }
      continue;
    }
    const wanted = pool.nodes * gpu.perNode;
    if (gpu.hostDevices === undefined) {
      problems.push({
        path: `${path}.hostDevices`,
        value: undefined,
        allowed: `kind needs the host GPU indices for this pool: ${wanted} of them (nodes × perNode)`,
      });
    } else {
      if (gpu.hostDevices.length !== wanted) {
        problems.push({
          path: `${path}.hostDevices`,
          value: gpu.hostDevices,
          allowed: `exactly ${wanted} host GPU indices (nodes ${pool.nodes} × perNode ${gpu.perNode})`,
        });
      }
      for (const device of gpu.hostDevices) {
        const owner = seenDevices.get(device);
        if (owner !== undefined) {
          problems.push({
            path: `${path}.hostDevices`,
            value: gpu.hostDevices,
            allowed: `host GPU ${device} is already given to ${owner === name ? "another node of this pool" : `pool "${owner}"`}; each index appears once`,
          });
        }
        seenDevices.set(device, name);
      }
    }
  }
  for (const name of poolNames(profile)) problems.push(...poolSizeProblems(profile, name));
  return problems;
}

/** Sizes: kind pools are fixed workers; cloud pools may autoscale, with nodes inside [min, max]. */
function poolSizeProblems(profile: Profile, name: string): Problem[] {
  const pool = profile.pools[name];
  const path = `pools.${name}`;
  const provider = profile.cluster.provider;
  if (provider === "kind" || provider === "kubeconfig") {
    const cloudOnly = (["autoscaling", "instanceType"] as const).filter((key) => pool[key] !== undefined);
    return [
      ...(pool.nodes < 1
        ? [{ path: `${path}.nodes`, value: pool.nodes, allowed: `${provider} pools need at least 1 node` }]
        : []),
      ...cloudOnly.map((key) => ({
        path: `${path}.${key}`,
        value: pool[key],
        allowed: `${provider} pools are the nodes the cluster has; this applies to cloud pools only, remove it`,
      })),
      ...(pool.spot
        ? [{ path: `${path}.spot`, value: true, allowed: `spot applies to cloud pools only; remove it on ${provider}` }]
        : []),
    ];
  }
  const problems: Problem[] = [];
  // AKS taints every Spot node itself; listing the taint in the pool makes Kueue's flavor and the workloads tolerate it.
  if (profile.cluster.provider === "aks" && pool.spot && !pool.taints.some((t) => t.key === AKS_SPOT_TAINT.key)) {
    problems.push({
      path: `${path}.taints`,
      value: pool.taints,
      allowed: `AKS taints Spot nodes ${AKS_SPOT_TAINT.key}=${AKS_SPOT_TAINT.value}:${AKS_SPOT_TAINT.effect}; add that taint so workloads tolerate it`,
    });
  }
  const { autoscaling } = pool;
  if (!autoscaling) {
    if (pool.nodes < 1) {
      problems.push({
        path: `${path}.nodes`,
        value: pool.nodes,
        allowed: "a fixed-size pool needs at least 1 node; give autoscaling to scale from zero",
      });
    }
    return problems;
  }
  if (autoscaling.min > pool.nodes || pool.nodes > autoscaling.max) {
    problems.push({
      path: `${path}.nodes`,
      value: pool.nodes,
      allowed: `between autoscaling.min ${autoscaling.min} and autoscaling.max ${autoscaling.max}`,
    });
  }
  return problems;
}

function quotaGpuProblems(path: string, poolName: string, pool: Pool, gpu: PoolQuota["gpu"]): Problem[] {
  if (gpu === undefined) return [];
  const names = Object.keys(resourcesPerGpu(pool.gpu));
  if (names.length === 0) {
    return [{ path, value: gpu, allowed: `pool "${poolName}" has no GPUs; remove gpu or use a GPU pool` }];
  }
  if (typeof gpu === "number") {
    return singleGpuResource(pool)
      ? []
      : [
          {
            path,
            value: gpu,
            allowed: `pool "${poolName}" advertises several GPU resources; give a map by name: ${names.join(", ")}`,
          },
        ];
  }
  return Object.keys(gpu)
    .filter((name) => !names.includes(name))
    .map((name) => ({
      path: `${path}.${name}`,
      value: gpu[name],
      allowed: `pool "${poolName}" advertises ${names.join(", ")}`,
    }));
}

function teamRules(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  const namespaces = new Map<string, string>();
  for (const name of teamNames(profile)) {
    const team = profile.teams[name];
    const namespace = teamNamespace(name, team);
    if (isKubernetesNamespace(namespace)) {
      problems.push({
        path: `teams.${name}.namespace`,
        value: namespace,
        allowed: `a namespace of Kubernetes itself ("default" and every "kube-*" are reserved); choose another, e.g. team-${name}`,
      });
    }
    const other = namespaces.get(namespace);
    if (other !== undefined) {
      problems.push({
        path: `teams.${name}.namespace`,
        value: namespace,
        allowed: `already the namespace of team "${other}"; each team needs its own`,
      });
    }
    namespaces.set(namespace, name);
    for (const [poolName, quota] of Object.entries(team.quota)) {
      const path = `teams.${name}.quota.${poolName}`;
      const pool = queuePools(profile)[poolName];
      if (!pool) {
        problems.push({
          path,
          value: quota,
          allowed: `no pool "${poolName}" provides this flavor; pools: ${queuePoolNames(profile).join(", ")}`,
        });
        continue;
      }
      problems.push(...quotaGpuProblems(`${path}.gpu`, poolName, pool, quota.gpu));
      problems.push(...quotaGpuProblems(`${path}.borrowingLimit.gpu`, poolName, pool, quota.borrowingLimit?.gpu));
      problems.push(...quotaGpuProblems(`${path}.lendingLimit.gpu`, poolName, pool, quota.lendingLimit?.gpu));
      const nominal = gpuAmounts(pool, quota.gpu);
      for (const [resource, lending] of Object.entries(gpuAmounts(pool, quota.lendingLimit?.gpu))) {
        if (lending > (nominal[resource] ?? 0)) {
          problems.push({
            path: `${path}.lendingLimit.gpu`,
            value: quota.lendingLimit?.gpu,
            allowed: `a team cannot lend more ${resource} than its nominal quota (${nominal[resource] ?? 0})`,
          });
        }
      }
    }
  }
  for (const poolName of queuePoolNames(profile)) {
    const pool = queuePools(profile)[poolName];
    for (const [resource, capacity] of Object.entries(poolGpuCapacity(pool))) {
      const shares = teamNames(profile)
        .map((team) => [team, gpuAmounts(pool, profile.teams[team].quota[poolName]?.gpu)[resource] ?? 0] as const)
        .filter(([, amount]) => amount > 0);
      const total = shares.reduce((sum, [, amount]) => sum + amount, 0);
      if (total > capacity) {
        problems.push({
          path: `teams.*.quota.${poolName}.gpu`,
          value: Object.fromEntries(shares),
          allowed: `the nominal ${resource} quotas add up to ${total}, but pool "${poolName}" has ${capacity} (${poolMaxNodes(pool)} node(s)${pool.autoscaling ? " at most" : ""} × ${pool.gpu?.perNode} GPU(s) × ${resourcesPerGpu(pool.gpu)[resource]} per GPU)`,
        });
      }
    }
  }
  return problems;
}

/** Samples that include an InferenceService, which MultiKueue cannot dispatch to a worker. */
const SERVING_SAMPLES = new Set<Sample["kind"]>(["inference-service", "llm-service", "rag"]);

/** A `rag` sample names the `llm-service` sample of its own team that answers (team NetworkPolicies stop other teams'). */
function ragRules(profile: Profile, name: string, sample: Sample): Problem[] {
  const path = `samples.${name}`;
  if (sample.kind !== "rag") {
    return sample.llm === undefined
      ? []
      : [{ path: `${path}.llm`, value: sample.llm, allowed: `only rag samples ask an LLM; remove the key` }];
  }
  const problems: Problem[] = [];
  if (profile.vectorDatabase.engine !== "qdrant") {
    problems.push({
      path: `${path}.kind`,
      value: sample.kind,
      allowed: `the RAG sample stores its embeddings in Qdrant, where each team's key opens its own collection; set vectorDatabase.engine "qdrant" or drop the sample`,
    });
  }
  const llms = Object.entries(profile.samples)
    .filter(([, s]) => s.kind === "llm-service" && s.team === sample.team)
    .map(([n]) => n)
    .sort(byText);
  const target = sample.llm === undefined ? undefined : profile.samples[sample.llm];
  if (target?.kind !== "llm-service" || target.team !== sample.team) {
    problems.push({
      path: `${path}.llm`,
      value: sample.llm ?? null,
      allowed: llms.length
        ? `the llm-service sample of team "${sample.team}" that answers: ${llms.join(", ")}`
        : `the llm-service sample of team "${sample.team}" that answers; add one (kind: llm-service, team: ${sample.team}) and name it here`,
    });
  }
  return problems;
}

function sampleRules(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  for (const [name, sample] of Object.entries(profile.samples).sort(([a], [b]) => byText(a, b))) {
    const path = `samples.${name}`;
    const team = profile.teams[sample.team];
    const pool = queuePools(profile)[sample.pool];
    if (!team)
      problems.push({ path: `${path}.team`, value: sample.team, allowed: `a team: ${teamNames(profile).join(", ")}` });
    if (!pool)
      problems.push({
        path: `${path}.pool`,
        value: sample.pool,
        allowed: `a pool: ${queuePoolNames(profile).join(", ")}`,
      });
    if (sample.kind === "vector-client" && profile.vectorDatabase.engine === "milvus") {
      problems.push({
        path: `${path}.kind`,
        value: sample.kind,
        allowed:
          'Milvus runs without per-team users here, so team namespaces have no route to it; use vectorDatabase.engine "qdrant" or "pgvector", or drop the sample',
      });
    }
    problems.push(...ragRules(profile, name, sample));
    if (!team || !pool) continue;
    if (!team.quota[sample.pool]) {
      problems.push({
        path: `${path}.pool`,
        value: sample.pool,
        allowed: `team "${sample.team}" has no quota on pool "${sample.pool}"; its pools: ${Object.keys(team.quota).join(", ")}`,
      });
      continue;
    }
    const worker = poolWorker(profile, sample.pool);
    if (worker !== undefined && SERVING_SAMPLES.has(sample.kind)) {
      problems.push({
        path: `${path}.pool`,
        value: sample.pool,
        allowed: `pool "${sample.pool}" is on worker "${worker}", and MultiKueue does not dispatch InferenceServices; serve on a pool of the management cluster`,
      });
      continue;
    }
    if (sample.gpus === 0) continue;
    const resource = singleGpuResource(pool);
    if (!resource) {
      problems.push({
        path: `${path}.gpus`,
        value: sample.gpus,
        allowed: pool.gpu
          ? `pool "${sample.pool}" advertises several GPU resources; samples use single-resource pools`
          : `pool "${sample.pool}" has no GPUs`,
      });
      continue;
    }
    const demand = sample.gpus * sample.replicas;
    const most = maxObtainableGpu(profile, sample.team, sample.pool, resource);
    if (demand > most) {
      problems.push({
        path: `${path}.gpus`,
        value: sample.gpus,
        allowed: `${sample.replicas} pod(s) × ${sample.gpus} ${resource} = ${demand}, but team "${sample.team}" can never hold more than ${most} in pool "${sample.pool}" (nominal quota plus what it may borrow); such a workload would wait forever`,
      });
    }
  }
  return problems;
}

function bucketRules(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  if (profile.buckets.mlflowArtifacts === profile.buckets.models) {
    problems.push({
      path: "buckets.models",
      value: profile.buckets.models,
      allowed: "must differ from buckets.mlflowArtifacts",
    });
  }
  return problems;
}
