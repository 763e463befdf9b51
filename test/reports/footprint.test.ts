import { PROFILES } from "../../profiles";
import { cpuCores, footprint, footprintTotal, memoryBytes, podResource } from "../../reports/footprint";
import { rendered } from "../support/rendered";

const rowsFor = (name: string, override?: unknown) => rendered(name, override).flatMap((stack) => footprint(stack));
const row = (name: string, workload: string, override?: unknown) =>
  rowsFor(name, override).find((r) => r.workload === workload);

describe("the platform footprint, from the Helm render", () => {
  test("quantities convert to cores and bytes", () => {
    expect([cpuCores("250m"), cpuCores("2"), memoryBytes("512Mi"), memoryBytes("1Gi"), memoryBytes("1G")]).toEqual([
      0.25,
      2,
      512 * 1024 ** 2,
      1024 ** 3,
      1e9,
    ]);
  });

  test("a pod reserves the larger of its containers plus sidecars and its largest init container", () => {
    const r = (cpu: string) => ({ requests: { cpu } });
    const spec = {
      initContainers: [
        { name: "sidecar", restartPolicy: "Always", resources: r("100m") },
        { name: "migrate", resources: r("500m") },
      ],
      containers: [
        { name: "app", resources: r("200m") },
        { name: "proxy", resources: r("50m") },
      ],
    };
    // init peak: 100m sidecar + 500m migrate = 600m; running: 250m + 100m sidecar = 350m.
    expect(podResource(spec, "requests", "cpu")).toBe("600m");
    expect(podResource({ ...spec, initContainers: [spec.initContainers[0]] }, "requests", "cpu")).toBe("350m");
    expect(podResource({ containers: [{ name: "app", resources: {} }] }, "requests", "cpu")).toBeUndefined();
  });

  test("the laptop platform requests at most 1.5 CPU and 3 GiB", () => {
    const total = footprintTotal(rowsFor("laptop"));
    expect(total.cpuCores).toBeLessThanOrEqual(1.5);
    expect(total.memoryGiB).toBeLessThanOrEqual(3);
  });

  test("a Linux laptop that opts into Kepler still fits: one 100m / 128Mi exporter per node", () => {
    const withKepler = { components: { kepler: { lifecycle: "managed" } } };
    expect(row("laptop", "DaemonSet/kepler", withKepler)).toMatchObject({
      pods: 2,
      pools: ["control-plane", "workers"],
      requests: { cpu: "100m", memory: "128Mi" },
    });
    const total = footprintTotal(rowsFor("laptop", withKepler));
    expect(total.cpuCores).toBeLessThanOrEqual(1.5);
    expect(total.memoryGiB).toBeLessThanOrEqual(3);
  });

  test.each(Object.keys(PROFILES))("every platform pod of %s has a node it can run on", (name) => {
    expect(rowsFor(name).filter((r) => r.pods > 0 && r.pools.length === 0)).toEqual([]);
  });

  test("DaemonSets run on every node they tolerate, kind's tainted control plane included", () => {
    expect(row("laptop", "DaemonSet/kube-prometheus-stack-prometheus-node-exporter")).toMatchObject({
      pods: 2,
      pools: ["control-plane", "workers"],
    });
  });

  test("the GPU Operator's operands run only on GPU nodes, the MIG manager only on MIG-capable ones", () => {
    const pools = (workload: string) => row("cluster-gpu", workload)?.pools;
    expect(pools("DaemonSet/nvidia-device-plugin-daemonset")).toEqual(["full", "mig"]);
    expect(pools("DaemonSet/nvidia-operator-validator")).toEqual(["full", "mig"]);
    expect(pools("DaemonSet/nvidia-mig-manager")).toEqual(["full", "mig"]);
    expect(row("laptop-gpu", "DaemonSet/nvidia-mig-manager")).toBeUndefined();
    expect(row("cluster-gpu", "DaemonSet/nvidia-device-plugin-mps-control-daemon")).toMatchObject({ pods: 0 });
  });

  test("an operand pod counts its sidecars and validation init containers", () => {
    // Device plugin (10m) + config-manager sidecar (10m); the init containers ask less.
    expect(row("cluster-gpu", "DaemonSet/nvidia-device-plugin-daemonset")?.requests).toEqual({
      cpu: "20m",
      memory: "64Mi",
    });
  });

  test("operator-made pods are counted: PostgreSQL instances and Prometheus with its config reloader", () => {
    expect(row("laptop", "Cluster/mlflow-db")).toMatchObject({ pods: 1, requests: { cpu: "50m", memory: "128Mi" } });
    // Prometheus 50m/256Mi + config-reloader 5m/16Mi from the operator's flags.
    expect(row("laptop", "Prometheus/kube-prometheus-stack-prometheus")?.requests).toEqual({
      cpu: "55m",
      memory: "272Mi",
    });
  });

  test("a profile's values override changes the footprint it reports", () => {
    const bigger = row("laptop", "Deployment/kueue-controller-manager", {
      components: {
        kueue: {
          lifecycle: "managed",
          values: { controllerManager: { manager: { resources: { requests: { cpu: "1", memory: "1Gi" } } } } },
        },
      },
    });
    expect(bigger?.requests).toEqual({ cpu: "1000m", memory: "1024Mi" });
    expect(bigger?.limits).toEqual(row("laptop", "Deployment/kueue-controller-manager")?.limits);
  });

  test("disabled components and team workloads are not counted", () => {
    const rows = rowsFor("laptop", { components: { observability: { lifecycle: "disabled" } } });
    expect(rows.some((r) => r.release === "kube-prometheus-stack")).toBe(false);
    expect(rowsFor("cluster-gpu").some((r) => r.release === "samples")).toBe(false);
  });
});
