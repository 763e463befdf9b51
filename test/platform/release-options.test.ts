import { CATALOG } from "../../platform/catalog";
import type { Step } from "../../platform/component";
import { contextFor } from "../../platform/graph";
import { onFailedInstall, releaseOptions } from "../../platform/release-options";
import { loadProfile } from "../../profiles/load";
import { PROFILES } from "../../profiles/index";

const upstream = (extra: Partial<Step> = {}): Step =>
  ({ kind: "upstream", name: "x", namespace: "x", chart: "kueue", values: {}, ...extra }) as Step;
const local = (extra: Partial<Step> = {}): Step =>
  ({ kind: "local", name: "x", namespace: "x", render: () => undefined, ...extra }) as Step;
const gate: Step = {
  kind: "gate",
  name: "x-ready",
  namespace: "x",
  probe: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "probe" } },
  resource: "configmaps",
};

const KEEP = {
  onFailedInstall: "keep",
  atomic: false,
  cleanupOnFail: false,
  replace: true,
  wait: true,
  takeOwnership: false,
};
const UNINSTALL = {
  onFailedInstall: "uninstall",
  atomic: true,
  cleanupOnFail: true,
  replace: false,
  wait: true,
  takeOwnership: false,
};

describe("releaseOptions", () => {
  test("by default a gate is uninstalled when it fails and any other release keeps what it made", () => {
    expect(releaseOptions(gate)).toEqual(UNINSTALL);
    expect(releaseOptions(upstream())).toEqual(KEEP);
    expect(releaseOptions(local())).toEqual(KEEP);
  });

  test('"uninstall" is atomic and cleans up a failed upgrade; "keep" only lets the next install replace a failed one', () => {
    expect(releaseOptions(upstream({ onFailedInstall: "uninstall" }))).toEqual(UNINSTALL);
    expect(releaseOptions(local({ onFailedInstall: "keep" }))).toEqual(KEEP);
    expect(releaseOptions({ ...gate, onFailedInstall: "keep" })).toEqual(KEEP);
  });

  test("waitOnUninstall: false turns wait off, which atomic makes matter only to uninstalls; adoptExisting takes ownership", () => {
    expect(
      releaseOptions(upstream({ onFailedInstall: "uninstall", waitOnUninstall: false, adoptExisting: true })),
    ).toEqual({ ...UNINSTALL, wait: false, takeOwnership: true });
  });

  test("waitOnUninstall: false without atomic would stop Helm waiting for the install, so it is refused", () => {
    expect(() => releaseOptions(upstream({ waitOnUninstall: false }))).toThrow(
      'step "x": waitOnUninstall: false needs onFailedInstall: "uninstall"; without atomic, wait = false would also stop Helm waiting for the install',
    );
  });

  test("every upstream and local release of every shipped profile decides explicitly (gates are uninstalled by kind)", () => {
    const profiles = [
      ...Object.keys(PROFILES).map((name) => ({ name, label: name, override: undefined })),
      // The vector database engines no shipped profile picks.
      ...(["milvus", "pgvector"] as const).map((engine) => ({
        name: "laptop",
        label: `laptop+${engine}`,
        override: { vectorDatabase: { engine } },
      })),
    ];
    const undecided = profiles.flatMap(({ name, label, override }) => {
      const ctx = contextFor(loadProfile(name, override));
      return CATALOG.filter((c) => ctx.lifecycle(c.id) === "managed")
        .flatMap((c) => c.steps(ctx))
        .filter((step) => step.kind !== "gate" && step.onFailedInstall === undefined)
        .map((step) => `${label}/${step.name}`);
    });
    expect(undecided).toEqual([]);
    expect(onFailedInstall(gate)).toBe("uninstall");
  });
});
