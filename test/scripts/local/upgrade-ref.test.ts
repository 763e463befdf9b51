import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FALLBACK_FROM,
  pinsAtRef,
  previousRelease,
  providersMissing,
  resolveFromRef,
  unionCharts,
} from "../../../scripts/local/upgrade-ref";
import { makeRepo, type TestRepo, versionsTs } from "../../support/git-repo";
import type { ChartVersion } from "../../../platform/versions";

/** A repository whose commits set package.json to each given version (or touch another file for `undefined`). */
function repository(versions: Array<string | undefined>): { dir: string; commits: string[]; repo: TestRepo } {
  const repo = makeRepo();
  const commits = versions.map((version, i) =>
    repo.commit(
      `step ${i}`,
      version === undefined
        ? { "notes.txt": `${i}\n` }
        : { "package.json": JSON.stringify({ name: "x", version, step: i }) },
    ),
  );
  return { dir: repo.root, commits, repo };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the --from ref of verify:upgrade", () => {
  test("previous-release is the newest commit before HEAD that changed package.json's version", () => {
    // root 0.1.0, a note, 0.2.0, package.json changed but not its version, a note, HEAD 0.3.0
    const { dir, commits } = repository(["0.1.0", undefined, "0.2.0", "0.2.0", undefined, "0.3.0"]);
    dirs.push(dir);
    expect(previousRelease(dir)?.commit).toBe(commits[2]);
    expect(resolveFromRef(dir, "previous-release")).toEqual({
      ref: "previous-release",
      commit: commits[2],
      how: "the version commit of 0.2.0",
    });
  });

  test("the root commit is no release: without a version change the fallback commit is used", () => {
    const { dir, commits } = repository(["0.1.0", undefined, "0.1.0"]);
    dirs.push(dir);
    expect(previousRelease(dir)).toBeUndefined();
    expect(resolveFromRef(dir, "previous-release", commits[1].slice(0, 7))).toEqual({
      ref: "previous-release",
      commit: commits[1],
      how: `no release before HEAD yet: the fallback ${commits[1].slice(0, 7)}, the last commit whose whole local tier passed`,
    });
    expect(() => resolveFromRef(dir, "previous-release")).toThrow(
      new RegExp(`no release before HEAD, and the fallback commit ${FALLBACK_FROM} is not in .*: fetch main's history`),
    );
  });

  test("a tag or a commit resolves to its commit; an unknown ref names the fix", () => {
    const { dir, commits, repo } = repository(["0.1.0", "0.2.0"]);
    dirs.push(dir);
    repo.git("tag", "v0.1.0", commits[0]);
    expect(resolveFromRef(dir, "v0.1.0")).toEqual({ ref: "v0.1.0", commit: commits[0], how: "a tag or branch" });
    expect(resolveFromRef(dir, commits[0].slice(0, 8))).toEqual({
      ref: commits[0].slice(0, 8),
      commit: commits[0],
      how: "a commit",
    });
    expect(() => resolveFromRef(dir, "v9.9.9")).toThrow(
      /--from "v9.9.9" is not a commit, tag or branch here: fetch it \(git fetch --tags\), or give a commit, a tag or previous-release/,
    );
  });

  test("a shallow clone refuses previous-release with the command that fixes it", () => {
    const { dir } = repository(["0.1.0", "0.2.0", "0.3.0"]);
    const clone = mkdtempSync(join(tmpdir(), "upgrade-ref-shallow-"));
    dirs.push(dir, clone);
    execFileSync("git", ["clone", "-q", "--depth", "1", `file://${dir}`, clone]);
    expect(() => resolveFromRef(clone, "previous-release")).toThrow(
      /--from previous-release: .* is a shallow clone: run 'git fetch --unshallow --tags' \(in CI, check out with fetch-depth: 0\)/,
    );
  });

  test("the older ref's charts and providers are read from its own version table, as the CHANGELOG reads them", () => {
    const repo = makeRepo();
    dirs.push(repo.root);
    const old = repo.commit("old", { "platform/versions.ts": versionsTs({ kueue: "0.19.1" }) });
    repo.commit("new", { "platform/versions.ts": versionsTs({ kueue: "0.19.2" }) });
    expect(pinsAtRef(repo.root, old)).toEqual({
      charts: [
        { kind: "chart", repository: "https://charts.example.com", chart: "kueue", version: "0.19.1", source: "x" },
      ],
      providers: [{ kind: "provider", source: "hashicorp/helm", version: "3.1.1" }],
    });
    const empty = repo.commit("no table", { "platform/versions.ts": "export const IMAGES = {};\n" });
    expect(() => pinsAtRef(repo.root, empty)).toThrow(
      new RegExp(`${empty} has no chart table in platform/versions.ts`),
    );
  });

  test("an older ref's provider that the tier's mirror lacks is named with the fix; one the mirror never serves is not", () => {
    const mirror = mkdtempSync(join(tmpdir(), "upgrade-ref-mirror-"));
    dirs.push(mirror);
    mkdirSync(join(mirror, "registry.opentofu.org", "hashicorp", "helm", "3.1.1"), { recursive: true });
    mkdirSync(join(mirror, "registry.opentofu.org", "hashicorp", "kubernetes", "2.38.0"), { recursive: true });
    const provider = (source: string, version: string) => ({ kind: "provider" as const, source, version });
    expect(
      providersMissing("v0.1.0", [provider("hashicorp/helm", "3.1.1"), provider("hashicorp/aws", "5.0.0")], mirror),
    ).toEqual([]);
    expect(providersMissing("v0.1.0", [provider("hashicorp/kubernetes", "2.30.0")], mirror)).toEqual([
      `--from v0.1.0 pins provider hashicorp/kubernetes 2.30.0, which the local tier's provider mirror (${join(mirror, "registry.opentofu.org", "hashicorp", "kubernetes")}) does not hold (it holds 2.38.0): choose a ref that pins the providers of this tree, or add hashicorp/kubernetes/2.30.0 to REAL_PROVIDERS in scripts/cluster-tools.sh and run 'npm run tools'`,
    ]);
  });

  test("the chart repository serves each chart version of both tables once", () => {
    const chart = (name: string, version: string): ChartVersion => ({
      kind: "chart",
      repository: "https://example.com/charts",
      chart: name,
      version,
      source: "x",
    });
    expect(
      unionCharts(
        [chart("kueue", "0.19.1"), chart("qdrant", "1.19.0")],
        [chart("kueue", "0.19.2"), chart("qdrant", "1.19.0")],
      ),
    ).toEqual([chart("kueue", "0.19.1"), chart("kueue", "0.19.2"), chart("qdrant", "1.19.0")]);
  });
});
