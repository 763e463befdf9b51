/**
 * The cdktf app entry (`cdktf synth` runs it, see cdktf.json).
 *   CNAI_PROFILE=<name>|all   which profile(s) to synthesize (or the cdktf context key `profile`)
 *   CNAI_OVERRIDES=<file>     a fork's override file (.yaml/.yml/.json), applied over each profile
 */
import { buildApp } from "./app";
import { cleanUpLocalCharts } from "./local-chart";
import { readOverridesFile, selectProfiles } from "../profiles/load";

function main(): void {
  try {
    const fromContext = process.env.CDKTF_CONTEXT_JSON ? JSON.parse(process.env.CDKTF_CONTEXT_JSON).profile : undefined;
    const profiles = selectProfiles(process.env.CNAI_PROFILE ?? fromContext);
    const overridesFile = process.env.CNAI_OVERRIDES;
    const override = overridesFile ? readOverridesFile(overridesFile) : undefined;
    const { app } = buildApp({ profiles, override });
    app.synth();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  } finally {
    cleanUpLocalCharts();
  }
}

main();
