import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdk8s";
import { parseAllDocuments } from "yaml";
import { TrainingRuntimesChart } from "../../charts/training-runtimes";
import { resources } from "../../charts/resources";
import type { Manifest } from "../support/render";
import { crdFor, REFERENCE_DIR, schemaProblems } from "../support/reference";

const RUNTIME = {
  name: "torch-distributed",
  image: "pytorch/pytorch:2.13.0-cuda13.0-cudnn9-runtime",
  runAsUser: 10001,
};

function render(): Manifest[] {
  const chart = new TrainingRuntimesChart(Testing.app(), "runtimes", {
    runtimes: [RUNTIME],
    resources: resources("1", "2Gi", "1", "2Gi"),
  });
  return Testing.synth(chart);
}

/** Upstream's own `torch-distributed`, as the chart's installer would apply it (the reference's rendered example). */
function upstreamTorchRuntime(): Manifest {
  const file = join(REFERENCE_DIR, "examples/kubeflow-trainer-v2.3.0/clustertrainingruntimes.yaml");
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((doc) => doc.toJS() as Manifest)
    .find((o) => o?.metadata?.name === "torch-distributed");
}

describe("TrainingRuntimesChart", () => {
  test("renders a restricted torch ClusterTrainingRuntime, exactly", () => {
    expect(render()).toEqual([
      {
        apiVersion: "trainer.kubeflow.org/v1alpha1",
        kind: "ClusterTrainingRuntime",
        metadata: { name: "torch-distributed", labels: { "trainer.kubeflow.org/framework": "torch" } },
        spec: {
          mlPolicy: { numNodes: 1, torch: {} },
          template: {
            spec: {
              replicatedJobs: [
                {
                  name: "node",
                  replicas: 1,
                  template: {
                    metadata: { labels: { "trainer.kubeflow.org/trainjob-ancestor-step": "trainer" } },
                    spec: {
                      backoffLimit: 0,
                      template: {
                        spec: {
                          restartPolicy: "Never",
                          automountServiceAccountToken: false,
                          securityContext: {
                            runAsNonRoot: true,
                            runAsUser: 10001,
                            seccompProfile: { type: "RuntimeDefault" },
                          },
                          containers: [
                            {
                              name: "node",
                              image: "pytorch/pytorch:2.13.0-cuda13.0-cudnn9-runtime",
                              env: [{ name: "HOME", value: "/tmp" }],
                              resources: {
                                requests: { cpu: "1", memory: "2Gi" },
                                limits: { cpu: "1", memory: "2Gi" },
                              },
                              securityContext: {
                                allowPrivilegeEscalation: false,
                                capabilities: { drop: ["ALL"] },
                                readOnlyRootFilesystem: true,
                              },
                              volumeMounts: [
                                { name: "scratch", mountPath: "/tmp" },
                                { name: "shm", mountPath: "/dev/shm" },
                              ],
                            },
                          ],
                          volumes: [
                            { name: "scratch", emptyDir: {} },
                            { name: "shm", emptyDir: { medium: "Memory" } },
                          ],
                        },
                      },
                    },
                  },
                },
              ],
            },
          },
        },
      },
    ]);
  });

  test("validates against the pinned ClusterTrainingRuntime CRD (unknown fields are errors)", () => {
    const [runtime] = render();
    const crd = crdFor(runtime.apiVersion, runtime.kind);
    expect(crd?.file).toMatch(/kubeflow-trainer-v2\.3\.0/);
    expect(schemaProblems(runtime, crd?.schema ?? {})).toEqual([]);
  });

  test("keeps the contract of upstream's torch-distributed: the same policy, Job, ancestor label, container and image", () => {
    const ours = render()[0];
    const upstream = upstreamTorchRuntime();
    const contract = (o: Manifest) => {
      const job = o.spec.template.spec.replicatedJobs[0];
      return {
        name: o.metadata.name,
        framework: o.metadata.labels["trainer.kubeflow.org/framework"],
        mlPolicy: o.spec.mlPolicy,
        jobs: o.spec.template.spec.replicatedJobs.map((j: Manifest) => j.name),
        labels: job.template.metadata.labels,
        containers: job.template.spec.template.spec.containers.map((c: Manifest) => [c.name, c.image]),
      };
    };
    expect(contract(ours)).toEqual(contract(upstream));
    // What upstream leaves out and the team namespaces' Pod Security `restricted` needs.
    expect(upstream.spec.template.spec.replicatedJobs[0].template.spec.template.spec.securityContext).toBeUndefined();
  });

  test("every pod setting Pod Security restricted checks is set, on the pod or the container", () => {
    const pod = render()[0].spec.template.spec.replicatedJobs[0].template.spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext.capabilities).toEqual({ drop: ["ALL"] });
    expect(pod.volumes.map((v: Manifest) => Object.keys(v).filter((k) => k !== "name"))).toEqual([
      ["emptyDir"],
      ["emptyDir"],
    ]);
  });
});
