/**
 * The local tier's one place for admission and conversion webhooks (README, "Local control plane"). No
 * container runs here, so a webhook Service has no pod behind it and, with `failurePolicy: Fail`, refuses
 * every object it matches. A user's deploy installs the webhooks unchanged; this process, running beside
 * the cluster, changes them in the cluster only:
 *   - a webhook served by a local process (Kueue: `LOCAL_SERVERS`) is pointed at it by URL, with its CA;
 *     a path that process does not serve (an integration not enabled) is set to `failurePolicy: Ignore`;
 *   - every other webhook of an operator that does not run here is set to `failurePolicy: Ignore`, and a CRD
 *     conversion webhook of one to `strategy: None`: their objects are admitted unchecked, which this tier
 *     says it cannot check.
 * The helm provider compares release metadata, not live objects, so these changes show no drift on re-plan.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";

/** A webhook Service, `<namespace>/<name>`. */
export type ServiceKey = string;

export interface LocalServer {
  /** Announced but not answering yet: its webhooks are left as they are until it does. */
  readonly pending?: boolean;
  /** `https://127.0.0.1:<port>` of the local process. */
  readonly base: string;
  /** PEM of the CA that signed its serving certificate. */
  readonly caPem: string;
  /** Which paths it serves (probed once per path). */
  readonly serves: (path: string) => Promise<boolean>;
}

interface ServiceRef {
  name: string;
  namespace: string;
  path?: string;
  port?: number;
}

interface Webhook {
  name: string;
  failurePolicy?: string;
  clientConfig: { service?: ServiceRef; url?: string; caBundle?: string };
}

interface WebhookConfiguration {
  kind: "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration";
  metadata: { name: string };
  webhooks?: Webhook[];
}

interface Crd {
  metadata: { name: string };
  spec: { conversion?: { strategy?: string; webhook?: { clientConfig?: { service?: ServiceRef } } } };
}

export interface Change {
  readonly resource: string;
  readonly name: string;
  /** A JSON patch. */
  readonly patch: ReadonlyArray<{ op: "replace" | "add" | "remove"; path: string; value?: unknown }>;
  readonly why: string;
}

const key = (s: ServiceRef): ServiceKey => `${s.namespace}/${s.name}`;

/** The changes one webhook configuration needs; none once applied (the loop is idempotent). */
export async function webhookChanges(
  config: WebhookConfiguration,
  servers: ReadonlyMap<ServiceKey, LocalServer>,
): Promise<Change[]> {
  const resource =
    config.kind === "ValidatingWebhookConfiguration"
      ? "validatingwebhookconfiguration"
      : "mutatingwebhookconfiguration";
  const patch: Array<Change["patch"][number]> = [];
  const reasons: string[] = [];
  for (const [index, webhook] of (config.webhooks ?? []).entries()) {
    const service = webhook.clientConfig.service;
    if (!service) continue;
    const server = servers.get(key(service));
    const path = service.path ?? "/";
    if (server?.pending) continue;
    if (server && (await server.serves(path))) {
      patch.push(
        { op: "remove", path: `/webhooks/${index}/clientConfig/service` },
        { op: "add", path: `/webhooks/${index}/clientConfig/url`, value: `${server.base}${path}` },
        {
          op: "add",
          path: `/webhooks/${index}/clientConfig/caBundle`,
          value: Buffer.from(server.caPem).toString("base64"),
        },
      );
      reasons.push(`${webhook.name} → ${server.base}${path}`);
    } else if (webhook.failurePolicy !== "Ignore") {
      patch.push({ op: "add", path: `/webhooks/${index}/failurePolicy`, value: "Ignore" });
      reasons.push(`${webhook.name} → Ignore (${server ? "not served by the local process" : "no local server"})`);
    }
  }
  return patch.length === 0 ? [] : [{ resource, name: config.metadata.name, patch, why: reasons.join("; ") }];
}

