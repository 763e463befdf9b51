import {
  containerResources,
  kueueLabels,
  parseQuantity,
  podDemand,
  schedulingFields,
  sumDemands,
} from "../../../charts/workloads/placement";

describe("workload placement helpers", () => {
  test("parse Kubernetes CPU and memory quantities", () => {
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("1.5")).toBe(1.5);
    expect(parseQuantity("512Mi")).toBe(512 * 2 ** 20);
    expect(parseQuantity("4Gi")).toBe(4 * 2 ** 30);
    expect(parseQuantity("2G")).toBe(2e9);
    expect(parseQuantity("128k")).toBe(128_000);
    expect(parseQuantity("1e3")).toBe(1000);
  });

  test("refuse strings that are not quantities", () => {
    expect(parseQuantity("2GB")).toBeUndefined();
    expect(parseQuantity("-1")).toBeUndefined();
    expect(parseQuantity("")).toBeUndefined();
    expect(parseQuantity("1 Gi")).toBeUndefined();
  });

  test("set requests equal to limits, with the GPU in both", () => {
    expect(containerResources({ cpu: "1", memory: "1Gi", gpu: { resourceName: "nvidia.com/gpu", count: 2 } })).toEqual({
      requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "2" },
      limits: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "2" },
    });
  });

  test("sum demands exactly in millicores and per extended resource", () => {
    const demand = sumDemands([
      podDemand({ cpu: "100m", memory: "128Mi" }, 1),
      podDemand({ cpu: "200m", memory: "128Mi", gpu: { resourceName: "nvidia.com/gpu", count: 1 } }, 2),
      podDemand({ cpu: "1", memory: "1Gi", gpu: { resourceName: "nvidia.com/mig-1g.10gb", count: 1 } }, 1),
    ]);
    expect(demand).toEqual({
      pods: 4,
      cpu: 1.5,
      memoryBytes: 3 * 128 * 2 ** 20 + 2 ** 30,
      extended: { "nvidia.com/gpu": 2, "nvidia.com/mig-1g.10gb": 1 },
    });
  });

  test("leave a GPU group with zero pods out of the extended demand", () => {
    expect(podDemand({ cpu: "1", memory: "1Gi", gpu: { resourceName: "nvidia.com/gpu", count: 1 } }, 0)).toEqual({
      pods: 0,
      cpu: 0,
      memoryBytes: 0,
      extended: {},
    });
  });

  test("label the queue, and the priority class only when one is given", () => {
    const placement = { namespace: "t", localQueue: "q", nodeSelector: {}, tolerations: [] };
    expect(kueueLabels(placement)).toEqual({ "kueue.x-k8s.io/queue-name": "q" });
    expect(kueueLabels({ ...placement, priorityClass: "high" })).toEqual({
      "kueue.x-k8s.io/queue-name": "q",
      "kueue.x-k8s.io/priority-class": "high",
    });
  });

  test("leave empty node selectors and tolerations out of the pod spec", () => {
    expect(schedulingFields({ nodeSelector: {}, tolerations: [] })).toEqual({});
  });
});
