import type { LocalRelease, Step, UpstreamRelease } from "../../../platform/component";
import { loadCheckedProfile } from "../../../platform/check";
import { argoWorkflows } from "../../../platform/components/argo-workflows";
import { contextFor } from "../../../platform/graph";
import { loadProfile } from "../../../profiles/load";
import { profilesManaging } from "../../support/profiles";
import { unknownValuePaths } from "../../support/reference";
import { renderLocal } from "../../support/render";
import { parse } from "yaml";

function steps(profileName = "cluster-gpu", override?: unknown): readonly Step[] {
  return argoWorkflows.steps(contextFor(loadProfile(profileName, override)));
}

function values(profileName = "cluster-gpu", override?: unknown): Record<string, unknown> {
  return (steps(profileName, override)[0] as UpstreamRelease).values;
}

const RESTRICTED = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true };

describe("argo-workflows component", () => {
  test("is disabled unless a profile opts in: only cluster-gpu does", () => {
    expect(argoWorkflows.defaultLifecycle).toBe("disabled");
    expect(profilesManaging("argo-workflows")).toEqual(["cluster-gpu"]);
  });

  test("installs the pinned chart: the controller only, minimal CRDs, workflows in the team namespaces", () => {
    expect(steps().map((s) => [s.kind, s.name, s.namespace, s.after ?? [], s.onFailedInstall])).toEqual([
      ["upstream", "argo-workflows", "argo", [], "uninstall"],
      ["local", "argo-artifact-repositories", "argo", [], "uninstall"],
    ]);
    expect(steps()[0]).toMatchObject({ chart: "argo-workflows", primary: true, onFailedInstall: "uninstall" });
    expect(values()).toEqual({
      images: { pullPolicy: "IfNotPresent" },
      crds: { full: false },
      workflow: {
        serviceAccount: { create: true, name: "argo-workflow" },
        // What the pipeline's resource steps create (kubectl create, then GET until done) or apply (GET, then PATCH).
        rbac: {
          rules: [
            { apiGroups: ["ray.io"], resources: ["rayjobs"], verbs: ["create", "get"] },
            { apiGroups: ["trainer.kubeflow.org"], resources: ["trainjobs"], verbs: ["create", "get"] },
            { apiGroups: ["serving.kserve.io"], resources: ["inferenceservices"], verbs: ["create", "get", "patch"] },
          ],
        },
      },
      controller: {
        image: { registry: "quay.io", repository: "argoproj/workflow-controller", tag: "v4.0.6" },
        workflowNamespaces: ["team-research", "team-serving", "team-training"],
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        workflowDefaults: {
          spec: {
            serviceAccountName: "argo-workflow",
            podMetadata: { labels: { "kueue.x-k8s.io/queue-name": "default" } },
            securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
          },
        },
      },
      executor: {
        image: { registry: "quay.io", repository: "argoproj/argoexec", tag: "v4.0.6" },
        resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        securityContext: RESTRICTED,
      },
      mainContainer: { securityContext: RESTRICTED },
      server: { enabled: false },
    });
  });

  test("the workflow ServiceAccount gets rights only on the kinds whose operators the profile runs", () => {
    const disabled = { lifecycle: "disabled" };
    const rules = (override: unknown) =>
      (values("cluster-gpu", override).workflow as { rbac: { rules: Array<{ resources: string[] }> } }).rbac.rules;
    // cluster-gpu's pipeline sample needs all three; without samples each operator can go.
    expect(rules({ samples: {}, components: { kuberay: disabled } }).map((r) => r.resources[0])).toEqual([
      "trainjobs",
      "inferenceservices",
    ]);
    expect(
      rules({ samples: {}, components: { kuberay: disabled, "kubeflow-trainer": disabled, kserve: disabled } }),
    ).toEqual([]);
  });

  test("pulls its images through the profile's mirror", () => {
    const mirrored = values("cluster-gpu", { mirror: { images: "harbor.example.com/proxy" } }) as {
      controller: { image: unknown };
      executor: { image: unknown };
    };
    expect(mirrored.controller.image).toEqual({
      registry: "harbor.example.com",
      repository: "proxy/quay.io/argoproj/workflow-controller",
      tag: "v4.0.6",
    });
    expect(mirrored.executor.image).toEqual({
      registry: "harbor.example.com",
      repository: "proxy/quay.io/argoproj/argoexec",
      tag: "v4.0.6",
    });
  });

  test("each team's artifacts go to its own bucket in the managed object store, with its own keys", () => {
    const objects = renderLocal(steps()[1] as LocalRelease);
    expect(objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name])).toEqual([
      ["ConfigMap", "team-research", "artifact-repositories"],
      ["ConfigMap", "team-serving", "artifact-repositories"],
      ["ConfigMap", "team-training", "artifact-repositories"],
    ]);
    // The entry's full shape is charts/argo-artifacts.ts's test; here, what the profile decides.
    const { s3 } = parse(objects[2].data["default-v1"]) as { s3: Record<string, unknown> };
    expect([s3.bucket, s3.endpoint, s3.insecure, s3.region, s3.accessKeySecret]).toEqual([
      "team-training",
      "seaweedfs-all-in-one.object-store.svc.cluster.local:8333",
      true,
      "us-east-1",
      { name: "object-store-credentials", key: "AWS_ACCESS_KEY_ID" },
    ]);
  });

  test("no artifact repositories without an object store", () => {
    const names = steps("cluster-gpu", { components: { "object-store": { lifecycle: "disabled" } } }).map(
      (s) => s.name,
    );
    expect(names).toEqual(["argo-workflows"]);
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("argo-workflows", values())).toEqual([]);
  });

  test("runs on the management cluster after Kueue and the team namespaces", () => {
    expect(argoWorkflows.placement).toBe("management-only");
    expect(argoWorkflows.dependencies(loadProfile("cluster-gpu")).map((d) => [d.id, d.optional ?? false])).toEqual([
      ["kueue", false],
      ["tenancy", false],
      ["object-store", true],
    ]);
    expect(argoWorkflows.namespaces(contextFor(loadProfile("cluster-gpu")))).toEqual([{ name: "argo" }]);
  });

  test("a profile with MultiKueue workers may not enable it", () => {
    expect(() =>
      loadCheckedProfile("multicloud-gpu", { components: { "argo-workflows": { lifecycle: "managed" } } }),
    ).toThrow(
      /components\.argo-workflows\.lifecycle: got "managed"; MultiKueue would dispatch single workflow pods to the workers \(aks, gke\)/,
    );
  });
});
