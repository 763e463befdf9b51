import { spawnSync } from "node:child_process";
import { Chart, Testing } from "cdk8s";
import { parse } from "yaml";
import { FEATURE_REPO_SCRIPT } from "../../../charts/workloads/feature-repo-job";
import type { TrainingPipelineProps } from "../../../charts/workloads/pipeline";
import { PIPELINE_SCRIPT, STEP_CONDITIONS, TrainingPipeline } from "../../../charts/workloads/pipeline";
import { workflowCrd } from "../../../verify/argo-workflows";
import { crdFor, schemaProblems } from "../../support/reference";

const PROPS: TrainingPipelineProps = {
  name: "pipeline",
  placement: {
    namespace: "team-training",
    localQueue: "default",
    priorityClass: "batch",
    nodeSelector: { "cnai.io/pool": "full" },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" }],
  },
  serviceAccountName: "argo-workflow",
  images: { ray: "rayproject/ray:2.52.0", training: "pytorch/pytorch:2.13.0", mlflow: "ghcr.io/mlflow/mlflow:v3.17.0" },
  mlflow: { trackingUri: "http://mlflow.mlflow.svc.cluster.local:5000", experimentName: "training-pipelines" },
  executor: { cpu: "10m", memory: "64Mi" },
  data: { head: { cpu: "500m", memory: "1Gi" }, worker: { cpu: "1", memory: "2Gi" }, workers: 1 },
  training: {
    runtime: "torch-distributed",
    numNodes: 2,
    resources: { cpu: "2", memory: "8Gi", gpu: { resourceName: "nvidia.com/gpu", count: 1 } },
  },
  stepResources: { cpu: "500m", memory: "1Gi" },
  threshold: 0.9,
  modelsUri: "s3://team-training/models/pipeline",
  objectStore: {
    credentialsSecret: "object-store-credentials",
    endpoint: "http://seaweedfs.object-store.svc:8333",
    region: "us-east-1",
  },
  serving: { serviceAccountName: "kserve-s3", resources: { cpu: "1", memory: "2Gi" } },
};

const WITH_FEATURES: TrainingPipelineProps = {
  ...PROPS,
  features: {
    image: "quay.io/feastdev/feature-server:0.66.0",
    config: { secretName: "feast-store", key: "feature_store.yaml" },
  },
};

/** Runs the script's features step against a stand-in repository (no Feast, no pandas) and records what it does. */
const FEATURES_HARNESS = `
import builtins, json, sys
calls = []
script = sys.stdin.read()
namespace = {"__name__": "pipeline"}
exec(script, namespace)
namespace["start_run"] = lambda run: calls.append(["start_run", run]) or {"run_id": "1"}
namespace["upload"] = lambda info, path, content: calls.append(["upload", path, content.decode().split("\\n")[0]])
namespace["log_parameter"] = lambda info, key, value: calls.append(["log_parameter", key, value])
# The stand-in repository records into the same list (it runs as its own module).
builtins.CALLS = calls
namespace["features"]("run-1")
print("CALLS " + json.dumps(calls))
`;

/** The repository's interface as the features step uses it, with a frame of 240 rows that renders its columns. */
const FAKE_REPOSITORY = `
TABLE = "driver_stats"
DRIVER_FEATURES = ["driver_stats:conv_rate", "driver_stats:acc_rate", "driver_stats:avg_daily_trips"]

class Frame:
    empty = False
    def __init__(self, columns):
        self.columns = columns
    def __len__(self):
        return 240
    def dropna(self, subset):
        CALLS.append(["dropna", subset])
        return self
    def __getitem__(self, columns):
        return Frame(columns)
    def to_csv(self, index):
        return ",".join(self.columns) + "\\n"

def feature_store():
    return "store"

def historical_features(store, entity_df):
    CALLS.append(["historical_features", entity_df])
    return Frame(["driver_id", "event_timestamp", "conv_rate", "acc_rate", "avg_daily_trips"])
`;

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON */
function render(props: TrainingPipelineProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  const pipeline = new TrainingPipeline(chart, "pipeline", props);
  const objects: any[] = Testing.synth(chart);
  const workflow = objects[0];
  const template = (name: string) => workflow.spec.templates.find((t: any) => t.name === name);
  const manifest = (name: string) => parse(template(name).resource.manifest);
  return { pipeline, objects, workflow, template, manifest };
}

