import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkName, claimsToBind, clusterState, down, stateDir, up, volumeFor } from "../../../scripts/local/cluster";
import { CLUSTER_BINARIES } from "../../../scripts/local/config";
import { networkNamespaceOf, writeState } from "../../../scripts/local/processes";

type Claim = Parameters<typeof volumeFor>[0];
const claim = (over: Partial<Claim["spec"]> = {}, phase = "Pending"): Claim => ({
  metadata: { name: "data", namespace: "team-a", uid: "0b6c" },
  spec: {
    storageClassName: "standard",
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "5Gi" } },
    ...over,
  },
  status: { phase },
});

describe("the volume binder of a local cluster", () => {
  test("binds pending claims of the default class that have no volume yet, and only those", () => {
    const claims = [claim(), claim({ storageClassName: "fast" }), claim({ volumeName: "pv-1" }), claim({}, "Bound")];
    expect(claimsToBind(claims)).toEqual([claims[0]]);
  });

  test("a claim gets a hostPath volume of its size and modes, pre-bound to it and retained for the binder to delete", () => {
    expect(volumeFor(claim(), "/repo/.local/local")).toEqual({
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "pvc-0b6c", labels: { "local.cnai.io/bound-by": "pv-binder" } },
      spec: {
        storageClassName: "standard",
        capacity: { storage: "5Gi" },
        accessModes: ["ReadWriteOnce"],
        volumeMode: "Filesystem",
        persistentVolumeReclaimPolicy: "Retain",
        hostPath: { path: "/repo/.local/local/volumes/pvc-0b6c" },
        claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "team-a", name: "data", uid: "0b6c" },
      },
    });
  });
});

describe("starting and stopping a local cluster", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "local-cluster-"));
    mkdirSync(join(root, ".tools"));
    const binaries = Object.fromEntries(CLUSTER_BINARIES.map((b) => [b, join(root, b)]));
    for (const file of Object.values(binaries)) writeFileSync(file, "");
    writeFileSync(join(root, ".tools/cluster-tools.json"), JSON.stringify({ kubernetesVersion: "v1.35.8", binaries }));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("a cluster name must be a DNS label, since it names a folder and kwokctl's cluster", () => {
    expect(checkName("team-a")).toBe("team-a");
    expect(() => checkName("../x")).toThrow(/--name "\.\.\/x": use at most 63 lowercase letters, digits and '-'/);
  });

  test("up refuses an unknown profile before it starts anything", async () => {
    await expect(up({ root, profile: "nope" })).rejects.toThrow(/Unknown profile "nope"\. Known profiles: laptop,/);
    expect(existsSync(stateDir(root, "local"))).toBe(false);
  });

  test("up refuses to start over a cluster of the same name, and says how to stop it", async () => {
    mkdirSync(stateDir(root, "local"), { recursive: true });
    await expect(up({ root, profile: "laptop" })).rejects.toThrow(
      /cluster "local" is already up, or a failed run left .*\.local\/local behind: run 'npm run local -- down --name local' first/,
    );
  });

  test("down of a cluster that does not exist says how to start one", async () => {
    await expect(down(root, "other")).rejects.toThrow(
      /no local cluster "other": .*\.local\/other does not exist \(start one with 'npm run local -- up <profile>'\)/,
    );
  });

  test("a cluster that joined another's namespace runs while that namespace exists, though it records no holder", () => {
    const dir = stateDir(root, "worker");
    mkdirSync(dir, { recursive: true });
    const state = {
      name: "worker",
      profile: "laptop",
      stateDir: dir,
      kubeconfig: join(dir, "kubeconfig"),
      processes: [],
      joined: "manager",
      // This process stands in for the manager's holder: its namespace is the one joined.
      namespacePid: process.pid,
      namespace: networkNamespaceOf(process.pid),
      portOffset: 100,
    };
    writeState(state);
    expect(clusterState(root, "worker")).toEqual(state);
    writeState({ ...state, namespace: "net:[1]" });
    expect(() => clusterState(root, "worker")).toThrow(
      /local cluster "worker" is not running \(its network namespace is gone\)/,
    );
  });
});
