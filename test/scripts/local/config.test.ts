import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { ClusterTools } from "../../../scripts/local/config";
import {
  CLUSTER_BINARIES,
  kwokctlConfiguration,
  kwokctlConfigYaml,
  kwokStages,
  readClusterTools,
  shiftedPorts,
  storageClassObject,
} from "../../../scripts/local/config";

const TOOLS: ClusterTools = {
  kubernetesVersion: "v1.35.8",
  etcdVersion: "v3.6.16",
  kwokVersion: "v0.8.0",
  kueueVersion: "v0.19.2",
  kuberayVersion: "v1.7.0",
  binaries: Object.fromEntries(CLUSTER_BINARIES.map((b) => [b, `/tools/${b}`])) as ClusterTools["binaries"],
  tofu: "/tools/tofu",
  helm: "/tools/helm",
  tofurcReal: "/tools/tofurc-real",
};

describe("the kwokctl configuration of a local cluster", () => {
  test("runs the built binaries on 127.0.0.1 with authorization and admission on, at fixed ports", () => {
    expect(kwokctlConfiguration(TOOLS)).toEqual({
      apiVersion: "config.kwok.x-k8s.io/v1alpha1",
      kind: "KwokctlConfiguration",
      options: {
        runtime: "binary",
        kubeVersion: "v1.35.8",
        etcdVersion: "3.6.16",
        bindAddress: "127.0.0.1",
        securePort: true,
        kubeAuthorization: true,
        kubeAdmission: true,
        kubeApiserverPort: 6443,
        etcdPort: 2379,
        etcdPeerPort: 2380,
        kubeControllerManagerPort: 10257,
        kubeSchedulerPort: 10259,
        kwokControllerPort: 10247,
        nodeLeaseDurationSeconds: 40,
        kubeApiserverBinary: "/tools/kube-apiserver",
        kubeControllerManagerBinary: "/tools/kube-controller-manager",
        kubeSchedulerBinary: "/tools/kube-scheduler",
        kubectlBinary: "/tools/kubectl",
        etcdBinary: "/tools/etcd",
        kwokControllerBinary: "/tools/kwok",
      },
      componentsPatches: [
        { name: "kube-apiserver", extraArgs: [{ key: "advertise-address", value: "192.0.2.1" }] },
        { name: "etcd", extraArgs: [{ key: "unsafe-no-fsync", value: "true" }] },
        {
          name: "kube-controller-manager",
          extraArgs: [
            { key: "kube-api-qps", value: "300" },
            { key: "kube-api-burst", value: "500" },
            { key: "concurrent-job-syncs", value: "20" },
          ],
        },
        {
          name: "kube-scheduler",
          extraArgs: [
            { key: "kube-api-qps", value: "300" },
            { key: "kube-api-burst", value: "500" },
          ],
        },
      ],
    });
  });

  test("a cluster joining another's network namespace gets every port shifted by its offset", () => {
    const options = kwokctlConfiguration(TOOLS, shiftedPorts(200)).options as Record<string, unknown>;
    expect(
      Object.fromEntries(Object.entries(options).filter(([key, value]) => key.endsWith("Port") && value !== true)),
    ).toEqual({
      kubeApiserverPort: 6643,
      etcdPort: 2579,
      etcdPeerPort: 2580,
      kubeControllerManagerPort: 10457,
      kubeSchedulerPort: 10459,
      kwokControllerPort: 10447,
    });
    expect(parseAllDocuments(kwokctlConfigYaml(TOOLS, shiftedPorts(200)))[0].toJS()).toEqual(
      kwokctlConfiguration(TOOLS, shiftedPorts(200)),
    );
  });

  test("a port offset that would make one cluster's etcd meet another's peer port is refused", () => {
    expect(() => shiftedPorts(1)).toThrow(
      "port offset 1: give a multiple of 100 from 0 to 5000, one per cluster in the namespace",
    );
  });

  test("gives all five Stages, since giving any drops kwok's defaults", () => {
    expect(kwokStages("v1.35.8").map((s) => (s.metadata as { name: string }).name)).toEqual([
      "node-initialize",
      "node-heartbeat-with-lease",
      "pod-ready",
      "pod-complete",
      "pod-delete",
    ]);
  });

  test("completes Job pods at once unless their delay annotation asks for a run time", () => {
    const complete = kwokStages("v1.35.8")[3].spec as Record<string, unknown>;
    expect(complete.delay).toEqual({
      durationMilliseconds: 0,
      durationFrom: { expressionFrom: '.metadata.annotations["pod-complete.stage.kwok.x-k8s.io/delay"]' },
    });
    expect(complete.selector).toEqual({
      matchExpressions: [
        { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
        { key: ".status.phase", operator: "In", values: ["Running"] },
        { key: ".metadata.ownerReferences.[].kind", operator: "In", values: ["Job"] },
      ],
    });
  });

  test("stamps the nodes with the Kubernetes version of the control plane", () => {
    const initialize = kwokStages("1.35.8")[0].spec as { next: { statusTemplate: string } };
    expect(initialize.next.statusTemplate).toContain("  kubeletVersion: v1.35.8\n");
  });

  test("is one YAML file: the configuration, then the Stages", () => {
    const docs = parseAllDocuments(kwokctlConfigYaml(TOOLS)).map((d) => d.toJS() as { kind: string });
    expect(docs.map((d) => d.kind)).toEqual(["KwokctlConfiguration", "Stage", "Stage", "Stage", "Stage", "Stage"]);
    expect(docs[0]).toEqual(kwokctlConfiguration(TOOLS));
  });

  test("the default StorageClass is kind's: standard, local-path's name, bound at first use", () => {
    expect(storageClassObject()).toEqual({
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "rancher.io/local-path",
      reclaimPolicy: "Delete",
      volumeBindingMode: "WaitForFirstConsumer",
    });
  });
});

describe("the record of the cluster tools", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "cluster-tools-"));
    mkdirSync(join(root, ".tools"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("is read with every binary it names", () => {
    const binaries = Object.fromEntries(CLUSTER_BINARIES.map((b) => [b, join(root, b)]));
    for (const file of Object.values(binaries)) writeFileSync(file, "");
    writeFileSync(join(root, ".tools/cluster-tools.json"), JSON.stringify({ ...TOOLS, binaries }));
    expect(readClusterTools(root)).toEqual({ ...TOOLS, binaries });
  });

  test("missing, says the tools were not built and which command builds them", () => {
    expect(() => readClusterTools(root)).toThrow(
      /cluster-tools\.json does not exist: the cluster tools were not built\. Run 'npm run tools' \(bash scripts\/tools\.sh\) without CNAI_SKIP_CLUSTER_TOOLS=1/,
    );
  });

  test("naming a binary that is gone, says which one", () => {
    writeFileSync(join(root, ".tools/cluster-tools.json"), JSON.stringify(TOOLS));
    expect(() => readClusterTools(root)).toThrow(
      /names kube-apiserver at \/tools\/kube-apiserver, which does not exist: run 'npm run tools' to build it again/,
    );
  });
});
