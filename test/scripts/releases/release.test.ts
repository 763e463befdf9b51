import { existsSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { findReleases } from "../../../scripts/releases/history";
import { cutRelease, tagReleases } from "../../../scripts/releases/release";
import { CHANGELOG_HEADER } from "../../../scripts/releases/changelog";
import { IDENTITY, lockJson, makeRepo, packageJson, type TestRepo, versionsTs } from "../../support/git-repo";

const schema = (properties: Record<string, unknown>, required: string[]) =>
  `${JSON.stringify({ type: "object", properties, required, additionalProperties: false }, null, 2)}\n`;
const SCHEMA_1 = schema({ name: { type: "string" }, gpus: { type: "integer" } }, ["name"]);
/** `gpus` becomes a string (breaking) and `owner` a new optional key. */
const SCHEMA_2 = schema({ name: { type: "string" }, gpus: { type: "string" }, owner: { type: "string" } }, ["name"]);
const MIGRATION = { release: "0.3.0", path: "gpus", change: "type" as const, migration: 'Quote `gpus`: `gpus: "2"`.' };
const options = (date: string, migrations = [MIGRATION]) => ({
  migrations,
  now: new Date(`${date}T10:00:00Z`),
  gitConfig: IDENTITY,
});

describe("cutting a release", () => {
  let repo: TestRepo;
  let ids: Record<string, string>;
  const read = (file: string) => readFileSync(join(repo.root, file), "utf8");
  const short = (name: string) => ids[name].slice(0, 8);

  beforeEach(() => {
    repo = makeRepo();
    ids = {};
    ids.scaffold = repo.commit("Scaffold", {
      "package.json": packageJson("0.1.0"),
      "package-lock.json": lockJson("0.1.0"),
      "platform/versions.ts": versionsTs({ kueue: "0.19.2" }),
      "profiles/profile.schema.json": SCHEMA_1,
      "CHANGELOG.md": `${CHANGELOG_HEADER}\n\n## Unreleased\n\nKueue's queues are new.\n`,
    });
    ids.merge = repo.commit("Work", { "a.txt": "a" });
  });
  afterEach(() => repo.remove());

  test("the first release lists every pin and every commit, moves the notes, sets the versions, commits and tags", () => {
    const result = cutRelease(repo.root, "0.2.0", options("2026-02-03"));
    expect(read("CHANGELOG.md")).toBe(
      [
        CHANGELOG_HEADER,
        "",
        "## Unreleased",
        "",
        "## 0.2.0 — 2026-02-03",
        "",
        "Kueue's queues are new.",
        "",
        "### Pinned versions",
        "",
        "| pin | before | after |",
        "|---|---|---|",
        "| provider `helm` | — | 3.1.1 |",
        "| chart `kueue` | — | 0.19.2 |",
        "| image `tool` | — | 1.0.0 |",
        "",
        "### Profile schema",
        "",
        "First release with a schema file: nothing to migrate.",
        "",
        "### Commits",
        "",
        "<details>",
        "<summary>2 commits (merges left out)</summary>",
        "",
        `- Scaffold (${short("scaffold")})`,
        `- Work (${short("merge")})`,
        "",
        "</details>",
        "",
      ].join("\n"),
    );
    expect(JSON.parse(read("package.json")).version).toBe("0.2.0");
    expect(read("package-lock.json")).toBe(lockJson("0.2.0"));
    expect(repo.git("log", "-1", "--format=%s %cs")).toBe("Release 0.2.0 2026-02-03");
    expect(repo.git("show", "--name-only", "--format=", "HEAD").split("\n")).toEqual([
      "CHANGELOG.md",
      "package-lock.json",
      "package.json",
    ]);
    expect(repo.git("rev-parse", "v0.2.0^{commit}")).toBe(result.commit);
    expect(result.tagWarning).toBeUndefined();
    expect(findReleases(repo.root)).toEqual([{ version: "0.2.0", commit: result.commit, date: "2026-02-03" }]);
  });

  test("the next release lists the pins and schema changes since the previous one, with their migrations", () => {
    cutRelease(repo.root, "0.2.0", options("2026-02-03"));
    const first = read("CHANGELOG.md");
    ids.bump = repo.commit("Kueue 0.20.0, gpus as text", {
      "platform/versions.ts": versionsTs({ kueue: "0.20.0" }),
      "profiles/profile.schema.json": SCHEMA_2,
    });
    cutRelease(repo.root, "0.3.0", options("2026-03-04"));
    const section = [
      "## 0.3.0 — 2026-03-04",
      "",
      "### Pinned versions",
      "",
      "| pin | before | after |",
      "|---|---|---|",
      "| chart `kueue` | 0.19.2 | 0.20.0 |",
      "",
      "### Profile schema",
      "",
      "A fork must act on:",
      "",
      '- `gpus` (type, type integer became string): Quote `gpus`: `gpus: "2"`.',
      "",
      "Added (nothing to do):",
      "",
      "- `owner`: new, optional",
      "",
      "### Commits",
      "",
      "<details>",
      "<summary>1 commit (merges left out)</summary>",
      "",
      `- Kueue 0.20.0, gpus as text (${short("bump")})`,
      "",
      "</details>",
    ].join("\n");
    expect(read("CHANGELOG.md")).toBe(first.replace("## Unreleased\n\n", `## Unreleased\n\n${section}\n\n`));
    expect(findReleases(repo.root).map((r) => r.version)).toEqual(["0.3.0", "0.2.0"]);
  });

  test("a breaking schema change without a migration of this release is refused, nothing written", () => {
    cutRelease(repo.root, "0.2.0", options("2026-02-03"));
    repo.commit("gpus as text", { "profiles/profile.schema.json": SCHEMA_2 });
    const head = repo.git("rev-parse", "HEAD");
    expect(() => cutRelease(repo.root, "0.3.0", options("2026-03-04", []))).toThrow(
      /1 breaking change\(s\) without a migration for 0\.3\.0:\n {2}- gpus \(type\): type integer became string\nAdd an entry for each to MIGRATIONS in profiles\/migrations\.ts/,
    );
    expect(() => cutRelease(repo.root, "0.3.0", options("2026-03-04", [{ ...MIGRATION, release: "0.2.0" }]))).toThrow(
      /without a migration for 0\.3\.0/,
    );
    expect(repo.git("rev-parse", "HEAD")).toBe(head);
    expect(repo.git("status", "--porcelain")).toBe("");
  });

  test("a version that is not MAJOR.MINOR.PATCH or not above the current one is refused", () => {
    expect(() => cutRelease(repo.root, "v0.2.0", options("2026-02-03"))).toThrow(
      /Release version "v0\.2\.0" is not MAJOR\.MINOR\.PATCH \(e\.g\. 0\.2\.0\)/,
    );
    expect(() => cutRelease(repo.root, "0.1.0", options("2026-02-03"))).toThrow(
      /Release version 0\.1\.0 is not above package\.json's version 0\.1\.0: give a higher one/,
    );
  });

  test("a work tree with changes is refused and left as it was", () => {
    writeFileSync(join(repo.root, "a.txt"), "changed");
    expect(() => cutRelease(repo.root, "0.2.0", options("2026-02-03"))).toThrow(
      /The work tree is not clean \(commit or stash these first\):\n M a\.txt/,
    );
    expect(read("a.txt")).toBe("changed");
    expect(JSON.parse(read("package.json")).version).toBe("0.1.0");
  });

  test("a commit that fails restores every file it wrote", () => {
    const hook = join(repo.root, ".git", "hooks", "pre-commit");
    writeFileSync(hook, "#!/bin/sh\necho refused by hook >&2\nexit 1\n");
    chmodSync(hook, 0o755);
    expect(() => cutRelease(repo.root, "0.2.0", options("2026-02-03"))).toThrow(
      /Committing release 0\.2\.0 failed, files restored/,
    );
    expect(repo.git("status", "--porcelain")).toBe("");
    expect(repo.git("log", "-1", "--format=%s")).toBe("Work");
  });

  test("a tag that already exists is a warning, and --tag tags version commits that lack one", () => {
    repo.git("tag", "v0.2.0", ids.scaffold);
    const result = cutRelease(repo.root, "0.2.0", options("2026-02-03"));
    expect(result.tagWarning).toMatch(/could not tag [0-9a-f]{8} as v0\.2\.0: .*already exists/);
    repo.commit("Bump", { "package.json": packageJson("0.2.1") }, "2026-02-04");
    const patch = repo.git("rev-parse", "HEAD");
    expect(tagReleases(repo.root)).toEqual([
      `v0.2.1: tagged ${patch.slice(0, 8)}`,
      `warning: v0.2.0 tags ${short("scaffold")}, not the version commit ${result.commit.slice(0, 8)}; left as is`,
    ]);
    expect(repo.git("rev-parse", "v0.2.1^{commit}")).toBe(patch);
    expect(tagReleases(repo.root)[0]).toBe(`v0.2.1: already tags ${patch.slice(0, 8)}`);
    expect(existsSync(join(repo.root, "CHANGELOG.md"))).toBe(true);
  });
});
