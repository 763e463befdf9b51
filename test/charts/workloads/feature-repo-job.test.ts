import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Chart, Testing } from "cdk8s";
import type { FeatureRepoJobProps } from "../../../charts/workloads/feature-repo-job";
import { FEATURE_REPO_SCRIPT, FeatureRepoJob } from "../../../charts/workloads/feature-repo-job";

const PROPS: FeatureRepoJobProps = {
  name: "features",
  placement: { namespace: "team-a", localQueue: "team-queue", nodeSelector: {}, tolerations: [] },
  image: "quay.io/feastdev/feature-server:0.66.0",
  config: { secretName: "feast-store", key: "feature_store.yaml" },
};

function render(props: FeatureRepoJobProps = PROPS) {
  const chart = new Chart(Testing.app(), "samples");
  const workload = new FeatureRepoJob(chart, "features", props);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const [object]: any[] = Testing.synth(chart);
  return { workload, object };
}

/**
 * Stand-ins for Feast, pandas and psycopg that record what the script does with them; the script runs as the Job runs
 * it (`python3 -B -c SCRIPT <command>`), with the team's YAML in FEAST_FEATURE_STORE_YAML.
 */
const HARNESS = String.raw`
import json, os, sys, types
calls = []
def module(name, **attrs):
    m = types.ModuleType(name); m.__dict__.update(attrs); sys.modules[name] = m; return m
class Obj:
    def __init__(self, *args, **kw): self.kw = kw; self.name = kw.get("name")
class Frame:
    def __init__(self, data): self.data = data
    def to_string(self): return "frame " + json.dumps(sorted(self.data))
class Job:
    def to_df(self): return Frame({"driver_id": [], "conv_rate": []})
class Response:
    def __init__(self, rows): self.rows = rows
    def to_dict(self): return {"driver_id": [r["driver_id"] for r in self.rows]}
class Offline:
    host, port, database, user, password, sslmode = "db", 5432, "feast", "feast", "pw", "require"
class Store:
    def __init__(self, repo_path=None, fs_yaml_file=None):
        calls.append(["store", repo_path, str(fs_yaml_file), open(fs_yaml_file).read()])
        self.project = "team_a"
        self.config = types.SimpleNamespace(offline_store=Offline())
    def apply(self, objects): calls.append(["apply", [type(o).__name__ + ":" + str(o.name) for o in objects]])
    def materialize(self, start_date, end_date): calls.append(["materialize", (end_date - start_date).total_seconds()])
    def get_historical_features(self, entity_df, features):
        calls.append(["historical", features, sorted(entity_df.data)]); return Job()
    def get_online_features(self, features, entity_rows):
        calls.append(["online", features, entity_rows]); return Response(entity_rows)
class Project(Obj): pass
class Entity(Obj): pass
class FeatureView(Obj): pass
class Field(Obj): pass
class PostgreSQLSource(Obj): pass
module("pandas", DataFrame=Frame)
module("feast", Entity=Entity, FeatureStore=Store, FeatureView=FeatureView, Field=Field, Project=Project,
       ValueType=types.SimpleNamespace(INT64="INT64"))
module("feast.infra.offline_stores.contrib.postgres_offline_store.postgres_source", PostgreSQLSource=PostgreSQLSource)
module("feast.types", Float32="Float32", Int64="Int64")
class Cursor:
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def executemany(self, sql, rows): calls.append(["insert", sql, len(rows), rows[0][0], rows[-1][0]])
class Conn:
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def execute(self, sql): calls.append(["sql", sql.split(" (")[0]])
    def cursor(self): return Cursor()
def connect(**kw): calls.append(["connect", kw]); return Conn()
module("psycopg", connect=connect)
sys.argv = ["-c"] + sys.argv[2:]
try:
    exec(compile(open(0).read(), "<feature-repo>", "exec"), {"__name__": "__main__"})
except SystemExit as e:
    calls.append(["exit", str(e.code)])
print("CALLS " + json.dumps(calls))
`;

