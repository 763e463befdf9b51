import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProfile, readOverridesFile, selectProfiles, withMigrations } from "../../profiles/load";
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
      "cluster-gpu-dra",
      "eks-gpu",
      "gke-gpu",
      "aks-gpu",
      "multicloud-gpu",
    ]);
  });

  test("an unknown name fails with the list of known profiles", () => {
    expect(() => selectProfiles("laptpo")).toThrow(
      /Unknown profile "laptpo" \(CNAI_PROFILE\). Known profiles: laptop, laptop-gpu, workstation-gpu, cluster-gpu, cluster-gpu-dra, eks-gpu, gke-gpu, aks-gpu, multicloud-gpu, or "all"/,
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
        exposedServices: { loadBalancers: 0, nodePorts: 0 },
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

describe("override files that are odd or hostile", () => {
  const dir = mkdtempSync(join(tmpdir(), "cnai-odd-overrides-"));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  test("an empty file or a top-level list says what it found", () => {
    expect(() => readOverridesFile(write("empty.yaml", ""))).toThrow(
      /empty\.yaml": expected a mapping of profile keys at the top level, got an empty document\./,
    );
    expect(() => readOverridesFile(write("list.yaml", "- teams\n"))).toThrow(
      /list\.yaml": expected a mapping of profile keys at the top level, got a list\./,
    );
  });

  test("a JSON file with a byte-order mark is read like the same YAML file", () => {
    expect(readOverridesFile(write("bom.json", '\uFEFF{"teams": {}}'))).toEqual({ teams: {} });
    expect(readOverridesFile(write("bom.yaml", "\uFEFFteams: {}\n"))).toEqual({ teams: {} });
  });

  test("a named pipe is refused at once instead of blocking", () => {
    const fifo = join(dir, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    expect(() => readOverridesFile(fifo)).toThrow(
      /pipe\.yaml": cannot read the file \(.*pipe\.yaml is not a regular file\)/,
    );
  });

  test("a relative path resolves against the directory the command was started from", () => {
    write("relative.yaml", "teams: {}\n");
    expect(readOverridesFile("relative.yaml", dir)).toEqual({ teams: {} });
  });

  test("__proto__, constructor and prototype keys are refused with their paths", () => {
    const file = write(
      "proto.json",
      '{"teams": {"default": {"__proto__": {"groups": ["system:masters"]}}}, "components": {"mlflow": {"values": {"constructor": 1}}}}',
    );
    expect(() => readOverridesFile(file)).toThrow(
      /2 problems in .*proto\.json:\n {2}- components\.mlflow\.values\.constructor: got "constructor"; "constructor" is never a profile or Helm values key[^\n]*\n {2}- teams\.default\.__proto__: got "__proto__"/,
    );
    expect(() => loadProfile("laptop", JSON.parse('{"teams": {"default": {"__proto__": {"groups": ["x"]}}}}'))).toThrow(
      /teams\.default\.__proto__: got "__proto__"; "__proto__" is never a profile or Helm values key/,
    );
  });

  test("nesting deeper than the limit names the file, the path and the depth", () => {
    const deep = `{"components": {"mlflow": {"values": ${'{"a": '.repeat(80)}1${"}".repeat(80)}}}}`;
    expect(() => readOverridesFile(write("deep.json", deep))).toThrow(
      /deep\.json:\n {2}- components\.mlflow\.values(\.a){61}: got "a mapping at depth 64"; input may nest at most 64 levels deep; flatten it/,
    );
  });

  test("a file larger than the limit is refused without parsing it", () => {
    expect(() => readOverridesFile(write("big.yaml", `# ${"x".repeat(1024 * 1024)}\n`))).toThrow(
      /big\.yaml": cannot read the file \(.*has 1048579 bytes; an override file may have at most 1048576\)/,
    );
  });
});

describe("bounded input", () => {
  test("a quantity with hundreds of digits is an error showing the value as given, not Infinity", () => {
    expect(
      problemsOf(() => loadProfile("laptop", { teams: { default: { quota: { workers: { cpu: "9".repeat(400) } } } } })),
    ).toEqual(["teams.default.quota.workers.cpu"]);
    expect(() =>
      loadProfile("laptop", { teams: { default: { quota: { workers: { cpu: "9".repeat(400) } } } } }),
    ).toThrow(
      /got "9999[0-9]*\.\.\.; expected a Kubernetes quantity such as 500m, 2, 512Mi or 8Gi, with at most 12 digits before the point and 6 after/,
    );
  });

  test("NaN and Infinity are shown as such", () => {
    expect(() => loadProfile("laptop", { teams: { default: { weight: Number.NaN } } })).toThrow(
      /teams\.default\.weight: got NaN; expected number/,
    );
    expect(() =>
      loadProfile("laptop", {
        samples: { x: { kind: "training-job", team: "default", pool: "workers", gpus: Infinity } },
      }),
    ).toThrow(/samples\.x\.gpus: got Infinity; expected number/);
  });

  test("GPU slots are bounded", () => {
    expect(() => loadProfile("laptop", { teams: { default: { quota: { workers: { gpu: 100001 } } } } })).toThrow(
      /teams\.default\.quota\.workers\.gpu: got 100001; Too big: expected number to be <=100000/,
    );
  });

  test("node label and taint keys and values follow Kubernetes' rules", () => {
    expect(() =>
      loadProfile("laptop", {
        pools: {
          workers: {
            labels: { "bad key!": "v", "cnai.io/ok": "not ok!" },
            taints: [{ key: "a/b/c", effect: "NoSchedule" }],
          },
        },
      }),
    ).toThrow(
      /pools\.workers\.labels\.bad key!: got "bad key!"; a label key[^\n]*\n {2}- pools\.workers\.labels\.cnai\.io\/ok: got "not ok!"; expected a label value[^\n]*\n {2}- pools\.workers\.taints\.0\.key: got "a\/b\/c"; expected a label key/,
    );
  });

  test("service URLs must be http or https, hosts must be host names, buckets must be bucket names", () => {
    expect(
      problemsOf(() =>
        loadProfile("laptop", {
          sharedServices: { mlflowUrl: "javascript:alert(1)" },
          external: {
            objectStore: { endpoint: "file:///etc/passwd", region: "r", credentialsSecret: "s" },
            postgresql: { host: "db;drop", port: 5432, database: "d", credentialsSecret: "s" },
          },
          buckets: { models: "ab" },
        }),
      ),
    ).toEqual([
      "sharedServices.mlflowUrl",
      "buckets.models",
      "external.postgresql.host",
      "external.objectStore.endpoint",
    ]);
  });

  test("an allowed registry is a host and an optional port, never a URL or a path", () => {
    expect(() =>
      loadProfile("laptop", { security: { allowedRegistries: ["https://ghcr.io", "ghcr.io/org"] } }),
    ).toThrow(
      /security\.allowedRegistries\.0: got "https:\/\/ghcr\.io"; a registry host: give a host \(and port\) only, e\.g\. ghcr\.io or registry\.example\.com:5000\n {2}- security\.allowedRegistries\.1: got "ghcr\.io\/org"; a registry host/,
    );
    expect(loadProfile("laptop", { security: { allowedRegistries: ["registry.example.com:5000"] } }).security).toEqual({
      allowedRegistries: ["registry.example.com:5000"],
    });
  });

  test("a profile with more teams than the documented limit fails at once with the limit", () => {
    const teams = Object.fromEntries(
      Array.from({ length: 10000 }, (_, i) => [`t${i}`, { quota: { workers: { cpu: "1", memory: "1Gi" } } }]),
    );
    expect(() => loadProfile("laptop", { teams })).toThrow(
      /teams: got \{.*; at most 200 teams \(the documented limit; split the platform or raise PROFILE_LIMITS in a fork\)/,
    );
  });
});

describe("energy settings", () => {
  const intensity = (fields: Record<string, unknown>) => ({
    energy: {
      carbonIntensity: {
        gramsPerKWh: 250,
        source: "grid operator, https://example.org",
        date: "2025-01-01",
        ...fields,
      },
    },
  });

  test("no carbon intensity by default: it needs a sourced, dated figure", () => {
    expect(loadProfile("laptop").energy).toEqual({});
  });

  test("a carbon intensity is kept as given", () => {
    expect(loadProfile("laptop-gpu", intensity({})).energy).toEqual({
      carbonIntensity: { gramsPerKWh: 250, source: "grid operator, https://example.org", date: "2025-01-01" },
    });
  });

  test("each bad field is named with its value and the fix", () => {
    expect(() => loadProfile("laptop-gpu", intensity({ gramsPerKWh: 0 }))).toThrow(
      /energy\.carbonIntensity\.gramsPerKWh: got 0; grams of CO2e per kWh, above 0/,
    );
    expect(() => loadProfile("laptop-gpu", intensity({ gramsPerKWh: 250000 }))).toThrow(
      /energy\.carbonIntensity\.gramsPerKWh: got 250000; grams of CO2e per kWh, at most 2000 \(coal alone emits about 1,000\): give grams per kWh/,
    );
    expect(() => loadProfile("laptop-gpu", intensity({ source: " " }))).toThrow(
      /energy\.carbonIntensity\.source: got " "; the publisher of the figure, e\.g\. a national dataset or the grid operator, with its URL/,
    );
    expect(() => loadProfile("laptop-gpu", intensity({ date: "2025" }))).toThrow(
      /energy\.carbonIntensity\.date: got "2025"; expected the date the source states, as YYYY-MM-DD/,
    );
    expect(() => loadProfile("laptop-gpu", { energy: { carbonIntensity: { gramsPerKWh: 250 } } })).toThrow(
      /energy\.carbonIntensity\.source: got nothing; expected string\n {2}- energy\.carbonIntensity\.date: got nothing; expected string/,
    );
  });
});

describe("problems with a migration a release recorded", () => {
  const migration = {
    release: "0.3.0",
    path: "teams.*.quotaa",
    change: "renamed" as const,
    migration: "write the team's quota under teams.<team>.quota",
  };

  test("a fork's key that a release renamed fails with the migration beside it", () => {
    let problems: ProfileError["problems"] = [];
    try {
      loadProfile("laptop", { teams: { vision: { quotaa: { workers: { cpu: "1" } } } } });
    } catch (error) {
      problems = (error as ProfileError).problems;
    }
    const explained = withMigrations(problems, [migration]).find((p) => p.path === "teams.vision.quotaa");
    expect(explained?.allowed).toBe(
      "unknown key; allowed keys here: namespace, groups, users, weight, defaultPriority, quota, exposedServices " +
        "(teams.*.quotaa renamed in release 0.3.0: write the team's quota under teams.<team>.quota)",
    );
  });

  test("problems no migration concerns are left as they are", () => {
    const problem = { path: "pools.workers.nodes", value: -1, allowed: "expected a number ≥ 0" };
    expect(withMigrations([problem], [migration])).toEqual([problem]);
  });
});
