import type { LocalRelease, Step, UpstreamRelease, WebhookGate } from "../../../platform/component";
import { loadCheckedProfile } from "../../../platform/check";
import { kubeflowTrainer, TORCH_RUNTIME, trainingRuntimes } from "../../../platform/components/kubeflow-trainer";
import { contextFor } from "../../../platform/graph";
import { loadProfile } from "../../../profiles/load";
import { profilesManaging } from "../../support/profiles";
import { renderLocal } from "../../support/render";
import { crdFor, referenceValues, schemaProblems, unknownValuePaths } from "../../support/reference";

function steps(profileName = "cluster-gpu", override?: unknown): readonly Step[] {
  return kubeflowTrainer.steps(contextFor(loadProfile(profileName, override)));
}

describe("kubeflow-trainer component", () => {
  test("is disabled unless a profile opts in: only cluster-gpu does", () => {
    expect(kubeflowTrainer.defaultLifecycle).toBe("disabled");
    expect(profilesManaging("kubeflow-trainer")).toEqual(["cluster-gpu"]);
  });

  test("installs the controller, waits for its webhook, then installs the platform's runtime", () => {
    expect(steps().map((s) => [s.kind, s.name, s.namespace, s.after ?? [], s.onFailedInstall])).toEqual([
      ["upstream", "kubeflow-trainer", "kubeflow-system", [], "uninstall"],
      ["gate", "kubeflow-trainer-webhook-ready", "kubeflow-system", ["kubeflow-trainer"], undefined],
      ["local", "training-runtimes", "kubeflow-system", ["kubeflow-trainer-webhook-ready"], "uninstall"],
    ]);
  });

  test("leaves JobSet and the built-in runtimes to the platform and pins the controller image", () => {
    const release = steps()[0] as UpstreamRelease;
    expect(release).toMatchObject({ chart: "kubeflow-trainer", primary: true });
    expect(release.values).toEqual({
      jobset: { install: false },
      image: { registry: "ghcr.io", repository: "kubeflow/trainer/trainer-controller-manager", tag: "v2.3.0" },
      manager: {
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      },
      runtimes: { defaultEnabled: false },
    });
    // Every other built-in runtime switch is off in the pinned chart, so no installer hook Job renders.
    const chart = referenceValues("kubeflow-trainer") as {
      runtimes: Record<string, { enabled?: boolean } & Record<string, unknown>>;
    };
    expect(chart.runtimes.torchDistributed.enabled).toBe(false);
    expect(chart.runtimes.deepspeedDistributed.enabled).toBe(false);
  });

  test("splits a mirrored controller image into the chart's registry and repository", () => {
    const release = steps("cluster-gpu", { mirror: { images: "harbor.example.com/proxy" } })[0] as UpstreamRelease;
    expect(release.values.image).toEqual({
      registry: "harbor.example.com",
      repository: "proxy/ghcr.io/kubeflow/trainer/trainer-controller-manager",
      tag: "v2.3.0",
    });
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("kubeflow-trainer", (steps()[0] as UpstreamRelease).values)).toEqual([]);
  });

  test("the webhook probe is the torch runtime under the probe's name, valid against the pinned CRD", () => {
    const gate = steps()[1] as WebhookGate;
    expect(gate.resource).toBe("clustertrainingruntimes");
    expect(gate.probe.metadata).toEqual({ name: "kubeflow-trainer-webhook-probe" });
    const [runtime] = renderLocal(steps()[2] as LocalRelease);
    expect(gate.probe).toEqual({ ...runtime, metadata: { name: "kubeflow-trainer-webhook-probe" } });
    const crd = crdFor(gate.probe.apiVersion, gate.probe.kind);
    expect(crd?.file).toMatch(/kubeflow-trainer-v2\.3\.0/);
    expect(schemaProblems(gate.probe, crd?.schema ?? {})).toEqual([]);
  });

  test("installs one runtime, torch-distributed, with the pinned PyTorch image (mirrored when the profile says so)", () => {
    expect(TORCH_RUNTIME).toBe("torch-distributed");
    expect(trainingRuntimes()).toEqual([
      { name: "torch-distributed", image: "pytorch/pytorch:2.13.0-cuda13.0-cudnn9-runtime", runAsUser: 10001 },
    ]);
    expect(trainingRuntimes("harbor.example.com/proxy")[0].image).toBe(
      "harbor.example.com/proxy/docker.io/pytorch/pytorch:2.13.0-cuda13.0-cudnn9-runtime",
    );
    const objects = renderLocal(steps()[2] as LocalRelease);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(["ClusterTrainingRuntime/torch-distributed"]);
    // Nodes of a TrainJob without resourcesPerNode get a small CPU run's worth.
    const container = objects[0].spec.template.spec.replicatedJobs[0].template.spec.template.spec.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "2Gi" } });
  });

  test("needs JobSet, runs on every cluster, and a profile enabling it without JobSet is refused", () => {
    expect(kubeflowTrainer.placement).toBe("every-cluster");
    expect(kubeflowTrainer.dependencies(loadProfile("cluster-gpu"))).toEqual([
      { id: "jobset", reason: "every TrainJob runs as a JobSet, whose webhooks must answer first" },
    ]);
    expect(() => loadCheckedProfile("cluster-gpu", { components: { jobset: { lifecycle: "disabled" } } })).toThrow(
      /components\.jobset\.lifecycle: got "disabled"; "kubeflow-trainer" is managed and needs "jobset"/,
    );
  });

  test("a profile with MultiKueue workers may not enable it: the workers' access does not cover TrainJobs", () => {
    expect(() =>
      loadCheckedProfile("multicloud-gpu", {
        components: { jobset: { lifecycle: "disabled" }, "kubeflow-trainer": { lifecycle: "external" } },
      }),
    ).toThrow(
      /components\.kubeflow-trainer\.lifecycle: got "external"; Kueue would watch TrainJobs on the MultiKueue workers \(aks, gke\)/,
    );
  });
});
