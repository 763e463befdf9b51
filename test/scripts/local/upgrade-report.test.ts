import type { UpgradeSnapshot } from "../../../scripts/local/upgrade-report";
import {
  changelogExceptions,
  dataAtRisk,
  planSummary,
  reportLines,
  splitChart,
  upgradeReport,
} from "../../../scripts/local/upgrade-report";

const crd = (name: string, digest: string, served = ["v1"], stored = ["v1"]) => ({
  name,
  uid: `uid-${name}`,
  storedVersions: stored,
  servedVersions: served,
  specDigest: digest,
});

const before: UpgradeSnapshot = {
  releases: [
    { name: "kueue", namespace: "kueue-system", chart: "kueue-0.19.1" },
    { name: "qdrant", namespace: "qdrant", chart: "qdrant-1.19.0" },
    { name: "old", namespace: "x", chart: "old-1.0.0" },
  ],
  crds: [
    crd("workloads.kueue.x-k8s.io", "a", ["v1beta1"], ["v1beta1"]),
    crd("gone.example.com", "b"),
    crd("same.example.com", "c"),
  ],
  objects: [
    { kind: "PersistentVolumeClaim", namespace: "qdrant", name: "qdrant-storage-qdrant-0", uid: "p1" },
    { kind: "PersistentVolumeClaim", namespace: "seaweedfs", name: "data-seaweedfs-master-0", uid: "p2" },
    { kind: "PersistentVolumeClaim", namespace: "mlflow", name: "mlflow", uid: "p3" },
    { kind: "StatefulSet", namespace: "qdrant", name: "qdrant", uid: "s1" },
    { kind: "Deployment", namespace: "kueue-system", name: "kueue-controller-manager", uid: "d1" },
    { kind: "Cluster", namespace: "mlflow", name: "mlflow-db", uid: "c1" },
    { kind: "ClusterRole", namespace: "", name: "kueue-batch-admin-role", uid: "r1" },
  ],
};

const after: UpgradeSnapshot = {
  releases: [
    { name: "kueue", namespace: "kueue-system", chart: "kueue-0.19.2" },
    { name: "qdrant", namespace: "qdrant", chart: "qdrant-1.19.0" },
    { name: "new", namespace: "y", chart: "new-v2.0.0-rc.1" },
  ],
  crds: [
    crd("workloads.kueue.x-k8s.io", "a2", ["v1beta1", "v1beta2"], ["v1beta1", "v1beta2"]),
    crd("same.example.com", "c"),
    crd("added.example.com", "d"),
  ],
  objects: [
    { kind: "PersistentVolumeClaim", namespace: "qdrant", name: "qdrant-storage-qdrant-0", uid: "p1" },
    { kind: "PersistentVolumeClaim", namespace: "seaweedfs", name: "data-seaweedfs-master-0", uid: "p2-new" },
    { kind: "StatefulSet", namespace: "qdrant", name: "qdrant", uid: "s1-new" },
    { kind: "Deployment", namespace: "kueue-system", name: "kueue-controller-manager", uid: "d1-new" },
    { kind: "ClusterRole", namespace: "", name: "kueue-batch-admin-role", uid: "r1" },
  ],
};

