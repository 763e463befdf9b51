/**
 * A throwaway Helm chart repository for tests that run the real helm (the one `npm run tools`
 * builds): tiny generated charts, packaged with `helm package`, indexed with `helm repo index` and
 * served over HTTP on 127.0.0.1 by this process. No upstream chart content is involved.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { homedir } from "node:os";
import { join, normalize } from "node:path";

export const ROOT = join(__dirname, "../..");
export const TSX = join(ROOT, "node_modules/tsx/dist/cli.mjs");

/** The helm that `npm run tools` builds. */
export function toolsHelm(): string {
  const helm = join(process.env.CNAI_TOOLS_DIR ?? join(homedir(), ".cache/cnai-tools"), "bin/helm");
  if (!existsSync(helm)) throw new Error(`${helm} does not exist: run 'npm run tools' (it builds helm there)`);
  return helm;
}

/** The environment for a helm run that keeps helm's cache, config and data inside `dir`. */
export function isolatedEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(dir, "helm/cache"),
    HELM_CONFIG_HOME: join(dir, "helm/config"),
    HELM_DATA_HOME: join(dir, "helm/data"),
    ...extra,
  };
  for (const name of ["CNAI_REFERENCE_DIR", "CNAI_CHART_REPOSITORY", "HELM"]) if (!(name in extra)) delete env[name];
  return env;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking this process (its HTTP server must keep answering meanwhile). */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function helm(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const result = await run(toolsHelm(), args, { env });
  if (result.status !== 0) throw new Error(`helm ${args.join(" ")} failed: ${result.stderr}`);
}

export interface TinyChart {
  readonly name: string;
  readonly version: string;
  /** values.yaml text; none when undefined. */
  readonly values?: string;
  /** Adds crds/widgets.example.com.yaml, a templated gadgets CRD and a ConfigMap. */
  readonly crds?: boolean;
  /** Adds a packaged subchart `sub` (values `sub: true`) under charts/. */
  readonly subchart?: boolean;
}

function crd(plural: string, kind: string, labels = ""): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.example.com${labels}
spec:
  group: example.com
  names: { kind: ${kind}, plural: ${plural}, singular: ${kind.toLowerCase()}, listKind: ${kind}List }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
`;
}

/** Writes a tiny chart under `work` and packages it into `repo`. */
export async function packageChart(work: string, repo: string, chart: TinyChart, env: NodeJS.ProcessEnv) {
  const dir = join(work, `${chart.name}-${chart.version}`, chart.name);
  mkdirSync(join(dir, "templates"), { recursive: true });
  writeFileSync(join(dir, "Chart.yaml"), `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\n`);
  if (chart.values !== undefined) writeFileSync(join(dir, "values.yaml"), chart.values);
  if (chart.crds) {
    mkdirSync(join(dir, "crds"));
    writeFileSync(join(dir, "crds/widgets.yaml"), crd("widgets", "Widget"));
    writeFileSync(
      join(dir, "templates/gadgets.yaml"),
      crd("gadgets", "Gadget", "\n  labels: { release: {{ .Release.Name | quote }} }"),
    );
    writeFileSync(
      join(dir, "templates/configmap.yaml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  replicas: {{ .Values.replicas | quote }}\n",
    );
  }
  if (chart.subchart) {
    const sub = join(work, `${chart.name}-${chart.version}`, "sub");
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, "Chart.yaml"), "apiVersion: v2\nname: sub\nversion: 0.1.0\n");
    writeFileSync(join(sub, "values.yaml"), "sub: true\n");
    mkdirSync(join(dir, "charts"));
    await helm(["package", sub, "--destination", join(dir, "charts")], env);
  }
  mkdirSync(repo, { recursive: true });
  await helm(["package", dir, "--destination", repo], env);
}

/** `helm repo index` over the packaged charts (relative URLs, as a mirror folder has them). */
export async function indexRepository(repo: string, env: NodeJS.ProcessEnv): Promise<void> {
  await helm(["repo", "index", repo], env);
}

export interface StaticServer {
  readonly url: string;
  /** The paths requested so far, e.g. "/index.yaml". */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Serves the files of `dir` on 127.0.0.1 (a free port); only GET of files directly in it. */
export function serve(dir: string): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    requests.push(path);
    const file = join(dir, normalize(path).replace(/^(\.\.[/\\])+/, ""));
    if (request.method !== "GET" || !file.startsWith(dir) || !existsSync(file) || path.endsWith("/")) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A loopback port nothing listens on (one that was just free and is closed again). */
export async function closedPort(): Promise<number> {
  const server = await serve(ROOT);
  const port = Number(new URL(server.url).port);
  await server.close();
  return port;
}
