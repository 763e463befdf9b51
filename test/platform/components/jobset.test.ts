import type { Step, UpstreamRelease, WebhookGate } from "../../../platform/component";
import { loadCheckedProfile } from "../../../platform/check";
import { jobset } from "../../../platform/components/jobset";
import { contextFor } from "../../../platform/graph";
import { loadProfile } from "../../../profiles/load";
import { profilesManaging } from "../../support/profiles";
import { crdFor, schemaProblems, unknownValuePaths } from "../../support/reference";

function steps(profileName = "cluster-gpu", override?: unknown): readonly Step[] {
  return jobset.steps(contextFor(loadProfile(profileName, override)));
}

describe("jobset component", () => {
  test("is disabled unless a profile opts in: only cluster-gpu does", () => {
    expect(jobset.defaultLifecycle).toBe("disabled");
    expect(profilesManaging("jobset")).toEqual(["cluster-gpu"]);
  });

  test("installs the pinned chart and image with small resources, then gates on its webhooks", () => {
    const [release, gate] = steps();
    expect(steps().map((s) => [s.kind, s.name, s.namespace, s.after ?? []])).toEqual([
      ["upstream", "jobset", "jobset-system", []],
      ["gate", "jobset-webhook-ready", "jobset-system", ["jobset"]],
    ]);
    expect(release).toMatchObject({ chart: "jobset", primary: true, onFailedInstall: "uninstall" });
    expect((release as UpstreamRelease).values).toEqual({
      image: { repository: "registry.k8s.io/jobset/jobset", tag: "v0.12.0" },
      controller: {
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      },
    });
    expect((gate as WebhookGate).resource).toBe("jobsets");
  });

  test("pulls its image through the profile's mirror", () => {
    const [release] = steps("cluster-gpu", { mirror: { images: "harbor.example.com/proxy" } });
    expect((release as UpstreamRelease).values.image).toEqual({
      repository: "harbor.example.com/proxy/registry.k8s.io/jobset/jobset",
      tag: "v0.12.0",
    });
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("jobset", (steps()[0] as UpstreamRelease).values)).toEqual([]);
  });

  test("the webhook probe is a JobSet that validates against the pinned CRD", () => {
    const gate = steps()[1] as WebhookGate;
    expect(gate.probe).toEqual({
      apiVersion: "jobset.x-k8s.io/v1alpha2",
      kind: "JobSet",
      metadata: { name: "jobset-webhook-probe", namespace: "jobset-system" },
      spec: {
        replicatedJobs: [
          {
            name: "probe",
            template: {
              spec: {
                template: {
                  spec: {
                    restartPolicy: "Never",
                    containers: [{ name: "probe", image: "registry.k8s.io/kubectl:v1.35.0" }],
                  },
                },
              },
            },
          },
        ],
      },
    });
    const crd = crdFor(gate.probe.apiVersion, gate.probe.kind);
    expect(crd?.file).toMatch(/jobset-v0\.12\.0/);
    expect(schemaProblems(gate.probe, crd?.schema ?? {})).toEqual([]);
  });

  test("runs on every cluster and needs nothing else", () => {
    expect(jobset.placement).toBe("every-cluster");
    expect(jobset.dependencies(loadProfile("cluster-gpu"))).toEqual([]);
    expect(jobset.namespaces(contextFor(loadProfile("cluster-gpu")))).toEqual([{ name: "jobset-system" }]);
  });

  test("a profile with MultiKueue workers may not enable it: the workers' access does not cover JobSets", () => {
    expect(() => loadCheckedProfile("multicloud-gpu", { components: { jobset: { lifecycle: "managed" } } })).toThrow(
      /components\.jobset\.lifecycle: got "managed"; Kueue would watch JobSets on the MultiKueue workers \(aks, gke\), which the workers' access does not grant/,
    );
  });
});
