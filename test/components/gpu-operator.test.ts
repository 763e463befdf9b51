import { parse as parseYaml } from "yaml";
import { loadProfile } from "../../profiles/load";
import type { Step, UpstreamRelease } from "../../stacks/component";
import { contextFor } from "../../stacks/graph";
import { DEVICE_PLUGIN_CONFIG, devicePluginSharingConfig, gpuOperator } from "../../stacks/components/gpu-operator";
import { unknownValuePaths } from "../support/reference";

const NFD = "node-feature-discovery";
const NO_OBSERVABILITY = { components: { observability: { lifecycle: "disabled" } } };

function gpuProfile(override?: unknown) {
  return loadProfile("laptop-gpu", override);
}

function release(override?: unknown): UpstreamRelease {
  const steps: readonly Step[] = gpuOperator.steps(contextFor(gpuProfile(override)));
  return steps[0] as UpstreamRelease;
}

function valueAt(values: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((current, key) => (current as Record<string, unknown>)?.[key], values);
}

const TIME_SLICING = { gpu: { sharing: { mode: "time-slicing", replicas: 4 } } };
const MPS = { gpu: { sharing: { mode: "mps", replicas: 2 } } };

describe("gpu-operator component", () => {
  test("depends on observability only, optionally", () => {
    expect(gpuOperator.dependencies(gpuProfile())).toEqual([
      { id: "observability", optional: true, reason: "ServiceMonitor for the DCGM exporter" },
    ]);
  });

  test("creates its namespace with the privileged Pod Security level", () => {
    expect(gpuOperator.namespaces(contextFor(gpuProfile()))).toEqual([
      { name: "gpu-operator", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    ]);
  });

  test("installs one primary release with host driver and toolkit, CDI and the DCGM exporter", () => {
    const upstream = release();
    expect([upstream.kind, upstream.name, upstream.namespace, upstream.chart, upstream.primary]).toEqual([
      "upstream",
      "gpu-operator",
      "gpu-operator",
      "gpu-operator",
      true,
    ]);
    const operand = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } };
    expect(upstream.values).toEqual({
      driver: { enabled: false },
      toolkit: { enabled: false },
      cdi: { enabled: true },
      operator: {
        runtimeClass: "nvidia",
        resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
      },
      validator: { resources: operand },
      devicePlugin: { resources: operand },
      gfd: { resources: operand },
      dcgmExporter: {
        enabled: true,
        resources: { requests: { cpu: "20m", memory: "128Mi" }, limits: { cpu: "200m", memory: "512Mi" } },
        serviceMonitor: { enabled: true },
      },
      migManager: { enabled: false },
      [NFD]: {
        master: { resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "100m", memory: "256Mi" } } },
        worker: { resources: { requests: { cpu: "5m", memory: "32Mi" }, limits: { cpu: "50m", memory: "128Mi" } } },
        gc: { resources: { requests: { cpu: "5m", memory: "32Mi" }, limits: { cpu: "50m", memory: "128Mi" } } },
      },
    });
  });

  test("turns the DCGM exporter and its ServiceMonitor off without observability", () => {
    const upstream = release(NO_OBSERVABILITY);
    expect(valueAt(upstream.values, "dcgmExporter.enabled")).toBe(false);
    expect(valueAt(upstream.values, "dcgmExporter.serviceMonitor.enabled")).toBe(false);
    expect(upstream.workloads?.map((w) => w.name)).not.toContain("nvidia-dcgm-exporter");
  });

  test("declares every running pod, each with requests and limits", () => {
    for (const override of [undefined, NO_OBSERVABILITY]) {
      const upstream = release(override);
      for (const workload of upstream.workloads ?? []) {
        expect(valueAt(upstream.values, workload.resourcesAt)).toEqual({
          requests: { cpu: expect.any(String), memory: expect.any(String) },
          limits: { cpu: expect.any(String), memory: expect.any(String) },
        });
      }
    }
    expect(release().workloads?.map((w) => [w.name, w.replicas])).toEqual([
      ["gpu-operator", 1],
      ["nfd-master", 1],
      ["nfd-worker", "per-node"],
      ["nfd-gc", 1],
      ["nvidia-device-plugin", "per-node"],
      ["gpu-feature-discovery", "per-node"],
      ["nvidia-operator-validator", "per-node"],
      ["nvidia-dcgm-exporter", "per-node"],
    ]);
  });

  test("sets only keys of the pinned chart, and NFD keys of its pinned subchart", () => {
    for (const override of [undefined, NO_OBSERVABILITY, TIME_SLICING, MPS]) {
      expect(unknownValuePaths("gpu-operator", release(override).values)).toEqual([]);
    }
  });

  test("leaves the device plugin config alone when GPUs are not shared", () => {
    expect(devicePluginSharingConfig(gpuProfile())).toBeUndefined();
    expect(valueAt(release().values, "devicePlugin.config")).toBeUndefined();
  });

  test("renders a time-slicing config as the cluster-wide device plugin default", () => {
    expect(valueAt(release(TIME_SLICING).values, "devicePlugin.config")).toEqual({
      create: true,
      name: DEVICE_PLUGIN_CONFIG,
      default: "time-slicing",
      data: { "time-slicing": expect.any(String) },
    });
    const data = valueAt(
      release(TIME_SLICING).values,
      "devicePlugin.config.data.time-slicing".replace(".time-slicing", ""),
    );
    expect(parseYaml((data as Record<string, string>)["time-slicing"])).toEqual({
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
    expect(DEVICE_PLUGIN_CONFIG).toBe("device-plugin-config");
  });

  test("renders an MPS config in the device plugin's mps format", () => {
    const config = valueAt(release(MPS).values, "devicePlugin.config") as {
      default: string;
      data: Record<string, string>;
    };
    expect(config.default).toBe("mps");
    expect(parseYaml(config.data.mps)).toEqual({
      version: "v1",
      flags: { migStrategy: "none" },
      sharing: { mps: { renameByDefault: false, resources: [{ name: "nvidia.com/gpu", replicas: 2 }] } },
    });
  });
});
