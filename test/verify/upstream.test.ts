import type { ApiObjectProps } from "cdk8s";
import { ApiObject, Chart } from "cdk8s";
import { loadCheckedProfile } from "../../platform/check";
import { CATALOG } from "../../platform/catalog";
import type { PlannedStep } from "../../platform/graph";
import { planSteps, resolveGraph } from "../../platform/graph";
import { ChartCrds, isCrdPath } from "../../verify/chart-crds";
import { ReferenceDir } from "../../verify/reference";
import { checkConformance, findKubernetesValidate, targetKubernetesVersion } from "../../verify/upstream";
import { chartCrds, REFERENCE_DIR, reference } from "../support/reference";

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

/** The laptop profile's custom resources (14) when kueue-queues renders only a PodMonitor. */
const CUSTOM_WITH_POD_MONITOR = 10;

/** The chart archives of the laptop profile's upstream releases, in plan order. */
const LAPTOP_ARCHIVES =
  "kube-prometheus-stack-88.5.3, cert-manager-v1.21.1, keda-2.20.2, kuberay-operator-1.7.0, seaweedfs-4.44.0, opentelemetry-collector-0.170.0, cloudnative-pg-0.29.0, qdrant-1.19.0, kueue-0.19.2, opentelemetry-operator-0.122.0, kserve-crd-v0.20.0, kserve-resources-v0.20.0, jupyterhub-4.4.0";

/** A plan whose kueue-queues step renders only this object. */
function withOnly(steps: PlannedStep[], object: ApiObjectProps): PlannedStep[] {
  return withStep(steps, "kueue-queues", (step) => ({
    ...step,
    kind: "local",
    render: (app, id) => {
      const chart = new Chart(app, id);
      new ApiObject(chart, "object", object);
      return chart;
    },
  }));
}

/** A plan whose kueue-queues step renders only this PodMonitor (its CRD ships in kube-prometheus-stack). */
function withPodMonitor(steps: PlannedStep[], endpoint: Record<string, unknown>): PlannedStep[] {
  return withOnly(steps, {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: { name: "vllm", namespace: "team-default" },
    spec: { selector: { matchLabels: { app: "vllm" } }, podMetricsEndpoints: [endpoint] },
  });
}

