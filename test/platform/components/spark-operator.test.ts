import type { Step, UpstreamRelease } from "../../../platform/component";
import { loadCheckedProfile } from "../../../platform/check";
import { sparkOperator } from "../../../platform/components/spark-operator";
import { contextFor } from "../../../platform/graph";
import { loadProfile } from "../../../profiles/load";
import { profilesManaging } from "../../support/profiles";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { crdFor, schemaProblems, unknownValuePaths } from "../../support/reference";

function steps(profileName = "cluster-gpu", override?: unknown): readonly Step[] {
  return sparkOperator.steps(contextFor(loadProfile(profileName, override)));
}

function values(profileName = "cluster-gpu", override?: unknown): Record<string, unknown> {
  return (steps(profileName, override)[0] as UpstreamRelease).values;
}

describe("spark-operator component", () => {
  test("is disabled unless a profile opts in: only cluster-gpu does", () => {
    expect(sparkOperator.defaultLifecycle).toBe("disabled");
    expect(profilesManaging("spark-operator")).toEqual(["cluster-gpu"]);
  });

  test("installs the pinned chart with SparkApplications in the team namespaces and sized controllers", () => {
    expect(steps().map((s) => [s.kind, s.name, s.namespace, s.onFailedInstall])).toEqual([
      ["upstream", "spark-operator", "spark-operator", "uninstall"],
    ]);
    expect(steps()[0]).toMatchObject({ chart: "spark-operator", primary: true });
    expect(values()).toEqual({
      image: { registry: "ghcr.io", repository: "kubeflow/spark-operator/controller", tag: "2.5.2" },
      controller: {
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      },
      webhook: { resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } } },
      spark: {
        jobNamespaces: ["team-research", "team-serving", "team-training"],
        serviceAccount: { create: true, name: "spark-driver" },
      },
      prometheus: { podMonitor: { create: true } },
    });
  });

  test("creates no PodMonitor without the platform's monitoring", () => {
    const off = values("cluster-gpu", { components: { observability: { lifecycle: "disabled" } } });
    expect(off.prometheus).toEqual({ podMonitor: { create: false } });
  });

  test("pulls its image through the profile's mirror", () => {
    expect(values("cluster-gpu", { mirror: { images: "harbor.example.com/proxy" } }).image).toEqual({
      registry: "harbor.example.com",
      repository: "proxy/ghcr.io/kubeflow/spark-operator/controller",
      tag: "2.5.2",
    });
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("spark-operator", values())).toEqual([]);
  });

  test("runs on the management cluster after the team namespaces, and before Kueue, whose integration needs its CRDs", () => {
    expect(sparkOperator.placement).toBe("management-only");
    expect(sparkOperator.dependencies(loadProfile("cluster-gpu")).map((d) => [d.id, d.optional ?? false])).toEqual([
      ["tenancy", false],
    ]);
    expect(sparkOperator.namespaces(contextFor(loadProfile("cluster-gpu")))).toEqual([{ name: "spark-operator" }]);
  });

  test("a profile with MultiKueue workers may not enable it", () => {
    expect(() =>
      loadCheckedProfile("multicloud-gpu", { components: { "spark-operator": { lifecycle: "managed" } } }),
    ).toThrow(
      /components\.spark-operator\.lifecycle: got "managed"; Kueue would watch SparkApplications on the MultiKueue workers \(aks, gke\)/,
    );
  });

  test("the SparkApplication docs/spark.md tells teams to submit validates against the pinned CRD and runs restricted", () => {
    const docs = readFileSync(join(__dirname, "../../../docs/spark.md"), "utf8");
    const block = /```yaml\n(apiVersion: sparkoperator[\s\S]*?)```/.exec(docs);
    const app = parse(block?.[1] ?? "") as {
      apiVersion: string;
      kind: string;
      spec: Record<string, { serviceAccount?: string; securityContext?: Record<string, unknown> }>;
    };
    const crd = crdFor(app.apiVersion, app.kind);
    expect(crd).toBeDefined();
    expect(schemaProblems(app, crd?.schema ?? {})).toEqual([]);
    expect(app.spec.driver.serviceAccount).toBe("spark-driver");
    for (const role of ["driver", "executor"]) {
      expect(app.spec[role].securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 185,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
    }
  });
});
