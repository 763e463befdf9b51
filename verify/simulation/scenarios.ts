/**
 * Workload files for the questions the tests ask of Kueue, built from the profile (so they follow its quotas)
 * and validated like a user's file (parseWorkloadFile):
 *  - reclamation: the other teams borrow everything they can on a pool, then one team submits its nominal quota
 *    and must get it back within the preemption policy;
 *  - priorities: a team fills what it can obtain with preemptible work, then submits interactive work, which
 *    must preempt the preemptible work and never be preempted by it;
 *  - never admissible: a workload larger than anything its team can obtain, which must stay pending with
 *    Kueue's reason, as the synthesis-time check predicts.
 */
import { stringify } from "yaml";
import { maxObtainable, queuePools, singleGpuResource, teamNames, gpuAmounts } from "../../profiles/plan";
import type { Profile } from "../../profiles/schema";
import type { SimulationPlan, WorkloadFile } from "./plan";
import { parseWorkloadFile } from "./plan";

/** Scenarios run at 2 simulated minutes per real second: Kueue reacts within a few hundred milliseconds. */
export const SCENARIO_TIME_SCALE = 120;
/** When the reclaiming (or high-priority) team arrives, in simulated minutes. */
export const LATE_ARRIVAL = 5;

function plan(profile: Profile, name: string, file: WorkloadFile): SimulationPlan {
  return parseWorkloadFile(stringify(file), name, profile);
}

function poolResource(profile: Profile, pool: string): string {
  const resource = singleGpuResource(queuePools(profile)[pool]);
  if (!resource) throw new Error(`pool "${pool}" has no single GPU resource to simulate`);
  return resource;
}

function nominal(profile: Profile, team: string, pool: string): number {
  return gpuAmounts(queuePools(profile)[pool], profile.teams[team].quota[pool]?.gpu)[poolResource(profile, pool)] ?? 0;
}

/** The other teams borrow all they can on `pool`; at minute 5 `team` submits its nominal quota. */
export function reclaimPlan(profile: Profile, pool: string, team: string): SimulationPlan {
  const resource = poolResource(profile, pool);
  const others = teamNames(profile).filter((t) => t !== team && profile.teams[t].quota[pool]);
  return plan(profile, `reclaim-${team}-${pool}`, {
    timeScale: SCENARIO_TIME_SCALE,
    workloads: [
      ...others.map((other) => ({
        name: `${other}-borrows`,
        team: other,
        pool,
        gpus: 1,
        duration: 40,
        count: maxObtainable(profile, other, pool, resource),
      })),
      {
        name: `${team}-reclaims`,
        team,
        pool,
        gpus: 1,
        // Longer than the borrowers' jobs: the reclaimed share is held all at once, not handed back piece by piece,
        // even when a loaded machine slows the preemption rounds (about a second each, two simulated minutes here).
        duration: 60,
        arrival: LATE_ARRIVAL,
        count: nominal(profile, team, pool),
      },
    ],
  });
}

/**
 * `team` fills all it can obtain on `pool` with preemptible jobs, then at minute 5 submits interactive jobs (half
 * its nominal quota), and one job larger than it can ever obtain.
 */
export function priorityPlan(profile: Profile, pool: string, team: string): SimulationPlan {
  const resource = poolResource(profile, pool);
  const most = maxObtainable(profile, team, pool, resource);
  return plan(profile, `priorities-${team}-${pool}`, {
    timeScale: SCENARIO_TIME_SCALE,
    workloads: [
      { name: `${team}-preemptible`, team, pool, gpus: 1, duration: 30, priority: "preemptible", count: most },
      {
        name: `${team}-interactive`,
        team,
        pool,
        gpus: 1,
        duration: 10,
        priority: "interactive",
        arrival: LATE_ARRIVAL,
        count: Math.max(1, Math.floor(nominal(profile, team, pool) / 2)),
      },
      { name: `${team}-too-large`, team, pool, gpus: most + 1, duration: 10, arrival: LATE_ARRIVAL },
    ],
  });
}
