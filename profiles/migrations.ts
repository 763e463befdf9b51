/**
 * What a fork must change in its own profiles and override files when a release changes the profile schema in a
 * way that refuses what used to be valid: a key removed or renamed, a key newly required, a type or an allowed
 * value narrowed. The release tooling (scripts/releases.ts) refuses to cut a release whose schema diff has such a
 * change without an entry here, the CHANGELOG lists every entry under its release, and the profile loader adds the
 * migration to the error a fork's file meets (profiles/load.ts), so the fix is in the message.
 */

/** One schema change a fork must act on, and how. */
export interface ProfileMigration {
  /** The release that made the change (package.json `version`), e.g. `0.3.0`. */
  readonly release: string;
  /**
   * The dotted path of the key, as the loader's messages spell it, with `*` for any name (a team, a pool, a
   * component): e.g. `teams.*.quota.*.gpu`.
   */
  readonly path: string;
  /** What changed. */
  readonly change: "removed" | "renamed" | "required" | "type" | "values";
  /** What to do, written for a fork: the new key or value, with an example when it helps. */
  readonly migration: string;
}

/** Every migration since the first release, oldest first. */
export const MIGRATIONS: readonly ProfileMigration[] = [];

/** Whether a concrete dotted path (`teams.research.quota`) matches a migration's path (`teams.*.quota`). */
export function pathMatches(pattern: string, path: string): boolean {
  const want = pattern.split(".");
  const got = path.split(".");
  return want.length === got.length && want.every((part, i) => part === "*" || part === got[i]);
}

/** The migrations that explain a problem at a path: those at the path itself or at one of its parents. */
export function migrationsFor(path: string, migrations: readonly ProfileMigration[] = MIGRATIONS): ProfileMigration[] {
  const parts = path.split(".");
  return migrations.filter((m) => parts.some((_, i) => pathMatches(m.path, parts.slice(0, i + 1).join("."))));
}
