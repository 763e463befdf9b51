/**
 * What `npm run verify:upgrade` compares: the cluster recorded after the older ref's deploy and again after the
 * upgrade. Releases upgraded, CRDs added, changed or removed, objects replaced (same kind, namespace and name, a
 * new UID) or deleted, and the data at risk: a replaced or deleted PersistentVolumeClaim, StatefulSet or
 * database object fails the check unless the CHANGELOG names it with a reason.
 */
import { createHash } from "node:crypto";

export interface RecordedRelease {
  readonly name: string;
  readonly namespace: string;
  /** `helm list`'s chart column: `<chart>-<version>`. */
  readonly chart: string;
}

export interface RecordedCrd {
  readonly name: string;
  readonly uid: string;
  /** The versions the API server stores objects in (status.storedVersions). */
  readonly storedVersions: readonly string[];
  /** The versions spec.versions serves. */
  readonly servedVersions: readonly string[];
  /** sha256 of the spec, to tell an unchanged CRD from a changed one. */
  readonly specDigest: string;
}

export interface RecordedObject {
  readonly kind: string;
  /** Empty for a cluster-scoped object. */
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** The cluster as verify:upgrade records it. */
export interface UpgradeSnapshot {
  readonly releases: readonly RecordedRelease[];
  readonly crds: readonly RecordedCrd[];
  readonly objects: readonly RecordedObject[];
}

/**
 * The kinds whose replacement or deletion loses data: claims and the StatefulSets that own them, and the database
 * and monitoring objects whose operators would make new volumes for a new object (CloudNativePG `Cluster`, the
 * Prometheus Operator's `Prometheus`; their operators do not run on the local tier, so their UIDs stand for them).
 */
export const DATA_KINDS = ["PersistentVolumeClaim", "StatefulSet", "Cluster", "Prometheus"] as const;

/** `Kind/namespace/name` (`Kind/name` for a cluster-scoped object): how the report and the CHANGELOG name objects. */
export function objectKey(o: Pick<RecordedObject, "kind" | "namespace" | "name">): string {
  return o.namespace ? `${o.kind}/${o.namespace}/${o.name}` : `${o.kind}/${o.name}`;
}

export function specDigest(spec: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(spec ?? null))
    .digest("hex")
    .slice(0, 16);
}

/** `helm list` shows `<chart>-<version>`; versions may carry dashes (`v1.2.3-rc.1`), chart names too. */
export function splitChart(chart: string): { chart: string; version: string } {
  const match = /^(.*?)-(v?\d+\.\d+\.\d+.*)$/.exec(chart);
  return match ? { chart: match[1], version: match[2] } : { chart, version: "" };
}

export interface UpgradeReport {
  readonly releasesUpgraded: ReadonlyArray<{ release: string; chart: string; from: string; to: string }>;
  readonly releasesAdded: readonly string[];
  readonly releasesRemoved: readonly string[];
  readonly crdsAdded: readonly string[];
  readonly crdsChanged: ReadonlyArray<{ name: string; storedVersions: string; servedVersions: string }>;
  readonly crdsRemoved: readonly string[];
  /** Same kind, namespace and name, a new UID. */
  readonly objectsReplaced: readonly string[];
  readonly objectsDeleted: readonly string[];
  /** Every PersistentVolumeClaim there before and after with the same UID. */
  readonly volumesKept: readonly string[];
  /** PersistentVolumeClaims the upgrade made: new, empty volumes (a renamed StatefulSet's claim shows up here). */
  readonly volumesAdded: readonly string[];
}

const sorted = (items: Iterable<string>) => [...items].sort();

/** What changed between the two records. */
export function upgradeReport(before: UpgradeSnapshot, after: UpgradeSnapshot): UpgradeReport {
  const releaseKey = (r: RecordedRelease) => `${r.namespace}/${r.name}`;
  const afterReleases = new Map(after.releases.map((r) => [releaseKey(r), r]));
  const beforeReleases = new Set(before.releases.map(releaseKey));
  const releasesUpgraded = before.releases
    .flatMap((r) => {
      const now = afterReleases.get(releaseKey(r));
      if (now === undefined || now.chart === r.chart) return [];
      const from = splitChart(r.chart);
      return [{ release: releaseKey(r), chart: from.chart, from: from.version, to: splitChart(now.chart).version }];
    })
    .sort((a, b) => (a.release < b.release ? -1 : 1));

  const afterCrds = new Map(after.crds.map((c) => [c.name, c]));
  const beforeCrds = new Set(before.crds.map((c) => c.name));
  const crdsChanged = before.crds
    .flatMap((c) => {
      const now = afterCrds.get(c.name);
      if (now === undefined || now.specDigest === c.specDigest) return [];
      const versions = (from: readonly string[], to: readonly string[]) =>
        from.join(",") === to.join(",") ? to.join(",") : `${from.join(",")} → ${to.join(",")}`;
      return [
        {
          name: c.name,
          storedVersions: versions(c.storedVersions, now.storedVersions),
          servedVersions: versions(c.servedVersions, now.servedVersions),
        },
      ];
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));

  const afterObjects = new Map(after.objects.map((o) => [objectKey(o), o]));
  const beforeObjects = new Set(before.objects.map(objectKey));
  const replaced: string[] = [];
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const o of before.objects) {
    const key = objectKey(o);
    const now = afterObjects.get(key);
    if (now === undefined) deleted.push(key);
    else if (now.uid !== o.uid) replaced.push(key);
    else if (o.kind === "PersistentVolumeClaim") kept.push(key);
  }
  return {
    releasesUpgraded,
    releasesAdded: sorted(after.releases.map(releaseKey).filter((r) => !beforeReleases.has(r))),
    releasesRemoved: sorted(before.releases.map(releaseKey).filter((r) => !afterReleases.has(r))),
    crdsAdded: sorted(after.crds.map((c) => c.name).filter((n) => !beforeCrds.has(n))),
    crdsChanged,
    crdsRemoved: sorted(before.crds.map((c) => c.name).filter((n) => !afterCrds.has(n))),
    objectsReplaced: sorted(replaced),
    objectsDeleted: sorted(deleted),
    volumesKept: sorted(kept),
    volumesAdded: sorted(
      after.objects
        .filter((o) => o.kind === "PersistentVolumeClaim" && !beforeObjects.has(objectKey(o)))
        .map(objectKey),
    ),
  };
}

