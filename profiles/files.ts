/**
 * Reading a profile layer from a file (a fork's override file or its own profile): size-limited, parsed as YAML
 * or JSON by its extension, a mapping at the top, and free of keys and nesting that would harm the merge.
 */
import { readFileSync, statSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { isPlainObject } from "./merge";
import { inputProblems, MAX_DEPTH } from "./input";
import { show } from "./problems";

/** The largest override file read; a profile override is a few kilobytes. */
export const MAX_OVERRIDES_BYTES = 1024 * 1024;

/**
 * Reads a partial profile from a `.yaml`, `.yml` or `.json` file: an override file or a fork's profile. Every
 * error starts with `label` (how the user named the file). Only regular files are read, so a named pipe or a
 * device fails at once instead of blocking.
 */
export function readProfileDocument(path: string, label: string): unknown {
  const extension = extname(path).toLowerCase();
  if (![".yaml", ".yml", ".json"].includes(extension)) {
    throw new Error(`${label}: expected a .yaml, .yml or .json file.`);
  }
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
    if (stat.size > MAX_OVERRIDES_BYTES) {
      throw new Error(`${path} has ${stat.size} bytes; an override file may have at most ${MAX_OVERRIDES_BYTES}`);
    }
    // A byte-order mark is legal in both formats' files but not in JSON text: drop it for both alike.
    text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    throw new Error(`${label}: cannot read the file (${(error as Error).message}).`);
  }
  let parsed: unknown;
  try {
    parsed = extension === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason =
      error instanceof RangeError
        ? `nested too deeply to parse; input may nest at most ${MAX_DEPTH} levels`
        : (error as Error).message;
    throw new Error(`${label}: not valid ${extension === ".json" ? "JSON" : "YAML"} (${reason}).`);
  }
  if (!isPlainObject(parsed)) {
    throw new Error(`${label}: expected a mapping of profile keys at the top level, got ${describeTopLevel(parsed)}.`);
  }
  const problems = inputProblems(parsed);
  if (problems.length > 0) {
    throw new Error(
      `${label}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in ${path}:\n` +
        problems.map((p) => `  - ${p.path || "(root)"}: got ${show(p.value)}; ${p.allowed}`).join("\n"),
    );
  }
  return parsed;
}

function describeTopLevel(value: unknown): string {
  if (value === null || value === undefined) return "an empty document";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value} (${show(value)})`;
}
