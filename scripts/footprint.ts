/**
 * Prints the platform footprint (sum of CPU/memory requests of every long-running platform pod)
 * for each profile: `npm run footprint` or `CNAI_PROFILE=laptop-gpu npm run footprint`.
 */
import { loadCheckedProfile } from "../platform/check";
import { CATALOG } from "../platform/catalog";
import { planSteps, resolveGraph } from "../platform/graph";
import { footprint, footprintTotal } from "../reports/footprint";
import { selectProfiles } from "../profiles/load";

const selector = process.env.CNAI_PROFILE ?? "all";
for (const name of selectProfiles(selector)) {
  const profile = loadCheckedProfile(name);
  const rows = footprint(profile, planSteps(resolveGraph(CATALOG, profile)));
  const total = footprintTotal(rows);
  console.log(
    `\nProfile ${name}: ${total.cpuCores} CPU, ${total.memoryGiB} GiB requested by ${rows.reduce((n, r) => n + r.pods, 0)} pods`,
  );
  console.log(["release", "workload", "pods", "cpu req", "mem req", "cpu lim", "mem lim"].join("\t"));
  for (const r of rows) {
    console.log(
      [
        r.release,
        r.workload,
        r.pods,
        r.requests.cpu ?? "-",
        r.requests.memory ?? "-",
        r.limits.cpu ?? "-",
        r.limits.memory ?? "-",
      ].join("\t"),
    );
  }
}