/** The change a CRD's conversion webhook needs, if any. */
export function conversionChange(crd: Crd, servers: ReadonlyMap<ServiceKey, LocalServer>): Change[] {
  const conversion = crd.spec.conversion;
  const service = conversion?.webhook?.clientConfig?.service;
  if (conversion?.strategy !== "Webhook" || !service) return [];
  const server = servers.get(key(service));
  if (server?.pending) return [];
  if (server) {
    return [
      {
        resource: "customresourcedefinition",
        name: crd.metadata.name,
        patch: [
          {
            op: "replace",
            path: "/spec/conversion/webhook/clientConfig",
            value: {
              url: `${server.base}${service.path ?? "/convert"}`,
              caBundle: Buffer.from(server.caPem).toString("base64"),
            },
          },
        ],
        why: `conversion → ${server.base}`,
      },
    ];
  }
  return [
    {
      resource: "customresourcedefinition",
      name: crd.metadata.name,
      patch: [
        { op: "remove", path: "/spec/conversion/webhook" },
        { op: "replace", path: "/spec/conversion/strategy", value: "None" },
      ],
      why: `conversion → None (no local server for ${key(service)})`,
    },
  ];
}

/** A CRD's conversion settings as one line of `kubectl get -o jsonpath` (name, strategy, service, path). */
export const CRD_CONVERSION_JSONPATH =
  '{.metadata.name}{"\\t"}{.spec.conversion.strategy}{"\\t"}{.spec.conversion.webhook.clientConfig.service.namespace}{"\\t"}' +
  '{.spec.conversion.webhook.clientConfig.service.name}{"\\t"}{.spec.conversion.webhook.clientConfig.service.path}{"\\n"}';

/** Parses one line of CRD_CONVERSION_JSONPATH output back into the fields conversionChange reads. */
export function crdFromLine(line: string): Crd | undefined {
  const [name, strategy, namespace, service, path] = line.split("\t");
  if (!name) return undefined;
  return {
    metadata: { name },
    spec: {
      conversion: {
        strategy,
        ...(service && {
          webhook: { clientConfig: { service: { namespace, name: service, path: path || undefined } } },
        }),
      },
    },
  };
}

/** Splits kubectl's `--watch -o json` stream (pretty-printed objects, each closed by `}` on a line of its own). */
export function jsonObjects(buffer: string): { objects: unknown[]; rest: string } {
  const objects: unknown[] = [];
  let rest = buffer;
  for (let end = rest.indexOf("\n}\n"); end >= 0; end = rest.indexOf("\n}\n")) {
    objects.push(JSON.parse(rest.slice(0, end + 2)));
    rest = rest.slice(end + 3);
  }
  return { objects, rest };
}

/**
 * Runs until killed. Watches webhook configurations (`--watch -o json`) and CRDs' conversion settings
 * (`--watch -o jsonpath`) and fixes each object as it appears, within a fraction of a second: the next Helm
 * release may create objects those webhooks match a second or two later. The watches restart when the API
 * server closes them (which replays every object). `servers` is read each time, so a local process that
 * starts later (Kueue) is picked up.
 */
