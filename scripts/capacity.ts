/** Prints the GPU capacity report per profile: `npm run capacity` or `CNAI_PROFILE=cluster-gpu npm run capacity`. */
import { capacityReport, formatCapacityReport } from "../reports/capacity";
import { selectProfiles } from "../profiles/load";
import { loadCheckedProfile } from "../platform/check";

for (const name of selectProfiles(process.env.CNAI_PROFILE ?? "all")) {
  console.log(`${formatCapacityReport(capacityReport(loadCheckedProfile(name)))}\n`);
}
