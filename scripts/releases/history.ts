/**
 * Releases in git history. A release is the commit that changes package.json's `version` from its first parent's:
 * tags are not always pushed with main, so the version commit itself is the release (tagged `v<version>` where the
 * tooling can). The root commit is never a release (it holds the unreleased scaffold's version).
 */
import { execFileSync } from "node:child_process";

/** Runs git in `root` and returns its standard output without the trailing newline; a failure carries git's message. */
export function git(root: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync("git", args, {
      cwd: root,
      encoding: "utf8",
      env: env ? { ...process.env, ...env } : process.env,
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    }).replace(/\n$/, "");
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`git ${args.join(" ")} failed: ${stderr || (error as Error).message}`);
  }
}

/** A file's text at a commit, or undefined where the commit does not have it. */
export function fileAt(root: string, ref: string, path: string): string | undefined {
  try {
    return git(root, ["show", `${ref}:${path}`]);
  } catch {
    return undefined;
  }
}

/** Refuses a shallow clone: its history ends early, so releases before the cut would be missed. */
export function assertFullHistory(root: string): void {
  if (git(root, ["rev-parse", "--is-shallow-repository"]) === "true") {
    throw new Error(
      "The repository is a shallow clone, so its release history is incomplete: run `git fetch --unshallow` " +
        "(in GitHub Actions, give actions/checkout `fetch-depth: 0`).",
    );
  }
}

/** package.json's `version` at a commit (undefined without a package.json or a version). */
export function versionAt(root: string, ref: string): string | undefined {
  const text = fileAt(root, ref, "package.json");
  if (text === undefined) return undefined;
  const version = (JSON.parse(text) as { version?: unknown }).version;
  return typeof version === "string" ? version : undefined;
}

export interface Release {
  readonly version: string;
  /** The version commit's full id. */
  readonly commit: string;
  /** The version commit's committer date, YYYY-MM-DD as git records it. */
  readonly date: string;
}

/**
 * Every release reachable from `ref`, newest first. A version set twice (a release made on a branch, then the
 * merge that brings it in; or a reverted bump) is the oldest commit that set it.
 */
export function findReleases(root: string, ref = "HEAD"): Release[] {
  assertFullHistory(root);
  const commits = git(root, ["rev-list", "--topo-order", ref, "--", "package.json"]).split("\n").filter(Boolean);
  const byVersion = new Map<string, Release>();
  for (const commit of commits) {
    const version = versionAt(root, commit);
    if (version === undefined) continue;
    const parents = git(root, ["rev-list", "--parents", "-n", "1", commit]).split(" ").slice(1);
    if (parents.length === 0 || versionAt(root, parents[0]) === version) continue;
    byVersion.delete(version);
    byVersion.set(version, { version, commit, date: git(root, ["log", "-1", "--format=%cs", commit]) });
  }
  return [...byVersion.values()].sort((a, b) => commits.indexOf(a.commit) - commits.indexOf(b.commit));
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Whether a version is a release version MAJOR.MINOR.PATCH (pre-releases are not cut). */
export function isSemver(version: string): boolean {
  return SEMVER.test(version);
}

/** Compares two MAJOR.MINOR.PATCH versions: negative, zero or positive. */
export function compareSemver(a: string, b: string): number {
  const parse = (v: string) => {
    const match = SEMVER.exec(v);
    if (!match) throw new Error(`"${v}" is not a version MAJOR.MINOR.PATCH such as 0.2.0`);
    return match.slice(1).map(Number);
  };
  const [x, y] = [parse(a), parse(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** The commits after `from` (exclusive; the whole history without it) up to `to` (inclusive), oldest first, merges left out. */
export function commitsBetween(
  root: string,
  from: string | undefined,
  to: string,
): Array<{ id: string; subject: string }> {
  const range = from === undefined ? [to] : [`${from}..${to}`];
  const out = git(root, ["log", "--no-merges", "--reverse", "--format=%H %s", ...range, "--"]);
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => ({ id: line.slice(0, 40), subject: line.slice(41) }));
}
