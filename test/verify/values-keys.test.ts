import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChartKey } from "../../platform/versions";
import { CHARTS } from "../../platform/versions";
import { ReferenceDir } from "../../verify/reference";
import { DOCUMENTED_KEYS, unknownValueKeys } from "../../verify/values-keys";
import { reference, referenceValues } from "../support/reference";

describe("unknownValueKeys", () => {
  test("a key the chart has is accepted, a misspelled one is reported with the likely key", () => {
    expect(unknownValueKeys(reference, "kueue", { controllerManager: { replicas: 1, replicsa: 2 } })).toEqual([
      { path: "controllerManager.replicsa", suggestion: "replicas" },
    ]);
  });

  test("keys inside a free-form map (an empty default map) are the user's", () => {
    expect(unknownValueKeys(reference, "kuberay-operator", { nodeSelector: { "kubernetes.io/os": "linux" } })).toEqual(
      [],
    );
  });

  test("a resources block takes requests and limits whatever the default lists, and nothing else", () => {
    expect(
      unknownValueKeys(reference, "kuberay-operator", {
        resources: { requests: { cpu: "10m" }, limits: { cpu: "1" }, request: { cpu: "1" } },
      }),
    ).toEqual([{ path: "resources.request", suggestion: "requests" }]);
  });

  test("a resources map of per-pod blocks is followed key by key, each block checked as a resources block", () => {
    expect(
      unknownValueKeys(reference, "keda", {
        resources: {
          operator: { requests: { cpu: "20m" }, limits: { cpu: "500m" } },
          webhook: { requests: { cpu: "10m" } },
          metricServer: { request: { cpu: "10m" } },
        },
      }),
    ).toEqual([
      { path: "resources.webhook", suggestion: "webhooks" },
      { path: "resources.metricServer.request", suggestion: "requests" },
    ]);
  });

  test("subchart keys are checked against the subchart's own defaults", () => {
    expect(
      unknownValueKeys(reference, "gpu-operator", {
        "node-feature-discovery": { master: { resources: { requests: { cpu: "10m" } } }, mastr: {} },
      }),
    ).toEqual([{ path: "node-feature-discovery.mastr", suggestion: "master" }]);
  });

  test("a chart without values.yaml accepts exactly the paths its templates read", () => {
    // A reference folder in which the pinned kserve-crd chart ships no values.yaml, only the paths its templates read.
    const dir = mkdtempSync(join(tmpdir(), "cnai-values-keys-"));
    try {
      const chartDir = join(dir, "charts", `kserve-crd-${CHARTS["kserve-crd"].version}`);
      mkdirSync(chartDir, { recursive: true });
      writeFileSync(join(chartDir, "values-referenced.txt"), "kserve.servingruntime.enabled\nkserve.version\n");
      expect(
        unknownValueKeys(new ReferenceDir(dir), "kserve-crd", {
          kserve: { servingruntime: { enabled: true }, servingruntme: {} },
        }),
      ).toEqual([{ path: "kserve.servingruntme", suggestion: "servingruntime" }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a key documented only as a comment in values.yaml is accepted when listed with its evidence", () => {
    expect(unknownValueKeys(reference, "qdrant", { apiKey: true })).toEqual([]);
  });

  test("every documented key is one the parsed values.yaml really lacks, so the list never hides a real key", () => {
    for (const [chart, keys] of Object.entries(DOCUMENTED_KEYS)) {
      const defaults = referenceValues(chart as ChartKey);
      for (const path of Object.keys(keys ?? {})) {
        const found = path
          .split(".")
          .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], defaults);
        expect({ chart, path, found }).toEqual({ chart, path, found: undefined });
      }
    }
  });
});
