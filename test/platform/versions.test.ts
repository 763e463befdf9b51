import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CATALOG } from "../../platform/catalog";
import { withGeneratedBlocks } from "../../reports/readme-blocks";
import { renderProfile } from "../../stacks/render-profile";
import { allVersions, CHARTS, IMAGES } from "../../platform/versions";
import { loadProfile } from "../../profiles/load";
import { contextFor } from "../../platform/graph";

describe("the version table", () => {
  test("every chart version is an exact release, never a range or latest", () => {
    for (const chart of Object.values(CHARTS)) expect(chart.version).toMatch(/^v?\d+\.\d+\.\d+$/);
  });

  test("every image tag is an exact version, never latest", () => {
    for (const image of Object.values(IMAGES)) {
      // Suffixes may carry versions of their own (PyTorch's `2.13.0-cuda13.0-cudnn9-runtime`).
      expect(image.tag).toMatch(/^v?\d+\.\d+(\.\d+)?(-[a-z0-9]+(\.[0-9]+)*)*(@sha256:[0-9a-f]{64})?$/);
      expect(image.tag).not.toMatch(/latest/);
    }
  });

  test("every entry says where the pin was checked", () => {
    for (const entry of allVersions()) if (entry.kind !== "provider") expect(entry.source.length).toBeGreaterThan(10);
  });

  test("every chart in the table is installed by some component on some profile", () => {
    const used = new Set<string>();
    for (const overrides of [{}, { vectorDatabase: { engine: "milvus" as const } }]) {
      for (const name of ["laptop", "laptop-gpu"]) {
        const ctx = contextFor(loadProfile(name, overrides));
        for (const c of CATALOG) for (const s of c.steps(ctx)) if (s.kind === "upstream") used.add(s.chart);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(CHARTS).sort());
  });

  test("the README's generated blocks (versions, capacity, footprint, posture) are the ones the code generates", () => {
    const readme = readFileSync(resolve(__dirname, "../../README.md"), "utf8");
    const render = (name: string) => renderProfile(name, { root: resolve(__dirname, "../..") });
    expect(withGeneratedBlocks(readme, render)).toEqual(readme);
  });
});
