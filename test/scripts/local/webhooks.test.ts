import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  conversionChange,
  crdFromLine,
  jsonObjects,
  LOCAL_SERVERS_FILE,
  recordLocalServers,
  webhookChanges,
} from "../../../scripts/local/webhooks";
import type { LocalServer } from "../../../scripts/local/webhooks";

const config = (
  failurePolicy: string,
  service = { namespace: "cnpg-system", name: "cnpg-webhook-service", path: "/mutate" },
) => ({
  kind: "MutatingWebhookConfiguration" as const,
  metadata: { name: "cnpg-mutating" },
  webhooks: [{ name: "mcluster.cnpg.io", failurePolicy, clientConfig: { service } }],
});

const kueue: LocalServer = {
  base: "https://127.0.0.1:9443",
  caPem: "PEM",
  serves: async (path) => path.includes("clusterqueue"),
};
const servers = new Map([["kueue-system/kueue-webhook-service", kueue]]);

describe("the local tier's webhook shim", () => {
  test("a webhook of an operator that does not run here is set to Ignore, once", async () => {
    expect(await webhookChanges(config("Fail"), new Map())).toEqual([
      {
        resource: "mutatingwebhookconfiguration",
        name: "cnpg-mutating",
        patch: [{ op: "add", path: "/webhooks/0/failurePolicy", value: "Ignore" }],
        why: "mcluster.cnpg.io → Ignore (no local server)",
      },
    ]);
    expect(await webhookChanges(config("Ignore"), new Map())).toEqual([]);
  });

  test("a webhook a local process serves is pointed at it by URL with its CA; a path it does not serve is ignored", async () => {
    const served = config("Fail", {
      namespace: "kueue-system",
      name: "kueue-webhook-service",
      path: "/mutate-clusterqueue",
    });
    expect((await webhookChanges(served, servers))[0].patch).toEqual([
      { op: "remove", path: "/webhooks/0/clientConfig/service" },
      { op: "add", path: "/webhooks/0/clientConfig/url", value: "https://127.0.0.1:9443/mutate-clusterqueue" },
      { op: "add", path: "/webhooks/0/clientConfig/caBundle", value: Buffer.from("PEM").toString("base64") },
    ]);
    const unserved = config("Fail", {
      namespace: "kueue-system",
      name: "kueue-webhook-service",
      path: "/mutate-appwrapper",
    });
    expect((await webhookChanges(unserved, servers))[0].why).toBe(
      "mcluster.cnpg.io → Ignore (not served by the local process)",
    );
  });

  test("a CRD's conversion webhook goes to the local process, or to strategy None without one", () => {
    const crd = crdFromLine("workloads.kueue.x-k8s.io\tWebhook\tkueue-system\tkueue-webhook-service\t/convert");
    expect(crd).toBeDefined();
    expect(conversionChange(crd!, servers)[0].patch).toEqual([
      {
        op: "replace",
        path: "/spec/conversion/webhook/clientConfig",
        value: { url: "https://127.0.0.1:9443/convert", caBundle: Buffer.from("PEM").toString("base64") },
      },
    ]);
    expect(conversionChange(crd!, new Map())[0].patch).toEqual([
      { op: "remove", path: "/spec/conversion/webhook" },
      { op: "replace", path: "/spec/conversion/strategy", value: "None" },
    ]);
    expect(conversionChange(crdFromLine("widgets.example.com\tNone\t\t\t")!, new Map())).toEqual([]);
  });

  test("kubectl's watch stream splits into whole objects, keeping a partial one for later", () => {
    expect(jsonObjects('{\n  "a": 1\n}\n{\n  "b": {\n    "c": 2\n  }\n}\n{\n  "d"')).toEqual({
      objects: [{ a: 1 }, { b: { c: 2 } }],
      rest: '{\n  "d"',
    });
  });

  test("local servers are recorded by Service: a new record replaces the old one and keeps the others", () => {
    const dir = mkdtempSync(join(tmpdir(), "servers-"));
    try {
      recordLocalServers(dir, [{ service: "kueue-system/kueue-webhook-service" }, { service: "jobset-system/jobset" }]);
      recordLocalServers(dir, [{ service: "jobset-system/jobset", base: "https://127.0.0.1:9445", caPem: "PEM" }]);
      expect(JSON.parse(readFileSync(join(dir, LOCAL_SERVERS_FILE), "utf8"))).toEqual([
        { service: "kueue-system/kueue-webhook-service" },
        { service: "jobset-system/jobset", base: "https://127.0.0.1:9445", caPem: "PEM" },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
