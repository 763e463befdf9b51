/**
 * A fork's own profiles: `fork/profiles/<name>.yaml` (or `.yml`, `.json`). Our releases never write in `fork/`
 * (only its README), so a fork that keeps its profiles there merges our releases without conflicts in them.
 *
 * A fork profile names the profile it starts from with `extends` (one of ours or another of the fork's) and
 * gives only what differs; it is merged over that profile with the one merge rule (profiles/merge.ts), exactly as
 * an override file is, and then loads and validates like any profile. Its name is its file name.
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, extname, join, relative, resolve } from "node:path";
import { readProfileDocument } from "./files";
import { PROFILES } from "./index";
import { DEFAULTS } from "./defaults";
import { isPlainObject, mergeProfileLayers } from "./merge";
import { DNS_LABEL_FIX, isDnsLabel } from "./names";
import type { ProfileOverride } from "./schema";

/**
 * The folder a fork keeps its own files in: `fork/` at the repository's root, or `CNAI_FORK_DIR` (resolved against
 * the directory the command was started from) for a fork that keeps them elsewhere, such as a separate checkout.
 */
export function forkDir(): string {
  const given = process.env.CNAI_FORK_DIR;
  return given ? resolve(process.env.INIT_CWD ?? process.cwd(), given) : resolve(__dirname, "..", "fork");
}

const EXTENSIONS = [".yaml", ".yml", ".json"];

/** A path as a message shows it: relative to the working directory when inside it, else whole. */
export function shownPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside === "" || inside.startsWith("..") ? path : inside;
}

/** The files of one fork folder (`profiles` or `overrides`), sorted; none when the folder does not exist. */
export function forkFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => EXTENSIONS.includes(extname(file).toLowerCase()))
    .sort()
    .map((file) => join(folder, file));
}

/**
 * An override whose `cluster.provider` differs from its base's replaces the cluster whole (a kind cluster's keys
 * mean nothing to a kubeconfig cluster), so the base's cluster is dropped before the merge.
 */
export function withoutClusterOnProviderChange(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override) || !isPlainObject(override.cluster)) return base;
  if (!isPlainObject(base.cluster) || override.cluster.provider === undefined) return base;
  if (override.cluster.provider === base.cluster.provider) return base;
  const { cluster: _replaced, ...rest } = base;
  void _replaced;
  return rest;
}

/**
 * The fork's profiles in `dir`, each resolved over the profile it extends. Every file is checked before any is
 * returned: a wrong file name, a name that is one of ours, an unknown or circular `extends`, or a `name` that
 * differs from the file's fails with the file, the field, the value and the fix.
 */
export function forkProfiles(dir = join(forkDir(), "profiles")): Record<string, ProfileOverride> {
  const raw = new Map<string, { file: string; layer: Record<string, unknown> }>();
  for (const path of forkFiles(dir)) {
    const file = shownPath(path);
    const name = basename(path, extname(path));
    if (!isDnsLabel(name)) {
      throw new Error(`${file}: the file name "${name}" is the profile's name; ${DNS_LABEL_FIX}.`);
    }
    if (PROFILES[name] !== undefined) {
      throw new Error(
        `${file}: "${name}" is one of the distribution's profiles; give the fork's profile a name of its own (rename the file) and set extends: ${name}.`,
      );
    }
    if (raw.has(name)) throw new Error(`${file}: a profile "${name}" is already defined by ${raw.get(name)?.file}.`);
    const layer = readProfileDocument(path, file) as Record<string, unknown>;
    if (layer.name !== undefined && layer.name !== name) {
      throw new Error(
        `${file}: name is "${String(layer.name)}" but a fork profile is named after its file ("${name}"); remove name or rename the file.`,
      );
    }
    if (typeof layer.extends !== "string") {
      const known = [...Object.keys(PROFILES), ...raw.keys()].join(", ");
      throw new Error(
        `${file}: extends is ${layer.extends === undefined ? "missing" : JSON.stringify(layer.extends)}; name the profile this one starts from, one of: ${known} (or another file in ${shownPath(dir)}).`,
      );
    }
    raw.set(name, { file, layer });
  }

  const resolved: Record<string, ProfileOverride> = {};
  const resolve = (name: string, chain: string[]): ProfileOverride => {
    const ours = PROFILES[name];
    if (ours !== undefined) return ours;
    if (resolved[name] !== undefined) return resolved[name];
    const entry = raw.get(name) as { file: string; layer: Record<string, unknown> };
    const { extends: parent, ...layer } = entry.layer as { extends: string } & Record<string, unknown>;
    if (chain.includes(parent)) {
      throw new Error(`${entry.file}: extends "${parent}" is circular (${[...chain, name, parent].join(" → ")}).`);
    }
    if (PROFILES[parent] === undefined && !raw.has(parent)) {
      throw new Error(
        `${entry.file}: extends "${parent}" is not a profile; use one of: ${[...Object.keys(PROFILES), ...raw.keys()].join(", ")}.`,
      );
    }
    const base = resolve(parent, [...chain, name]);
    // Over the defaults, as loading merges an override file: a `null` removes a key the profile or the defaults
    // set. Loading merges the defaults under the result again, which changes nothing.
    resolved[name] = mergeProfileLayers(DEFAULTS, withoutClusterOnProviderChange(base, layer), layer, {
      name,
    }) as ProfileOverride;
    return resolved[name];
  };
  for (const name of raw.keys()) resolve(name, []);
  return Object.fromEntries([...raw.keys()].map((name) => [name, resolved[name]]));
}

/** Every profile a command can select: the distribution's, then the fork's. */
export function allProfiles(dir?: string): Record<string, ProfileOverride> {
  return { ...PROFILES, ...forkProfiles(dir) };
}
