import type { AcceleratorId } from "../../../profiles/accelerators";
import type { Pool } from "../../../profiles/schema";
import type { Cloud } from "../../../platform/clouds/sizing";
import {
  AKS_GPU_VM_SIZES,
  aksGpuInstance,
  CLOUD_SIZING,
  EKS_GPU_INSTANCE_TYPES,
  GKE_ACCELERATORS,
  gkePartitionSize,
  orThrow,
  pickInstanceType,
} from "../../../platform/clouds/sizing";

const CPU_POOL: Pool = { nodes: 1, spot: false, labels: {}, taints: [] };

function gpuPool(accelerator: AcceleratorId, perNode: number, instanceType?: string): Pool {
  return { ...CPU_POOL, instanceType, gpu: { accelerator, perNode, sharing: { mode: "none" } } };
}

function migPool(accelerator: AcceleratorId, layout: string): Pool {
  return { ...CPU_POOL, gpu: { accelerator, perNode: 1, sharing: { mode: "mig", strategy: "single", layout } } };
}

describe("the instance type picker", () => {
  test.each<[Cloud, AcceleratorId, number, string]>([
    ["eks", "nvidia-l4", 1, "g6.xlarge"],
    ["eks", "nvidia-l4", 4, "g6.12xlarge"],
    ["eks", "nvidia-l4", 8, "g6.48xlarge"],
    ["eks", "nvidia-a100-40gb", 8, "p4d.24xlarge"],
    ["gke", "nvidia-l4", 1, "g2-standard-4"],
    ["gke", "nvidia-l4", 2, "g2-standard-24"],
    ["gke", "nvidia-t4", 4, "n1-standard-32"],
    ["gke", "nvidia-a100-80gb", 2, "a2-ultragpu-2g"],
    ["aks", "nvidia-t4", 1, "Standard_NC4as_T4_v3"],
    ["aks", "nvidia-t4", 4, "Standard_NC64as_T4_v3"],
    ["aks", "nvidia-a100-80gb", 2, "Standard_NC48ads_A100_v4"],
  ])("on %s a pool of %s with %i GPUs per node gets the table's %s", (cloud, accelerator, perNode, type) => {
    expect(orThrow(pickInstanceType(cloud, "gpu", gpuPool(accelerator, perNode))).type).toBe(type);
  });

  test("a GKE pool also gets the accelerator type its node pool names; EKS and AKS have none", () => {
    expect(pickInstanceType("gke", "l4", gpuPool("nvidia-l4", 1))).toEqual({
      type: "g2-standard-4",
      acceleratorType: "nvidia-l4",
    });
    expect(pickInstanceType("gke", "a100", gpuPool("nvidia-a100-40gb", 8, "a2-highgpu-8g"))).toEqual({
      type: "a2-highgpu-8g",
      acceleratorType: "nvidia-tesla-a100",
    });
    expect(pickInstanceType("eks", "l4", gpuPool("nvidia-l4", 1))).toEqual({
      type: "g6.xlarge",
      acceleratorType: undefined,
    });
  });

  test("a CPU pool gets the cloud's CPU default, or its own instanceType whatever it is", () => {
    expect((["eks", "gke", "aks"] as const).map((cloud) => pickInstanceType(cloud, "system", CPU_POOL))).toEqual([
      { type: "m6i.xlarge" },
      { type: "e2-standard-4" },
      { type: "Standard_D4s_v5" },
    ]);
    expect(pickInstanceType("eks", "system", { ...CPU_POOL, instanceType: "c7i.large" })).toEqual({
      type: "c7i.large",
    });
    expect(pickInstanceType("aks", "system", { ...CPU_POOL, instanceType: "Standard_NC4as_T4_v3" })).toEqual({
      type: "Standard_NC4as_T4_v3",
    });
  });

  test("a GPU count the table has no type for is a problem on the pool's perNode, listing the types there are", () => {
    expect(pickInstanceType("eks", "l4", gpuPool("nvidia-l4", 2))).toEqual({
      problem: {
        path: "pools.l4.gpu.perNode",
        value: 2,
        allowed:
          "EKS's EC2 instance types with nvidia-l4: g6.xlarge (1), g6.12xlarge (4), g6.48xlarge (8); " +
          "use one of those GPU counts, or give the pool an instanceType with 2 × nvidia-l4",
      },
    });
    expect(pickInstanceType("gke", "l4", gpuPool("nvidia-l4", 3))).toEqual({
      problem: {
        path: "pools.l4.gpu.perNode",
        value: 3,
        allowed:
          "GKE's machine types with nvidia-l4: g2-standard-4 (1), g2-standard-24 (2), g2-standard-48 (4), g2-standard-96 (8); " +
          "use one of those GPU counts, or give the pool an instanceType with 3 × nvidia-l4",
      },
    });
    expect(pickInstanceType("aks", "t4", gpuPool("nvidia-t4", 2))).toEqual({
      problem: {
        path: "pools.t4.gpu.perNode",
        value: 2,
        allowed:
          "AKS's VM sizes with nvidia-t4: Standard_NC4as_T4_v3 (1), Standard_NC64as_T4_v3 (4); " +
          "use one of those GPU counts, or give the pool an instanceType with 2 × nvidia-t4",
      },
    });
  });

  test("an accelerator EKS or AKS has no type for is a problem an instanceType of the user's can fix", () => {
    expect(pickInstanceType("eks", "rtx", gpuPool("nvidia-rtx", 1))).toEqual({
      problem: {
        path: "pools.rtx.gpu.accelerator",
        value: "nvidia-rtx",
        allowed:
          "EKS has no EC2 instance type with nvidia-rtx in its table; use one of nvidia-t4, nvidia-a10g, nvidia-l4, " +
          "nvidia-a100-40gb, nvidia-a100-80gb, nvidia-h100-80gb, nvidia-h200-141gb, or give the pool an instanceType that carries 1 × nvidia-rtx",
      },
    });
    expect(pickInstanceType("aks", "l4", gpuPool("nvidia-l4", 1))).toEqual({
      problem: {
        path: "pools.l4.gpu.accelerator",
        value: "nvidia-l4",
        allowed:
          "AKS has no VM size with nvidia-l4 in its table; use one of nvidia-t4, nvidia-a100-80gb, nvidia-a100-40gb, " +
          "nvidia-h100-80gb, or give the pool an instanceType that carries 1 × nvidia-l4",
      },
    });
    expect(pickInstanceType("eks", "rtx", gpuPool("nvidia-rtx", 1, "g4ad.xlarge"))).toEqual({ type: "g4ad.xlarge" });
  });

  test("an accelerator GKE does not offer is a problem even with an instanceType, since the node pool names it", () => {
    const problem = {
      path: "pools.a10g.gpu.accelerator",
      value: "nvidia-a10g",
      allowed:
        "GKE node pools name their accelerator, and GKE offers none called nvidia-a10g; use one of nvidia-t4, nvidia-l4, " +
        "nvidia-a100-40gb, nvidia-a100-80gb, nvidia-h100-80gb, nvidia-h200-141gb",
    };
    expect(pickInstanceType("gke", "a10g", gpuPool("nvidia-a10g", 1))).toEqual({ problem });
    expect(pickInstanceType("gke", "a10g", gpuPool("nvidia-a10g", 1, "g2-standard-8"))).toEqual({ problem });
  });

  test("an instanceType the table lists must carry the pool's GPUs per node", () => {
    expect(pickInstanceType("eks", "l4", gpuPool("nvidia-l4", 4, "g6.12xlarge"))).toEqual({
      type: "g6.12xlarge",
      acceleratorType: undefined,
    });
    expect(pickInstanceType("eks", "l4", gpuPool("nvidia-l4", 1, "g6.12xlarge"))).toEqual({
      problem: {
        path: "pools.l4.instanceType",
        value: "g6.12xlarge",
        allowed:
          "g6.12xlarge carries 4 × nvidia-l4, but the pool's gpu asks for 1 × nvidia-l4; pick g6.xlarge, or change the pool's gpu to 4 × nvidia-l4",
      },
    });
    expect(pickInstanceType("gke", "l4", gpuPool("nvidia-l4", 1, "g2-standard-24"))).toEqual({
      problem: {
        path: "pools.l4.instanceType",
        value: "g2-standard-24",
        allowed:
          "g2-standard-24 carries 2 × nvidia-l4, but the pool's gpu asks for 1 × nvidia-l4; pick g2-standard-4, or change the pool's gpu to 2 × nvidia-l4",
      },
    });
    expect(pickInstanceType("aks", "t4", gpuPool("nvidia-t4", 2, "Standard_NC64as_T4_v3"))).toEqual({
      problem: {
        path: "pools.t4.instanceType",
        value: "Standard_NC64as_T4_v3",
        allowed:
          "Standard_NC64as_T4_v3 carries 4 × nvidia-t4, but the pool's gpu asks for 2 × nvidia-t4; pick a VM size with 2 × nvidia-t4, " +
          "or change the pool's gpu to 4 × nvidia-t4",
      },
    });
  });

  test("an instanceType the table lists under another accelerator is a problem on every cloud, GKE included", () => {
    expect(pickInstanceType("eks", "l4", gpuPool("nvidia-l4", 1, "g5.xlarge"))).toEqual({
      problem: {
        path: "pools.l4.instanceType",
        value: "g5.xlarge",
        allowed:
          "g5.xlarge carries 1 × nvidia-a10g, but the pool's gpu asks for 1 × nvidia-l4; pick g6.xlarge, or change the pool's gpu to 1 × nvidia-a10g",
      },
    });
    expect(pickInstanceType("gke", "l4", gpuPool("nvidia-l4", 1, "a2-highgpu-1g"))).toEqual({
      problem: {
        path: "pools.l4.instanceType",
        value: "a2-highgpu-1g",
        allowed:
          "a2-highgpu-1g carries 1 × nvidia-a100-40gb, but the pool's gpu asks for 1 × nvidia-l4; pick g2-standard-4, " +
          "or change the pool's gpu to 1 × nvidia-a100-40gb",
      },
    });
    expect(pickInstanceType("aks", "t4", gpuPool("nvidia-t4", 1, "Standard_NC24ads_A100_v4"))).toEqual({
      problem: {
        path: "pools.t4.instanceType",
        value: "Standard_NC24ads_A100_v4",
        allowed:
          "Standard_NC24ads_A100_v4 carries 1 × nvidia-a100-80gb, but the pool's gpu asks for 1 × nvidia-t4; " +
          "pick Standard_NC4as_T4_v3, or change the pool's gpu to 1 × nvidia-a100-80gb",
      },
    });
  });

  test("an instanceType the table does not list is taken as given", () => {
    expect(orThrow(pickInstanceType("eks", "l4", gpuPool("nvidia-l4", 1, "gr6.4xlarge"))).type).toBe("gr6.4xlarge");
    expect(orThrow(pickInstanceType("gke", "l4", gpuPool("nvidia-l4", 1, "g2-standard-8"))).type).toBe("g2-standard-8");
    expect(orThrow(pickInstanceType("aks", "t4", gpuPool("nvidia-t4", 1, "Standard_NC8as_T4_v3"))).type).toBe(
      "Standard_NC8as_T4_v3",
    );
  });

  test("orThrow turns a problem into an error with its path, the value and the fix", () => {
    expect(() => orThrow(pickInstanceType("eks", "l4", gpuPool("nvidia-l4", 2)))).toThrow(
      /^pools\.l4\.gpu\.perNode: got 2; EKS's EC2 instance types with nvidia-l4: g6\.xlarge \(1\)/,
    );
  });
});