/** Semantic versions compared by major, minor, patch (pre-release tags are not used by this project's releases). */
function newer(a: string, b: string): boolean {
  const parts = (v: string) => v.replace(/^v/, "").split(/[.-]/).slice(0, 3).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
}

/**
 * The objects the CHANGELOG says an upgrade from `fromVersion` replaces or deletes on purpose, with the reason:
 * entries `` `Kind/namespace/name`: reason `` in the `## Unreleased` section and in every release section newer than
 * `fromVersion` (`## 0.2.0`, `## [0.2.0] - 2026-12-01`, `## v0.2.0`).
 */
export function changelogExceptions(changelog: string, fromVersion: string): Map<string, string> {
  const exceptions = new Map<string, string>();
  let inScope = false;
  changelog.split("\n").forEach((line, index) => {
    const heading = /^##\s+(.*)$/.exec(line);
    if (heading) {
      const title = heading[1].trim();
      const version = /^\[?v?(\d+\.\d+\.\d+)\]?/.exec(title)?.[1];
      inScope = /^\[?unreleased\]?/i.test(title) || (version !== undefined && newer(version, fromVersion));
      return;
    }
    if (!inScope) return;
    for (const match of line.matchAll(/`([A-Z][A-Za-z]*\/[a-z0-9][a-z0-9.-]*(?:\/[a-z0-9][a-z0-9.-]*)?)`(.*)$/g)) {
      const reason = match[2].replace(/^\s*[:—–-]\s*/, "").trim();
      if (reason === "") {
        throw new Error(
          `CHANGELOG.md line ${index + 1} names ${match[1]} without a reason: write "- \`${match[1]}\`: <why it is replaced or deleted, and what happens to its data>"`,
        );
      }
      exceptions.set(match[1], reason);
    }
  });
  return exceptions;
}

const isDataKind = (key: string) => (DATA_KINDS as readonly string[]).includes(key.split("/")[0]);

/**
 * The failures of the data check: each replaced or deleted object of DATA_KINDS the CHANGELOG does not name.
 * Empty when the upgrade kept every volume, StatefulSet and database object (or the CHANGELOG says why not).
 */
export function dataAtRisk(report: UpgradeReport, exceptions: ReadonlyMap<string, string>): string[] {
  return [
    ...report.objectsReplaced.filter(isDataKind).map((key) => ({ key, what: "replaced (a new UID)" })),
    ...report.objectsDeleted.filter(isDataKind).map((key) => ({ key, what: "deleted" })),
  ]
    .filter(({ key }) => !exceptions.has(key))
    .map(
      ({ key, what }) =>
        `${key} was ${what}: its data is at risk; keep it across the upgrade, or say why in CHANGELOG.md's "## Unreleased" section as "- \`${key}\`: <reason>"`,
    );
}

/** The "what changed" lines of the report. */
export function reportLines(report: UpgradeReport, exceptions: ReadonlyMap<string, string>): string[] {
  const list = (items: readonly string[]) => (items.length > 0 ? items.join(", ") : "none");
  const excepted = [...report.objectsReplaced, ...report.objectsDeleted].filter((k) => exceptions.has(k));
  return [
    `releases upgraded: ${list(report.releasesUpgraded.map((r) => `${r.release} ${r.chart} ${r.from} → ${r.to}`))}`,
    `releases added: ${list(report.releasesAdded)}; removed: ${list(report.releasesRemoved)}`,
    `CRDs added: ${list(report.crdsAdded)}; changed: ${list(report.crdsChanged.map((c) => `${c.name} (served ${c.servedVersions}, stored ${c.storedVersions})`))}; removed: ${list(report.crdsRemoved)}`,
    `objects replaced: ${list(report.objectsReplaced)}; deleted: ${list(report.objectsDeleted)}`,
    ...(excepted.length > 0
      ? [`named in the CHANGELOG: ${excepted.map((k) => `${k} (${exceptions.get(k)})`).join(", ")}`]
      : []),
    `volumes kept: ${report.volumesKept.length} (${list(report.volumesKept)}); new: ${list(report.volumesAdded)}`,
  ];
}

/** The upgrade's plan of one stack by action, from `tofu show -json <plan>` (resource addresses). */
export interface PlanSummary {
  readonly create: readonly string[];
  readonly update: readonly string[];
  /** Destroyed and created again (`-/+` or `+/-`): for a helm_release, an uninstall and a fresh install. */
  readonly replace: readonly string[];
  readonly delete: readonly string[];
}

export function planSummary(plan: {
  resource_changes?: ReadonlyArray<{ address: string; change: { actions: readonly string[] } }>;
}): PlanSummary {
  const of = (test: (actions: string) => boolean) =>
    sorted((plan.resource_changes ?? []).filter((r) => test(r.change.actions.join(","))).map((r) => r.address));
  return {
    create: of((a) => a === "create"),
    update: of((a) => a === "update"),
    replace: of((a) => a === "delete,create" || a === "create,delete"),
    delete: of((a) => a === "delete"),
  };
}
