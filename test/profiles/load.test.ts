import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfile, readOverridesFile, selectProfiles } from "../../profiles/load";
import { ProfileError } from "../../profiles/problems";

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ProfileError) return error.problems.map((p) => p.path);
    throw error;
  }
  throw new Error("expected a ProfileError");
}

describe("selecting profiles", () => {
  test("no selector picks the default laptop profile", () => {
    expect(selectProfiles(undefined)).toEqual(["laptop"]);
  });

  test("all selects every profile", () => {
    expect(selectProfiles("all")).toEqual([
      "laptop",
      "laptop-gpu",
      "workstation-gpu",
      "cluster-gpu",
      "eks-gpu",
      "gke-gpu",
      "aks-gpu",
      "multicloud-gpu",
    ]);
  });

  test("an unknown name fails with the list of known profiles", () => {
    expect(() => selectProfiles("laptpo")).toThrow(
      /Unknown profile "laptpo" \(CNAI_PROFILE\). Known profiles: laptop, laptop-gpu, workstation-gpu, cluster-gpu, eks-gpu, gke-gpu, aks-gpu, multicloud-gpu, or "all"/,
    );
  });
});

describe("loading the shipped profiles", () => {
  test("laptop is one CPU worker pool and one team, and names no component (each keeps its default lifecycle)", () => {
    const profile = loadProfile("laptop");
    expect(profile.cluster).toEqual({ provider: "kind", name: "cnai-laptop", controlPlanes: 1 });
    expect(profile.pools).toEqual({ workers: { nodes: 1, spot: false, labels: {}, taints: [] } });
    expect(profile.teams).toEqual({
      default: {
        namespace: "team-default",
        groups: [],
        users: [],
        weight: 1,
        defaultPriority: "batch",
        quota: { workers: { cpu: "4", memory: "8Gi" } },
      },
    });
    expect(profile.components).toEqual({});
  });

  test("laptop-gpu is the laptop plus host GPU 0 on its worker, a GPU quota and the GPU Operator", () => {
    const profile = loadProfile("laptop-gpu");
    expect(profile.pools.workers.gpu).toEqual({
      accelerator: "nvidia-rtx",
      perNode: 1,
      sharing: { mode: "none" },
      hostDevices: [0],
    });
    expect(profile.teams.default.quota).toEqual({ workers: { cpu: "4", memory: "8Gi", gpu: 1 } });
    expect(profile.components["gpu-operator"].lifecycle).toBe("managed");
  });

  test("every shipped profile loads", () => {
    expect(["laptop", "laptop-gpu", "workstation-gpu", "cluster-gpu"].map((name) => loadProfile(name).name)).toEqual([
      "laptop",
      "laptop-gpu",
      "workstation-gpu",
      "cluster-gpu",
    ]);
  });
});

