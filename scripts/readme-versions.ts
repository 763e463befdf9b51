/** Regenerates the README's version table from stacks/versions.ts. */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { withVersionTable } from "../stacks/version-table";

const path = resolve(__dirname, "../README.md");
writeFileSync(path, withVersionTable(readFileSync(path, "utf8")));
console.log("README.md version table regenerated");
