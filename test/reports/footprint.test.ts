import { PROFILES } from "../../profiles";
import { loadCheckedProfile } from "../../platform/check";
import { CATALOG } from "../../platform/catalog";
import { cpuCores, footprint, footprintTotal, memoryBytes } from "../../reports/footprint";
import { planSteps, resolveGraph } from "../../platform/graph";

const rowsFor = (name: string, override?: unknown) => {
  const profile = loadCheckedProfile(name, override);
  return footprint(profile, planSteps(resolveGraph(CATALOG, profile)));
};

describe("the platform footprint", () => {
  test("quantities convert to cores and bytes", () => {
    expect([cpuCores("250m"), cpuCores("2"), memoryBytes("512Mi"), memoryBytes("1Gi"), memoryBytes("1G")]).toEqual([
      0.25,
      2,
      512 * 1024 ** 2,
      1024 ** 3,
      1e9,
    ]);
  });

  test.each(Object.keys(PROFILES))("every platform container on %s sets CPU and memory requests and limits", (name) => {
    const missing = rowsFor(name).filter(
      (r) => !r.requests.cpu || !r.requests.memory || !r.limits.cpu || !r.limits.memory,
    );
    expect(missing).toEqual([]);
  });

  test("the laptop platform requests at most 1.5 CPU and 3 GiB", () => {
    const total = footprintTotal(rowsFor("laptop"));
    expect(total.cpuCores).toBeLessThanOrEqual(1.5);
    expect(total.memoryGiB).toBeLessThanOrEqual(3);
  });

  test("a profile's values override changes the footprint it reports", () => {
    const base = rowsFor("laptop").find((r) => r.workload === "kueue-controller-manager");
    const bigger = rowsFor("laptop", {
      components: {
        kueue: {
          lifecycle: "managed",
          values: { controllerManager: { manager: { resources: { requests: { cpu: "1", memory: "1Gi" } } } } },
        },
      },
    }).find((r) => r.workload === "kueue-controller-manager");
    expect(bigger?.requests).toEqual({ cpu: "1000m", memory: "1024Mi" });
    expect(bigger?.limits).toEqual(base?.limits);
  });

  test("disabled components are not counted", () => {
    const rows = rowsFor("laptop", { components: { observability: { lifecycle: "disabled" } } });
    expect(rows.some((r) => r.release === "kube-prometheus-stack")).toBe(false);
  });
});
