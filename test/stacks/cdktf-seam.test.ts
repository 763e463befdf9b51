import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");

/** Every TypeScript file under a folder, relative to the repository root. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(ROOT, dir, name);
    if (statSync(path).isDirectory()) return sources(relative(ROOT, path));
    return name.endsWith(".ts") ? [relative(ROOT, path)] : [];
  });
}

/** Files that may import cdktf: a move to the CDK Terrain fork touches only these. */
const SEAM = [
  /^stacks\/[a-z-]+-stack\.ts$/,
  /^stacks\/clusters\//,
  /^stacks\/app\.ts$/,
  /^stacks\/local-chart\.ts$/,
  /^stacks\/multikueue-access\.ts$/,
  /^stacks\/providers\//,
];

describe("the cdktf seam", () => {
  test("only the stack layer imports cdktf or its provider bindings", () => {
    const importers = ["stacks", "charts", "profiles", "verify", "scripts"]
      .flatMap(sources)
      .filter((file) => /from "(cdktf|@cdktf\/[^"]+)"/.test(readFileSync(join(ROOT, file), "utf8")));
    // The scan must see the stack layer's own imports, or it proves nothing.
    expect(importers).toContain("stacks/app.ts");
    expect(importers.filter((file) => !SEAM.some((pattern) => pattern.test(file)))).toEqual([]);
  });
});
