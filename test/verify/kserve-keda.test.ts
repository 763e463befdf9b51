import { Chart, Testing } from "cdk8s";
import { InferenceServiceWorkload } from "../../charts/workloads/inference-service";
import type { InferenceServiceWorkloadProps } from "../../charts/workloads/inference-service";
import { kserveScaledObject, scaledObjectProblems } from "../../verify/kserve-keda";
import type { ScaledObject } from "../../verify/kserve-keda";
import { crdFor, schemaProblems } from "../support/reference";

const PROMETHEUS = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090";
const PROPS: InferenceServiceWorkloadProps = {
  name: "rag-embedder",
  placement: { namespace: "team-serving", localQueue: "default", nodeSelector: {}, tolerations: [] },
  modelFormat: "huggingface",
  storageUri: "s3://team-serving/rag-embedder",
  resources: { cpu: "1", memory: "2Gi" },
  minReplicas: 0,
  maxReplicas: 1,
  autoscaling: {
    prometheusUrl: PROMETHEUS,
    triggers: [{ query: 'sum(kube_job_status_active{namespace="team-serving"})', target: 1, wakesFromZero: true }],
  },
};

function isvc(props: InferenceServiceWorkloadProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  new InferenceServiceWorkload(chart, "isvc", props);
  return Testing.synth(chart)[0];
}

describe("the ScaledObject KServe derives", () => {
  test("targets the predictor Deployment with one Prometheus trigger per metric, from zero replicas", () => {
    expect(kserveScaledObject(isvc())).toEqual({
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: { name: "rag-embedder-predictor", namespace: "team-serving" },
      spec: {
        scaleTargetRef: { name: "rag-embedder-predictor" },
        minReplicaCount: 0,
        maxReplicaCount: 1,
        triggers: [
          {
            type: "prometheus",
            metadata: {
              serverAddress: PROMETHEUS,
              query: 'sum(kube_job_status_active{namespace="team-serving"})',
              threshold: "1",
            },
          },
        ],
      },
    });
  });

  test("validates against KEDA's pinned ScaledObject CRD and its Prometheus scaler's required metadata", () => {
    const scaledObject = kserveScaledObject(isvc()) as ScaledObject;
    expect(schemaProblems(scaledObject, crdFor("keda.sh/v1alpha1", "ScaledObject")?.schema ?? {})).toEqual([]);
    expect(scaledObjectProblems(scaledObject)).toEqual([]);
  });

  test("an InferenceService left to KServe's HPA gets none", () => {
    expect(kserveScaledObject(isvc({ ...PROPS, minReplicas: 1, autoscaling: undefined }))).toBeUndefined();
  });

  test("a trigger without a query or a positive threshold is reported with its place", () => {
    const scaledObject = kserveScaledObject(isvc()) as ScaledObject;
    const broken: ScaledObject = {
      ...scaledObject,
      spec: {
        ...scaledObject.spec,
        triggers: [{ type: "prometheus", metadata: { serverAddress: PROMETHEUS, query: "", threshold: "0" } }],
      },
    };
    expect(scaledObjectProblems(broken)).toEqual([
      "ScaledObject team-serving/rag-embedder-predictor: triggers[0].metadata.query is empty",
      'ScaledObject team-serving/rag-embedder-predictor: triggers[0].metadata.threshold is "0"; KEDA needs a positive number',
    ]);
  });
});