describe("the report of verify:upgrade", () => {
  test("splits helm's chart column into chart and version", () => {
    expect([splitChart("kueue-0.19.2"), splitChart("cert-manager-v1.21.1"), splitChart("new-v2.0.0-rc.1")]).toEqual([
      { chart: "kueue", version: "0.19.2" },
      { chart: "cert-manager", version: "v1.21.1" },
      { chart: "new", version: "v2.0.0-rc.1" },
    ]);
  });

  test("names releases upgraded, CRDs changed, and objects replaced (a new UID) or deleted", () => {
    expect(upgradeReport(before, after)).toEqual({
      releasesUpgraded: [{ release: "kueue-system/kueue", chart: "kueue", from: "0.19.1", to: "0.19.2" }],
      releasesAdded: ["y/new"],
      releasesRemoved: ["x/old"],
      crdsAdded: ["added.example.com"],
      crdsChanged: [
        {
          name: "workloads.kueue.x-k8s.io",
          storedVersions: "v1beta1 → v1beta1,v1beta2",
          servedVersions: "v1beta1 → v1beta1,v1beta2",
        },
      ],
      crdsRemoved: ["gone.example.com"],
      objectsReplaced: [
        "Deployment/kueue-system/kueue-controller-manager",
        "PersistentVolumeClaim/seaweedfs/data-seaweedfs-master-0",
        "StatefulSet/qdrant/qdrant",
      ],
      objectsDeleted: ["Cluster/mlflow/mlflow-db", "PersistentVolumeClaim/mlflow/mlflow"],
      volumesKept: ["PersistentVolumeClaim/qdrant/qdrant-storage-qdrant-0"],
      volumesAdded: [],
    });
  });

  test("a replaced or deleted claim, StatefulSet or database Cluster is data at risk; a Deployment is not", () => {
    const report = upgradeReport(before, after);
    const fix = (key: string) =>
      `keep it across the upgrade, or say why in CHANGELOG.md's "## Unreleased" section as "- \`${key}\`: <reason>"`;
    expect(dataAtRisk(report, new Map())).toEqual([
      `PersistentVolumeClaim/seaweedfs/data-seaweedfs-master-0 was replaced (a new UID): its data is at risk; ${fix("PersistentVolumeClaim/seaweedfs/data-seaweedfs-master-0")}`,
      `StatefulSet/qdrant/qdrant was replaced (a new UID): its data is at risk; ${fix("StatefulSet/qdrant/qdrant")}`,
      `Cluster/mlflow/mlflow-db was deleted: its data is at risk; ${fix("Cluster/mlflow/mlflow-db")}`,
      `PersistentVolumeClaim/mlflow/mlflow was deleted: its data is at risk; ${fix("PersistentVolumeClaim/mlflow/mlflow")}`,
    ]);
  });

  test("an unchanged cluster has nothing at risk and keeps every volume", () => {
    const report = upgradeReport(before, before);
    expect(dataAtRisk(report, new Map())).toEqual([]);
    expect(report.volumesKept).toEqual([
      "PersistentVolumeClaim/mlflow/mlflow",
      "PersistentVolumeClaim/qdrant/qdrant-storage-qdrant-0",
      "PersistentVolumeClaim/seaweedfs/data-seaweedfs-master-0",
    ]);
  });

  test("a claim that appears with the upgrade is a new, empty volume", () => {
    const renamed: UpgradeSnapshot = {
      ...before,
      objects: [
        ...before.objects,
        { kind: "PersistentVolumeClaim", namespace: "qdrant", name: "qdrant-storage-qdrant-v1-0", uid: "p4" },
      ],
    };
    expect(upgradeReport(before, renamed).volumesAdded).toEqual([
      "PersistentVolumeClaim/qdrant/qdrant-storage-qdrant-v1-0",
    ]);
  });

  test("the CHANGELOG's Unreleased section and releases newer than the from-ref excuse named objects", () => {
    const changelog = [
      "# Changelog",
      "## Unreleased",
      "- `StatefulSet/qdrant/qdrant`: the chart renamed its selector labels; the claim keeps its name and data",
      "## [0.3.0] - 2026-12-01",
      "- `PersistentVolumeClaim/seaweedfs/data-seaweedfs-master-0` — re-created empty; the master's metadata is rebuilt from the volume servers",
      "## 0.2.0",
      "- `Cluster/mlflow/mlflow-db`: from a release the upgrade starts after, so not an exception",
      "- Kueue 0.19.1 → 0.19.2 (no object named)",
    ].join("\n");
    const exceptions = changelogExceptions(changelog, "0.2.0");
    expect(Object.fromEntries(exceptions)).toEqual({
      "StatefulSet/qdrant/qdrant": "the chart renamed its selector labels; the claim keeps its name and data",
      "PersistentVolumeClaim/seaweedfs/data-seaweedfs-master-0":
        "re-created empty; the master's metadata is rebuilt from the volume servers",
    });
    const report = upgradeReport(before, after);
    expect(dataAtRisk(report, exceptions).map((p) => p.split(" was ")[0])).toEqual([
      "Cluster/mlflow/mlflow-db",
      "PersistentVolumeClaim/mlflow/mlflow",
    ]);
    expect(Object.fromEntries(changelogExceptions(changelog, "0.1.0"))).toHaveProperty("Cluster/mlflow/mlflow-db");
  });

  test("a CHANGELOG entry that names an object without a reason is refused with the form to write", () => {
    expect(() => changelogExceptions("## Unreleased\n- `StatefulSet/qdrant/qdrant`\n", "0.1.0")).toThrow(
      /CHANGELOG.md line 2 names StatefulSet\/qdrant\/qdrant without a reason: write "- `StatefulSet\/qdrant\/qdrant`: <why/,
    );
  });

  test("the report lines name each change, the CHANGELOG's reasons and the volumes kept", () => {
    const report = upgradeReport(before, after);
    expect(reportLines(report, new Map([["StatefulSet/qdrant/qdrant", "labels renamed"]]))).toEqual([
      "releases upgraded: kueue-system/kueue kueue 0.19.1 → 0.19.2",
      "releases added: y/new; removed: x/old",
      "CRDs added: added.example.com; changed: workloads.kueue.x-k8s.io (served v1beta1 → v1beta1,v1beta2, stored v1beta1 → v1beta1,v1beta2); removed: gone.example.com",
      "objects replaced: Deployment/kueue-system/kueue-controller-manager, PersistentVolumeClaim/seaweedfs/data-seaweedfs-master-0, StatefulSet/qdrant/qdrant; deleted: Cluster/mlflow/mlflow-db, PersistentVolumeClaim/mlflow/mlflow",
      "named in the CHANGELOG: StatefulSet/qdrant/qdrant (labels renamed)",
      "volumes kept: 1 (PersistentVolumeClaim/qdrant/qdrant-storage-qdrant-0); new: none",
    ]);
  });

  test("the plan summary sorts resource changes by action", () => {
    expect(
      planSummary({
        resource_changes: [
          { address: "helm_release.kueue", change: { actions: ["update"] } },
          { address: "helm_release.qdrant", change: { actions: ["delete", "create"] } },
          { address: "helm_release.new", change: { actions: ["create"] } },
          { address: "helm_release.old", change: { actions: ["delete"] } },
          { address: "helm_release.same", change: { actions: ["no-op"] } },
        ],
      }),
    ).toEqual({
      create: ["helm_release.new"],
      update: ["helm_release.kueue"],
      replace: ["helm_release.qdrant"],
      delete: ["helm_release.old"],
    });
  });
});
