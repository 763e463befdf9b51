import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");

/** Every TypeScript file under a folder, relative to the repository root. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(ROOT, dir, name);
    if (statSync(path).isDirectory()) return sources(relative(ROOT, path));
    return name.endsWith(".ts") ? [relative(ROOT, path)] : [];
  });
}

/** The module specifiers a file imports or re-exports (static and `import type` alike; `require` too). */
function specifiers(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s+|\brequire\()["']([^"']+)["']/g)].map((m) => m[1]);
}

/** A relative specifier as a repository file, or undefined for a package. */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = join(dirname(from), specifier);
  return [`${base}.ts`, join(base, "index.ts")].find((candidate) => existsSync(join(ROOT, candidate)));
}

const isCdktf = (specifier: string) => specifier === "cdktf" || specifier.startsWith("@cdktf/");

/** For each file, the import chain through which it reaches cdktf (file → … → "cdktf"), if it does. */
function cdktfChains(files: readonly string[]): Map<string, string[]> {
  const memo = new Map<string, string[] | null>();
  const chainOf = (file: string, visiting: Set<string>): string[] | null => {
    if (memo.has(file)) return memo.get(file) ?? null;
    if (visiting.has(file)) return null;
    visiting.add(file);
    let found: string[] | null = null;
    for (const specifier of specifiers(file)) {
      if (isCdktf(specifier)) {
        found = [file, specifier];
        break;
      }
      const local = resolveLocal(file, specifier);
      const deeper = local ? chainOf(local, visiting) : null;
      if (deeper) {
        found = [file, ...deeper];
        break;
      }
    }
    visiting.delete(file);
    memo.set(file, found);
    return found;
  };
  const result = new Map<string, string[]>();
  for (const file of files) {
    const chain = chainOf(file, new Set());
    if (chain) result.set(file, chain);
  }
  return result;
}

/** The cdktf-free core: a move to the CDK Terrain fork (or away from cdktf) touches none of it. */
const CORE = ["profiles", "platform", "charts", "reports", "verify"];

describe("the cdktf seam", () => {
  test("the scan follows imports through other files, so it sees the stack layer reach cdktf", () => {
    const chains = cdktfChains(sources("stacks"));
    expect(chains.get("stacks/app.ts")?.at(-1)).toMatch(/^(cdktf|@cdktf\/)/);
    // stacks/main.ts imports no cdktf itself, only through stacks/app.ts.
    expect(specifiers("stacks/main.ts").filter(isCdktf)).toEqual([]);
    expect(chains.get("stacks/main.ts")?.slice(0, 2)).toEqual(["stacks/main.ts", "stacks/app.ts"]);
  });

  test("the core imports no cdktf or @cdktf module, directly or through another file", () => {
    const chains = cdktfChains(CORE.flatMap(sources));
    expect([...chains.values()].map((chain) => chain.join(" -> "))).toEqual([]);
  });

  test("charts depend on nothing of the platform or the stacks", () => {
    const upward = sources("charts").flatMap((file) =>
      specifiers(file)
        .map((specifier) => resolveLocal(file, specifier))
        .filter((target): target is string => target !== undefined && !/^(charts|profiles)\//.test(target))
        .map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });
});
