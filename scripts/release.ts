/**
 * `npm run release -- <version>`: cuts a release from HEAD (scripts/releases/release.ts): CHANGELOG.md,
 * package.json and package-lock.json in one commit `Release <version>`, tagged `v<version>`.
 * `npm run release -- --tag`: tags every earlier release whose tag is missing (a clone that never fetched them).
 */
import { resolve } from "node:path";
import { MIGRATIONS } from "../profiles/migrations";
import { cutRelease, tagReleases } from "./releases/release";

const root = resolve(__dirname, "..");
const arg = process.argv[2];
try {
  if (arg === undefined) {
    throw new Error("Give the version to release: `npm run release -- 0.2.0` (or `npm run release -- --tag`).");
  } else if (arg === "--tag") {
    for (const line of tagReleases(root)) console.log(line);
  } else {
    const result = cutRelease(root, arg, { migrations: MIGRATIONS });
    console.log(`Released ${arg} as ${result.commit.slice(0, 8)}; push it with \`git push origin HEAD v${arg}\`.`);
    if (result.tagWarning) console.warn(`warning: ${result.tagWarning}`);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