describe("the clouds' GPU tables", () => {
  test("EKS covers the datacenter accelerators, not workstation GPUs or the A30", () => {
    expect(Object.keys(EKS_GPU_INSTANCE_TYPES).sort()).toEqual([
      "nvidia-a100-40gb",
      "nvidia-a100-80gb",
      "nvidia-a10g",
      "nvidia-h100-80gb",
      "nvidia-h200-141gb",
      "nvidia-l4",
      "nvidia-t4",
    ]);
    expect(EKS_GPU_INSTANCE_TYPES["nvidia-h200-141gb"]).toEqual({ types: [{ type: "p5en.48xlarge", gpus: 8 }] });
  });

  test("every GKE accelerator names its Compute Engine accelerator type", () => {
    expect(Object.fromEntries(Object.entries(GKE_ACCELERATORS).map(([id, a]) => [id, a?.acceleratorType]))).toEqual({
      "nvidia-t4": "nvidia-tesla-t4",
      "nvidia-l4": "nvidia-l4",
      "nvidia-a100-40gb": "nvidia-tesla-a100",
      "nvidia-a100-80gb": "nvidia-a100-80gb",
      "nvidia-h100-80gb": "nvidia-h100-80gb",
      "nvidia-h200-141gb": "nvidia-h200-141gb",
    });
  });

  test("every AKS entry is a GPU VM size with its GPU count", () => {
    expect(AKS_GPU_VM_SIZES).toEqual({
      "nvidia-t4": {
        types: [
          { type: "Standard_NC4as_T4_v3", gpus: 1 },
          { type: "Standard_NC64as_T4_v3", gpus: 4 },
        ],
      },
      "nvidia-a100-80gb": {
        types: [
          { type: "Standard_NC24ads_A100_v4", gpus: 1 },
          { type: "Standard_NC48ads_A100_v4", gpus: 2 },
          { type: "Standard_NC96ads_A100_v4", gpus: 4 },
        ],
      },
      "nvidia-a100-40gb": { types: [{ type: "Standard_ND96asr_v4", gpus: 8 }] },
      "nvidia-h100-80gb": { types: [{ type: "Standard_ND96isr_H100_v5", gpus: 8 }] },
    });
  });

  test.each(["eks", "gke", "aks"] as const)(
    "on %s each type is listed once, and each accelerator's types go from fewest GPUs to most",
    (cloud) => {
      const offers = Object.values(CLOUD_SIZING[cloud].accelerators);
      const types = offers.flatMap((offer) => offer?.types.map((t) => t.type) ?? []);
      expect(new Set(types).size).toBe(types.length);
      for (const offer of offers) {
        const counts = offer?.types.map((t) => t.gpus) ?? [];
        expect(counts).toEqual([...counts].sort((a, b) => a - b));
      }
    },
  );
});

