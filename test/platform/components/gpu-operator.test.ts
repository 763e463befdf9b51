import { parse as parseYaml } from "yaml";
import { loadProfile } from "../../../profiles/load";
import type { Step, UpstreamRelease } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import {
  DEFAULT_DEVICE_PLUGIN_CONFIG,
  DEVICE_PLUGIN_CONFIG,
  devicePluginConfig,
  devicePluginConfigData,
  gpuOperator,
  gpuStackOwnership,
} from "../../../platform/components/gpu-operator";
import { unknownValuePaths } from "../../support/reference";

const NFD = "node-feature-discovery";
const NO_OBSERVABILITY = { components: { observability: { lifecycle: "disabled" } } };
const MPS = { pools: { workers: { gpu: { sharing: { mode: "mps", replicas: 2 } } } } };
const MIG_SINGLE = { pools: { mig: { gpu: { sharing: { strategy: "single" } } } } };

const OPERAND = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } };
const NO_SHARING = { version: "v1", flags: { migStrategy: "none" } };

function release(profileName = "laptop-gpu", override?: unknown): UpstreamRelease {
  const steps: readonly Step[] = gpuOperator.steps(contextFor(loadProfile(profileName, override)));
  expect(steps).toHaveLength(1);
  return steps[0] as UpstreamRelease;
}

function valueAt(values: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((current, key) => (current as Record<string, unknown>)?.[key], values);
}

/** The device plugin configs of a release, each parsed from its YAML. */
function parsedConfigs(upstream: UpstreamRelease): Record<string, unknown> {
  const data = valueAt(upstream.values, "devicePlugin.config.data") as Record<string, string>;
  return Object.fromEntries(Object.entries(data).map(([name, yaml]) => [name, parseYaml(yaml)]));
}

