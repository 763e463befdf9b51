/** The simulation's files: report.txt, report.json and one SVG chart per tracked pool and resource. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PoolChart } from "../../reports/simulation-chart";
import { poolChartSvg } from "../../reports/simulation-chart";
import type { PoolSeries, SimulationReport } from "./report";
import { formatSimulationReport } from "./report";

/** The chart of one pool's series. */
export function poolChart(series: PoolSeries, report: SimulationReport): PoolChart {
  return {
    pool: series.pool,
    resource: series.resource,
    capacity: series.capacity,
    minutes: Math.max(report.minutes, 1),
    note: `Kueue ${report.profile} simulation; time compressed: 1 simulated minute = ${(60 / report.timeScale).toFixed(2)} s`,
    teams: series.teams.map((t) => ({
      team: t.team,
      nominal: t.nominal,
      ...(t.obtainable !== t.nominal ? { obtainable: t.obtainable } : {}),
      points: t.points.filter((p) => p.minute <= Math.max(report.minutes, 1)),
    })),
  };
}

/** The file name of a pool's chart: `<pool>-<resource>.svg` with the resource's `/` and `.` as `-`. */
export function chartFileName(series: Pick<PoolSeries, "pool" | "resource">): string {
  return `${series.pool}-${series.resource.replace(/[/.]/g, "-")}.svg`;
}

/** Writes the report's files into `dir`; returns the text report. */
export function writeSimulationOutputs(report: SimulationReport, dir: string): string {
  const text = formatSimulationReport(report);
  writeFileSync(join(dir, "report.txt"), `${text}\n`);
  writeFileSync(join(dir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  for (const series of report.series) {
    writeFileSync(join(dir, chartFileName(series)), poolChartSvg(poolChart(series, report)));
  }
  return text;
}
