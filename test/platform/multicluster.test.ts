import { loadProfile } from "../../profiles/load";
import { CATALOG } from "../../platform/catalog";
import { contextFor } from "../../platform/graph";
import { workerNames, workerProfile } from "../../platform/multicluster";
import { queuePoolNames } from "../../profiles/plan";
import { ProfileError } from "../../profiles/problems";
import type { ProfileOverride } from "../../profiles/schema";

function problems(override: ProfileOverride): string[] {
  try {
    loadProfile("multicloud-gpu", override);
    return [];
  } catch (error) {
    if (error instanceof ProfileError) return error.problems.map((p) => `${p.path}: ${p.allowed}`);
    throw error;
  }
}

describe("MultiKueue profiles", () => {
  const profile = loadProfile("multicloud-gpu");

  test("the management cluster's queues know every pool of every cluster", () => {
    expect(workerNames(profile)).toEqual(["aks", "gke"]);
    expect(queuePoolNames(profile)).toEqual(["akssystem", "akst4", "gke-l4", "gke-system", "system"]);
  });

  test("a worker is its own cluster: its pools, the teams' quotas on them, and no shared services", () => {
    const gke = workerProfile(profile, "gke");
    expect(gke.name).toBe("multicloud-gpu-gke");
    expect(gke.cluster.provider).toBe("gke");
    expect(Object.keys(gke.pools)).toEqual(["gke-system", "gke-l4"]);
    expect(gke.teams.serving.quota).toEqual({ "gke-l4": { cpu: "8", memory: "32Gi", gpu: 2 } });
    expect(gke.workers).toEqual({});
    expect(gke.samples).toEqual({});
    const ctx = contextFor(gke);
    const lifecycles = Object.fromEntries(CATALOG.map(({ id }) => [id, ctx.lifecycle(id)]));
    expect(lifecycles).toEqual({
      "argo-workflows": "disabled",
      "cert-manager": "disabled",
      "dra-driver": "disabled",
      feast: "disabled",
      jobset: "disabled",
      "kubeflow-trainer": "disabled",
      keda: "disabled",
      kepler: "disabled",
      observability: "managed",
      "gpu-operator": "external",
      kuberay: "managed",
      kueue: "managed",
      kserve: "disabled",
      "postgres-operator": "disabled",
      postgresql: "disabled",
      "object-store": "disabled",
      mlflow: "disabled",
      notebooks: "disabled",
      "vector-database": "disabled",
      "opentelemetry-collector": "disabled",
      "opentelemetry-operator": "disabled",
      tenancy: "managed",
      samples: "disabled",
      "spark-operator": "disabled",
      multikueue: "disabled",
    });
  });

  test("pool names are unique across clusters, since each is a Kueue flavor", () => {
    expect(problems({ workers: { aks: { pools: { system: { nodes: 1 } } } } } as never)).toEqual([
      'workers.aks.pools.system: pool "system" already belongs to the management cluster; pool names are unique across clusters (each is a Kueue flavor)',
      // The clash also makes the serving sample look dispatched: both are reported.
      'samples.chat-model.pool: pool "system" is on worker "aks", and MultiKueue does not dispatch InferenceServices; serve on a pool of the management cluster',
    ]);
  });

  test("each worker's pools follow its own cloud's rules, reported under the worker", () => {
    expect(problems({ workers: { gke: { pools: { "gke-l4": { gpu: { hostDevices: [0] } } } } } } as never)).toEqual([
      "workers.gke.pools.gke-l4.gpu.hostDevices: only kind pools take host GPU indices; remove it on gke",
    ]);
    expect(problems({ workers: { gke: { gpuOperator: "managed" } } })).toEqual([
      'workers.gke.gpuOperator: on GKE the node pools bring Google\'s driver installer and device plugin; use "external"',
    ]);
  });

  test("InferenceServices are not dispatched: a sample serving on a worker pool is an error", () => {
    expect(problems({ samples: { "chat-model": { pool: "gke-l4" } } })).toEqual([
      'samples.chat-model.pool: pool "gke-l4" is on worker "gke", and MultiKueue does not dispatch InferenceServices; serve on a pool of the management cluster',
    ]);
  });
});
