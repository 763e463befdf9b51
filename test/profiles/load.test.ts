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
    expect(selectProfiles("all")).toEqual(["laptop", "laptop-gpu"]);
  });

  test("an unknown name fails with the list of known profiles", () => {
    expect(() => selectProfiles("laptpo")).toThrow(
      /Unknown profile "laptpo" \(CNAI_PROFILE\). Known profiles: laptop, laptop-gpu, or "all"/,
    );
  });
});

describe("loading the shipped profiles", () => {
  test("laptop is one control plane and one CPU worker with the GPU Operator disabled", () => {
    const profile = loadProfile("laptop");
    expect(profile.cluster).toEqual({
      name: "cnai-laptop",
      controlPlanes: 1,
      workers: [{ gpus: [], labels: {} }],
    });
    expect(profile.components["gpu-operator"].lifecycle).toBe("disabled");
    expect(profile.components.mlflow.lifecycle).toBe("managed");
  });

  test("laptop-gpu gives GPU 0 to the worker and manages the GPU Operator", () => {
    const profile = loadProfile("laptop-gpu");
    expect(profile.cluster.workers).toEqual([{ gpus: [0], labels: {} }]);
    expect(profile.components["gpu-operator"].lifecycle).toBe("managed");
    expect(profile.queue.nominalQuota).toEqual({ cpu: "4", memory: "8Gi", gpu: 1 });
  });
});

describe("profile validation", () => {
  test("an unknown key is an error that lists the allowed keys", () => {
    expect(() => loadProfile("laptop", { cluster: { wrokers: 2 } })).toThrow(
      /cluster\.wrokers: got 2; unknown key; allowed keys here: name, controlPlanes, workers/,
    );
  });

  test("a wrong type names the path, the value and the expected type", () => {
    expect(() => loadProfile("laptop", { queue: { nominalQuota: { gpu: "one" } } })).toThrow(
      /queue\.nominalQuota\.gpu: got "one"; expected number/,
    );
  });

  test("an invalid enum value lists the allowed values", () => {
    expect(() => loadProfile("laptop", { components: { kueue: { lifecycle: "on" } } })).toThrow(
      /components\.kueue\.lifecycle: got "on"; expected one of "managed", "external", "disabled"/,
    );
  });

  test("a malformed quantity says what a quantity looks like", () => {
    expect(() => loadProfile("laptop", { queue: { nominalQuota: { memory: "8 GB" } } })).toThrow(
      /queue\.nominalQuota\.memory: got "8 GB"; expected a Kubernetes quantity such as 500m, 2, 512Mi or 8Gi/,
    );
  });

  test("GPU sharing on a profile without GPU nodes is an error", () => {
    expect(() => loadProfile("laptop", { gpu: { sharing: { mode: "time-slicing", replicas: 4 } } })).toThrow(
      /gpu\.sharing\.mode: got "time-slicing"; GPU sharing needs GPU nodes/,
    );
  });

  test("a GPU quota larger than the GPUs the workers have is an error", () => {
    expect(() => loadProfile("laptop-gpu", { queue: { nominalQuota: { gpu: 3 } } })).toThrow(
      /queue\.nominalQuota\.gpu: got 3; at most 1 \(1 GPU\(s\) × 1 per GPU/,
    );
  });

  test("time-slicing multiplies the GPU capacity by its replicas", () => {
    const profile = loadProfile("laptop-gpu", {
      gpu: { sharing: { mode: "time-slicing", replicas: 4 } },
      queue: { nominalQuota: { gpu: 4 } },
    });
    expect(profile.queue.nominalQuota.gpu).toBe(4);
  });

  test("an external postgresql without its connection details is an error", () => {
    expect(() => loadProfile("laptop", { components: { postgresql: { lifecycle: "external" } } })).toThrow(
      /external\.postgresql: got nothing; components\.postgresql is external: give host, port, database and credentialsSecret/,
    );
  });

  test("the same host GPU given to two workers is an error", () => {
    expect(() =>
      loadProfile("laptop-gpu", {
        cluster: {
          workers: [
            { gpus: [0], labels: {} },
            { gpus: [0], labels: {} },
          ],
        },
      }),
    ).toThrow(/cluster\.workers\.1\.gpus: got \[0\]; host GPU 0 is already given to another worker/);
  });

  test("every problem is reported together in one error", () => {
    expect(
      problemsOf(() =>
        loadProfile("laptop", {
          cluster: { nodes: 3 },
          vectorDatabase: { engine: "pinecone" },
          components: { mlflow: { lifecycle: "yes" } },
        }),
      ),
    ).toEqual(["cluster.nodes", "vectorDatabase.engine", "components.mlflow.lifecycle"]);
  });

  test("cross-field problems found together are reported together", () => {
    expect(
      problemsOf(() =>
        loadProfile("laptop", {
          gpu: { sharing: { mode: "mps" } },
          components: { "gpu-operator": { lifecycle: "managed" } },
          buckets: { models: "mlflow-artifacts" },
        }),
      ),
    ).toEqual(["gpu.sharing.mode", "gpu.sharing.replicas", "components.gpu-operator.lifecycle", "buckets.models"]);
  });
});

describe("override files", () => {
  const dir = mkdtempSync(join(tmpdir(), "cnai-overrides-"));

  test("a YAML override merges deeply: maps merge, lists replace", () => {
    const file = join(dir, "fork.yaml");
    writeFileSync(
      file,
      "queue:\n  nominalQuota:\n    cpu: '8'\ncluster:\n  workers:\n    - gpus: []\n      labels: { pool: cpu }\n    - gpus: []\n      labels: {}\n",
    );
    const profile = loadProfile("laptop", readOverridesFile(file));
    expect(profile.queue.nominalQuota).toEqual({ cpu: "8", memory: "8Gi", gpu: 0 });
    expect(profile.cluster.workers).toEqual([
      { gpus: [], labels: { pool: "cpu" } },
      { gpus: [], labels: {} },
    ]);
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
