import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Testing } from "cdk8s";
import type { QdrantTeamKeysProps } from "../../charts/qdrant-team-keys";
import { QdrantTeamKeys, TEAM_VECTOR_SECRET } from "../../charts/qdrant-team-keys";
import { findKubernetesValidate, validateCoreObjects } from "../../verify/upstream";
import type { Manifest } from "../support/render";

const SCRIPT = resolve(__dirname, "../../charts/qdrant-team-keys.py");
const PROPS: QdrantTeamKeysProps = {
  namespace: "vector-db",
  apiKeySecret: { name: "qdrant-api-key", key: "api-key" },
  teams: [
    { namespace: "team-a", collection: "team-a" },
    { namespace: "team-b", collection: "team-b" },
  ],
  endpoint: "http://qdrant.vector-db.svc.cluster.local:6333",
  vectors: { size: 384, distance: "Cosine" },
  image: "ghcr.io/mlflow/mlflow:v3.17.0-full",
};

function render(props: QdrantTeamKeysProps = PROPS): Manifest[] {
  return Testing.synth(new QdrantTeamKeys(Testing.app(), "keys", props));
}

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly authorization: string;
  /** The `api-key` header (Qdrant's admin key). */
  readonly apiKey: string;
  readonly body: Manifest;
}

/**
 * A stand-in for the Kubernetes API or Qdrant on loopback: records requests, answers with the given status
 * (and JSON body, `{}` unless given) per request.
 */
