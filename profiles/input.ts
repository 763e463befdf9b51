/**
 * Checks on raw input (a profile, an override file, Helm values inside them) before anything merges or
 * parses it: keys that would reach into JavaScript's object model, and nesting too deep to be a profile.
 * Both are walked iteratively, so a hostile file cannot exhaust the stack here.
 */
import type { Problem } from "./problems";

/** Keys that would replace an object's prototype or constructor when merged; never a profile or Helm key. */
export const FORBIDDEN_KEYS = ["__proto__", "constructor", "prototype"] as const;

/** The deepest nesting any input may have; profiles need about 8 levels and Helm values rarely 20. */
export const MAX_DEPTH = 64;

/** Forbidden keys anywhere in the input, and nesting past MAX_DEPTH, as problems with their paths. */
export function inputProblems(input: unknown, root = ""): Problem[] {
  const problems: Problem[] = [];
  const stack: Array<{ value: unknown; path: string[]; depth: number }> = [{ value: input, path: [], depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string[]; depth: number };
    if (value === null || typeof value !== "object") continue;
    const at = [root, ...path].filter((part) => part !== "").join(".");
    if (depth >= MAX_DEPTH) {
      problems.push({
        path: at,
        value: `${Array.isArray(value) ? "a list" : "a mapping"} at depth ${depth}`,
        allowed: `input may nest at most ${MAX_DEPTH} levels deep; flatten it`,
      });
      continue;
    }
    // Object.keys lists an own "__proto__" key that YAML or JSON.parse created, which `in` checks would miss.
    for (const key of Object.keys(value)) {
      if ((FORBIDDEN_KEYS as readonly string[]).includes(key)) {
        problems.push({
          path: [at, key].filter((part) => part !== "").join("."),
          value: key,
          allowed: `"${key}" is never a profile or Helm values key (it would change how objects behave, not configure anything); remove it`,
        });
        continue;
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key], depth: depth + 1 });
    }
  }
  return problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
