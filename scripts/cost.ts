/** Prints what each cloud profile costs per hour at minimum and maximum scale: `npm run cost`. */
import { selectProfiles } from "../profiles/load";
import { loadCheckedProfile } from "../platform/check";
import { costReport, formatCostReport } from "../reports/cost";

for (const name of selectProfiles(process.env.CNAI_PROFILE ?? "all")) {
  const clusters = costReport(loadCheckedProfile(name));
  if (clusters.length > 0) console.log(`${formatCostReport(name, clusters)}\n`);
}
