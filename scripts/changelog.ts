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
const { changes, releases } = unreleasedChanges(root, process.argv[2] ?? "next", new Date().toISOString().slice(0, 10));
const notes = parseChangelog(fileAt(root, "HEAD", CHANGELOG_PATH)).unreleased;
console.log(
  `Since ${releases[0] ? `release ${releases[0].version} (${releases[0].commit.slice(0, 8)})` : "the start (no release yet)"}:\n`,
);
console.log(renderSection(changes, notes, MIGRATIONS));
const missing = missingMigrations(changes.schema ?? [], changes.version, MIGRATIONS);
if (missing.length > 0) {
  console.log(`\n${missingMigrationsMessage(missing, changes.version)}`);
  process.exitCode = 1;
}