describe("profile validation", () => {
  test("an unknown key is an error that lists the allowed keys", () => {
    expect(() => loadProfile("laptop", { cluster: { wrokers: 2 } })).toThrow(
      /cluster\.wrokers: got 2; unknown key; allowed keys here: provider, name, controlPlanes/,
    );
  });

  test("an unknown key inside a pool lists the pool's keys", () => {
    expect(() => loadProfile("laptop", { pools: { workers: { gpus: 1 } } })).toThrow(
      /pools\.workers\.gpus: got 1; unknown key; allowed keys here: nodes, autoscaling, spot, instanceType, labels, taints, gpu/,
    );
  });

  test("a wrong type names the path, the value and the expected type", () => {
    expect(() => loadProfile("laptop", { pools: { workers: { nodes: "one" } } })).toThrow(
      /pools\.workers\.nodes: got "one"; expected number/,
    );
  });

  test("an invalid enum value lists the allowed values", () => {
    expect(() => loadProfile("laptop", { components: { kueue: { lifecycle: "on" } } })).toThrow(
      /components\.kueue\.lifecycle: got "on"; expected one of "managed", "external", "disabled"/,
    );
  });

  test("a malformed quantity says what a quantity looks like", () => {
    expect(() => loadProfile("laptop", { teams: { default: { quota: { workers: { memory: "8 GB" } } } } })).toThrow(
      /teams\.default\.quota\.workers\.memory: got "8 GB"; expected a Kubernetes quantity such as 500m, 2, 512Mi or 8Gi/,
    );
  });

  test("an unknown sharing mode is an error", () => {
    expect(() =>
      loadProfile("laptop-gpu", { pools: { workers: { gpu: { sharing: { mode: "vgpu" } } } } } as never),
    ).toThrow(/pools\.workers\.gpu\.sharing\.mode: got "vgpu"/);
  });

  test("every problem is reported together in one error", () => {
    expect(
      problemsOf(() =>
        loadProfile("laptop", {
          cluster: { nodes: 3 },
          vectorDatabase: { engine: "pinecone" },
          components: { mlflow: { lifecycle: "yes" } },
        } as never),
      ),
    ).toEqual(["cluster.nodes", "vectorDatabase.engine", "components.mlflow.lifecycle"]);
  });

  test("cross-field problems found together are reported together", () => {
    expect(
      problemsOf(() =>
        loadProfile("laptop", {
          samples: { x: { kind: "training-job", team: "nobody", pool: "workers" } },
          buckets: { models: "mlflow-artifacts" },
          teams: { default: { quota: { gpus: { cpu: "1", memory: "1Gi" } } } },
        }),
      ),
    ).toEqual(["teams.default.quota.gpus", "samples.x.team", "buckets.models"]);
  });
});

describe("override files", () => {
  const dir = mkdtempSync(join(tmpdir(), "cnai-overrides-"));

  test("a YAML override merges deeply: maps merge, lists replace", () => {
    const file = join(dir, "fork.yaml");
    writeFileSync(
      file,
      "teams:\n  default:\n    quota:\n      workers: { cpu: '8' }\n    groups: [ml]\npools:\n  workers:\n    taints:\n      - { key: dedicated, value: ml, effect: NoSchedule }\n",
    );
    const profile = loadProfile("laptop", readOverridesFile(file));
    expect(profile.teams.default.quota).toEqual({ workers: { cpu: "8", memory: "8Gi" } });
    expect(profile.teams.default.groups).toEqual(["ml"]);
    expect(profile.pools.workers).toEqual({
      nodes: 1,
      spot: false,
      labels: {},
      taints: [{ key: "dedicated", value: "ml", effect: "NoSchedule" }],
    });
  });

  test("a JSON override can disable a component", () => {
    const file = join(dir, "fork.json");
    writeFileSync(file, JSON.stringify({ components: { observability: { lifecycle: "disabled" } } }));
    expect(loadProfile("laptop", readOverridesFile(file)).components.observability.lifecycle).toBe("disabled");
  });

  test("unknown keys in an override file are errors, not silently ignored", () => {
    const file = join(dir, "typo.yaml");
    writeFileSync(file, "vectorDatabse:\n  engine: milvus\n");
    expect(() => loadProfile("laptop", readOverridesFile(file))).toThrow(
      /vectorDatabse: got \{"engine":"milvus"\}; unknown key/,
    );
  });

  test("a file that is not YAML names the file", () => {
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "queue: [unclosed\n");
    expect(() => readOverridesFile(file)).toThrow(/CNAI_OVERRIDES=".*broken\.yaml": not valid YAML/);
  });

  test("an unsupported extension is refused", () => {
    expect(() => readOverridesFile(join(dir, "fork.toml"))).toThrow(
      /CNAI_OVERRIDES=".*fork\.toml": expected a \.yaml, \.yml or \.json file/,
    );
  });

  test("a missing file names the file", () => {
    expect(() => readOverridesFile(join(dir, "absent.yaml"))).toThrow(
      /CNAI_OVERRIDES=".*absent\.yaml": cannot read the file/,
    );
  });
});