describe("upstream conformance", () => {
  test("the kubernetes-validate tool is installed (scripts/tools.sh)", () => {
    expect(findKubernetesValidate()).toMatch(/kubernetes-validate$/);
  });

  test.each([
    // One more core object per team: the NetworkPolicy allowing OTLP to the OpenTelemetry gateway. The platform's
    // PrometheusRule and its three dashboard ConfigMaps: CRD shipped in kube-prometheus-stack.
    ["laptop", 15, 51, " (CRDs shipped in kube-prometheus-stack-88.5.3)"],
    // The Kepler profiles add a fourth dashboard ConfigMap: energy per team.
    ["laptop-gpu", 15, 52, " (CRDs shipped in kube-prometheus-stack-88.5.3)"],
    // Serving samples add PodMonitors and the ScaledObjects KServe derives.
    ["workstation-gpu", 21, 75, " (CRDs shipped in kube-prometheus-stack-88.5.3)"],
    // Kubeflow Trainer and JobSet: two webhook probes (a JobSet, a ClusterTrainingRuntime), the torch-distributed
    // runtime and the pretrain sample, now a TrainJob rather than a Job, are custom resources; the two gate charts add
    // five core objects each. Argo Workflows: one artifact-repositories ConfigMap per team (three). The Ray Tune sample:
    // its script's ConfigMap. The pipeline sample: its Workflow and the RayJob, TrainJob and InferenceService its steps
    // create; each team's NetworkPolicy letting workflow pods reach the API server (three). Feast: a FeatureStore and a
    // CloudNativePG Cluster per team (six custom resources); the operator's manifest without its Namespace (its CRD and
    // twelve objects), a feature-server NetworkPolicy in `feast` and an egress NetworkPolicy to it per team (six), and
    // the feature-repo sample's Job.
    ["cluster-gpu", 43, 135, " (CRDs shipped in kube-prometheus-stack-88.5.3)"],
    // DRA: the samples' ResourceClaimTemplates are core objects (resource.k8s.io), checked against the 1.35 schema.
    ["cluster-gpu-dra", 21, 100, " (CRDs shipped in kube-prometheus-stack-88.5.3)"],
  ])("the %s profile conforms to the pinned charts and CRDs with zero failures", (name, custom, core, shipped) => {
    const { profile, steps } = stepsFor(name);
    const report = checkConformance(reference, profile, steps);
    expect(report.failures).toEqual([]);
    expect(report.checked).toEqual([
      expect.stringMatching(/^\d+ values keys in \d+ upstream releases$/),
      `${custom} custom resources against the pinned CRDs${shipped}`,
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
    const broken = withOnly(steps, {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ClusterQueue",
      metadata: { name: "platform" },
      spec: {
        resourceGroups: [{ flavors: [{ name: "default-flavor", resources: [{ name: "cpu", nominalQuota: 1 }] }] }],
      },
    });
    expect(checkConformance(reference, profile, broken).failures).toEqual([
      'custom resource ClusterQueue/platform in kueue-queues: spec.resourceGroups[0]: missing required field "coveredResources"',
    ]);
  });

  test("a PodMonitor validates against the CRD kube-prometheus-stack ships, which the reference lacks", () => {
    const { profile, steps } = stepsFor("laptop");
    expect(reference.crdFor("monitoring.coreos.com/v1", "PodMonitor")).toBeUndefined();
    const report = checkConformance(reference, profile, withPodMonitor(steps, { port: "metrics", path: "/metrics" }), {
      chartCrds,
    });
    expect(report.failures).toEqual([]);
    expect(report.checked[1]).toBe(
      `${CUSTOM_WITH_POD_MONITOR} custom resources against the pinned CRDs (CRDs shipped in kube-prometheus-stack-88.5.3)`,
    );
  });

  test("a PodMonitor with a field its chart-shipped CRD does not have fails with its path", () => {
    const { profile, steps } = stepsFor("laptop");
    const broken = withPodMonitor(steps, { port: "metrics", scrapeIntervall: "30s" });
    expect(checkConformance(reference, profile, broken, { chartCrds }).failures).toEqual([
      expect.stringMatching(
        /^custom resource PodMonitor\/vllm in kueue-queues: spec\.podMetricsEndpoints\[0\]\.scrapeIntervall: unknown field \(allowed: .*\binterval\b.*\)$/,
      ),
    ]);
  });

  test("a chart archive that cannot be found is named as unavailable, and the others are still searched", () => {
    const { profile, steps } = stepsFor("laptop");
    const offline = new ChartCrds("/nonexistent", (repository, chart) => {
      throw new Error(`helm pull ${chart} --repo ${repository} failed: no answer within 60 s`);
    });
    expect(
      checkConformance(reference, profile, withPodMonitor(steps, { port: "metrics" }), {
        chartCrds: offline,
      }).failures.filter((failure) => failure.includes("PodMonitor/vllm")),
    ).toEqual([
      expect.stringMatching(
        /^custom resource PodMonitor\/vllm in kueue-queues: no CRD for monitoring\.coreos\.com\/v1 PodMonitor in the reference nor among the CRDs its releases render, nor in the crds\/ of the profile's chart archives: kube-prometheus-stack-88\.5\.3 \(unavailable: helm pull kube-prometheus-stack --repo https:\/\/prometheus-community\.github\.io\/helm-charts failed: no answer within 60 s\), cert-manager-v1\.21\.1 \(unavailable: /,
      ),
    ]);
  });

  test("only YAML files under the crds/ directory of a chart or subchart count as shipped CRDs", () => {
    expect(
      [
        "kube-prometheus-stack/charts/crds/crds/crd-podmonitors.yaml",
        "kuberay-operator/crds/ray.io_rayclusters.yaml",
        "chart/crds/bases/x.yml",
        "kube-prometheus-stack/charts/crds/templates/upgrade/crds.yaml",
        "kube-prometheus-stack/charts/crds/files/crds.bz2",
        "chart/templates/crds.yaml",
        "chart/mycrds/x.yaml",
        "chart/templates/crds/x.yaml",
      ].filter(isCrdPath),
    ).toEqual([
      "kube-prometheus-stack/charts/crds/crds/crd-podmonitors.yaml",
      "kuberay-operator/crds/ray.io_rayclusters.yaml",
      "chart/crds/bases/x.yml",
    ]);
  });

  test("a custom resource whose CRD the reference lacks validates against the CRD a release of the profile renders", () => {
    const { profile, steps } = stepsFor("laptop");
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
        scope: "Namespaced",
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
              },
            },
          },
        ],
      },
    };
    const widget = (size: unknown) => ({
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w", namespace: "team-default" },
      spec: { size },
    });
    const plan = (size: unknown) =>
      withStep(steps, "kueue-queues", (step) => ({
        ...step,
        kind: "local",
        render: (app, id) => {
          const chart = new Chart(app, id);
          new ApiObject(chart, "crd", crd);
          new ApiObject(chart, "widget", widget(size));
          return chart;
        },
      }));
    const report = checkConformance(reference, profile, plan(3), { chartCrds });
    expect(report.failures).toEqual([]);
    // The laptop's other custom resources: the reference's CRDs, and kube-prometheus-stack's for its PodMonitors.
    expect(report.checked[1]).toBe(
      "10 custom resources against the pinned CRDs (CRDs installed by kueue-queues) (CRDs shipped in kube-prometheus-stack-88.5.3)",
    );
    expect(checkConformance(reference, profile, plan("big"), { chartCrds }).failures).toEqual([
      'custom resource Widget/w in kueue-queues: spec.size: expected an integer, got "big"',
    ]);
  });

  test("a custom resource at an apiVersion the pinned CRD does not serve fails", () => {
    const { profile, steps } = stepsFor("laptop");
    const broken = withOnly(steps, {
      apiVersion: "kueue.x-k8s.io/v1alpha9",
      kind: "ResourceFlavor",
      metadata: { name: "x" },
    });
    expect(checkConformance(reference, profile, broken, { chartCrds }).failures).toEqual([
      `custom resource ResourceFlavor/x in kueue-queues: no CRD for kueue.x-k8s.io/v1alpha9 ResourceFlavor in the reference (it has versions v1beta1, v1beta2) nor among the CRDs its releases render, nor in the crds/ of the profile's chart archives: ${LAPTOP_ARCHIVES}`,
    ]);
  });

  test("a core object with a field Kubernetes does not have fails strict validation", () => {
    const { profile, steps } = stepsFor("laptop");
    const broken = withOnly(steps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, dataa: { a: "b" } });
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