describe("how GKE and AKS cut MIG GPUs", () => {
  test("a uniform layout is GKE's partition size and AKS's gpu_instance by slice count", () => {
    expect(gkePartitionSize("a100", migPool("nvidia-a100-80gb", "all-1g.10gb"))).toEqual({ size: "1g.10gb" });
    expect(gkePartitionSize("a100", migPool("nvidia-a100-40gb", "all-3g.20gb"))).toEqual({ size: "3g.20gb" });
    expect(
      ["all-1g.10gb", "all-1g.20gb", "all-2g.20gb", "all-3g.40gb", "all-4g.40gb", "all-7g.80gb"].map((layout) =>
        aksGpuInstance("a100", migPool("nvidia-a100-80gb", layout)),
      ),
    ).toEqual([
      { gpuInstance: "MIG1g" },
      { gpuInstance: "MIG1g" },
      { gpuInstance: "MIG2g" },
      { gpuInstance: "MIG3g" },
      { gpuInstance: "MIG4g" },
      { gpuInstance: "MIG7g" },
    ]);
  });

  test("a pool without MIG has neither", () => {
    expect(gkePartitionSize("l4", gpuPool("nvidia-l4", 1))).toEqual({});
    expect(aksGpuInstance("t4", gpuPool("nvidia-t4", 1))).toEqual({});
    expect(aksGpuInstance("system", CPU_POOL)).toEqual({});
  });

  test("a layout mixing MIG profiles is a problem on the pool's layout, listing the uniform ones", () => {
    expect(gkePartitionSize("a100", migPool("nvidia-a100-40gb", "all-balanced"))).toEqual({
      problem: {
        path: "pools.a100.gpu.sharing.layout",
        value: "all-balanced",
        allowed:
          "GKE cuts every GPU of a node pool into one partition size (gpu_partition_size); use a uniform layout of nvidia-a100-40gb: " +
          "all-1g.5gb, all-2g.10gb, all-3g.20gb, all-4g.20gb, all-7g.40gb, or a separate pool per MIG profile",
      },
    });
    expect(aksGpuInstance("a100", migPool("nvidia-a100-80gb", "all-balanced"))).toEqual({
      problem: {
        path: "pools.a100.gpu.sharing.layout",
        value: "all-balanced",
        allowed:
          "AKS gives every GPU of a node pool one MIG profile (gpu_instance); use a uniform layout of nvidia-a100-80gb: " +
          "all-1g.10gb, all-1g.20gb, all-2g.20gb, all-3g.40gb, all-4g.40gb, all-7g.80gb, or a separate pool per MIG profile",
      },
    });
  });
});
