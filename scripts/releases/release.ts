/**
 * Cutting a release: every check first (a SemVer version above the current one, a clean work tree, full history,
 * a migration for every breaking schema change), then CHANGELOG.md, package.json and package-lock.json are
 * written and committed as `Release <version>`, and the commit is tagged `v<version>` where git can.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProfileMigration } from "../../profiles/migrations";
import { CHANGELOG_PATH, formatChangelog, parseChangelog, renderSection, unreleasedChanges } from "./changelog";
import { assertFullHistory, compareSemver, findReleases, git, isSemver, type Release, versionAt } from "./history";
import { missingMigrations, missingMigrationsMessage } from "./schema-diff";

export interface ReleaseOptions {
  /** The migrations registry at HEAD (profiles/migrations.ts). */
  readonly migrations: readonly ProfileMigration[];
  /** The release date and commit time. @default now */
  readonly now?: Date;
  /** Extra `git -c` settings for the commit, e.g. `user.name=…`. @default none: the repository's own */
  readonly gitConfig?: readonly string[];
}

export interface ReleaseResult {
  readonly commit: string;
  /** Why the tag could not be made; undefined when `v<version>` now names the release. */
  readonly tagWarning?: string;
}

/** Sets the version in package.json (only the top-level field, the file's formatting kept). */
function withPackageVersion(text: string, version: string): string {
  const replaced = text.replace(/^(\s{2}"version":\s*")[^"]*(")/m, `$1${version}$2`);
  if (replaced === text && !text.includes(`"version": "${version}"`)) {
    throw new Error('package.json has no top-level "version" field: add `"version": "0.1.0"` below its name.');
  }
  return replaced;
}

/** Sets the lock file's two copies of the project version (its top level and `packages[""]`). */
function withLockVersion(text: string, version: string): string {
  const lock = JSON.parse(text) as { version?: string; packages?: Record<string, { version?: string }> };
  lock.version = version;
  if (lock.packages?.[""]) lock.packages[""].version = version;
  return `${JSON.stringify(lock, null, 2)}\n`;
}

const FILES = [CHANGELOG_PATH, "package.json", "package-lock.json"];

/** Cuts release `version` from HEAD. Throws, having written nothing, when a check fails. */
export function cutRelease(root: string, version: string, options: ReleaseOptions): ReleaseResult {
  if (!isSemver(version)) {
    throw new Error(
      `Release version "${version}" is not MAJOR.MINOR.PATCH (e.g. 0.2.0): give \`npm run release -- 0.2.0\`.`,
    );
  }
  const current = versionAt(root, "HEAD") ?? "0.0.0";
  if (compareSemver(version, current) <= 0) {
    throw new Error(`Release version ${version} is not above package.json's version ${current}: give a higher one.`);
  }
  const dirty = git(root, ["status", "--porcelain"]);
  if (dirty) {
    throw new Error(`The work tree is not clean (commit or stash these first):\n${dirty}`);
  }
  assertFullHistory(root);
  const now = options.now ?? new Date();
  const date = now.toISOString().slice(0, 10);
  const { changes } = unreleasedChanges(root, version, date);
  const missing = missingMigrations(changes.schema ?? [], version, options.migrations);
  if (missing.length > 0) throw new Error(missingMigrationsMessage(missing, version));

  const path = (file: string) => join(root, file);
  const original = new Map(FILES.filter((f) => existsSync(path(f))).map((f) => [f, readFileSync(path(f), "utf8")]));
  const parts = parseChangelog(original.get(CHANGELOG_PATH));
  const section = { version, text: renderSection(changes, parts.unreleased, options.migrations) };
  const updated = new Map<string, string>([
    [CHANGELOG_PATH, formatChangelog({ header: parts.header, unreleased: "", sections: [section, ...parts.sections] })],
    ["package.json", withPackageVersion(original.get("package.json") ?? "", version)],
  ]);
  const lock = original.get("package-lock.json");
  if (lock !== undefined) updated.set("package-lock.json", withLockVersion(lock, version));

  const config = (options.gitConfig ?? []).flatMap((c) => ["-c", c]);
  // The commit is dated at `now` in UTC, so the heading's date is the commit's date as git prints it.
  const stamp = `${Math.floor(now.getTime() / 1000)} +0000`;
  try {
    for (const [file, text] of updated) writeFileSync(path(file), text);
    git(root, ["add", "--", ...updated.keys()]);
    git(root, [...config, "commit", "-q", "-m", `Release ${version}`, "--", ...updated.keys()], {
      GIT_AUTHOR_DATE: stamp,
      GIT_COMMITTER_DATE: stamp,
    });
  } catch (error) {
    // The work tree was clean: each file goes back to HEAD's text, and one that did not exist goes away.
    for (const file of updated.keys()) {
      const text = original.get(file);
      git(root, ["reset", "-q", "--", file]);
      if (text === undefined) rmSync(path(file), { force: true });
      else writeFileSync(path(file), text);
    }
    throw new Error(`Committing release ${version} failed, files restored: ${(error as Error).message}`);
  }
  const commit = git(root, ["rev-parse", "HEAD"]);
  return { commit, tagWarning: tag(root, version, commit, config) };
}

/** Tags a release `v<version>`; returns why not where git refuses (a tag failure never fails a release). */
function tag(root: string, version: string, commit: string, config: readonly string[]): string | undefined {
  try {
    git(root, [...config, "tag", `v${version}`, commit]);
    return undefined;
  } catch (error) {
    return `could not tag ${commit.slice(0, 8)} as v${version}: ${(error as Error).message.split("\n").pop()}`;
  }
}

/** Tags every release in history that has no `v<version>` tag yet; returns what it did, one line each. */
export function tagReleases(root: string, releases: readonly Release[] = findReleases(root)): string[] {
  return releases.map((r) => {
    const name = `v${r.version}`;
    let existing: string | undefined;
    try {
      existing = git(root, ["rev-parse", "-q", "--verify", `refs/tags/${name}^{commit}`]);
    } catch {
      existing = undefined;
    }
    if (existing === r.commit) return `${name}: already tags ${r.commit.slice(0, 8)}`;
    if (existing)
      return `warning: ${name} tags ${existing.slice(0, 8)}, not the version commit ${r.commit.slice(0, 8)}; left as is`;
    return tag(root, r.version, r.commit, []) ?? `${name}: tagged ${r.commit.slice(0, 8)}`;
  });
}
