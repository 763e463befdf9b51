import { parse } from "yaml";
import { renderLocal } from "../../support/render";
import { loadCheckedProfile } from "../../../platform/check";
import { loadProfile } from "../../../profiles/load";
import { poolNodeLabels } from "../../../profiles/plan";
import type { LocalRelease } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import { samplePlacement, sampleProblems, samples } from "../../../platform/components/samples";
import type { Sample } from "../../../profiles/schema";

type Obj = {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
};

/** The sample an object belongs to: its name, or the sample whose name prefixes it (`rag-embedder` of `rag`). */
function sampleOf(profile: ReturnType<typeof loadProfile>, objectName: string): Sample {
  const name = Object.keys(profile.samples)
    .filter((n) => objectName === n || objectName.startsWith(`${n}-`))
    .sort((a, b) => b.length - a.length)[0];
  return profile.samples[name];
}

function rendered(profileName: string): Obj[] {
  const steps = samples.steps(contextFor(loadProfile(profileName)));
  return renderLocal(steps[0] as LocalRelease, "samples") as Obj[];
}

/** Every pod template in an object (Job, RayJob head/workers/submitter, InferenceService predictor, TrainJob node). */
function podSpecs(object: Obj): Array<Record<string, unknown>> {
  if (object.kind === "Workflow") {
    // A container step's pod takes the Workflow's pod settings; a resource step's object has its own pods.
    const { templates, ...pod } = object.spec as { templates: Array<Record<string, unknown>> };
    return templates.flatMap((template) => {
      if (template.container) return [{ ...pod, containers: [template.container] }];
      const resource = template.resource as { manifest: string } | undefined;
      return resource ? podSpecs(parse(resource.manifest) as Obj) : [];
    });
  }
  if (object.kind === "InferenceService") {
    // The predictor is the pod spec; its model is the one serving container.
    const predictor = object.spec.predictor as Record<string, unknown>;
    return [{ ...predictor, containers: [predictor.model] }];
  }
  if (object.kind === "TrainJob") {
    // The runtime's pod as the TrainJob patches it: placement from its runtime patch, resources per node.
    const trainer = object.spec.trainer as { resourcesPerNode: unknown };
    const patches = object.spec.runtimePatches as Array<{
      trainingRuntimeSpec: {
        template: { spec: { replicatedJobs: Array<{ template: { spec: { template: { spec: object } } } }> } };
      };
    }>;
    return patches.map((p) => ({
      ...p.trainingRuntimeSpec.template.spec.replicatedJobs[0].template.spec.template.spec,
      containers: [{ resources: trainer.resourcesPerNode }],
    }));
  }
  const found: Array<Record<string, unknown>> = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (Array.isArray(record.containers)) found.push(record);
      Object.values(record).forEach(walk);
    }
  };
  walk(object.spec);
  return found;
}

