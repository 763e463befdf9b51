import { compareSemver, commitsBetween, findReleases, isSemver } from "../../../scripts/releases/history";
import { makeRepo, packageJson, type TestRepo } from "../../support/git-repo";

describe("releases in git history", () => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = makeRepo();
  });
  afterEach(() => repo.remove());

  test("the root commit is no release, a commit that changes the version is, whatever its tags", () => {
    repo.commit("Scaffold", { "package.json": packageJson("0.1.0") }, "2026-01-01");
    repo.commit("Work", { "a.txt": "a" }, "2026-01-02");
    const first = repo.commit("Release 0.2.0", { "package.json": packageJson("0.2.0") }, "2026-01-03");
    repo.commit(
      "A dependency, same version",
      { "package.json": packageJson("0.2.0").replace("true", "false") },
      "2026-01-04",
    );
    const second = repo.commit("Release 0.3.0", { "package.json": packageJson("0.3.0") }, "2026-01-05");
    repo.commit("More work", { "b.txt": "b" }, "2026-01-06");
    expect(findReleases(repo.root)).toEqual([
      { version: "0.3.0", commit: second, date: "2026-01-05" },
      { version: "0.2.0", commit: first, date: "2026-01-03" },
    ]);
  });

  test("a version released on a branch and merged is the branch's version commit, not the merge", () => {
    repo.commit("Scaffold", { "package.json": packageJson("0.1.0") });
    repo.git("checkout", "-q", "-b", "release");
    const release = repo.commit("Release 0.2.0", { "package.json": packageJson("0.2.0") }, "2026-01-02");
    repo.git("checkout", "-q", "main");
    repo.commit("Main moves on", { "package.json": packageJson("0.1.0").replace("true", "false") }, "2026-01-03");
    repo.git(
      "-c",
      "user.name=T",
      "-c",
      "user.email=t@example.com",
      "merge",
      "-q",
      "-X",
      "theirs",
      "-m",
      "Merge",
      "release",
    );
    expect(findReleases(repo.root).map((r) => [r.version, r.commit])).toEqual([["0.2.0", release]]);
    expect(commitsBetween(repo.root, undefined, "HEAD").map((c) => c.subject)).toEqual([
      "Scaffold",
      "Release 0.2.0",
      "Main moves on",
    ]);
  });

  test("a shallow clone is refused with the command that fetches the whole history", () => {
    repo.commit("Scaffold", { "package.json": packageJson("0.1.0") });
    repo.commit("Release 0.2.0", { "package.json": packageJson("0.2.0") });
    const clone = makeRepo();
    try {
      clone.git("fetch", "-q", "--depth=1", `file://${repo.root}`, "main");
      clone.git("checkout", "-q", "FETCH_HEAD");
      expect(() => findReleases(clone.root)).toThrow(/shallow clone.*git fetch --unshallow.*fetch-depth: 0/);
    } finally {
      clone.remove();
    }
  });

  test("the commits of a release are those after the previous one, oldest first, merges left out", () => {
    const root = repo.commit("Scaffold", { "package.json": packageJson("0.1.0") });
    const a = repo.commit("A", { "a.txt": "a" });
    const b = repo.commit("B", { "b.txt": "b" });
    expect(commitsBetween(repo.root, undefined, b)).toEqual([
      { id: root, subject: "Scaffold" },
      { id: a, subject: "A" },
      { id: b, subject: "B" },
    ]);
    expect(commitsBetween(repo.root, a, b)).toEqual([{ id: b, subject: "B" }]);
  });
});

describe("versions", () => {
  test("only MAJOR.MINOR.PATCH is a release version", () => {
    expect(["0.2.0", "1.10.3"].map(isSemver)).toEqual([true, true]);
    expect(["v0.2.0", "0.2", "0.2.0-rc.1", "01.2.3"].map(isSemver)).toEqual([false, false, false, false]);
  });

  test("versions compare by number, not by text", () => {
    expect(compareSemver("0.10.0", "0.9.9")).toBeGreaterThan(0);
    expect(compareSemver("1.0.0", "1.0.0")).toBe(0);
    expect(compareSemver("0.2.0", "0.2.1")).toBeLessThan(0);
    expect(() => compareSemver("0.2", "0.2.0")).toThrow(/"0.2" is not a version MAJOR.MINOR.PATCH/);
  });
});
