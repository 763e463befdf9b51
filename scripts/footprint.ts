/**
 * Prints the platform footprint from the Helm render (reports/footprint.ts) for each profile:
 * `npm run footprint` (every profile) or `CNAI_PROFILE=laptop-gpu npm run footprint`.
 */
import { resolve } from "node:path";
import { footprint, footprintTotal } from "../reports/footprint";
import { selectProfiles } from "../profiles/load";
import { renderProfile } from "../stacks/render-profile";

const selector = process.env.CNAI_PROFILE ?? "all";
for (const name of selectProfiles(selector)) {
  for (const stack of renderProfile(name, { root: resolve(__dirname, "..") })) {
    const rows = footprint(stack);
    const total = footprintTotal(rows);
    console.log(`\n${stack.stack}: ${total.cpuCores} CPU, ${total.memoryGiB} GiB requested by ${total.pods} pods`);
    console.log(["release", "workload", "pods", "pools", "cpu req", "mem req", "cpu lim", "mem lim"].join("\t"));
    for (const r of rows) {
      console.log(
        [
          r.release,
          r.workload,
          r.pods,
          r.pools.join(",") || "(none: Pending)",
          r.requests.cpu ?? "-",
          r.requests.memory ?? "-",
          r.limits.cpu ?? "-",
          r.limits.memory ?? "-",
        ].join("\t"),
      );
    }
  }
}
