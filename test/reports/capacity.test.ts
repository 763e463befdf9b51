import { capacityReport, formatCapacityReport } from "../../reports/capacity";
import { loadProfile } from "../../profiles/load";

describe("the capacity report", () => {
  test.each(["laptop-gpu", "workstation-gpu", "cluster-gpu", "eks-gpu", "gke-gpu", "aks-gpu", "multicloud-gpu"])(
    "on %s, guaranteed slots plus headroom add up to every pool's slots",
    (name) => {
      const report = capacityReport(loadProfile(name));
      for (const pool of report.pools) {
        for (const [resource, slots] of Object.entries(pool.slots)) {
          const guaranteed = report.teams
            .filter((t) => t.pool === pool.pool && t.resource === resource)
            .reduce((sum, t) => sum + t.guaranteed, 0);
          const headroom = report.headroom.find((h) => h.pool === pool.pool && h.resource === resource)?.slots;
          expect({ pool: pool.pool, resource, sum: guaranteed + (headroom ?? 0) }).toEqual({
            pool: pool.pool,
            resource,
            sum: slots,
          });
        }
      }
    },
  );

  test("workstation-gpu: 8 time-sliced slots, each team guaranteed 4, borrowing what the other lends", () => {
    const report = capacityReport(loadProfile("workstation-gpu"));
    expect(report.pools).toEqual([
      {
        pool: "gpu",
        nodes: 1,
        gpus: 2,
        accelerator: "A workstation or laptop GeForce/RTX GPU (no MIG)",
        sharing: "time-slicing ×4",
        slots: { "nvidia.com/gpu": 8 },
      },
    ]);
    expect(report.teams).toEqual([
      { team: "applied", pool: "gpu", resource: "nvidia.com/gpu", guaranteed: 4, borrowable: 4 },
      { team: "research", pool: "gpu", resource: "nvidia.com/gpu", guaranteed: 4, borrowable: 2 },
    ]);
    expect(report.headroom).toEqual([{ pool: "gpu", resource: "nvidia.com/gpu", slots: 0 }]);
  });

  test("serving and notebook demand is shown idle and at peak: an LLM keeps one replica, the RAG embedder rests at zero", () => {
    const report = capacityReport(loadProfile("cluster-gpu"));
    const row = (name: string) => report.demands.find((d) => d.workload === name);
    expect(row("llm-serving")).toEqual({
      team: "serving",
      pool: "mig",
      workload: "llm-serving",
      kind: "llm-service",
      resting: { pods: 1, cpu: 2, memoryBytes: 8 * 1024 ** 3, extended: { "nvidia.com/mig-1g.10gb": 1 } },
      peak: { pods: 2, cpu: 4, memoryBytes: 16 * 1024 ** 3, extended: { "nvidia.com/mig-1g.10gb": 2 } },
    });
    expect(formatCapacityReport(report)).toContain(
      "| serving | mig | llm-serving | llm-service | 1 | 2 cpu, 8Gi, 1 × nvidia.com/mig-1g.10gb | 4 cpu, 16Gi, 2 × nvidia.com/mig-1g.10gb |",
    );
    expect(formatCapacityReport(report)).toContain("| serving | system | rag | rag | 0 | - | 1200m cpu, 2560Mi |");
    // Notebook servers: one of each option the team is offered, holding nothing once culled.
    expect(formatCapacityReport(report)).toContain(
      "| serving | mig | serving-mig-mig-1g-10gb | notebook server | 0 | - | 2 cpu, 8Gi, 1 × nvidia.com/mig-1g.10gb |",
    );
  });

  test("an unassigned slot shows as headroom that every team may borrow", () => {
    const report = capacityReport(
      loadProfile("workstation-gpu", { teams: { applied: { quota: { gpu: { gpu: 3 } } } } }),
    );
    expect(report.headroom).toEqual([{ pool: "gpu", resource: "nvidia.com/gpu", slots: 1 }]);
  });

  test("the text form has a pool table, a team table, a headroom table and a demand table", () => {
    expect(formatCapacityReport(capacityReport(loadProfile("laptop-gpu")))).toBe(
      [
        "Profile laptop-gpu",
        "",
        "| pool | nodes | GPUs | accelerator | sharing | slots |",
        "|---|---|---|---|---|---|",
        "| workers | 1 | 1 | A workstation or laptop GeForce/RTX GPU (no MIG) | whole GPUs | 1 × nvidia.com/gpu |",
        "",
        "| team | pool | resource | guaranteed | can borrow |",
        "|---|---|---|---|---|",
        "| default | workers | nvidia.com/gpu | 1 | 0 |",
        "",
        "| pool | resource | headroom (guaranteed to nobody) |",
        "|---|---|---|",
        "| workers | nvidia.com/gpu | 0 |",
        "",
        "| team | pool | workload | kind | pods idle | holds idle | at peak |",
        "|---|---|---|---|---|---|---|",
        "| default | workers | default-cpu | notebook server | 0 | - | 1 cpu, 2Gi |",
        "| default | workers | default-workers-gpu | notebook server | 0 | - | 2 cpu, 8Gi, 1 × nvidia.com/gpu |",
      ].join("\n"),
    );
  });

  test("a MultiKueue profile's report covers every cluster and says which cluster each pool is on", () => {
    const report = capacityReport(loadProfile("multicloud-gpu"));
    expect(report.pools.map((p) => [p.worker ?? "management", p.pool, p.slots])).toEqual([
      ["aks", "akssystem", {}],
      ["aks", "akst4", { "nvidia.com/gpu": 4 }],
      ["gke", "gke-l4", { "nvidia.com/gpu": 8 }],
      ["gke", "gke-system", {}],
      ["management", "system", {}],
    ]);
    expect(formatCapacityReport(report)).toContain("| cluster | pool | nodes | GPUs | accelerator | sharing | slots |");
  });
});