describe("samples component", () => {
  test("needs Kueue, tenancy and the operator of each sample kind it renders", () => {
    expect(samples.dependencies(loadProfile("cluster-gpu")).map((d) => d.id)).toEqual([
      "kueue",
      "tenancy",
      "kuberay",
      "mlflow",
      "kubeflow-trainer",
      "argo-workflows",
      "kserve",
      "object-store",
      "vector-database",
      "feast",
      "observability",
      "keda",
      "opentelemetry-collector",
    ]);
    expect(samples.dependencies(loadProfile("laptop"))).toEqual([]);
    expect(samples.steps(contextFor(loadProfile("laptop")))).toEqual([]);
  });

  test.each(["workstation-gpu", "cluster-gpu"])("every sample of %s is admissible by its team's queue", (name) => {
    expect(sampleProblems(loadProfile(name))).toEqual([]);
  });

  test("a sample asking more CPU than its team can ever get is rejected at synthesis, naming the sample", () => {
    expect(() =>
      loadCheckedProfile("laptop", {
        samples: { big: { kind: "ray-job", team: "default", pool: "workers", replicas: 5 } },
      }),
    ).toThrow(
      /samples\.big: got \{"kind":"ray-job","cpu":"5700m"\}; team "default" can never hold more than 4 cpu in pool "workers"/,
    );
  });

  test("every sample carries its team's queue and priority labels and lands in the team namespace", () => {
    const profile = loadProfile("cluster-gpu");
    for (const object of rendered("cluster-gpu").filter((o) => !["PodMonitor", "ConfigMap"].includes(o.kind))) {
      const sample = sampleOf(profile, object.metadata.name);
      expect({
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        labels: object.metadata.labels,
      }).toEqual({
        name: object.metadata.name,
        namespace: `team-${sample.team}`,
        labels: expect.objectContaining({
          "kueue.x-k8s.io/queue-name": "default",
          "kueue.x-k8s.io/priority-class": sample.priority ?? profile.teams[sample.team].defaultPriority,
        }),
      });
    }
  });

  test("every sample pod is schedulable on its pool: its node selector matches the pool's labels, its tolerations cover the taints", () => {
    const profile = loadProfile("cluster-gpu");
    for (const object of rendered("cluster-gpu").filter((o) => !["PodMonitor", "ConfigMap"].includes(o.kind))) {
      const sample = sampleOf(profile, object.metadata.name);
      const labels = poolNodeLabels(sample.pool, profile.pools[sample.pool]);
      const pods = podSpecs(object);
      expect(pods.length).toBeGreaterThan(0);
      for (const pod of pods) {
        expect(pod.nodeSelector).toEqual({ "cnai.io/pool": sample.pool });
        for (const [key, value] of Object.entries(pod.nodeSelector as Record<string, string>))
          expect(labels[key]).toBe(value);
        const tolerations = (pod.tolerations as Array<{ key: string }>) ?? [];
        for (const taint of profile.pools[sample.pool].taints)
          expect(tolerations.map((t) => t.key)).toContain(taint.key);
      }
    }
  });

  test("GPU samples request their pool's resource name: MIG slices on the MIG pool, whole GPUs on the full pool", () => {
    const objects = rendered("cluster-gpu");
    const limits = (name: string) =>
      podSpecs(objects.find((o) => o.metadata.name === name) as Obj)
        .flatMap((pod) => pod.containers as Array<{ resources?: { limits?: Record<string, string> } }>)
        .map((c) => c.resources?.limits ?? {})
        .filter((l) => Object.keys(l).some((k) => k.startsWith("nvidia.com/")));
    expect(limits("llm-serving")).toEqual([expect.objectContaining({ "nvidia.com/mig-1g.10gb": "1" })]);
    // The TrainJob's two nodes take one whole GPU each.
    expect(limits("pretrain")).toEqual([expect.objectContaining({ "nvidia.com/gpu": "1" })]);
  });

  test("the LLM server sends vLLM's traces to the gateway while the collector is managed", () => {
    const model = (objects: Obj[]) =>
      (
        objects.find((o) => o.kind === "InferenceService" && o.metadata.name === "llm-serving")?.spec.predictor as {
          model: { args: string[]; env?: Array<{ name: string; value: string }> };
        }
      ).model;
    const traced = model(rendered("cluster-gpu"));
    expect(traced.args).toContain(
      "--otlp-traces-endpoint=http://opentelemetry-collector.opentelemetry.svc.cluster.local:4317",
    );
    expect(traced.env).toEqual([{ name: "OTEL_SERVICE_NAME", value: "team-serving.llm-serving" }]);
    const withoutCollector = samples.steps(
      contextFor(loadProfile("cluster-gpu", { components: { "opentelemetry-collector": { lifecycle: "disabled" } } })),
    );
    const untraced = model(renderLocal(withoutCollector[0] as LocalRelease, "samples") as Obj[]);
    expect(untraced.args.filter((a) => a.startsWith("--otlp"))).toEqual([]);
    expect(untraced.env).toBeUndefined();
  });

  test("interactive serving keeps one replica and scales with KEDA on requests; the RAG embedder rests at zero", () => {
    const objects = rendered("cluster-gpu");
    const predictor = (name: string) =>
      objects.find((o) => o.kind === "InferenceService" && o.metadata.name === name)?.spec.predictor as Record<
        string,
        unknown
      >;
    const queries = (name: string) =>
      (predictor(name).autoScaling as { metrics: Array<{ external: { metric: { query: string } } }> }).metrics.map(
        (m) => m.external.metric.query,
      );
    expect([predictor("llm-serving").minReplicas, predictor("llm-serving").maxReplicas]).toEqual([1, 2]);
    // On a MIG slice the request gauges decide alone: DCGM has no per-slice utilization.
    expect(queries("llm-serving")).toEqual([
      'sum(vllm:num_requests_running{namespace="team-serving",pod=~"llm-serving-predictor-.*"}) + sum(vllm:num_requests_waiting{namespace="team-serving",pod=~"llm-serving-predictor-.*"})',
    ]);
    expect([predictor("rag-embedder").minReplicas, predictor("rag-embedder").maxReplicas]).toEqual([0, 1]);
    expect(
      objects
        .filter((o) => o.kind === "PodMonitor")
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(["llm-serving-predictor", "rag-embedder-predictor"]);
  });

  test("on a whole GPU, interactive serving also scales on DCGM's utilization of its pods", () => {
    const objects = rendered("workstation-gpu");
    expect(objects.find((o) => o.kind === "InferenceService")?.spec.predictor).toMatchObject({
      minReplicas: 1,
      maxReplicas: 1,
      autoScaling: {
        metrics: [
          {
            external: {
              metric: {
                query:
                  'sum(rate(request_predict_seconds_count{namespace="team-applied",pod=~"chat-model-predictor-.*"}[2m]))',
              },
            },
          },
        ],
      },
    });
    const profile = loadProfile("cluster-gpu", {
      samples: { chat: { kind: "inference-service", team: "training", pool: "full", gpus: 1 } },
    });
    const steps = samples.steps(contextFor(profile));
    const isvc = (renderLocal(steps[0] as LocalRelease, "samples") as Obj[]).find((o) => o.metadata.name === "chat");
    const metrics = (
      isvc?.spec.predictor as { autoScaling: { metrics: Array<{ external: { metric: { query: string } } }> } }
    ).autoScaling.metrics;
    expect(metrics.map((m) => m.external.metric.query)).toEqual([
      'sum(rate(request_predict_seconds_count{namespace="team-training",pod=~"chat-predictor-.*"}[2m]))',
      'sum(DCGM_FI_DEV_GPU_UTIL{namespace="team-training",pod=~"chat-predictor-.*"})',
    ]);
  });

  test("without KEDA, serving samples keep between one and their replicas under KServe's HPA", () => {
    const profile = loadProfile("cluster-gpu", { components: { keda: { lifecycle: "disabled" } } });
    const steps = samples.steps(contextFor(profile));
    const services = (renderLocal(steps[0] as LocalRelease, "samples") as Obj[]).filter(
      (o) => o.kind === "InferenceService",
    );
    expect(
      services.map((o) => {
        const p = o.spec.predictor as Record<string, unknown>;
        return [o.metadata.name, p.minReplicas, p.maxReplicas, p.autoScaling];
      }),
    ).toEqual([
      ["llm-serving", 1, 2, undefined],
      ["rag-embedder", 1, 1, undefined],
    ]);
  });

  test("cluster-gpu's pretrain is a two-node PyTorch DDP TrainJob on the torch-distributed runtime, logging to MLflow", () => {
    const trainJob = rendered("cluster-gpu").find((o) => o.metadata.name === "pretrain") as Obj;
    expect(trainJob.kind).toBe("TrainJob");
    const trainer = trainJob.spec.trainer as { command: string[]; numNodes: number; env: unknown[] };
    expect(trainJob.spec.runtimeRef).toEqual({
      apiGroup: "trainer.kubeflow.org",
      kind: "ClusterTrainingRuntime",
      name: "torch-distributed",
    });
    expect(trainer.numNodes).toBe(2);
    expect(trainer.command.slice(0, 4)).toEqual(["torchrun", "--no-python", "python", "-c"]);
    expect(trainer.command[4]).toContain("dist.init_process_group");
    expect(trainer.env).toEqual([
      { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:5000" },
      { name: "MLFLOW_EXPERIMENT_NAME", value: "training-samples" },
    ]);
    // Within the training team's nominal quota on pool full: 2 of its 2 whole GPUs.
    expect(sampleProblems(loadProfile("cluster-gpu"))).toEqual([]);
  });

  test("cluster-gpu's ray-sweep is a Ray Tune RayJob: trials on four MIG slices, state in the team's bucket, the best model registered", () => {
    const objects = rendered("cluster-gpu");
    const rayJob = objects.find((o) => o.kind === "RayJob" && o.metadata.name === "ray-sweep") as Obj;
    const cluster = rayJob.spec.rayClusterSpec as {
      headGroupSpec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }> }> } } };
      workerGroupSpecs: Array<{ replicas: number }>;
    };
    expect(rayJob.spec.entrypoint).toBe("python /tune/ray-tune.py");
    expect(cluster.workerGroupSpecs.map((g) => g.replicas)).toEqual([4]);
    const env = cluster.headGroupSpec.template.spec.containers[0].env;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:5000" },
        { name: "MLFLOW_EXPERIMENT_NAME", value: "research-samples" },
        { name: "REGISTERED_MODEL_NAME", value: "research-ray-sweep" },
        { name: "TUNE_TRIAL_GPUS", value: "1" },
        { name: "TUNE_STORAGE_PATH", value: "team-research/ray-tune" },
        { name: "AWS_ENDPOINT_URL", value: "http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333" },
        {
          name: "AWS_SECRET_ACCESS_KEY",
          valueFrom: { secretKeyRef: { name: "object-store-credentials", key: "AWS_SECRET_ACCESS_KEY" } },
        },
      ]),
    );
    expect(objects.find((o) => o.kind === "ConfigMap")?.metadata).toEqual({
      name: "ray-sweep-script",
      namespace: "team-research",
      labels: { "app.kubernetes.io/name": "ray-sweep" },
    });
  });

  test("a tuning sample keeps its state on the head when the store works by cloud identity, without S3 keys", () => {
    const eks = loadProfile("eks-gpu");
    const profile = {
      ...eks,
      samples: { tune: { kind: "ray-tune" as const, team: "serving", pool: "l4", gpus: 1, replicas: 1 } },
    };
    const release = samples.steps(contextFor(profile))[0] as LocalRelease;
    const rayJob = (renderLocal(release, "samples") as Obj[]).find((o) => o.kind === "RayJob") as Obj;
    const head = (rayJob.spec.rayClusterSpec as { headGroupSpec: { template: { spec: { containers: unknown[] } } } })
      .headGroupSpec.template.spec.containers[0] as { env: Array<{ name: string }> };
    expect(head.env.map((e) => e.name).filter((n) => n.startsWith("AWS_") || n === "TUNE_STORAGE_PATH")).toEqual([]);
  });

  test("a TrainJob sample needs Kubeflow Trainer: without it the profile is refused", () => {
    expect(() =>
      loadCheckedProfile("workstation-gpu", {
        samples: { ddp: { kind: "train-job", team: "research", pool: "gpu", gpus: 1, replicas: 2 } },
      }),
    ).toThrow(
      /components\.kubeflow-trainer\.lifecycle: got "disabled"; "samples" is managed and needs "kubeflow-trainer"/,
    );
  });

  test("cluster-gpu's features sample applies the driver-stats repository with its team's feature_store.yaml", () => {
    const job = rendered("cluster-gpu").find((o) => o.metadata.name === "features") as Obj;
    expect(job.kind).toBe("Job");
    expect(job.metadata.namespace).toBe("team-training");
    const container = (job.spec.template as { spec: { containers: unknown[] } }).spec.containers[0] as {
      image: string;
      command: string[];
      env: unknown[];
    };
    expect(container.image).toBe("quay.io/feastdev/feature-server:0.66.0");
    expect(container.command.at(-1)).toBe("apply");
    expect(container.env[0]).toEqual({
      name: "FEAST_FEATURE_STORE_YAML",
      valueFrom: { secretKeyRef: { name: "feast-store", key: "feature_store.yaml" } },
    });
  });

  test("a feature-repo sample needs Feast: without it the profile is refused", () => {
    expect(() =>
      loadCheckedProfile("workstation-gpu", {
        samples: { features: { kind: "feature-repo", team: "research", pool: "gpu" } },
      }),
    ).toThrow(/components\.feast\.lifecycle: got "disabled"; "samples" is managed and needs "feast"/);
  });

  test("a TrainJob sample asking more GPUs than its team can ever hold is refused, naming the sample", () => {
    expect(() =>
      loadCheckedProfile("cluster-gpu", {
        samples: { pretrain: { kind: "train-job", team: "training", pool: "full", gpus: 1, replicas: 5 } },
      }),
    ).toThrow(
      /samples\.pretrain: got \{"kind":"train-job","nvidia\.com\/gpu":"5"\}; team "training" can never hold more than 4 nvidia\.com\/gpu in pool "full"/,
    );
  });

  test("cluster-gpu's pipeline is an Argo Workflow of the training team, within its quota on pool full", () => {
    const workflow = rendered("cluster-gpu").find((o) => o.kind === "Workflow") as Obj;
    expect(workflow.metadata).toMatchObject({ name: "pipeline", namespace: "team-training" });
    expect(workflow.spec).toMatchObject({
      serviceAccountName: "argo-workflow",
      nodeSelector: { "cnai.io/pool": "full" },
      podMetadata: { labels: { "kueue.x-k8s.io/queue-name": "default", "kueue.x-k8s.io/priority-class": "batch" } },
    });
    const templates = workflow.spec.templates as Array<{ name: string; resource?: { manifest: string } }>;
    const trainJob = parse(templates.find((t) => t.name === "train")?.resource?.manifest ?? "");
    expect(trainJob.spec.trainer.numNodes).toBe(2);
    expect(trainJob.spec.trainer.resourcesPerNode.limits["nvidia.com/gpu"]).toBe("1");
    expect(sampleProblems(loadProfile("cluster-gpu")).filter((p) => p.path === "samples.pipeline")).toEqual([]);
  });

  test("cluster-gpu's pipeline first reads the training team's Feast features, which its feature-repo sample fills", () => {
    const workflow = rendered("cluster-gpu").find((o) => o.kind === "Workflow") as Obj;
    const templates = workflow.spec.templates as Array<{ name: string; dag?: { tasks: Array<{ name: string }> } }>;
    expect(templates[0].dag?.tasks.map((t) => t.name)).toEqual([
      "features",
      "prepare",
      "train",
      "evaluate",
      "register",
      "deploy",
    ]);
    const { container } = templates.find((t) => t.name === "features") as unknown as {
      container: { image: string; env: unknown[] };
    };
    expect(container.image).toBe("quay.io/feastdev/feature-server:0.66.0");
    expect(container.env).toContainEqual({
      name: "FEAST_FEATURE_STORE_YAML",
      valueFrom: { secretKeyRef: { name: "feast-store", key: "feature_store.yaml" } },
    });
  });

  test("without its team's feature-repo sample the pipeline keeps its synthetic data, and Feast is optional", () => {
    const profile = loadCheckedProfile("cluster-gpu", { samples: { features: null } });
    const workflow = renderLocal(samples.steps(contextFor(profile))[0] as LocalRelease, "samples").find(
      (o) => (o as Obj).kind === "Workflow",
    ) as Obj;
    const templates = workflow.spec.templates as Array<{ name: string; dag?: { tasks: Array<{ name: string }> } }>;
    expect(templates[0].dag?.tasks.map((t) => t.name)).toEqual(["prepare", "train", "evaluate", "register", "deploy"]);
    expect(samples.dependencies(profile).find((d) => d.id === "feast")).toEqual({
      id: "feast",
      optional: true,
      reason: "the pipeline trains on the team's Feast features when the team has a feature-repo sample",
    });
  });

  test("a pipeline sample needs Argo Workflows: without it the profile is refused", () => {
    expect(() =>
      loadCheckedProfile("cluster-gpu", { components: { "argo-workflows": { lifecycle: "disabled" } } }),
    ).toThrow(/components\.argo-workflows\.lifecycle: got "disabled"; "samples" is managed and needs "argo-workflows"/);
  });

  test.each([
    ["kuberay", "ray-sweep", "notebook"],
    ["kserve", "llm-serving", "rag"],
    ["kubeflow-trainer", "pretrain"],
  ])("a pipeline sample alone still needs %s for its steps", (id, ...others) => {
    // The other samples that need the component are dropped (null removes a profile key).
    const samples = Object.fromEntries(others.map((name) => [name, null]));
    expect(() =>
      loadCheckedProfile("cluster-gpu", { samples, components: { [id]: { lifecycle: "disabled" } } }),
    ).toThrow(new RegExp(`components\\.${id}\\.lifecycle: got "disabled"; "samples" is managed and needs "${id}"`));
  });

  test("a sample's placement is its team's queue and its pool's nodes", () => {
    const profile = loadProfile("cluster-gpu");
    expect(samplePlacement(profile, profile.samples.pretrain)).toEqual({
      namespace: "team-training",
      localQueue: "default",
      priorityClass: "batch",
      nodeSelector: { "cnai.io/pool": "full" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }],
    });
  });
});
