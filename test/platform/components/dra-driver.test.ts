import type { Step, UpstreamRelease } from "../../../platform/component";
import { loadCheckedProfile } from "../../../platform/check";
import { draDriver, draPoolNames } from "../../../platform/components/dra-driver";
import { deviceClassMappings, kueueConfiguration } from "../../../platform/components/kueue";
import { devicePluginConfigData } from "../../../platform/components/gpu-operator";
import { contextFor } from "../../../platform/graph";
import { loadProfile } from "../../../profiles/load";
import { unknownValuePaths } from "../../support/reference";

function release(override?: unknown): UpstreamRelease {
  const steps: readonly Step[] = draDriver.steps(contextFor(loadProfile("cluster-gpu-dra", override)));
  expect(steps).toHaveLength(1);
  return steps[0] as UpstreamRelease;
}

describe("dra-driver component", () => {
  test("runs only where a pool allocates through DRA: cluster-gpu-dra", () => {
    expect(draDriver.defaultLifecycle).toBe("disabled");
    expect(draPoolNames(loadProfile("cluster-gpu-dra"))).toEqual(["full", "mig"]);
    expect(contextFor(loadProfile("cluster-gpu-dra")).lifecycle("dra-driver")).toBe("managed");
    expect(contextFor(loadProfile("cluster-gpu")).lifecycle("dra-driver")).toBe("disabled");
  });

  test("pins resource.k8s.io/v1 and the image, turns ComputeDomains off and runs the kubelet plugin on DRA nodes only", () => {
    const { values, chart, namespace } = release();
    expect({ chart, namespace }).toEqual({ chart: "dra-driver-nvidia-gpu", namespace: "dra-driver" });
    expect(values).toEqual({
      resourceApiVersion: "resource.k8s.io/v1",
      gpuResourcesEnabledOverride: true,
      image: { repository: "registry.k8s.io/dra-driver-nvidia/dra-driver-nvidia-gpu", tag: "v0.4.1" },
      resources: { gpus: { enabled: true }, computeDomains: { enabled: false } },
      kubeletPlugin: {
        nodeSelector: { "cnai.io/gpu-allocation": "dra" },
        // The chart's own toleration, and the pools' taint once (both pools share it).
        tolerations: [
          { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
          { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
        ],
        containers: {
          gpus: { resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
        },
      },
    });
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("dra-driver-nvidia-gpu", release().values)).toEqual([]);
  });

  test("its namespace is privileged: the kubelet plugin needs host paths and mount propagation", () => {
    expect(draDriver.namespaces(contextFor(loadProfile("cluster-gpu-dra")))).toEqual([
      { name: "dra-driver", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    ]);
  });

  test("DRA pools without the driver, or the driver without DRA pools, are profile errors", () => {
    expect(() =>
      loadCheckedProfile("cluster-gpu-dra", { components: { "dra-driver": { lifecycle: "disabled" } } }),
    ).toThrow(
      /components\.dra-driver\.lifecycle: got "disabled"; pools full, mig allocate GPUs through DRA, which needs NVIDIA's DRA driver on their nodes/,
    );
    expect(() => loadCheckedProfile("cluster-gpu", { components: { "dra-driver": { lifecycle: "managed" } } })).toThrow(
      /components\.dra-driver\.lifecycle: got "managed"; no pool has gpu\.allocation "dra"/,
    );
  });

  test("Kueue maps each DeviceClass the DRA pools use to its quota resource", () => {
    expect(deviceClassMappings(loadProfile("cluster-gpu-dra"))).toEqual([
      { name: "dra.cnai.io/gpu", deviceClassNames: ["gpu.nvidia.com"] },
      { name: "dra.cnai.io/mig", deviceClassNames: ["mig.nvidia.com"] },
    ]);
    expect(deviceClassMappings(loadProfile("cluster-gpu"))).toEqual([]);
    expect(kueueConfiguration(true, deviceClassMappings(loadProfile("cluster-gpu-dra"))).resources).toEqual({
      deviceClassMappings: [
        { name: "dra.cnai.io/gpu", deviceClassNames: ["gpu.nvidia.com"] },
        { name: "dra.cnai.io/mig", deviceClassNames: ["mig.nvidia.com"] },
      ],
    });
    expect(kueueConfiguration(true)).not.toHaveProperty("resources");
  });

  test("the GPU Operator writes no device plugin config for DRA pools", () => {
    expect(Object.keys(devicePluginConfigData(loadProfile("cluster-gpu-dra")))).toEqual(["default"]);
  });
});
