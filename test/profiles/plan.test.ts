import { loadProfile } from "../../profiles/load";
import {
  coveredResources,
  draDeviceClass,
  gpuAmounts,
  maxObtainable,
  namespaceQuotaKey,
  poolGpuCapacity,
  poolNodeLabels,
  poolSharingInWords,
  poolTolerations,
  resourcesPerGpu,
  teamNamespace,
} from "../../profiles/plan";
import type { GpuPool } from "../../profiles/schema";

const gpu = (sharing: GpuPool["sharing"], accelerator: GpuPool["accelerator"] = "nvidia-a100-80gb"): GpuPool => ({
  accelerator,
  perNode: 4,
  sharing,
});

describe("the resources a GPU advertises", () => {
  test("whole GPUs advertise one nvidia.com/gpu each", () => {
    expect(resourcesPerGpu(gpu({ mode: "none" }))).toEqual({ "nvidia.com/gpu": 1 });
  });

  test("time-slicing and MPS keep the name and multiply it by the replicas", () => {
    expect(resourcesPerGpu(gpu({ mode: "time-slicing", replicas: 4 }))).toEqual({ "nvidia.com/gpu": 4 });
    expect(resourcesPerGpu(gpu({ mode: "mps", replicas: 8 }))).toEqual({ "nvidia.com/gpu": 8 });
  });

  test("MIG single advertises the layout's devices as nvidia.com/gpu, mixed as one resource per profile", () => {
    expect(resourcesPerGpu(gpu({ mode: "mig", strategy: "single", layout: "all-1g.10gb" }))).toEqual({
      "nvidia.com/gpu": 7,
    });
    expect(resourcesPerGpu(gpu({ mode: "mig", strategy: "mixed", layout: "all-balanced" }))).toEqual({
      "nvidia.com/mig-1g.10gb": 2,
      "nvidia.com/mig-2g.20gb": 1,
      "nvidia.com/mig-3g.40gb": 1,
    });
  });

  test("CPU pools advertise nothing", () => {
    expect(resourcesPerGpu(undefined)).toEqual({});
  });
});

describe("the cluster-gpu profile's plan", () => {
  const profile = loadProfile("cluster-gpu");

  test("pool capacity is nodes × GPUs per node × slots per GPU", () => {
    expect(poolGpuCapacity(profile.pools.mig)).toEqual({ "nvidia.com/mig-1g.10gb": 28 });
    expect(poolGpuCapacity(profile.pools.full)).toEqual({ "nvidia.com/gpu": 4 });
    expect(poolGpuCapacity(profile.pools.system)).toEqual({});
  });

  test("the queues cover cpu, memory and every GPU resource of every pool", () => {
    expect(coveredResources(profile)).toEqual(["cpu", "memory", "nvidia.com/gpu", "nvidia.com/mig-1g.10gb"]);
  });

  test("a bare GPU number in a quota means the pool's only GPU resource", () => {
    expect(gpuAmounts(profile.pools.mig, 12)).toEqual({ "nvidia.com/mig-1g.10gb": 12 });
  });

  test("a team can hold its nominal quota plus what the others lend, within its borrowing limit and the pool", () => {
    // full pool: research 2, training 2 (borrowing ≤ 2), serving 0 (borrowing ≤ 1)
    expect(maxObtainable(profile, "research", "full", "nvidia.com/gpu")).toBe(4);
    expect(maxObtainable(profile, "training", "full", "nvidia.com/gpu")).toBe(4);
    expect(maxObtainable(profile, "serving", "full", "nvidia.com/gpu")).toBe(1);
    // mig pool: serving lends at most 4 of its 8
    expect(maxObtainable(profile, "research", "mig", "nvidia.com/mig-1g.10gb")).toBe(24);
    expect(maxObtainable(profile, "serving", "mig", "nvidia.com/mig-1g.10gb")).toBe(28);
  });

  test("CPU and memory have no pool capacity on kind: nominal plus everything lendable", () => {
    expect(maxObtainable(profile, "serving", "system", "cpu")).toBe(8);
    expect(maxObtainable(profile, "serving", "system", "memory")).toBe(32 * 1024 ** 3);
  });

  test("every node of a pool carries the pool label, and GPU pools their device plugin and MIG configs", () => {
    expect(poolNodeLabels("mig", profile.pools.mig)).toEqual({
      "cnai.io/pool": "mig",
      "nvidia.com/device-plugin.config": "mig",
      "nvidia.com/mig.config": "all-1g.10gb",
    });
    expect(poolNodeLabels("system", profile.pools.system)).toEqual({ "cnai.io/pool": "system" });
  });

  test("pods get a toleration for every taint of their pool", () => {
    expect(poolTolerations(profile.pools.full)).toEqual([
      { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" },
    ]);
    expect(
      poolTolerations({ nodes: 1, spot: false, labels: {}, taints: [{ key: "spot", effect: "NoExecute" }] }),
    ).toEqual([{ key: "spot", operator: "Exists", effect: "NoExecute" }]);
  });

  test("a team's namespace defaults to team-<name>", () => {
    expect(teamNamespace("research", profile.teams.research)).toBe("team-research");
  });
});

describe("DRA pools", () => {
  const dra = loadProfile("cluster-gpu-dra");

  test("advertise no extended resource: Kueue counts their devices as the DeviceClass's quota resource", () => {
    expect(resourcesPerGpu(dra.pools.full.gpu)).toEqual({ "dra.cnai.io/gpu": 1 });
    expect(resourcesPerGpu(dra.pools.mig.gpu)).toEqual({ "dra.cnai.io/mig": 7 });
    expect(poolGpuCapacity(dra.pools.mig)).toEqual({ "dra.cnai.io/mig": 28 });
    expect(draDeviceClass("dra.cnai.io/mig")).toBe("mig.nvidia.com");
    expect(draDeviceClass("nvidia.com/gpu")).toBeUndefined();
  });

  test("a namespace caps DRA devices per DeviceClass, and extended resources by request", () => {
    expect(namespaceQuotaKey("dra.cnai.io/gpu")).toBe("gpu.nvidia.com.deviceclass.resource.k8s.io/devices");
    expect(namespaceQuotaKey("nvidia.com/gpu")).toBe("requests.nvidia.com/gpu");
  });

  test("their nodes keep the device plugin off and tell the DRA driver where to run; MIG keeps its layout label", () => {
    expect(poolNodeLabels("mig", dra.pools.mig)).toEqual({
      "cnai.io/pool": "mig",
      "cnai.io/gpu-allocation": "dra",
      "nvidia.com/gpu.deploy.device-plugin": "false",
      "nvidia.com/mig.config": "all-1g.10gb",
    });
  });

  test("the sharing column says DRA", () => {
    expect(poolSharingInWords(dra.pools.mig)).toBe("MIG all-1g.10gb (DRA)");
    expect(poolSharingInWords(dra.pools.full)).toBe("whole GPUs (DRA)");
  });
});
