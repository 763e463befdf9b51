/** Regenerates the README's generated blocks (version table, capacity reports) from the code. */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { withGeneratedBlocks } from "../reports/readme-blocks";
import { renderProfile } from "../stacks/render-profile";

const path = resolve(__dirname, "../README.md");
writeFileSync(
  path,
  withGeneratedBlocks(readFileSync(path, "utf8"), (name) => renderProfile(name, { root: resolve(__dirname, "..") })),
);
console.log("README.md generated blocks regenerated");
