/**
 * The older checkout `npm run verify:upgrade -- <profile> --from <ref>` deploys first: the ref resolved to a commit,
 * a detached git worktree of it with node_modules, and its version table.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChartVersion, ProviderVersion } from "../../platform/versions";
import type { Release } from "../releases/history";
import { findReleases, versionAt } from "../releases/history";
import { versionTablesAt } from "../releases/pins";

/** The word `--from` takes for the newest release before HEAD. */
export const PREVIOUS_RELEASE = "previous-release";

/**
 * The `--from` of `previous-release` while no release exists before HEAD: the last commit whose whole local tier
 * (verify:cluster of laptop, cluster-gpu and cluster-gpu-dra) passed in CI.
 */
export const FALLBACK_FROM = "717a40e";

export interface ResolvedRef {
  /** What the user gave. */
  readonly ref: string;
  readonly commit: string;
  /** How it was found, for the report line. */
  readonly how: string;
}

const git = (root: string, args: string[]): string =>
  execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

function tryGit(root: string, args: string[]): string | undefined {
  try {
    return git(root, args);
  } catch {
    return undefined;
  }
}

/** The newest release before HEAD (scripts/releases/history.ts: a release is the commit that set its version). */
export function previousRelease(root: string): Release | undefined {
  const head = git(root, ["rev-parse", "HEAD"]);
  return findReleases(root).find((r) => r.commit !== head);
}

/** Resolves `--from`: a tag, a branch, a commit, or `previous-release` (else `fallback`). */
export function resolveFromRef(root: string, ref: string, fallback = FALLBACK_FROM): ResolvedRef {
  const shallow = tryGit(root, ["rev-parse", "--is-shallow-repository"]) === "true";
  const shallowFix = `${root} is a shallow clone: run 'git fetch --unshallow --tags' (in CI, check out with fetch-depth: 0)`;
  const commitOf = (name: string): string | undefined =>
    tryGit(root, ["rev-parse", "--verify", "-q", `${name}^{commit}`]);
  if (ref === PREVIOUS_RELEASE) {
    // The version history is incomplete in a shallow clone: the release found could be the wrong one.
    if (shallow) throw new Error(`--from ${PREVIOUS_RELEASE}: ${shallowFix}`);
    const release = previousRelease(root);
    if (release !== undefined) return { ref, commit: release.commit, how: `the version commit of ${release.version}` };
    const commit = commitOf(fallback);
    if (commit === undefined)
      throw new Error(
        `--from ${PREVIOUS_RELEASE}: no release before HEAD, and the fallback commit ${fallback} is not in ${root}: fetch main's history`,
      );
    return {
      ref,
      commit,
      how: `no release before HEAD yet: the fallback ${fallback}, the last commit whose whole local tier passed`,
    };
  }
  const commit = commitOf(ref);
  if (commit === undefined) {
    throw new Error(
      `--from "${ref}" is not a commit, tag or branch here: ` +
        (shallow ? shallowFix : `fetch it (git fetch --tags), or give a commit, a tag or ${PREVIOUS_RELEASE}`),
    );
  }
  return { ref, commit, how: commit.startsWith(ref.toLowerCase()) ? "a commit" : "a tag or branch" };
}

export interface FromCheckout {
  readonly dir: string;
  readonly commit: string;
  /** package.json's version there. */
  readonly version: string;
  /** How it got node_modules, for the report line. */
  readonly modules: string;
}

/**
 * A detached git worktree of `commit` in a temporary folder, with node_modules: a link to this checkout's when the
 * two package-lock.json files are byte-identical, else its own `npm ci` (from npm's cache where it can).
 * The reference-data record (.tools) is copied, as a fresh checkout's tools step would write it.
 */
export function createFromCheckout(root: string, commit: string): FromCheckout {
  const dir = mkdtempSync(join(tmpdir(), "cnai-upgrade-from-"));
  rmSync(dir, { recursive: true });
  git(root, ["worktree", "add", "--detach", dir, commit]);
  const checkout = { dir, commit, version: versionAt(root, commit) ?? "0.0.0" };
  try {
    const lock = (at: string) =>
      existsSync(join(at, "package-lock.json")) ? readFileSync(join(at, "package-lock.json")) : undefined;
    const ours = lock(root);
    const theirs = lock(dir);
    if (existsSync(join(root, ".tools"))) cpSync(join(root, ".tools"), join(dir, ".tools"), { recursive: true });
    if (ours !== undefined && theirs !== undefined && ours.equals(theirs)) {
      symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
      return { ...checkout, modules: "node_modules linked (package-lock.json identical)" };
    }
    execFileSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: dir, stdio: "pipe" });
    return { ...checkout, modules: "node_modules from npm ci (package-lock.json differs)" };
  } catch (error) {
    removeFromCheckout(root, dir);
    throw new Error(`the worktree of ${commit} could not get its node_modules: ${(error as Error).message}`);
  }
}

/** Removes the worktree and its registration. */
export function removeFromCheckout(root: string, dir: string): void {
  tryGit(root, ["worktree", "remove", "--force", dir]);
  rmSync(dir, { recursive: true, force: true });
  tryGit(root, ["worktree", "prune"]);
}

/** What verify:upgrade needs of an older commit's version table. */
export interface RefPins {
  readonly charts: ChartVersion[];
  readonly providers: ProviderVersion[];
}

/** The charts and providers of a commit's version table (scripts/releases/pins.ts reads it, as for the CHANGELOG). */
export function pinsAtRef(root: string, commit: string): RefPins {
  const [tables] = versionTablesAt(root, [commit]);
  if (tables.CHARTS === undefined) throw new Error(`${commit} has no chart table in platform/versions.ts`);
  return {
    charts: Object.values(tables.CHARTS) as unknown as ChartVersion[],
    providers: Object.values(tables.PROVIDERS ?? {}) as unknown as ProviderVersion[],
  };
}

/**
 * The older ref's providers that the tier's mirror of real providers (`<mirror>/registry.opentofu.org/<source>/
 * <version>`, built by scripts/cluster-tools.sh from its REAL_PROVIDERS) lacks, as one message each. Only the
 * providers the mirror serves at all count: the tier's stacks use no other (the cloud providers are schema-only).
 * Without this check such a ref fails in its deploy with OpenTofu's lock-file error, which names no fix.
 */
export function providersMissing(ref: string, providers: readonly ProviderVersion[], mirror: string): string[] {
  return providers.flatMap((p) => {
    const dir = join(mirror, "registry.opentofu.org", p.source);
    if (!existsSync(dir) || existsSync(join(dir, p.version))) return [];
    const held = readdirSync(dir).sort().join(", ");
    return [
      `--from ${ref} pins provider ${p.source} ${p.version}, which the local tier's provider mirror (${dir}) does not hold (it holds ${held}): choose a ref that pins the providers of this tree, or add ${p.source}/${p.version} to REAL_PROVIDERS in scripts/cluster-tools.sh and run 'npm run tools'`,
    ];
  });
}

/** Every chart of both tables, once each (by repository, chart and version), in a stable order. */
export function unionCharts(a: readonly ChartVersion[], b: readonly ChartVersion[]): ChartVersion[] {
  const byKey = new Map<string, ChartVersion>();
  for (const chart of [...a, ...b]) byKey.set(`${chart.repository} ${chart.chart} ${chart.version}`, chart);
  return [...byKey.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, chart]) => chart);
}
