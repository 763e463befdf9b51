import { loadCheckedProfile } from "../../../platform/check";
import { localNodes, nodeObject } from "../../../scripts/local/nodes";

const kubelet = (name: string) => ({
  "kubernetes.io/arch": "amd64",
  "kubernetes.io/hostname": name,
  "kubernetes.io/os": "linux",
});
const CONTROL_PLANE_TAINT = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" };
const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" };
const base = { pods: "110", "ephemeral-storage": "100Gi" };

describe("the fake nodes of a local cluster", () => {
  test("laptop: kind's tainted control-plane node and one worker with the team's quota on top of the headroom", () => {
    expect(localNodes(loadCheckedProfile("laptop"))).toEqual([
      {
        name: "cnai-laptop-control-plane",
        labels: { ...kubelet("cnai-laptop-control-plane"), "node-role.kubernetes.io/control-plane": "" },
        taints: [CONTROL_PLANE_TAINT],
        capacity: { cpu: "8", memory: "16Gi", ...base },
      },
      {
        name: "cnai-laptop-worker",
        pool: "workers",
        labels: { ...kubelet("cnai-laptop-worker"), "cnai.io/pool": "workers" },
        taints: [],
        // 8 + 4 cores, 16 + 8 GiB: the headroom plus the default team's quota.
        capacity: { cpu: "12", memory: "24Gi", ...base },
      },
    ]);
  });

  test("cluster-gpu: kind's worker names in pool order, 4 whole GPUs, 28 MIG slices of 1g.10gb, and a CPU pool", () => {
    expect(localNodes(loadCheckedProfile("cluster-gpu"))).toEqual([
      {
        name: "cnai-cluster-control-plane",
        labels: { ...kubelet("cnai-cluster-control-plane"), "node-role.kubernetes.io/control-plane": "" },
        taints: [CONTROL_PLANE_TAINT],
        capacity: { cpu: "8", memory: "16Gi", ...base },
      },
      {
        name: "cnai-cluster-worker",
        pool: "full",
        labels: {
          ...kubelet("cnai-cluster-worker"),
          "cnai.io/pool": "full",
          "nvidia.com/device-plugin.config": "full",
        },
        taints: [GPU_TAINT],
        // Quotas on full: 16 + 16 + 4 cores, 128 + 128 + 16 GiB.
        capacity: { cpu: "44", memory: "288Gi", ...base, "nvidia.com/gpu": "4" },
      },
      {
        name: "cnai-cluster-worker2",
        pool: "mig",
        labels: {
          ...kubelet("cnai-cluster-worker2"),
          "cnai.io/pool": "mig",
          "nvidia.com/device-plugin.config": "mig",
          "nvidia.com/mig.config": "all-1g.10gb",
        },
        taints: [GPU_TAINT],
        capacity: { cpu: "40", memory: "144Gi", ...base, "nvidia.com/mig-1g.10gb": "28" },
      },
      {
        name: "cnai-cluster-worker3",
        pool: "system",
        labels: { ...kubelet("cnai-cluster-worker3"), "cnai.io/pool": "system" },
        taints: [],
        capacity: { cpu: "16", memory: "48Gi", ...base },
      },
    ]);
  });

  test("workstation-gpu: time-slicing ×4 on 2 GPUs advertises 8 nvidia.com/gpu", () => {
    const [, worker] = localNodes(loadCheckedProfile("workstation-gpu"));
    expect(worker.capacity["nvidia.com/gpu"]).toBe("8");
  });

  test("a cloud pool gets its autoscaling maximum of nodes, named <cluster>-<pool>-<n>, with the instance type's label", () => {
    const nodes = localNodes(loadCheckedProfile("eks-gpu"));
    expect(
      nodes.map((n) => [n.name, n.labels["node.kubernetes.io/instance-type"], n.capacity["nvidia.com/gpu"]]),
    ).toEqual([
      ["cnai-eks-a100-1", "p4d.24xlarge", "56"],
      ["cnai-eks-a100-2", "p4d.24xlarge", "56"],
      ["cnai-eks-l4-1", "g6.xlarge", "4"],
      ["cnai-eks-l4-2", "g6.xlarge", "4"],
      ["cnai-eks-l4-3", "g6.xlarge", "4"],
      ["cnai-eks-l4-4", "g6.xlarge", "4"],
      ["cnai-eks-system-1", "m6i.xlarge", undefined],
      ["cnai-eks-system-2", "m6i.xlarge", undefined],
      ["cnai-eks-system-3", "m6i.xlarge", undefined],
      ["cnai-eks-system-4", "m6i.xlarge", undefined],
    ]);
  });

  test("the Node object carries kwok's annotation, the taints, and the capacity as allocatable too", () => {
    const [controlPlane, worker] = localNodes(loadCheckedProfile("laptop"));
    expect(nodeObject(controlPlane)).toEqual({
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "cnai-laptop-control-plane",
        labels: controlPlane.labels,
        annotations: { "kwok.x-k8s.io/node": "fake" },
      },
      spec: { taints: [CONTROL_PLANE_TAINT] },
      status: {
        capacity: { cpu: "8", memory: "16Gi", ...base },
        allocatable: { cpu: "8", memory: "16Gi", ...base },
      },
    });
    expect(nodeObject(worker).spec).toEqual({});
  });
});
