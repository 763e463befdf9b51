import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Chart, Testing } from "cdk8s";
import type { RayTuneWorkloadProps } from "../../../charts/workloads/ray-tune";
import { RAY_TUNE_SCRIPT, RayTuneWorkload } from "../../../charts/workloads/ray-tune";
import { findKubernetesValidate, validateCoreObjects } from "../../../verify/upstream";
import { crdFor, schemaProblems } from "../../support/reference";

const PLACEMENT = {
  namespace: "team-research",
  localQueue: "default",
  priorityClass: "batch",
  nodeSelector: { "cnai.io/pool": "mig" },
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" as const, effect: "NoSchedule" }],
};

const STORAGE = {
  path: "team-research/ray-tune",
  endpoint: "http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333",
  region: "us-east-1",
  credentialsSecret: "object-store-credentials",
};

const PROPS: RayTuneWorkloadProps = {
  name: "ray-sweep",
  placement: PLACEMENT,
  image: "rayproject/ray:2.52.0",
  head: { resources: { cpu: "500m", memory: "1Gi" } },
  workerGroups: [
    {
      name: "workers",
      replicas: 4,
      resources: { cpu: "1", memory: "2Gi", gpu: { resourceName: "nvidia.com/mig-1g.10gb", count: 1 } },
    },
  ],
  mlflow: { trackingUri: "http://mlflow.mlflow.svc.cluster.local:5000", experimentName: "research-samples" },
  registeredModelName: "research-ray-sweep",
  storage: STORAGE,
};

const RESTRICTED_POD = { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } };
const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

function render(props: RayTuneWorkloadProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  const workload = new RayTuneWorkload(chart, "ray-tune", props);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const objects: any[] = Testing.synth(chart);
  return {
    workload,
    configMap: objects.find((o) => o.kind === "ConfigMap"),
    rayJob: objects.find((o) => o.kind === "RayJob"),
    count: objects.length,
  };
}

