import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { MIGRATIONS } from "../../../profiles/migrations";
import {
  CHANGELOG_HEADER,
  formatChangelog,
  parseChangelog,
  releaseChanges,
  renderSection,
  sectionNotes,
} from "../../../scripts/releases/changelog";
import { findReleases } from "../../../scripts/releases/history";

const ROOT = resolve(__dirname, "../../..");

describe("CHANGELOG.md", () => {
  test("every release in this repository's history has its generated section, and nothing else is listed", () => {
    const releases = findReleases(ROOT);
    const parts = parseChangelog(readFileSync(resolve(ROOT, "CHANGELOG.md"), "utf8"));
    expect(parts.header).toBe(CHANGELOG_HEADER);
    expect(parts.sections.map((s) => s.version)).toEqual(releases.map((r) => r.version));
    // Only the newest two are regenerated (one tsx process each): older sections were checked when they were new.
    for (const section of parts.sections.slice(0, 2)) {
      const changes = releaseChanges(ROOT, releases, section.version);
      expect(section.text).toBe(renderSection(changes, sectionNotes(section.text), MIGRATIONS));
    }
  });

  test("a version no commit sets is refused with the releases there are", () => {
    expect(() => releaseChanges(ROOT, [], "9.9.9")).toThrow(
      /No commit in history sets package\.json's version to 9\.9\.9; releases: none\./,
    );
  });

  test("the file splits into header, Unreleased notes and sections, and formats back to the same text", () => {
    const text = [
      CHANGELOG_HEADER,
      "",
      "## Unreleased",
      "",
      "Replaces the Qdrant StatefulSet: its volume claim template changed.",
      "",
      "## 0.3.0 — 2026-03-04",
      "",
      "Notes.",
      "",
      "### Pinned versions",
      "",
      "No pinned version changed.",
      "",
      "## 0.2.0 — 2026-02-03",
      "",
      "### Pinned versions",
      "",
    ].join("\n");
    const parts = parseChangelog(text);
    expect(parts.unreleased).toBe("Replaces the Qdrant StatefulSet: its volume claim template changed.");
    expect(parts.sections.map((s) => s.version)).toEqual(["0.3.0", "0.2.0"]);
    expect(sectionNotes(parts.sections[0].text)).toBe("Notes.");
    expect(sectionNotes(parts.sections[1].text)).toBe("");
    expect(formatChangelog(parts)).toBe(text);
    // git show drops the last newline: the file read at a commit parses the same.
    expect(parseChangelog("# Changelog\n\n## Unreleased")).toEqual({
      header: "# Changelog",
      unreleased: "",
      sections: [],
    });
    expect(formatChangelog(parseChangelog(undefined))).toBe(`${CHANGELOG_HEADER}\n\n## Unreleased\n`);
  });

  test("a release without commits says so instead of an empty list", () => {
    const section = renderSection({ version: "0.2.1", date: "2026-02-04", pins: [], commits: [] }, "", []);
    expect(section.endsWith("### Commits\n\nNone.")).toBe(true);
    expect(section).toContain("### Profile schema\n\nFirst release with a schema file: nothing to migrate.\n");
  });

  test("the schema part lists the release's migrations the diff cannot see after the breaking changes", () => {
    const migrations = [
      { release: "0.3.0", path: "gpus", change: "type" as const, migration: "Quote it." },
      { release: "0.3.0", path: "teams.*.weight", change: "values" as const, migration: "Weights now count double." },
      { release: "0.2.0", path: "name", change: "removed" as const, migration: "Older." },
    ];
    const schema = [
      { path: "gpus", change: "type" as const, breaking: true, detail: "type integer became string" },
      { path: "owner", change: "added" as const, breaking: false, detail: "new, optional" },
    ];
    const section = renderSection(
      { version: "0.3.0", date: "2026-03-04", pins: [], schema, commits: [] },
      "",
      migrations,
    );
    expect(section).toContain(
      [
        "### Profile schema",
        "",
        "A fork must act on:",
        "",
        "- `gpus` (type, type integer became string): Quote it.",
        "- `teams.*.weight` (values): Weights now count double.",
        "",
        "Added (nothing to do):",
        "",
        "- `owner`: new, optional",
        "",
        "### Commits",
      ].join("\n"),
    );
    expect(
      renderSection({ version: "0.3.0", date: "2026-03-04", pins: [], schema: [], commits: [] }, "", []),
    ).toContain("### Profile schema\n\nNo change.\n");
  });

  test("a file without the Unreleased heading is refused with where to add it", () => {
    expect(() => parseChangelog("# Changelog\n\n## 0.2.0 — 2026-02-03\n")).toThrow(
      /CHANGELOG\.md has no "## Unreleased" heading: add it above the first release's section/,
    );
  });
});