const QUEUE_LABELS = { "kueue.x-k8s.io/queue-name": "default", "kueue.x-k8s.io/priority-class": "batch" };
const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
const GiB = 1024 ** 3;

describe("TrainingPipeline", () => {
  test("renders one Workflow in the team namespace, and nothing else: the steps create the other objects", () => {
    const { objects, workflow } = render();
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      "argoproj.io/v1alpha1 Workflow team-training/pipeline",
    ]);
    expect(workflow.metadata.labels).toEqual({ "app.kubernetes.io/name": "pipeline", ...QUEUE_LABELS });
    expect(workflow.spec.entrypoint).toBe("pipeline");
    expect(workflow.spec.serviceAccountName).toBe("argo-workflow");
  });

  test("runs prepare, train, evaluate and register in that order, and deploys only when the evaluation passed", () => {
    const { template } = render();
    expect(template("pipeline").dag.tasks).toEqual([
      { name: "prepare", template: "prepare" },
      { name: "train", template: "train", depends: "prepare" },
      { name: "evaluate", template: "evaluate", depends: "train" },
      {
        name: "register",
        template: "register",
        depends: "evaluate",
        arguments: { parameters: [{ name: "result", value: "{{tasks.evaluate.outputs.parameters.result}}" }] },
      },
      {
        name: "deploy",
        template: "deploy",
        depends: "register",
        when: "{{tasks.evaluate.outputs.parameters.result}} == pass",
      },
    ]);
    expect(template("evaluate").outputs).toEqual({
      parameters: [{ name: "result", valueFrom: { path: "/tmp/result" } }],
    });
  });

  test("every step pod is queued in the team's LocalQueue, restricted, and placed on the pool", () => {
    const { workflow } = render();
    expect(workflow.spec.podMetadata).toEqual({ labels: QUEUE_LABELS });
    expect(workflow.spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(workflow.spec.nodeSelector).toEqual({ "cnai.io/pool": "full" });
    expect(workflow.spec.tolerations).toEqual(PROPS.placement.tolerations);
  });

  test("evaluate and register run the pipeline script in the MLflow image with requests equal to limits", () => {
    const { template } = render();
    const evaluate = template("evaluate").container;
    expect(evaluate).toEqual({
      image: "ghcr.io/mlflow/mlflow:v3.17.0",
      command: ["python", "-c", PIPELINE_SCRIPT],
      args: ["evaluate", "{{workflow.name}}", "0.9"],
      env: [
        { name: "HOME", value: "/tmp" },
        { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:5000" },
        { name: "MLFLOW_EXPERIMENT_NAME", value: "training-pipelines" },
      ],
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } },
      securityContext: RESTRICTED_CONTAINER,
      volumeMounts: [{ name: "scratch", mountPath: "/tmp" }],
    });
    const register = template("register");
    expect(register.inputs).toEqual({ parameters: [{ name: "result" }] });
    expect(register.container.args).toEqual([
      "register",
      "{{workflow.name}}",
      "pipeline",
      "s3://team-training/models/pipeline/{{workflow.name}}",
      "{{inputs.parameters.result}}",
    ]);
    // The team's own read-write keys, from its Secret; never a value in the manifest.
    expect(register.container.env.slice(3)).toEqual([
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "object-store-credentials", key: "AWS_ACCESS_KEY_ID" } },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "object-store-credentials", key: "AWS_SECRET_ACCESS_KEY" } },
      },
      { name: "AWS_ENDPOINT_URL", value: "http://seaweedfs.object-store.svc:8333" },
      { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
    ]);
  });

  test("prepare creates a queued RayJob owned by the Workflow, which runs the script's prepare step with Ray Data", () => {
    const { template, manifest } = render();
    expect(template("prepare").resource).toMatchObject({
      action: "create",
      setOwnerReference: true,
      successCondition: "status.jobStatus == SUCCEEDED",
      failureCondition: "status.jobStatus in (FAILED,STOPPED),status.jobDeploymentStatus == Failed",
    });
    const rayJob = manifest("prepare");
    expect(rayJob.kind).toBe("RayJob");
    // Named after the run, so a resubmitted Workflow makes its own RayJob.
    expect(rayJob.metadata).toEqual({
      name: "{{workflow.name}}-data",
      namespace: "team-training",
      labels: { "app.kubernetes.io/name": "{{workflow.name}}-data", ...QUEUE_LABELS },
    });
    expect(rayJob.spec.entrypoint).toMatch(/^python -c '""".*' prepare \{\{workflow\.name\}\}$/s);
    expect(parse(rayJob.spec.runtimeEnvYAML)).toEqual({
      env_vars: {
        MLFLOW_TRACKING_URI: "http://mlflow.mlflow.svc.cluster.local:5000",
        MLFLOW_EXPERIMENT_NAME: "training-pipelines",
      },
    });
  });

  test("the script survives the shell that runs a Ray entrypoint: its single quotes are escaped", () => {
    const { manifest } = render();
    const quoted = manifest("prepare").spec.entrypoint.slice("python -c ".length, -" prepare {{workflow.name}}".length);
    expect(PIPELINE_SCRIPT).toContain("'");
    expect(quoted).toBe(`'${PIPELINE_SCRIPT.split("'").join(`'"'"'`)}'`);
  });

  test("train creates a queued TrainJob on the runtime that runs the script's train step under torchrun", () => {
    const { template, manifest } = render();
    expect(template("train").resource).toMatchObject({
      action: "create",
      setOwnerReference: true,
      successCondition: "status.jobsStatus.0.succeeded > 0",
      failureCondition: "status.jobsStatus.0.failed > 0",
    });
    const trainJob = manifest("train");
    expect(trainJob.metadata).toEqual({
      name: "{{workflow.name}}-train",
      namespace: "team-training",
      labels: { "app.kubernetes.io/name": "{{workflow.name}}-train", ...QUEUE_LABELS },
    });
    expect(trainJob.spec.trainer).toMatchObject({
      image: "pytorch/pytorch:2.13.0",
      command: ["torchrun", "--no-python", "python", "-c", PIPELINE_SCRIPT],
      args: ["train", "{{workflow.name}}"],
      numNodes: 2,
    });
  });

  test("deploy applies a queued InferenceService serving this run's model from the team's bucket", () => {
    const { template, manifest } = render();
    expect(template("deploy").resource).toMatchObject({
      action: "apply",
      successCondition: "status.modelStatus.states.activeModelState == Loaded",
      failureCondition: "status.modelStatus.states.activeModelState == FailedToLoad",
    });
    expect(template("deploy").resource.setOwnerReference).toBeUndefined();
    const service = manifest("deploy");
    expect(service.metadata.labels).toEqual({ "app.kubernetes.io/name": "pipeline", ...QUEUE_LABELS });
    expect(service.spec.predictor).toMatchObject({
      serviceAccountName: "kserve-s3",
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      model: {
        modelFormat: { name: "sklearn" },
        storageUri: "s3://team-training/models/pipeline/{{workflow.name}}",
        securityContext: RESTRICTED_CONTAINER,
      },
    });
  });

  test("the conditions are label selectors over plain dotted paths, as Argo's executor parses them", () => {
    for (const { successCondition, failureCondition } of Object.values(STEP_CONDITIONS)) {
      for (const requirement of `${successCondition},${failureCondition}`.split(/,(?![^(]*\))/)) {
        expect(requirement).toMatch(/^[a-zA-Z0-9.]+ (==|>|in) [A-Za-z0-9(),]+$/);
      }
    }
  });

  test("the Workflow validates against Argo's full schema, each created object against its pinned CRD", () => {
    const { workflow, manifest } = render();
    const crd = workflowCrd(crdFor, workflow.apiVersion, workflow.kind);
    expect(crd?.file).toMatch(/argo-workflows-1\.0\.18\/argoproj\.io_workflowtemplates\.yaml/);
    expect(schemaProblems(workflow, crd?.schema ?? {})).toEqual([]);
    for (const step of ["prepare", "train", "deploy"]) {
      const object = manifest(step);
      const objectCrd = crdFor(object.apiVersion, object.kind);
      expect(objectCrd).toBeDefined();
      expect(schemaProblems(object, objectCrd?.schema ?? {})).toEqual([]);
    }
  });

  test("the full schema catches a misspelled Workflow field, which the installed minimal CRD would keep", () => {
    const { workflow } = render();
    const crd = workflowCrd(crdFor, workflow.apiVersion, workflow.kind);
    const broken = { ...workflow, spec: { ...workflow.spec, podMetdata: {} } };
    expect(schemaProblems(broken, crd?.schema ?? {})).toEqual([
      expect.stringMatching(/^spec\.podMetdata: unknown field/),
    ]);
  });

  test("no Argo expression hides in the script: Argo would try to resolve it in every manifest and argument", () => {
    expect(PIPELINE_SCRIPT).not.toMatch(/\{\{/);
  });

  test("with features, a features step runs first and the prepare step builds its data from its rows", () => {
    const { template, manifest } = render(WITH_FEATURES);
    const tasks = template("pipeline").dag.tasks;
    expect(tasks.map((t: any) => [t.name, t.depends])).toEqual([
      ["features", undefined],
      ["prepare", "features"],
      ["train", "prepare"],
      ["evaluate", "train"],
      ["register", "evaluate"],
      ["deploy", "register"],
    ]);
    expect(tasks[5].when).toBe("{{tasks.evaluate.outputs.parameters.result}} == pass");
    expect(manifest("prepare").spec.entrypoint).toMatch(/' prepare \{\{workflow\.name\}\} features$/);
  });

  test("the features step runs the script in the Feast image with the team's feature_store.yaml from its Secret", () => {
    const { template } = render(WITH_FEATURES);
    expect(template("features").retryStrategy).toEqual({
      limit: 5,
      retryPolicy: "OnFailure",
      backoff: { duration: "30s", factor: 2 },
    });
    expect(template("features").container).toEqual({
      image: "quay.io/feastdev/feature-server:0.66.0",
      command: ["python3", "-B", "-c", PIPELINE_SCRIPT],
      args: ["features", "{{workflow.name}}"],
      env: [
        { name: "HOME", value: "/tmp" },
        { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:5000" },
        { name: "MLFLOW_EXPERIMENT_NAME", value: "training-pipelines" },
        { name: "FEATURE_REPO_PY", value: FEATURE_REPO_SCRIPT },
        {
          name: "FEAST_FEATURE_STORE_YAML",
          valueFrom: { secretKeyRef: { name: "feast-store", key: "feature_store.yaml" } },
        },
      ],
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } },
      securityContext: RESTRICTED_CONTAINER,
      volumeMounts: [{ name: "scratch", mountPath: "/tmp" }],
    });
  });

  test("with features, the Workflow still validates against Argo's full schema and demands the same", () => {
    const { workflow, pipeline } = render(WITH_FEATURES);
    const crd = workflowCrd(crdFor, workflow.apiVersion, workflow.kind);
    expect(schemaProblems(workflow, crd?.schema ?? {})).toEqual([]);
    // The features container is the size of the other container steps, far below the train step.
    expect(pipeline.demand).toEqual(render().pipeline.demand);
  });

  test("an empty Feast image is refused, naming the fix", () => {
    expect(() => render({ ...WITH_FEATURES, features: { ...WITH_FEATURES.features!, image: " " } })).toThrow(
      /TrainingPipeline "pipeline": features.image is " "; pass a pinned Feast image/,
    );
  });

  test("the feature repository's source survives an env value: no Argo expression, no Kubernetes $(VAR) reference", () => {
    expect(FEATURE_REPO_SCRIPT).not.toMatch(/\{\{/);
    expect(FEATURE_REPO_SCRIPT).not.toMatch(/\$\(/);
  });

  test("the features step creates the run and logs the repository's rows over every recorded driver and hour", () => {
    const result = spawnSync("python3", ["-B", "-c", FEATURES_HARNESS], {
      input: PIPELINE_SCRIPT,
      env: { PATH: process.env.PATH ?? "", FEATURE_REPO_PY: FAKE_REPOSITORY },
      encoding: "utf8",
    });
    const line = result.stdout.split("\n").find((l) => l.startsWith("CALLS "));
    if (!line) throw new Error(`the harness printed no calls: ${result.stderr}`);
    expect(JSON.parse(line.slice("CALLS ".length))).toEqual([
      ["historical_features", "SELECT driver_id, event_timestamp FROM driver_stats"],
      ["dropna", ["conv_rate", "acc_rate", "avg_daily_trips"]],
      ["start_run", "run-1"],
      ["upload", "data/features.csv", "driver_id,event_timestamp,conv_rate,acc_rate,avg_daily_trips"],
      ["log_parameter", "feature_rows", 240],
    ]);
  });

  test("the training columns are features the repository serves", () => {
    const served = [...FEATURE_REPO_SCRIPT.matchAll(/"driver_stats:(\w+)"/g)].map((m) => m[1]);
    const used = /TRAINING_FEATURES = \("(\w+)", "(\w+)"\)\nLABEL_FEATURE = "(\w+)"/.exec(PIPELINE_SCRIPT);
    expect(served).toEqual(["conv_rate", "acc_rate", "avg_daily_trips"]);
    expect(used?.slice(1)).toEqual(["conv_rate", "avg_daily_trips", "acc_rate"]);
  });

  test("demands the largest step with its executor, plus the model an earlier run left serving", () => {
    const { pipeline } = render();
    // Resource by resource: the train step's two nodes of 2 CPU, 8Gi and a GPU with the executor pod polling them
    // (10m, 64Mi), the prepare step's four pods (Ray head, worker, submitter, executor); the InferenceService at one
    // replica (1 CPU, 2Gi) on top.
    expect(pipeline.demand).toEqual({
      pods: 5,
      cpu: 4 + 0.01 + 1,
      memoryBytes: 16 * GiB + 64 * 1024 ** 2 + 2 * GiB,
      extended: { "nvidia.com/gpu": 2 },
    });
    expect(pipeline.restingDemand).toEqual({ pods: 1, cpu: 1, memoryBytes: 2 * GiB, extended: {} });
  });

  test("a threshold outside 0..1 is refused, naming the fix", () => {
    expect(() => render({ ...PROPS, threshold: 90 })).toThrow(
      /TrainingPipeline "pipeline": threshold is 90; give the least accuracy as a fraction from 0 to 1/,
    );
  });

  test("a models URI outside S3 is refused, naming the fix", () => {
    expect(() => render({ ...PROPS, modelsUri: "gs://team-training/models" })).toThrow(
      /TrainingPipeline "pipeline": modelsUri is "gs:\/\/team-training\/models"; give an s3:\/\/ URI in the team's bucket/,
    );
  });

  test("the objects' names are checked at the longest a resubmitted run gets: <name>-<5 characters>", () => {
    // A TrainJob's pods are <run>-train-node-0-<index>-<5 characters>, at most 63: with two nodes, 36 characters fit.
    expect(render({ ...PROPS, name: "a".repeat(36) }).workflow.metadata.name).toBe("a".repeat(36));
    expect(() => render({ ...PROPS, name: "a".repeat(37) })).toThrow(
      new RegExp(
        `TrainJobWorkload "${"a".repeat(37)}-xxxxx-train": name is "${"a".repeat(37)}-xxxxx-train"; shorten it`,
      ),
    );
  });

  test("no placeholder of the run's name is left in the Workflow", () => {
    expect(JSON.stringify(render().workflow)).not.toContain("xxxxx");
  });
});
