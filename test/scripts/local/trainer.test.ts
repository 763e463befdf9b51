/**
 * The JobSet and Kubeflow Trainer controllers as local processes (scripts/local/trainer.ts): their Configurations
 * changed for a process outside the cluster, the webhook Services the shim must point at them, how their start is
 * read from their logs, and the refusal of TrainJobs without them. TrainJobs run for real in
 * test/scripts/local/simulate.test.ts.
 */
import { resolve } from "node:path";
import { loadCheckedProfile } from "../../../platform/check";
import type { K8sObject } from "../../../reports/rendered";
import { simulate } from "../../../scripts/local/simulate";
import {
  controllerPorts,
  controllerReleaseObjects,
  JOBSET_CONTROLLER,
  releaseConfiguration,
  servesWebhooks,
  startedWorkers,
  TRAINER_CONTROLLER,
  webhookServices,
} from "../../../scripts/local/trainer";
import { parseWorkloadFile } from "../../../verify/simulation/plan";

const ROOT = resolve(__dirname, "../../..");

/** The jobset chart 0.12.0's Configuration at its defaults (charts/jobset/templates/controller/configmap.yaml). */
const JOBSET_CONFIG = {
  apiVersion: "config.jobset.x-k8s.io/v1alpha1",
  kind: "Configuration",
  leaderElection: { leaderElect: true },
  clientConnection: { qps: 500, burst: 500 },
  internalCertManagement: {
    enable: true,
    webhookServiceName: "jobset-webhook-service",
    webhookSecretName: "jobset-webhook-server-cert",
  },
};

/** Part of the kubeflow-trainer chart 2.3.0's (charts/kubeflow-trainer/templates/manager/configmap.yaml). */
const TRAINER_CONFIG = {
  apiVersion: "config.trainer.kubeflow.org/v1alpha1",
  kind: "Configuration",
  health: { healthProbeBindAddress: ":8081", readinessEndpointName: "readyz", livenessEndpointName: "healthz" },
  metrics: { bindAddress: ":8443", secureServing: true },
  webhook: { port: 9443, host: "" },
  leaderElection: { leaderElect: true, resourceName: "trainer.kubeflow.org", resourceNamespace: "" },
  certManagement: {
    enable: true,
    webhookServiceName: "kubeflow-trainer-controller-manager",
    webhookSecretName: "kubeflow-trainer-webhook-cert",
  },
};

describe("the TrainJob controllers on the local control plane", () => {
  test("JobSet runs without leader election or certificate management, its webhooks on 127.0.0.1 with our certificate, no metrics", () => {
    const ports = controllerPorts(JOBSET_CONTROLLER, 100);
    expect(ports).toEqual({ webhook: 9545, health: 8183 });
    expect(JOBSET_CONTROLLER.localConfiguration(JOBSET_CONFIG, ports, "/state/certs")).toEqual({
      apiVersion: "config.jobset.x-k8s.io/v1alpha1",
      kind: "Configuration",
      leaderElection: { leaderElect: false },
      clientConnection: { qps: 500, burst: 500 },
      internalCertManagement: { enable: false },
      webhook: { host: "127.0.0.1", port: 9545, certDir: "/state/certs" },
      health: { healthProbeBindAddress: "127.0.0.1:8183" },
      metrics: { bindAddress: "0" },
    });
  });

  test("the Trainer keeps its release's settings but leader election, certificate management, addresses and metrics", () => {
    expect(
      TRAINER_CONTROLLER.localConfiguration(TRAINER_CONFIG, controllerPorts(TRAINER_CONTROLLER), "/ignored"),
    ).toEqual({
      apiVersion: "config.trainer.kubeflow.org/v1alpha1",
      kind: "Configuration",
      health: {
        healthProbeBindAddress: "127.0.0.1:8084",
        readinessEndpointName: "readyz",
        livenessEndpointName: "healthz",
      },
      metrics: { bindAddress: "0", secureServing: false },
      webhook: { host: "127.0.0.1", port: 9446 },
      leaderElection: { leaderElect: false, resourceName: "trainer.kubeflow.org", resourceNamespace: "" },
      certManagement: {
        enable: false,
        webhookServiceName: "kubeflow-trainer-controller-manager",
        webhookSecretName: "kubeflow-trainer-webhook-cert",
      },
    });
  });

  test("a release's Configuration, CRDs, webhooks and the Services those webhooks call are read from its render", () => {
    const webhook = (kind: string, name: string, services: string[]): K8sObject => ({
      apiVersion: "admissionregistration.k8s.io/v1",
      kind,
      metadata: { name },
      webhooks: services.map((s) => ({ clientConfig: { service: { namespace: "jobset-system", name: s } } })),
    });
    const objects: K8sObject[] = [
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "jobsets.jobset.x-k8s.io" },
      },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "jobset-manager-config" },
        data: { "controller_manager_config.yaml": "kind: Configuration\nleaderElection:\n  leaderElect: true\n" },
      },
      webhook("MutatingWebhookConfiguration", "m", ["jobset-webhook-service", "jobset-webhook-service"]),
      webhook("ValidatingWebhookConfiguration", "v", ["jobset-webhook-service"]),
    ];
    expect(releaseConfiguration("jobset", objects)).toEqual({
      kind: "Configuration",
      leaderElection: { leaderElect: true },
    });
    expect(webhookServices(objects)).toEqual(["jobset-system/jobset-webhook-service"]);
    const { crds, webhooks } = controllerReleaseObjects(objects);
    expect([crds.map((o) => o.metadata.name), webhooks.map((o) => o.metadata.name)]).toEqual([
      ["jobsets.jobset.x-k8s.io"],
      ["m", "v"],
    ]);
    expect(() => releaseConfiguration("jobset", objects.slice(0, 1))).toThrow(
      "the jobset release renders no ConfigMap with controller_manager_config.yaml",
    );
  });

  test("a controller counts as started once its workers run and its webhook server listens, in either log format", () => {
    const log = [
      '2026-12-01T06:22:54Z\tINFO\tStarting workers\t{"controller": "jobset", "controllerGroup": "jobset.x-k8s.io", "worker count": 1}',
      '2026-12-01T06:22:54Z\tINFO\tStarting EventSource\t{"controller": "pod"}',
      '{"level":"info","msg":"Starting workers","controller":"trainjob_controller","worker count":1}',
    ].join("\n");
    expect(startedWorkers(log)).toEqual(["jobset", "trainjob_controller"]);
    expect(servesWebhooks(log)).toBe(false);
    expect(servesWebhooks('{"msg":"Serving webhook server","host":"127.0.0.1","port":9446}')).toBe(true);
  });

  test("a simulation with TrainJobs is refused before any cluster starts when the controllers were not built", async () => {
    const profile = loadCheckedProfile("cluster-gpu");
    const plan = parseWorkloadFile(
      "workloads:\n  - { name: pre, team: training, kind: train-job, pool: full, replicas: 2, duration: 3 }",
      "train.yaml",
      profile,
    );
    await expect(simulate({ root: ROOT, profile: "cluster-gpu", plans: [plan] })).rejects.toThrow(
      /workload "pre" is a train-job, but the JobSet and Kubeflow Trainer controllers were not built \(run 'npm run tools'.*\): without them no TrainJob would ever run; use kind: job/,
    );
  });
});
