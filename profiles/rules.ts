/**
 * Cross-field rules: combinations the schema's types allow but a cluster could never honour.
 * Each returns problems (never throws), so all of them reach the user in one error.
 */
import type { Problem } from "./problems";
import type { Profile } from "./schema";

export function gpuCount(profile: Profile): number {
  return profile.cluster.workers.reduce((sum, worker) => sum + worker.gpus.length, 0);
}

export function profileRules(profile: Profile): Problem[] {
  const problems: Problem[] = [];
  const gpus = gpuCount(profile);
  const { sharing } = profile.gpu;

  if (sharing.mode !== "none" && gpus === 0) {
    problems.push({
      path: "gpu.sharing.mode",
      value: sharing.mode,
      allowed: `GPU sharing needs GPU nodes, and no worker in cluster.workers lists gpus; use "none" or give a worker gpus`,
    });
  }
  if (sharing.mode !== "none" && sharing.replicas === undefined) {
    problems.push({
      path: "gpu.sharing.replicas",
      value: undefined,
      allowed: `"${sharing.mode}" needs replicas (2-48)`,
    });
  }
  if (sharing.mode === "none" && sharing.replicas !== undefined) {
    problems.push({
      path: "gpu.sharing.replicas",
      value: sharing.replicas,
      allowed: `replicas only applies to "time-slicing" or "mps"; remove it`,
    });
  }
  const gpuOperator = profile.components["gpu-operator"].lifecycle;
  if (gpuOperator === "managed" && gpus === 0) {
    problems.push({
      path: "components.gpu-operator.lifecycle",
      value: gpuOperator,
      allowed: `the GPU Operator needs GPU nodes, and no worker in cluster.workers lists gpus; use "disabled" or give a worker gpus`,
    });
  }
  if (gpus > 0 && gpuOperator === "disabled") {
    problems.push({
      path: "components.gpu-operator.lifecycle",
      value: gpuOperator,
      allowed: `workers list gpus, but without the GPU Operator (or an external device plugin) no pod can request them; use "managed" or "external"`,
    });
  }
  const sliceFactor = sharing.mode === "none" ? 1 : (sharing.replicas ?? 1);
  const gpuCapacity = gpus * sliceFactor;
  if (profile.queue.nominalQuota.gpu > gpuCapacity) {
    problems.push({
      path: "queue.nominalQuota.gpu",
      value: profile.queue.nominalQuota.gpu,
      allowed: `at most ${gpuCapacity} (${gpus} GPU(s) × ${sliceFactor} per GPU in cluster.workers and gpu.sharing)`,
    });
  }
  const seenGpus = new Set<number>();
  profile.cluster.workers.forEach((worker, index) => {
    for (const gpu of worker.gpus) {
      if (seenGpus.has(gpu)) {
        problems.push({
          path: `cluster.workers.${index}.gpus`,
          value: worker.gpus,
          allowed: `host GPU ${gpu} is already given to another worker; each GPU index appears once`,
        });
      }
      seenGpus.add(gpu);
    }
  });

  if (profile.components.postgresql.lifecycle === "external" && profile.external.postgresql === undefined) {
    problems.push({
      path: "external.postgresql",
      value: undefined,
      allowed: "components.postgresql is external: give host, port, database and credentialsSecret",
    });
  }
  if (profile.components["object-store"].lifecycle === "external" && profile.external.objectStore === undefined) {
    problems.push({
      path: "external.objectStore",
      value: undefined,
      allowed: "components.object-store is external: give endpoint, region and credentialsSecret",
    });
  }
  if (profile.buckets.mlflowArtifacts === profile.buckets.models) {
    problems.push({
      path: "buckets.models",
      value: profile.buckets.models,
      allowed: "must differ from buckets.mlflowArtifacts",
    });
  }
  return problems;
}
