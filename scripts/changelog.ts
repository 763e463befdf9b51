/**
 * `npm run changelog [-- <version>]`: the section the next release would get (commits since the last release,
 * pinned versions changed, profile schema changes) and the breaking schema changes still without a migration.
 */
import { resolve } from "node:path";
import { MIGRATIONS } from "../profiles/migrations";
import { CHANGELOG_PATH, parseChangelog, renderSection, unreleasedChanges } from "./releases/changelog";
import { fileAt } from "./releases/history";
import { missingMigrations, missingMigrationsMessage } from "./releases/schema-diff";

const root = resolve(__dirname, "..");
const given = process.argv[2];
const { changes, releases } = unreleasedChanges(root, given ?? "next", new Date().toISOString().slice(0, 10));
// Without a version, every migration of a release not cut yet counts for the next one.
const released = new Set(releases.map((r) => r.version));
const migrations = given
  ? MIGRATIONS
  : MIGRATIONS.filter((m) => !released.has(m.release)).map((m) => ({ ...m, release: "next" }));
const notes = parseChangelog(fileAt(root, "HEAD", CHANGELOG_PATH)).unreleased;
const since = releases[0] ? `release ${releases[0].version} (${releases[0].commit.slice(0, 8)})` : "the start";
console.log(`Since ${since}, the next release's section (from committed files only):\n`);
console.log(renderSection(changes, notes, migrations));
const missing = missingMigrations(changes.schema ?? [], changes.version, migrations);
if (missing.length > 0) {
  console.log(`\n${missingMigrationsMessage(missing, changes.version)}`);
  process.exitCode = 1;
}
