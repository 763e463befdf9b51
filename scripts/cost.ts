/**
 * Prints what each cloud profile costs per hour at minimum and maximum scale, and the energy and carbon per team of
 * each profile that runs Kepler: `npm run cost [-- --prometheus <url>] [--period 1d]`.
 *
 * Without --prometheus the energy section states the PromQL it would run and the carbon intensity it would use, never
 * a number; with it (one profile: CNAI_PROFILE), the kWh and gCO2e the running Prometheus measured (reports/energy.ts).
 */
import { selectProfiles } from "../profiles/load";
import { loadCheckedProfile } from "../platform/check";
import { contextFor } from "../platform/graph";
import { costReport, formatCostReport } from "../reports/cost";
import { formatEnergyReport, measureTeamEnergy, parseEnergyOptions } from "../reports/energy";

async function main(): Promise<void> {
  const options = parseEnergyOptions(process.argv.slice(2));
  const names = selectProfiles(process.env.CNAI_PROFILE ?? "all");
  if (options.prometheus && names.length !== 1) {
    throw new Error(
      "--prometheus measures one cluster: choose its profile with CNAI_PROFILE, e.g. CNAI_PROFILE=cluster-gpu npm run cost -- --prometheus http://localhost:9090",
    );
  }
  for (const name of names) {
    const profile = loadCheckedProfile(name);
    const clusters = costReport(profile);
    if (clusters.length > 0) console.log(`${formatCostReport(name, clusters)}\n`);
    if (!contextFor(profile).isAvailable("kepler")) {
      if (options.prometheus) {
        throw new Error(
          `${name} runs no Kepler (components.kepler.lifecycle is "disabled"), so its Prometheus has no energy to report`,
        );
      }
      continue;
    }
    const measured = options.prometheus
      ? {
          prometheus: options.prometheus,
          teams: await measureTeamEnergy(profile, options.prometheus, options.period),
        }
      : undefined;
    console.log(`${formatEnergyReport(profile, options.period, measured)}\n`);
  }
}

main().catch((error: unknown) => {
  console.error(`npm run cost: ${(error as Error).message}`);
  process.exit(1);
});
