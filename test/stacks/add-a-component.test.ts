/**
 * The README's "Add a component" walkthrough, done the way a fork does it: one component definition
 * plus one catalog entry (here: a catalog passed to buildApp), and nothing else. Everything the
 * platform needs to know about the component comes from its declaration.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { z } from "zod";
import { CATALOG } from "../../platform/catalog";
import type { ComponentDefinition } from "../../platform/component";
import { buildApp } from "../../stacks/app";
import { cleanUpLocalCharts } from "../../stacks/local-chart";

interface NotebookSettings {
  readonly idleMinutes: number;
}

/** A fork's component, as the walkthrough writes it in platform/components/jupyterhub.ts. */
const jupyterhub: ComponentDefinition = {
  id: "jupyterhub",
  title: "JupyterHub",
  summary: "Notebook servers for every team",
  defaultLifecycle: "disabled",
  reservedNamespaces: ["jupyterhub"],
  placement: "management-only",
  settings: z.strictObject({ idleMinutes: z.number().int().min(5).default(60) }),
  teamEgress: () => [{ name: "jupyterhub", namespace: "jupyterhub", ports: [8081] }],
  dependencies: () => [{ id: "kueue", reason: "notebook servers are queued" }],
  namespaces: () => [{ name: "jupyterhub" }],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: "jupyterhub",
      namespace: "jupyterhub",
      // A fork pins its own chart in platform/versions.ts; the test borrows a pinned one.
      chart: "kuberay-operator",
      primary: true,
      values: { cull: { timeout: ctx.settings<NotebookSettings>("jupyterhub").idleMinutes * 60 } },
    },
  ],
};

type TfJson = { resource: Record<string, Record<string, Record<string, unknown>>> };

let outdir = "";

/** The manifests of a local release as synthesized into the stack's assets. */
function readLocalChart(stack: string, release: string): string {
  const json = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")) as TfJson;
  const chart = json.resource.helm_release[`release-${release}`].chart as string;
  return readFileSync(join(outdir, "stacks", stack, chart, "templates", "manifests.yaml"), "utf8");
}

function synth(profile: string, override: unknown): (stack: string) => TfJson {
  outdir = mkdtempSync(join(tmpdir(), "cnai-add-component-"));
  const { app } = buildApp({ profiles: [profile], override, outdir, catalog: [...CATALOG, jupyterhub] });
  app.synth();
  cleanUpLocalCharts();
  const dir = outdir;
  return (stack) => JSON.parse(readFileSync(join(dir, "stacks", stack, "cdk.tf.json"), "utf8")) as TfJson;
}

describe("adding a component in one definition plus one catalog entry", () => {
  const tf = synth("workstation-gpu", {
    components: { jupyterhub: { lifecycle: "managed", settings: { idleMinutes: 30 } } },
  });
  const platform = tf("workstation-gpu-platform");

  test("its release is installed in its namespace, after the component it depends on, with its settings in the values", () => {
    const release = platform.resource.helm_release["release-jupyterhub"];
    expect(release.namespace).toBe("jupyterhub");
    expect((release.depends_on as string[]).filter((d) => d.startsWith("helm_release."))).toEqual([
      "helm_release.release-kueue-queues",
    ]);
    expect(parse((release.values as string[])[0])).toMatchObject({ cull: { timeout: 1800 } });
    expect(platform.resource.kubernetes_namespace_v1["namespace-jupyterhub"]).toBeDefined();
  });

  test("teams may reach the service it declares, on its port", () => {
    const manifests = readLocalChart("workstation-gpu-platform", "team-tenancy");
    expect(manifests).toContain("name: allow-egress-to-jupyterhub");
    const policy = parseAllDocuments(manifests)
      .map((doc) => doc.toJS())
      .find((o) => o.metadata.name === "allow-egress-to-jupyterhub" && o.metadata.namespace === "team-research");
    expect(policy.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "jupyterhub" } } }],
        ports: [{ protocol: "TCP", port: 8081 }],
      },
    ]);
  });

  test("a team may not take its namespace, and its settings are checked when the profile loads", () => {
    expect(() =>
      synth("workstation-gpu", {
        teams: { research: { namespace: "jupyterhub" } },
        components: { jupyterhub: { lifecycle: "managed", settings: { idleMinutes: 1 } } },
      }),
    ).toThrow(
      /components\.jupyterhub\.settings\.idleMinutes: got 1; Too small[\s\S]*teams\.research\.namespace: got "jupyterhub"; reserved by component "jupyterhub"/,
    );
  });

  test("a MultiKueue worker does not run a management-only component", () => {
    const worker = synth("multicloud-gpu", { components: { jupyterhub: { lifecycle: "managed" } } });
    expect(worker("multicloud-gpu-platform").resource.helm_release["release-jupyterhub"]).toBeDefined();
    expect(worker("multicloud-gpu-gke-platform").resource.helm_release["release-jupyterhub"]).toBeUndefined();
  });
});