export function runWebhookShim(
  kubectl: string,
  kubeconfig: string,
  servers: () => ReadonlyMap<ServiceKey, LocalServer>,
  changed: () => boolean = () => false,
): Promise<never> {
  const children = new Set<ReturnType<typeof spawn>>();
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const patch = (change: Change) =>
    promisify(execFile)(kubectl, [
      "--kubeconfig",
      kubeconfig,
      "patch",
      change.resource,
      change.name,
      "--type=json",
      "-p",
      JSON.stringify(change.patch),
    ]).then(
      () => log(`${change.resource}/${change.name}: ${change.why}`),
      (error: { stderr?: string; message: string }) => {
        const message = error.stderr || error.message;
        // A change computed from an older version of the object: the watch delivers the newer one next.
        if (!/NotFound|the object has been modified|Conflict/.test(message))
          log(`${change.resource}/${change.name}: ${message.trim()}`);
      },
    );
  const watch = (args: string[], onChunk: (buffer: string) => string): void => {
    const child = spawn(kubectl, ["--kubeconfig", kubeconfig, "get", ...args, "--watch"]);
    children.add(child);
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer = onChunk(buffer + chunk.toString());
    });
    child.stderr.on("data", (chunk: Buffer) => log(`kubectl get ${args[0]} --watch: ${chunk.toString().trim()}`));
    child.on("close", () => {
      children.delete(child);
      setTimeout(() => watch(args, onChunk), 200);
    });
  };
  for (const kind of ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]) {
    watch([kind, "-o", "json"], (buffer) => {
      const { objects, rest } = jsonObjects(buffer);
      for (const object of objects) {
        void webhookChanges(object as WebhookConfiguration, servers()).then((changes) => changes.forEach(patch));
      }
      return rest;
    });
  }
  watch(["customresourcedefinitions", "-o", `jsonpath=${CRD_CONVERSION_JSONPATH}`], (buffer) => {
    const lines = buffer.split("\n");
    const rest = lines.pop() ?? "";
    for (const line of lines) {
      const crd = crdFromLine(line);
      if (crd) conversionChange(crd, servers()).forEach(patch);
    }
    return rest;
  });
  // When a local server appears (or changes), restart the watches: they replay every object.
  setInterval(() => {
    if (!changed()) return;
    log("local servers changed: replaying every webhook configuration and CRD");
    for (const child of children) child.kill();
  }, 300);
  return new Promise<never>(() => undefined);
}

/** Whether a file's modification time changed since the last call (a missing file counts as 0). */
export function fileChanged(file: string): () => boolean {
  let last = 0;
  return () => {
    const now = existsSync(file) ? statSync(file).mtimeMs : 0;
    const changed = now !== last;
    last = now;
    return changed && now !== 0;
  };
}

/** `<state dir>/local-servers.json`: the local processes that serve webhooks, written by whoever starts them. */
export const LOCAL_SERVERS_FILE = "local-servers.json";

export interface LocalServerRecord {
  readonly service: ServiceKey;
  /** Absent while the process starts: its webhooks wait for it. */
  readonly base?: string;
  readonly caPem?: string;
  /** It answers every webhook path of its Service (no probing). */
  readonly servesAll?: boolean;
}

/**
 * Adds or replaces records in the state folder's LOCAL_SERVERS_FILE by Service, keeping the others: Kueue's runner
 * and the simulation's TrainJob controllers each announce their own. Written whole and renamed into place, so the
 * shim never reads half a file.
 */
export function recordLocalServers(stateDir: string, records: readonly LocalServerRecord[]): void {
  const file = join(stateDir, LOCAL_SERVERS_FILE);
  const current = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as LocalServerRecord[]) : [];
  const replaced = new Set(records.map((r) => r.service));
  const next = [...current.filter((r) => !replaced.has(r.service)), ...records];
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(next));
  renameSync(`${file}.${process.pid}`, file);
}

/** Whether a local HTTPS server answers a path with anything but 404 (controller-runtime's reply to an unregistered webhook). */
export function probePath(base: string, caPem: string, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpsRequest(`${base}${path}`, { method: "POST", ca: caPem, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode !== 404);
    });
    request.on("error", () => resolve(false));
    request.on("timeout", () => request.destroy());
    request.end("{}");
  });
}

/** The servers recorded in the state folder, each probing a path once and remembering the answer. */
export function recordedServers(stateDir: string): () => ReadonlyMap<ServiceKey, LocalServer> {
  const probes = new Map<string, Promise<boolean>>();
  return () => {
    const file = join(stateDir, LOCAL_SERVERS_FILE);
    const records = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as LocalServerRecord[]) : [];
    return new Map(
      records.map((r) => [
        r.service,
        {
          pending: r.base === undefined,
          base: r.base ?? "",
          caPem: r.caPem ?? "",
          serves: (path: string) => {
            if (r.servesAll) return Promise.resolve(true);
            const id = `${r.base}${path}`;
            if (!probes.has(id)) probes.set(id, probePath(r.base ?? "", r.caPem ?? "", path));
            return probes.get(id) as Promise<boolean>;
          },
        },
      ]),
    );
  };
}