async function fakeApi(
  statusFor: (method: string, url: string) => number | [number, unknown],
): Promise<{ server: Server; url: string; seen: Recorded[] }> {
  const seen: Recorded[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      seen.push({
        method: request.method ?? "",
        url: request.url ?? "",
        authorization: request.headers.authorization ?? "",
        apiKey: `${request.headers["api-key"] ?? ""}`,
        body: text ? JSON.parse(text) : undefined,
      });
      const answer = statusFor(request.method ?? "", request.url ?? "");
      const [status, body] = typeof answer === "number" ? [answer, {}] : answer;
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Runs the minting script as the Job does, against a fake API, a fake Qdrant and a fake ServiceAccount mount. */
function mint(api: string, qdrant: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const saDir = mkdtempSync(join(tmpdir(), "cnai-sa-"));
  writeFileSync(join(saDir, "token"), "sa-token\n");
  writeFileSync(join(saDir, "api-key"), "admin-signing-key\n");
  const child = spawn("python3", ["-B", SCRIPT], {
    env: {
      PATH: process.env.PATH ?? "",
      QDRANT_API_KEY_FILE: join(saDir, "api-key"),
      TEAMS: JSON.stringify(PROPS.teams),
      SECRET_NAME: TEAM_VECTOR_SECRET,
      ENDPOINT: PROPS.endpoint,
      COLLECTION_VECTORS: '{"size":384,"distance":"Cosine"}',
      QDRANT_URL: qdrant,
      KUBERNETES_API: api,
      SA_DIR: saDir,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on("close", (code) => done({ code: code ?? -1, stdout, stderr })));
}

const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

describe("QdrantTeamKeys chart", () => {
  test("renders the minting Job as a post-install and post-upgrade hook, with the API key mounted as a file from Qdrant's Secret", () => {
    const job = render().find((m) => m.kind === "Job");
    expect(job.metadata.annotations).toEqual({
      "helm.sh/hook": "post-install,post-upgrade",
      "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    });
    expect(job.spec.template.spec.containers[0].command).toEqual(["python3", "-B", "/script/mint.py"]);
    expect(job.spec.template.spec.containers[0].env[0]).toEqual({
      name: "QDRANT_API_KEY_FILE",
      value: "/api-key/api-key",
    });
    expect(job.spec.template.spec.volumes[1]).toEqual({
      name: "api-key",
      secret: { secretName: "qdrant-api-key", items: [{ key: "api-key", path: "api-key" }] },
    });
  });

  test("passes the teams, the endpoint and the vector parameters of new collections to the Job", () => {
    const job = render().find((m) => m.kind === "Job");
    expect(job.spec.template.spec.containers[0].env).toEqual([
      { name: "QDRANT_API_KEY_FILE", value: "/api-key/api-key" },
      {
        name: "TEAMS",
        value: '[{"namespace":"team-a","collection":"team-a"},{"namespace":"team-b","collection":"team-b"}]',
      },
      { name: "SECRET_NAME", value: "vector-db-credentials" },
      { name: "ENDPOINT", value: "http://qdrant.vector-db.svc.cluster.local:6333" },
      { name: "COLLECTION_VECTORS", value: '{"size":384,"distance":"Cosine"}' },
    ]);
  });

  test("a vector size Qdrant does not take is refused with the range", () => {
    expect(() => render({ ...PROPS, vectors: { size: 65537, distance: "Cosine" } })).toThrow(
      "QdrantTeamKeys: vector size 65537 must be an integer from 1 to 65536.",
    );
  });

  test("may create Secrets in each team namespace but read or replace only the team's one Secret", () => {
    const roles = render().filter((m) => m.kind === "Role");
    expect(roles.map((r) => r.metadata.namespace)).toEqual(["team-a", "team-b"]);
    expect(roles[0].rules).toEqual([
      { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["vector-db-credentials"], verbs: ["get", "update"] },
    ]);
    const bindings = render().filter((m) => m.kind === "RoleBinding");
    expect(bindings.map((b) => b.subjects)).toEqual([
      [{ kind: "ServiceAccount", name: "qdrant-team-keys", namespace: "vector-db" }],
      [{ kind: "ServiceAccount", name: "qdrant-team-keys", namespace: "vector-db" }],
    ]);
  });

  test("every rendered object validates strictly against the Kubernetes schema", () => {
    const tool = findKubernetesValidate();
    expect(tool).toMatch(/kubernetes-validate$/);
    expect(
      validateCoreObjects(
        render().map((object) => ({ source: "qdrant-team-keys", object })),
        tool as string,
      ),
    ).toEqual([]);
  });

  test("a collection name with a path separator is refused with the rule", () => {
    expect(() => render({ ...PROPS, teams: [{ namespace: "team-a", collection: "../admin" }] })).toThrow(
      /collection "\.\.\/admin" of team-a must be 1 to 63 lowercase letters, digits, '-' or '_'/,
    );
  });
});

describe("the minting script", () => {
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((server) => new Promise((closed) => server.close(closed))));
    servers = [];
  });

  /** A fake Qdrant with these collections (name → vector size); a PUT creates one. */
  async function fakeQdrant(existing: Record<string, number>) {
    const qdrant = await fakeApi((method, url) => {
      const name = url.replace(/^\/collections\//, "");
      if (method !== "GET") return [200, { result: true, status: "ok" }];
      if (!(name in existing)) return [404, { status: { error: `Not found: Collection \`${name}\` doesn't exist!` } }];
      return [200, { result: { config: { params: { vectors: { size: existing[name], distance: "Cosine" } } } } }];
    });
    servers.push(qdrant.server);
    return qdrant;
  }

  /** Runs the script against a fake API answering `statusFor` and a fake Qdrant with these collections. */
  async function mintWith(
    statusFor: Parameters<typeof fakeApi>[0],
    collections: Record<string, number> = { "team-a": 384, "team-b": 384 },
  ) {
    const api = await fakeApi(statusFor);
    servers.push(api.server);
    const qdrant = await fakeQdrant(collections);
    return { api, qdrant, result: await mint(api.url, qdrant.url) };
  }

  test("writes each team a token signed with the API key that opens only its own collection", async () => {
    const { api, result } = await mintWith(() => 201);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(api.seen.map((r) => `${r.method} ${r.url} ${r.authorization}`)).toEqual([
      "POST /api/v1/namespaces/team-a/secrets Bearer sa-token",
      "POST /api/v1/namespaces/team-b/secrets Bearer sa-token",
    ]);
    for (const [index, team] of ["team-a", "team-b"].entries()) {
      const secret = api.seen[index].body;
      expect(secret.metadata).toMatchObject({ name: "vector-db-credentials", namespace: team });
      expect(secret.stringData.collection).toBe(team);
      expect(secret.stringData.endpoint).toBe(PROPS.endpoint);
      const [header, claims, signature] = (secret.stringData["api-key"] as string).split(".");
      expect(decode(header)).toEqual({ alg: "HS256", typ: "JWT" });
      expect(decode(claims)).toEqual({ access: [{ access: "rw", collection: team }] });
      const expected = createHmac("sha256", "admin-signing-key").update(`${header}.${claims}`).digest("base64url");
      expect(signature).toBe(expected);
    }
  });

  test("replaces a Secret that already exists, so a rotated key reaches every team", async () => {
    const { api, result } = await mintWith((method) => (method === "POST" ? 409 : 200));
    expect(result.code).toBe(0);
    expect(api.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /api/v1/namespaces/team-a/secrets",
      "PUT /api/v1/namespaces/team-a/secrets/vector-db-credentials",
      "POST /api/v1/namespaces/team-b/secrets",
      "PUT /api/v1/namespaces/team-b/secrets/vector-db-credentials",
    ]);
  });

  test("fails the Job with the namespace and the status when the API refuses", async () => {
    const { result } = await mintWith(() => 403);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("writing Secret team-a/vector-db-credentials failed with HTTP 403\n");
  });

  test("creates a team's missing collection with the admin key and leaves an existing one, even of another size", async () => {
    const { qdrant, result } = await mintWith(() => 201, { "team-b": 768 });
    expect(result).toEqual({
      code: 0,
      stdout:
        'collection team-a: created with vectors {"size": 384, "distance": "Cosine"}\n' +
        "team-a/vector-db-credentials: key for collection team-a\n" +
        'collection team-b: exists with vectors {"size": 768, "distance": "Cosine"}, not {"size": 384, "distance": "Cosine"}; left as it is\n' +
        "team-b/vector-db-credentials: key for collection team-b\n",
      stderr: "",
    });
    expect(qdrant.seen.map((r) => `${r.method} ${r.url} ${r.apiKey} ${JSON.stringify(r.body)}`)).toEqual([
      "GET /collections/team-a admin-signing-key undefined",
      'PUT /collections/team-a admin-signing-key {"vectors":{"size":384,"distance":"Cosine"}}',
      "GET /collections/team-b admin-signing-key undefined",
    ]);
  });

  test("a second run creates nothing: every collection exists", async () => {
    const { qdrant, result } = await mintWith(() => 201);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("collection team-a: exists\n");
    expect(qdrant.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /collections/team-a",
      "GET /collections/team-b",
    ]);
  });

  test("fails the Job with the collection and the status when Qdrant refuses", async () => {
    const api = await fakeApi(() => 201);
    servers.push(api.server);
    const qdrant = await fakeApi(() => 401);
    servers.push(qdrant.server);
    const result = await mint(api.url, qdrant.url);
    expect(result).toMatchObject({ code: 1, stderr: "reading collection team-a failed with HTTP 401\n" });
    expect(api.seen).toEqual([]);
  });
});
