/**
 * The local control plane for real: `up` starts the built binaries (scripts/cluster-tools.sh), the test looks at
 * the cluster with kubectl inside its network namespace, and `down` must leave no process behind. Runs unless
 * the cluster tools were skipped on purpose (CNAI_SKIP_CLUSTER_TOOLS=1); without them it fails and says how to
 * build them.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadCheckedProfile } from "../../../platform/check";
import type { UpResult } from "../../../scripts/local/cluster";
import { down, stateDir, up, UpError } from "../../../scripts/local/cluster";
import type { ClusterTools } from "../../../scripts/local/config";
import { clusterToolsRecord, readClusterTools } from "../../../scripts/local/config";
import { localNodes } from "../../../scripts/local/nodes";
import type { LocalState } from "../../../scripts/local/processes";
import { isRunning, processesInNamespace, runInNamespace } from "../../../scripts/local/processes";

const ROOT = resolve(__dirname, "../../..");
const SKIPPED = process.env.CNAI_SKIP_CLUSTER_TOOLS === "1";
const suite = SKIPPED ? describe.skip : describe;
if (SKIPPED) {
  console.warn("Local control plane tests skipped: CNAI_SKIP_CLUSTER_TOOLS=1, so the cluster tools were not built.");
}

interface NodeItem {
  metadata: { name: string; labels: Record<string, string> };
  spec: { taints?: Array<{ key: string; value?: string; effect: string }> };
  status: { allocatable: Record<string, string>; conditions: Array<{ type: string; status: string }> };
}

/** Everything `up` started has ended and its namespace is empty. */
function leftOver(state: LocalState): string[] {
  return [
    ...state.processes.filter(isRunning).map((p) => `${p.name} (PID ${p.pid})`),
    ...(state.namespace ? processesInNamespace(state.namespace).map((pid) => `PID ${pid} in the namespace`) : []),
  ];
}

suite("a local control plane", () => {
  // Unique names: a developer's own `npm run local` cluster ("local") is left alone.
  const gpu = `jest-${process.pid}-gpu`;
  const laptop = `jest-${process.pid}-laptop`;

  test("cluster-gpu and laptop run side by side, each with its profile's nodes, and down leaves no process", async () => {
    const tools = readClusterTools(ROOT, ["kubectl"]);
    const started: UpResult[] = [];
    const kubectl = (result: UpResult, args: string[], input?: string) =>
      runInNamespace(result.state, [tools.binaries.kubectl, "--kubeconfig", result.state.kubeconfig, ...args], {
        input,
      });
    try {
      started.push(await up({ root: ROOT, profile: "cluster-gpu", name: gpu }));
      started.push(await up({ root: ROOT, profile: "laptop", name: laptop }));
      const [clusterGpu, laptopCluster] = started;
      expect(clusterGpu.state.namespace).not.toBe(laptopCluster.state.namespace);

      for (const [result, profile] of [
        [clusterGpu, "cluster-gpu"],
        [laptopCluster, "laptop"],
      ] as const) {
        const expected = localNodes(loadCheckedProfile(profile));
        const items = (JSON.parse(await kubectl(result, ["get", "nodes", "-o", "json"])) as { items: NodeItem[] })
          .items;
        expect(items.map((n) => n.metadata.name)).toEqual(expected.map((n) => n.name));
        for (const node of expected) {
          const item = items.find((n) => n.metadata.name === node.name) as NodeItem;
          expect(item.metadata.labels).toEqual(expect.objectContaining(node.labels));
          expect(item.spec.taints ?? []).toEqual(node.taints);
          expect(item.status.allocatable).toEqual(node.capacity);
          expect(item.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
        }
      }

      // A Job completes on a fake node, and a claim of the default class gets a volume.
      await kubectl(
        clusterGpu,
        ["create", "-f", "-"],
        JSON.stringify({
          apiVersion: "v1",
          kind: "List",
          items: [
            {
              apiVersion: "batch/v1",
              kind: "Job",
              metadata: { name: "quick", namespace: "default" },
              spec: {
                template: {
                  spec: {
                    restartPolicy: "Never",
                    containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "1" } } }],
                  },
                },
              },
            },
            {
              apiVersion: "v1",
              kind: "PersistentVolumeClaim",
              metadata: { name: "data", namespace: "default" },
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } } },
            },
          ],
        }),
      );
      await kubectl(clusterGpu, ["wait", "--for=condition=Complete", "job/quick", "--timeout=60s"]);
      await kubectl(clusterGpu, ["wait", "--for=jsonpath={.status.phase}=Bound", "pvc/data", "--timeout=60s"]);
      expect(
        await kubectl(clusterGpu, ["get", "pod", "-l", "job-name=quick", "-o", "jsonpath={.items[0].spec.nodeName}"]),
      ).toBe("cnai-cluster-worker3");
    } finally {
      const problems: string[] = [];
      for (const result of started.reverse()) {
        await down(ROOT, result.state.name);
        problems.push(...leftOver(result.state));
        if (existsSync(result.state.stateDir)) problems.push(`${result.state.stateDir} still exists`);
      }
      expect(problems).toEqual([]);
    }
    expect(started).toHaveLength(2);
  }, 240_000);

  test("an up that fails stops what it started and removes its folder", async () => {
    const root = mkdtempSync(join(tmpdir(), "local-up-fails-"));
    try {
      mkdirSync(join(root, ".tools"));
      const tools = JSON.parse(readFileSync(clusterToolsRecord(ROOT), "utf8")) as ClusterTools;
      // An apiserver that tells kwokctl its version, then exits when started: etcd and the rest run, the API never answers.
      const broken = join(root, "kube-apiserver");
      writeFileSync(
        broken,
        `#!/bin/sh\ncase "$*" in *version*) exec ${tools.binaries["kube-apiserver"]} "$@" ;; esac\necho broken on purpose >&2\nexit 1\n`,
        { mode: 0o755 },
      );
      writeFileSync(
        clusterToolsRecord(root),
        JSON.stringify({ ...tools, binaries: { ...tools.binaries, "kube-apiserver": broken } }),
      );
      const failure = await up({ root, profile: "laptop", name: "broken", readyTimeoutMs: 5_000 }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(UpError);
      expect((failure as UpError).message).toMatch(
        /^npm run local -- up laptop --name broken failed: \S+\/kwokctl --config \S+ create cluster --name broken .* did not finish within 5 s/,
      );
      expect((failure as UpError).message).toContain("broken on purpose");
      const { state } = failure as UpError;
      expect(state.processes.map((p) => p.name)).toEqual(
        expect.arrayContaining(["network-namespace", "etcd", "kube-controller-manager", "kwok-controller"]),
      );
      expect(leftOver(state)).toEqual([]);
      expect(existsSync(stateDir(root, "broken"))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
