import { ApiObject, Chart } from "cdk8s";
import { loadCheckedProfile } from "../../platform/check";
import { CATALOG } from "../../platform/catalog";
import type { PlannedStep } from "../../platform/graph";
import { planSteps, resolveGraph } from "../../platform/graph";
import { ReferenceDir } from "../../verify/reference";
import { checkConformance, findKubernetesValidate, targetKubernetesVersion } from "../../verify/upstream";
import { REFERENCE_DIR, reference } from "../support/reference";

function stepsFor(name: string): { profile: ReturnType<typeof loadCheckedProfile>; steps: PlannedStep[] } {
  const profile = loadCheckedProfile(name);
  return { profile, steps: planSteps(resolveGraph(CATALOG, profile)) };
}

/** Replaces one step of a plan, keeping everything else. */
function withStep(
  steps: PlannedStep[],
  name: string,
  change: (step: PlannedStep["step"]) => PlannedStep["step"],
): PlannedStep[] {
  return steps.map((planned) => (planned.step.name === name ? { ...planned, step: change(planned.step) } : planned));
}

describe("upstream conformance", () => {
  test("the kubernetes-validate tool is installed (scripts/tools.sh)", () => {
    expect(findKubernetesValidate()).toMatch(/kubernetes-validate$/);
  });

  test.each([
    ["laptop", 14, 47],
    ["laptop-gpu", 14, 47],
    ["workstation-gpu", 18, 69],
    ["cluster-gpu", 23, 90],
  ])("the %s profile conforms to the pinned charts and CRDs with zero failures", (name, custom, core) => {
    const { profile, steps } = stepsFor(name);
    const report = checkConformance(reference, profile, steps);
    expect(report.failures).toEqual([]);
    expect(report.checked).toEqual([
      expect.stringMatching(/^\d+ values keys in \d+ upstream releases$/),
      `${custom} custom resources against the pinned CRDs`,
      `${core} core objects against the Kubernetes ${targetKubernetesVersion()} schema (strict)`,
    ]);
  });

  test("a misspelled values key fails with its release, path and the likely key", () => {
    const { profile, steps } = stepsFor("laptop");
    const broken = withStep(steps, "kueue", (step) =>
      step.kind === "upstream" ? { ...step, values: { ...step.values, controllerManger: { replicas: 1 } } } : step,
    );
    expect(checkConformance(reference, profile, broken).failures).toEqual([
      'values of release kueue (kueue 0.19.2): "controllerManger" is not a key of the chart (did you mean "controllerManager"?)',
    ]);
  });

  test("a custom resource missing a required field fails with its path", () => {
    const { profile, steps } = stepsFor("laptop");
    const broken = withStep(steps, "kueue-queues", (step) => ({
      ...step,
      kind: "local",
      render: (app, id) => {
        const chart = new Chart(app, id);
        new ApiObject(chart, "cq", {
          apiVersion: "kueue.x-k8s.io/v1beta2",
          kind: "ClusterQueue",
          metadata: { name: "platform" },
          spec: {
            resourceGroups: [{ flavors: [{ name: "default-flavor", resources: [{ name: "cpu", nominalQuota: 1 }] }] }],
          },
        });
        return chart;
      },
    }));
    expect(checkConformance(reference, profile, broken).failures).toEqual([
      'custom resource ClusterQueue/platform in kueue-queues: spec.resourceGroups[0]: missing required field "coveredResources"',
    ]);
  });

  test("a custom resource at an apiVersion the pinned CRD does not serve fails", () => {
    const { profile, steps } = stepsFor("laptop");
    const broken = withStep(steps, "kueue-queues", (step) => ({
      ...step,
      kind: "local",
      render: (app, id) => {
        const chart = new Chart(app, id);
        new ApiObject(chart, "rf", {
          apiVersion: "kueue.x-k8s.io/v1alpha9",
          kind: "ResourceFlavor",
          metadata: { name: "x" },
        });
        return chart;
      },
    }));
    expect(checkConformance(reference, profile, broken).failures).toEqual([
      "custom resource ResourceFlavor/x in kueue-queues: no CRD for kueue.x-k8s.io/v1alpha9 ResourceFlavor in the reference (it has versions v1beta1, v1beta2)",
    ]);
  });

  test("a core object with a field Kubernetes does not have fails strict validation", () => {
    const { profile, steps } = stepsFor("laptop");
    const broken = withStep(steps, "kueue-queues", (step) => ({
      ...step,
      kind: "local",
      render: (app, id) => {
        const chart = new Chart(app, id);
        new ApiObject(chart, "cm", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, dataa: { a: "b" } });
        return chart;
      },
    }));
    expect(checkConformance(reference, profile, broken).failures).toEqual([
      expect.stringMatching(/^core object ConfigMap\/x in kueue-queues: did not validate .*'dataa' was unexpected/),
    ]);
  });

  test("a chart version the reference does not have fails and names what it has", () => {
    const { profile, steps } = stepsFor("laptop");
    const otherReference = new ReferenceDir(REFERENCE_DIR);
    jest.spyOn(otherReference, "hasChart").mockImplementation((chart) => chart !== "kueue");
    jest.spyOn(otherReference, "chartVersions").mockImplementation(() => ["0.18.6"]);
    expect(checkConformance(otherReference, profile, steps).failures).toEqual([
      `chart kueue: the version table pins 0.19.2, but ${REFERENCE_DIR}/charts has kueue-0.18.6`,
    ]);
  });

  test("a missing kubernetes-validate tool is a failure that says how to install it", () => {
    const { profile, steps } = stepsFor("laptop");
    const report = checkConformance(reference, profile, steps, { kubernetesValidate: "" });
    expect(report.failures).toEqual([
      "core objects: the kubernetes-validate tool is missing; run `bash scripts/tools.sh` (or set CNAI_KUBERNETES_VALIDATE)",
    ]);
  });
});
