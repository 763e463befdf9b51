import { loadProfile } from "../../profiles/load";
import { costReport, costTotals, formatCostReport, PRICES } from "../../reports/cost";

describe("the cost report", () => {
  test("prices every pool of a cloud profile at minimum and maximum scale, plus the control plane", () => {
    const clusters = costReport(loadProfile("eks-gpu"));
    expect(clusters.map((c) => c.pools.map((p) => [p.pool, p.instanceType, p.minNodes, p.maxNodes]))).toEqual([
      [
        ["a100", "p4d.24xlarge", 0, 2],
        ["l4", "g6.xlarge", 0, 4],
        ["system", "m6i.xlarge", 2, 4],
      ],
    ]);
    // min: 0.10 + 2 × 0.214; max: 0.10 + 2 × 35.39655 + 4 × 0.8048 + 4 × 0.214
    expect(costTotals(clusters)).toEqual({
      minUsdPerHour: 0.53,
      maxUsdPerHour: 74.97,
      unpriced: [],
      otherRegion: ["eks-gpu/l4 (g6.xlarge priced in us-east-1)"],
    });
  });

  test("says which pools are priced in another region than their cluster's", () => {
    const report = formatCostReport("eks-gpu", costReport(loadProfile("eks-gpu")));
    expect(report.split("\n")[0]).toBe(
      "Profile eks-gpu: $0.53/h at minimum scale, $74.97/h at maximum; " +
        "1 pool(s) use a price from another region than their cluster: eks-gpu/l4 (g6.xlarge priced in us-east-1)",
    );
  });

  test("covers every cluster of a MultiKueue profile and leaves unpriced pools out visibly", () => {
    const clusters = costReport(loadProfile("multicloud-gpu"));
    expect(clusters.map((c) => c.cluster)).toEqual(["multicloud-gpu", "multicloud-gpu-aks", "multicloud-gpu-gke"]);
    expect(costTotals(clusters).unpriced).toEqual([
      "multicloud-gpu-aks/akssystem (Standard_D4s_v5)",
      "multicloud-gpu-aks/akst4 (Standard_NC4as_T4_v3)",
      "multicloud-gpu-gke/gke-l4 (g2-standard-4)",
      "multicloud-gpu-gke/gke-system (e2-standard-4)",
    ]);
    expect(formatCostReport("multicloud-gpu", clusters)).toMatch(
      /^Profile multicloud-gpu: \$0\.63\/h at minimum scale, \$1\.06\/h at maximum \(without 4 unpriced pool\(s\)/,
    );
  });

  test("kind profiles have no cloud cost", () => {
    expect(costReport(loadProfile("laptop"))).toEqual([]);
  });

  test("every price names its region, source and date", () => {
    for (const price of Object.values(PRICES)) {
      expect(price.region.length).toBeGreaterThan(2);
      expect(price.source.length).toBeGreaterThan(10);
      expect(price.date).toMatch(/^(\d{4}-\d{2}-\d{2}|undated)/);
    }
  });
});