function runScript(command: string[], env: Record<string, string>) {
  const result = spawnSync("python3", ["-B", "-c", HARNESS, "harness", ...command], {
    input: FEATURE_REPO_SCRIPT,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  const line = result.stdout.split("\n").find((l) => l.startsWith("CALLS "));
  if (!line) throw new Error(`the script printed no calls: ${result.stderr}`);
  return { calls: JSON.parse(line.slice("CALLS ".length)) as unknown[][], stdout: result.stdout };
}

describe("FeatureRepoJob", () => {
  test("renders a queued Job that runs the sample repository with the team's feature_store.yaml from its Secret", () => {
    const { object, workload } = render();
    expect(object.metadata).toEqual({
      name: "features",
      namespace: "team-a",
      labels: { "app.kubernetes.io/name": "features", "kueue.x-k8s.io/queue-name": "team-queue" },
    });
    expect(object.spec.backoffLimit).toBe(6);
    const container = object.spec.template.spec.containers[0];
    expect(container.name).toBe("feature-repo");
    expect(container.image).toBe("quay.io/feastdev/feature-server:0.66.0");
    expect(container.command).toEqual(["python3", "-B", "-c", FEATURE_REPO_SCRIPT, "apply"]);
    expect(container.env).toEqual([
      {
        name: "FEAST_FEATURE_STORE_YAML",
        valueFrom: { secretKeyRef: { name: "feast-store", key: "feature_store.yaml" } },
      },
      { name: "HOME", value: "/tmp" },
    ]);
    expect(container.resources).toEqual({
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { cpu: "500m", memory: "1Gi" },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    });
    expect(object.spec.template.spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(workload.demand).toEqual({ pods: 1, cpu: 0.5, memoryBytes: 1024 ** 3, extended: {} });
  });

  test("runs train or serve instead of apply when asked", () => {
    expect(render({ ...PROPS, command: "serve" }).object.spec.template.spec.containers[0].command[4]).toBe("serve");
  });

  test("rejects an unknown command, an empty Secret key and an empty image, naming the fix", () => {
    expect(() => render({ ...PROPS, command: "push" as "apply" })).toThrow(
      /FeatureRepoJob "features": command .*"push".*use one of apply, train, serve/,
    );
    expect(() => render({ ...PROPS, config: { secretName: "feast-store", key: " " } })).toThrow(
      /FeatureRepoJob "features": config\.key .*name the Secret key that holds feature_store\.yaml/,
    );
    expect(() => render({ ...PROPS, image: "" })).toThrow(
      /FeatureRepoJob "features": image .*pass a pinned Feast image/,
    );
  });
});

describe("the sample feature repository (feature-repo.py)", () => {
  const YAML = "project: team_a\n";
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "cnai-feature-repo-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  test("apply writes the team's YAML, fills the table, registers the definitions and materializes two days", () => {
    const { calls } = runScript(["apply"], { FEAST_FEATURE_STORE_YAML: YAML, HOME: home });
    expect(calls[0]).toEqual(["store", home, join(home, "feature_store.yaml"), YAML]);
    expect(calls.slice(1, 4)).toEqual([
      ["connect", { host: "db", port: 5432, dbname: "feast", user: "feast", password: "pw", sslmode: "require" }],
      ["sql", "CREATE TABLE IF NOT EXISTS driver_stats"],
      ["sql", "TRUNCATE driver_stats"],
    ]);
    // Five drivers, 48 hourly rows each.
    expect(calls[4]).toEqual(["insert", "INSERT INTO driver_stats VALUES (%s, %s, %s, %s, %s, %s)", 240, 1001, 1005]);
    expect(calls[5]).toEqual([
      "apply",
      ["Project:team_a", "Entity:driver", "PostgreSQLSource:driver_stats_source", "FeatureView:driver_stats"],
    ]);
    expect(calls[6]).toEqual(["materialize", 48 * 3600 + 60]);
    const features = ["driver_stats:conv_rate", "driver_stats:acc_rate", "driver_stats:avg_daily_trips"];
    expect(calls[7]).toEqual(["online", features, [1001, 1002, 1003, 1004, 1005].map((id) => ({ driver_id: id }))]);
  });

  test("train asks for the historical features of each driver an hour ago; serve for the online ones", () => {
    const train = runScript(["train"], { FEAST_FEATURE_STORE_YAML: YAML, HOME: home });
    expect(train.calls[1]).toEqual([
      "historical",
      ["driver_stats:conv_rate", "driver_stats:acc_rate", "driver_stats:avg_daily_trips"],
      ["driver_id", "event_timestamp"],
    ]);
    expect(train.stdout).toContain('frame ["conv_rate", "driver_id"]');
    const serve = runScript(["serve"], { FEAST_FEATURE_STORE_YAML: YAML, HOME: home });
    expect(serve.calls.map((c) => c[0])).toEqual(["store", "online"]);
  });

  test("reads a feature_store.yaml file when FEAST_FS_YAML_FILE names one", () => {
    const { calls } = runScript(["serve"], { FEAST_FS_YAML_FILE: "/dev/null" });
    expect(calls[0]).toEqual(["store", "/dev", "/dev/null", ""]);
  });

  test("stops with a message naming the Secret when no configuration is given, and on an unknown command", () => {
    expect(runScript(["apply"], {}).calls).toEqual([
      ["exit", "feature-repo: set FEAST_FEATURE_STORE_YAML (Secret feast-store, key feature_store.yaml)"],
    ]);
    expect(runScript(["push"], { FEAST_FEATURE_STORE_YAML: YAML, HOME: home }).calls.at(-1)).toEqual([
      "exit",
      'feature-repo: unknown command "push": use apply, train or serve',
    ]);
  });
});
