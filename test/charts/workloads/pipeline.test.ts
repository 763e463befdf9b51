import { Chart, Testing } from "cdk8s";
import { parse } from "yaml";
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