describe("RayTuneWorkload", () => {
  test("renders the script's ConfigMap and a RayJob in the team's LocalQueue that runs it on the head", () => {
    const { configMap, rayJob, count } = render();
    expect(count).toBe(2);
    expect(configMap).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "ray-sweep-script",
        namespace: "team-research",
        labels: { "app.kubernetes.io/name": "ray-sweep" },
      },
      data: { "ray-tune.py": RAY_TUNE_SCRIPT },
    });
    expect(rayJob.metadata).toEqual({
      name: "ray-sweep",
      namespace: "team-research",
      labels: {
        "app.kubernetes.io/name": "ray-sweep",
        "kueue.x-k8s.io/queue-name": "default",
        "kueue.x-k8s.io/priority-class": "batch",
      },
    });
    expect(rayJob.spec.entrypoint).toBe("python /tune/ray-tune.py");
    // No trial on the head: it keeps its CPU and memory for the GCS and the Tune driver.
    expect(rayJob.spec.rayClusterSpec.headGroupSpec.rayStartParams).toEqual({
      "dashboard-host": "0.0.0.0",
      "num-cpus": "0",
    });
    expect(rayJob.spec.shutdownAfterJobFinishes).toBe(true);
    expect(rayJob.spec.suspend).toBeUndefined();
  });

  test("gives the head MLflow, the search's sizes, the bucket and the team's S3 keys from its Secret, and mounts the script", () => {
    const head = render().rayJob.spec.rayClusterSpec.headGroupSpec.template.spec;
    expect(head.containers).toEqual([
      {
        name: "ray-head",
        image: "rayproject/ray:2.52.0",
        env: [
          { name: "MLFLOW_TRACKING_URI", value: "http://mlflow.mlflow.svc.cluster.local:5000" },
          { name: "MLFLOW_EXPERIMENT_NAME", value: "research-samples" },
          { name: "TUNE_EXPERIMENT", value: "ray-sweep" },
          { name: "REGISTERED_MODEL_NAME", value: "research-ray-sweep" },
          { name: "TUNE_NUM_SAMPLES", value: "8" },
          { name: "TUNE_MAX_EPOCHS", value: "20" },
          { name: "TUNE_MAX_CONCURRENT_TRIALS", value: "4" },
          { name: "TUNE_TRIAL_CPUS", value: "1" },
          { name: "TUNE_TRIAL_GPUS", value: "1" },
          { name: "TUNE_STORAGE_PATH", value: "team-research/ray-tune" },
          { name: "AWS_ENDPOINT_URL", value: "http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333" },
          { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
          {
            name: "AWS_ACCESS_KEY_ID",
            valueFrom: { secretKeyRef: { name: "object-store-credentials", key: "AWS_ACCESS_KEY_ID" } },
          },
          {
            name: "AWS_SECRET_ACCESS_KEY",
            valueFrom: { secretKeyRef: { name: "object-store-credentials", key: "AWS_SECRET_ACCESS_KEY" } },
          },
        ],
        resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "500m", memory: "1Gi" } },
        securityContext: RESTRICTED_CONTAINER,
        volumeMounts: [{ name: "files", mountPath: "/tune", readOnly: true }],
      },
    ]);
    expect(head.volumes).toEqual([{ name: "files", configMap: { name: "ray-sweep-script" } }]);
    expect(head.securityContext).toEqual(RESTRICTED_POD);
  });

  test("workers run the trials with their GPU slot and no credentials; the submitter stays small and restricted", () => {
    const { spec } = render().rayJob;
    expect(spec.rayClusterSpec.workerGroupSpecs).toEqual([
      {
        groupName: "workers",
        replicas: 4,
        minReplicas: 4,
        maxReplicas: 4,
        rayStartParams: { "num-gpus": "1" },
        template: {
          spec: {
            securityContext: RESTRICTED_POD,
            nodeSelector: { "cnai.io/pool": "mig" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
            containers: [
              {
                name: "ray-worker",
                image: "rayproject/ray:2.52.0",
                resources: {
                  requests: { cpu: "1", memory: "2Gi", "nvidia.com/mig-1g.10gb": "1" },
                  limits: { cpu: "1", memory: "2Gi", "nvidia.com/mig-1g.10gb": "1" },
                },
                securityContext: RESTRICTED_CONTAINER,
              },
            ],
          },
        },
      },
    ]);
    expect(spec.submitterPodTemplate.spec.containers[0].resources).toEqual({
      requests: { cpu: "200m", memory: "512Mi" },
      limits: { cpu: "200m", memory: "512Mi" },
    });
    expect(spec.submitterPodTemplate.spec.securityContext).toEqual(RESTRICTED_POD);
  });

  test("without storage the state stays on the head: no bucket and no S3 keys in its environment", () => {
    const env = render({ ...PROPS, storage: undefined }).rayJob.spec.rayClusterSpec.headGroupSpec.template.spec
      .containers[0].env as Array<{ name: string }>;
    expect(env.map((e) => e.name)).toEqual([
      "MLFLOW_TRACKING_URI",
      "MLFLOW_EXPERIMENT_NAME",
      "TUNE_EXPERIMENT",
      "REGISTERED_MODEL_NAME",
      "TUNE_NUM_SAMPLES",
      "TUNE_MAX_EPOCHS",
      "TUNE_MAX_CONCURRENT_TRIALS",
      "TUNE_TRIAL_CPUS",
      "TUNE_TRIAL_GPUS",
    ]);
  });

  test("sizes the search: the given samples and epochs, one trial per started worker, of whole worker CPUs and no GPU", () => {
    const env = render({
      ...PROPS,
      workerGroups: [{ name: "workers", replicas: 2, maxReplicas: 3, resources: { cpu: "1500m", memory: "2Gi" } }],
      search: { numSamples: 3, maxEpochs: 2 },
    }).rayJob.spec.rayClusterSpec.headGroupSpec.template.spec.containers[0].env as Array<{
      name: string;
      value?: string;
    }>;
    expect(Object.fromEntries(env.filter((e) => e.name.startsWith("TUNE_")).map((e) => [e.name, e.value]))).toEqual({
      TUNE_EXPERIMENT: "ray-sweep",
      TUNE_NUM_SAMPLES: "3",
      TUNE_MAX_EPOCHS: "2",
      TUNE_MAX_CONCURRENT_TRIALS: "2",
      TUNE_TRIAL_CPUS: "2",
      TUNE_TRIAL_GPUS: "0",
      TUNE_STORAGE_PATH: "team-research/ray-tune",
    });
  });

  test("demands what its RayJob demands: head, four workers with a slot each and the submitter", () => {
    expect(render().workload.demand).toEqual({
      pods: 6,
      cpu: 0.5 + 4 * 1 + 0.2,
      memoryBytes: 2 ** 30 + 4 * 2 * 2 ** 30 + 512 * 2 ** 20,
      extended: { "nvidia.com/mig-1g.10gb": 4 },
    });
  });

  test("validates against the pinned KubeRay v1.7.0 RayJob CRD, and its pods strictly as Kubernetes Pods", () => {
    const { rayJob } = render();
    const crd = crdFor("ray.io/v1", "RayJob");
    expect(crd).toBeDefined();
    expect(schemaProblems(rayJob, crd?.schema ?? {})).toEqual([]);
    const pod = (name: string, spec: unknown) => ({
      source: "ray-tune",
      object: { apiVersion: "v1", kind: "Pod", metadata: { name }, spec },
    });
    const { rayClusterSpec, submitterPodTemplate } = rayJob.spec;
    const pods = [
      pod("head", rayClusterSpec.headGroupSpec.template.spec),
      pod("worker", rayClusterSpec.workerGroupSpecs[0].template.spec),
      pod("submitter", submitterPodTemplate.spec),
    ];
    expect(validateCoreObjects(pods, findKubernetesValidate()!)).toEqual([]);
  });

  test("rejects a registered model name MLflow URIs cannot carry", () => {
    expect(() => render({ ...PROPS, registeredModelName: "research/ray sweep" })).toThrow(
      /RayTuneWorkload "ray-sweep": registeredModelName is "research\/ray sweep"; use at most 128 letters, digits, '\.', '_' and '-'/,
    );
  });

  test("rejects a search without samples or shorter than ASHA's grace period", () => {
    expect(() => render({ ...PROPS, search: { numSamples: 0 } })).toThrow(
      /search\.numSamples is 0; use a whole number of at least 1/,
    );
    expect(() => render({ ...PROPS, search: { maxEpochs: 1 } })).toThrow(
      /search\.maxEpochs is 1; use a whole number of at least 2/,
    );
  });

  test("rejects more than one worker group: a trial takes one worker of the group", () => {
    const group = PROPS.workerGroups[0];
    expect(() => render({ ...PROPS, workerGroups: [group, { ...group, name: "more" }] })).toThrow(
      /workerGroups\.length is 2; give one worker group: each trial takes one of its workers/,
    );
  });

  test("rejects storage with a scheme in its path, an endpoint with a path, an empty region or a bad Secret name", () => {
    expect(() => render({ ...PROPS, storage: { ...STORAGE, path: "s3://team-research/ray-tune" } })).toThrow(
      /storage\.path is "s3:\/\/team-research\/ray-tune"; give bucket\/prefix without s3:\/\//,
    );
    expect(() => render({ ...PROPS, storage: { ...STORAGE, endpoint: "http://store:8333/bucket" } })).toThrow(
      /storage\.endpoint is "http:\/\/store:8333\/bucket"; give the S3 endpoint's http\(s\) URL without credentials or path/,
    );
    expect(() => render({ ...PROPS, storage: { ...STORAGE, region: " " } })).toThrow(
      /storage\.region is " "; give the store's region/,
    );
    expect(() => render({ ...PROPS, storage: { ...STORAGE, credentialsSecret: "Keys" } })).toThrow(
      /storage\.credentialsSecret is "Keys"; use at most 63 lowercase letters/,
    );
  });

  test("rejects an MLflow tracking URI with credentials", () => {
    expect(() => render({ ...PROPS, mlflow: { ...PROPS.mlflow, trackingUri: "http://user:pw@mlflow:5000" } })).toThrow(
      /mlflow\.trackingUri is "http:\/\/user:pw@mlflow:5000"; give the MLflow server's http\(s\) URL/,
    );
  });

  test("the Tune script is valid Python that runs ASHA, logs each trial over MLflow's REST API and registers the best", () => {
    const dir = mkdtempSync(join(tmpdir(), "cnai-tune-"));
    const file = join(dir, "ray-tune.py");
    writeFileSync(file, RAY_TUNE_SCRIPT);
    execFileSync("python3", ["-m", "py_compile", file]);
    expect(RAY_TUNE_SCRIPT).toContain("scheduler=ASHAScheduler(");
    expect(RAY_TUNE_SCRIPT).toContain("class MlflowTrials(tune.Callback):");
    expect(RAY_TUNE_SCRIPT).toContain('"model-versions/create"');
    expect(RAY_TUNE_SCRIPT).toContain("fs.S3FileSystem(");
    // Only what the rayproject/ray image holds: Ray, numpy, pyarrow and the standard library.
    const imports = RAY_TUNE_SCRIPT.split("\n")
      .map((line) => /^\s*(?:from (\S+) import|import (\S+))/.exec(line))
      .filter((m) => m !== null)
      .map((m) => (m[1] ?? m[2]).split(".")[0]);
    expect([...new Set(imports)].sort()).toEqual([
      "json",
      "numpy",
      "os",
      "pyarrow",
      "ray",
      "tempfile",
      "time",
      "urllib",
    ]);
  });
});
