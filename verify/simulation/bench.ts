/**
 * The simulation benchmark's fleet and workload (`npm run bench -- simulate`): 20 teams on 100 simulated GPU
 * nodes with 800 GPUs in three sharing modes, and 1,000 workloads. Built as a profile override of cluster-gpu
 * (its cluster replaced by a bring-your-own-cluster one, which pins no node count) and a validated workload file.
 */
import { stringify } from "yaml";
import type { Profile } from "../../profiles/schema";
import type { SimulationPlan, WorkloadFile } from "./plan";
import { parseWorkloadFile } from "./plan";

export const BENCH_TEAMS = 20;
export const BENCH_WORKLOADS = 1000;
/** Pools: nodes × 8 GPUs each. MIG (7 slices per A100), whole GPUs, and time-slicing ×2: 100 nodes, 800 GPUs. */
export const BENCH_POOLS = { mig: 30, full: 40, sliced: 30 } as const;

const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" as const };

export function benchTeams(): string[] {
  return Array.from({ length: BENCH_TEAMS }, (_, i) => `team-${String(i + 1).padStart(2, "0")}`);
}

/** The override: cluster-gpu's teams and samples removed, 20 equal teams, the three GPU pools at benchmark size. */
export function benchOverride(): Record<string, unknown> {
  const perTeam = (nodes: number, slotsPerGpu: number) => Math.floor((nodes * 8 * slotsPerGpu) / BENCH_TEAMS);
  return {
    cluster: { provider: "kubeconfig", name: "bench", kubeconfig: "/dev/null", kubernetesVersion: "1.35" },
    pools: {
      mig: { nodes: BENCH_POOLS.mig, gpu: { perNode: 8, hostDevices: null } },
      full: { nodes: BENCH_POOLS.full, gpu: { perNode: 8, hostDevices: null } },
      sliced: {
        nodes: BENCH_POOLS.sliced,
        taints: [GPU_TAINT],
        gpu: { accelerator: "nvidia-l4", perNode: 8, sharing: { mode: "time-slicing", replicas: 2 } },
      },
    },
    teams: {
      research: null,
      training: null,
      serving: null,
      ...Object.fromEntries(
        benchTeams().map((team) => [
          team,
          {
            groups: [team],
            quota: {
              system: { cpu: "1", memory: "2Gi" },
              mig: { cpu: "64", memory: "256Gi", gpu: perTeam(BENCH_POOLS.mig, 7) },
              full: { cpu: "64", memory: "256Gi", gpu: perTeam(BENCH_POOLS.full, 1) },
              sliced: { cpu: "64", memory: "256Gi", gpu: perTeam(BENCH_POOLS.sliced, 2) },
            },
          },
        ]),
      ),
    },
    samples: {
      "ray-sweep": null,
      notebook: null,
      pretrain: null,
      pipeline: null,
      features: null,
      "llm-serving": null,
      "rag-index": null,
      rag: null,
    },
  };
}

/** 50 workloads per team, round-robin over the pools, 1–4 slots, 5–20 simulated minutes, arriving over 20. */
export function benchPlan(profile: Profile): SimulationPlan {
  const pools = ["mig", "full", "sliced"];
  const perTeam = BENCH_WORKLOADS / BENCH_TEAMS;
  const file: WorkloadFile = {
    timeScale: 60,
    workloads: benchTeams().flatMap((team, t) =>
      Array.from({ length: perTeam }, (_, i) => ({
        name: `${team}-w${i + 1}`,
        team,
        pool: pools[(t + i) % pools.length],
        gpus: 1 + ((t + i) % 4),
        duration: 5 + ((t * 7 + i * 3) % 16),
        arrival: Math.round(((i * 20) / perTeam) * 10) / 10,
      })),
    ),
  };
  return parseWorkloadFile(stringify(file), "bench", profile);
}