describe("gpu-operator component", () => {
  test("depends on observability only, optionally", () => {
    expect(gpuOperator.dependencies(loadProfile("laptop-gpu"))).toEqual([
      { id: "observability", optional: true, reason: "ServiceMonitor for the DCGM exporter" },
    ]);
  });

  test("creates its namespace with the privileged Pod Security level", () => {
    expect(gpuOperator.namespaces(contextFor(loadProfile("laptop-gpu")))).toEqual([
      { name: "gpu-operator", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    ]);
  });

  test("installs one primary release with host driver and toolkit, CDI, per-pool device plugin configs and the DCGM exporter", () => {
    const upstream = release();
    expect([upstream.kind, upstream.name, upstream.namespace, upstream.chart, upstream.primary]).toEqual([
      "upstream",
      "gpu-operator",
      "gpu-operator",
      "gpu-operator",
      true,
    ]);
    expect(upstream.values).toEqual({
      driver: { enabled: false },
      toolkit: { enabled: false },
      cdi: { enabled: true },
      operator: {
        runtimeClass: "nvidia",
        resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
      },
      validator: { resources: OPERAND },
      devicePlugin: {
        enabled: true,
        resources: OPERAND,
        config: {
          create: true,
          name: "device-plugin-config",
          default: "default",
          data: {
            default: "version: v1\nflags:\n  migStrategy: none\n",
            workers: "version: v1\nflags:\n  migStrategy: none\n",
          },
        },
      },
      gfd: { resources: OPERAND },
      dcgmExporter: {
        enabled: true,
        resources: { requests: { cpu: "20m", memory: "128Mi" }, limits: { cpu: "200m", memory: "512Mi" } },
        serviceMonitor: { enabled: true, honorLabels: true },
      },
      migManager: { enabled: false },
      [NFD]: {
        master: { resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "100m", memory: "256Mi" } } },
        worker: { resources: { requests: { cpu: "5m", memory: "32Mi" }, limits: { cpu: "50m", memory: "128Mi" } } },
        gc: { resources: { requests: { cpu: "5m", memory: "32Mi" }, limits: { cpu: "50m", memory: "128Mi" } } },
      },
    });
    expect([DEVICE_PLUGIN_CONFIG, DEFAULT_DEVICE_PLUGIN_CONFIG]).toEqual(["device-plugin-config", "default"]);
  });

  test("turns the DCGM exporter and its ServiceMonitor off without observability", () => {
    const upstream = release("laptop-gpu", NO_OBSERVABILITY);
    expect(valueAt(upstream.values, "dcgmExporter.enabled")).toBe(false);
    expect(valueAt(upstream.values, "dcgmExporter.serviceMonitor.enabled")).toBe(false);
  });

  test.each([
    ["laptop-gpu", "laptop-gpu", undefined],
    ["laptop-gpu without observability", "laptop-gpu", NO_OBSERVABILITY],
    ["laptop-gpu with MPS", "laptop-gpu", MPS],
    ["workstation-gpu", "workstation-gpu", undefined],
    ["cluster-gpu", "cluster-gpu", undefined],
    ["cluster-gpu with single-strategy MIG", "cluster-gpu", MIG_SINGLE],
  ])(
    "sets only keys of the pinned chart, and NFD keys of its pinned subchart (%s)",
    (_title, profileName, override) => {
      expect(unknownValuePaths("gpu-operator", release(profileName, override).values)).toEqual([]);
    },
  );

  test("a pool without sharing gets whole GPUs and no MIG", () => {
    expect(devicePluginConfig({ mode: "none" })).toEqual({ version: "v1", flags: { migStrategy: "none" } });
  });

  test("a time-slicing pool advertises its replicas under the plain GPU name and rejects requests for several slices", () => {
    expect(devicePluginConfig({ mode: "time-slicing", replicas: 4 })).toEqual({
      version: "v1",
      flags: { migStrategy: "none" },
      sharing: {
        timeSlicing: {
          renameByDefault: false,
          failRequestsGreaterThanOne: true,
          resources: [{ name: "nvidia.com/gpu", replicas: 4 }],
        },
      },
    });
  });

  test("an MPS pool uses the device plugin's mps format", () => {
    expect(devicePluginConfig({ mode: "mps", replicas: 3 })).toEqual({
      version: "v1",
      flags: { migStrategy: "none" },
      sharing: { mps: { renameByDefault: false, resources: [{ name: "nvidia.com/gpu", replicas: 3 }] } },
    });
  });

  test("a MIG pool sets the device plugin's MIG strategy and shares nothing else", () => {
    expect(devicePluginConfig({ mode: "mig", strategy: "mixed", layout: "all-balanced" })).toEqual({
      version: "v1",
      flags: { migStrategy: "mixed" },
    });
    expect(devicePluginConfig({ mode: "mig", strategy: "single", layout: "all-1g.10gb" })).toEqual({
      version: "v1",
      flags: { migStrategy: "single" },
    });
  });

  test("the CPU-only laptop profile gets only the default config", () => {
    expect(devicePluginConfigData(loadProfile("laptop"))).toEqual({
      default: "version: v1\nflags:\n  migStrategy: none\n",
    });
  });

  test("the laptop-gpu profile's unshared pool gets a config without sharing, like the default", () => {
    expect(parsedConfigs(release())).toEqual({ default: NO_SHARING, workers: NO_SHARING });
  });

  test("the workstation-gpu profile time-slices its GPU pool four ways", () => {
    const upstream = release("workstation-gpu");
    expect(parsedConfigs(upstream)).toEqual({
      default: NO_SHARING,
      gpu: {
        version: "v1",
        flags: { migStrategy: "none" },
        sharing: {
          timeSlicing: {
            renameByDefault: false,
            failRequestsGreaterThanOne: true,
            resources: [{ name: "nvidia.com/gpu", replicas: 4 }],
          },
        },
      },
    });
    expect(valueAt(upstream.values, "migManager")).toEqual({ enabled: false });
    expect(valueAt(upstream.values, "mig")).toBeUndefined();
  });

  test("an MPS override renders the pool's config in the mps format", () => {
    expect(parsedConfigs(release("laptop-gpu", MPS))).toEqual({
      default: NO_SHARING,
      workers: {
        version: "v1",
        flags: { migStrategy: "none" },
        sharing: { mps: { renameByDefault: false, resources: [{ name: "nvidia.com/gpu", replicas: 2 }] } },
      },
    });
  });

  test("the cluster-gpu profile runs the MIG manager with the mixed strategy and a config per GPU pool", () => {
    const upstream = release("cluster-gpu");
    expect(parsedConfigs(upstream)).toEqual({
      default: NO_SHARING,
      full: NO_SHARING,
      mig: { version: "v1", flags: { migStrategy: "mixed" } },
    });
    expect(valueAt(upstream.values, "migManager")).toEqual({ enabled: true, resources: OPERAND });
    expect(valueAt(upstream.values, "mig")).toEqual({ strategy: "mixed" });
  });

  test("a single-strategy MIG pool sets the single strategy everywhere", () => {
    const upstream = release("cluster-gpu", MIG_SINGLE);
    expect(parsedConfigs(upstream).mig).toEqual({ version: "v1", flags: { migStrategy: "single" } });
    expect(valueAt(upstream.values, "mig")).toEqual({ strategy: "single" });
  });

  test("on EKS (AL2023) and AKS the node image has driver and toolkit: the operator brings only the device plugin and operands", () => {
    for (const name of ["eks-gpu", "aks-gpu"]) {
      const values = release(name).values as Record<string, Record<string, unknown>>;
      expect([
        name,
        values.driver,
        values.toolkit,
        values.cdi,
        values.operator.runtimeClass,
        values.devicePlugin.enabled,
      ]).toEqual([name, { enabled: false }, { enabled: false }, undefined, undefined, true]);
    }
  });

  test("on EKS Bottlerocket the image also runs the device plugin, so the operator's is off", () => {
    // Built directly: maps merge, so an override cannot turn the MIG pool's sharing into another mode.
    const eks = loadProfile("eks-gpu");
    const bottlerocket = { ...eks, cluster: { ...eks.cluster, gpuAmi: "BOTTLEROCKET_x86_64_NVIDIA" } } as typeof eks;
    const [step] = gpuOperator.steps(contextFor(bottlerocket)) as UpstreamRelease[];
    expect((step.values.devicePlugin as Record<string, unknown>).enabled).toBe(false);
    expect(gpuStackOwnership(bottlerocket)).toEqual({
      driver: "node",
      toolkit: "node",
      devicePlugin: "node",
      cdiRuntimeClass: false,
    });
  });

  test("on GKE the node pools own the whole GPU stack", () => {
    expect(gpuStackOwnership(loadProfile("gke-gpu"))).toEqual({
      driver: "node",
      toolkit: "node",
      devicePlugin: "node",
      cdiRuntimeClass: false,
    });
  });
});
