/**
 * A small Kubernetes API client for the processes that run inside a local cluster's network namespace (the
 * simulation driver): creating a thousand Jobs through kubectl would spend minutes starting processes, and a
 * watch through kubectl prints pretty-printed JSON that needs a streaming parser. The API server's own watch
 * stream is one JSON event per line. Only what the local tier's kubeconfig holds is supported: one cluster,
 * client-certificate authentication, certificates inline or as files.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import { dirname, isAbsolute, join } from "node:path";
import { parse } from "yaml";

interface KubeconfigFile {
  "current-context"?: string;
  contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
  clusters?: Array<{
    name: string;
    cluster: { server: string; "certificate-authority"?: string; "certificate-authority-data"?: string };
  }>;
  users?: Array<{
    name: string;
    user: {
      "client-certificate"?: string;
      "client-certificate-data"?: string;
      "client-key"?: string;
      "client-key-data"?: string;
      token?: string;
    };
  }>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ kind: string; name: string; uid: string }>;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects of many kinds
  [field: string]: any;
}

export interface WatchEvent<T = KubeObject> {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: T;
}

/** An API error with the server's status code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function material(base: string, file: string | undefined, data: string | undefined): Buffer | undefined {
  if (data) return Buffer.from(data, "base64");
  if (file) return readFileSync(isAbsolute(file) ? file : join(base, file));
  return undefined;
}

/** The API path of a kind's collection (`/apis/batch/v1/namespaces/ns/jobs`). Plurals are given: no discovery. */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  const prefix = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${prefix}/namespaces/${namespace}/${plural}` : `${prefix}/${plural}`;
}

export class KubeApi {
  private readonly server: URL;
  private readonly agent: Agent;
  private readonly token?: string;

  constructor(kubeconfigPath: string) {
    const config = parse(readFileSync(kubeconfigPath, "utf8")) as KubeconfigFile;
    const base = dirname(kubeconfigPath);
    const contextName = config["current-context"] ?? config.contexts?.[0]?.name;
    const context = config.contexts?.find((c) => c.name === contextName)?.context;
    const cluster = config.clusters?.find((c) => c.name === context?.cluster)?.cluster;
    const user = config.users?.find((u) => u.name === context?.user)?.user;
    if (!context || !cluster || !user) {
      throw new Error(`${kubeconfigPath}: no complete current context (cluster and user) in the kubeconfig`);
    }
    this.server = new URL(cluster.server);
    this.token = user.token;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 16,
      ca: material(base, cluster["certificate-authority"], cluster["certificate-authority-data"]),
      cert: material(base, user["client-certificate"], user["client-certificate-data"]),
      key: material(base, user["client-key"], user["client-key-data"]),
    });
  }

  private open(
    method: string,
    path: string,
    body?: string,
    contentType = "application/json",
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = httpsRequest(
        {
          host: this.server.hostname,
          port: this.server.port,
          path,
          method,
          agent: this.agent,
          headers: {
            Accept: "application/json",
            ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
            ...(body !== undefined ? { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) } : {}),
          },
        },
        resolve,
      );
      request.on("error", reject);
      request.end(body);
    });
  }

  /** One request; rejects with an ApiError carrying the server's message on a status ≥ 400. */
  async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const response = await this.open(
      method,
      path,
      body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      contentType,
    );
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const status = response.statusCode ?? 0;
    if (status >= 400) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: the text as it is
      }
      throw new ApiError(status, `${method} ${path}: ${status} ${message}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  create(plural: string, object: KubeObject): Promise<KubeObject> {
    return this.request("POST", collectionPath(object.apiVersion, plural, object.metadata.namespace), object);
  }

  /** Lists a collection (all namespaces when `namespace` is undefined). */
  list<T = KubeObject>(
    apiVersion: string,
    plural: string,
    query = "",
  ): Promise<{ metadata: { resourceVersion: string }; items: T[] }> {
    return this.request("GET", `${collectionPath(apiVersion, plural)}${query ? `?${query}` : ""}`);
  }

  /**
   * Lists and then watches a collection across namespaces, calling `onEvent` for each object as listed (ADDED)
   * and for each change, until `stop` is called. A watch the server closes (it does every few minutes) or
   * expires (410) is resumed, re-listing when needed, so no change is missed.
   */
  watch<T extends KubeObject>(
    apiVersion: string,
    plural: string,
    onEvent: (event: WatchEvent<T>) => void,
    onError: (error: Error) => void = () => undefined,
  ): { stop: () => void; ready: Promise<void> } {
    let stopped = false;
    let current: IncomingMessage | undefined;
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const loop = async () => {
      let resourceVersion = "";
      while (!stopped) {
        try {
          if (!resourceVersion) {
            const listed = await this.list<T>(apiVersion, plural);
            for (const item of listed.items) onEvent({ type: "ADDED", object: item });
            resourceVersion = listed.metadata.resourceVersion;
            markReady();
          }
          const path = `${collectionPath(apiVersion, plural)}?watch=1&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`;
          current = await this.open("GET", path);
          if ((current.statusCode ?? 0) >= 400) throw new ApiError(current.statusCode ?? 0, `watch ${path}`);
          let buffered = "";
          for await (const chunk of current) {
            buffered += (chunk as Buffer).toString("utf8");
            let newline: number;
            while ((newline = buffered.indexOf("\n")) >= 0) {
              const line = buffered.slice(0, newline);
              buffered = buffered.slice(newline + 1);
              if (!line.trim()) continue;
              const event = JSON.parse(line) as WatchEvent<T>;
              if (event.type === "ERROR") {
                // 410 Gone: the version is too old; list again.
                resourceVersion = "";
                break;
              }
              resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
              if (event.type !== "BOOKMARK") onEvent(event);
            }
            if (!resourceVersion) break;
          }
        } catch (error) {
          if (stopped) return;
          onError(error as Error);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    };
    void loop();
    return {
      stop: () => {
        stopped = true;
        current?.destroy();
      },
      ready,
    };
  }

  close(): void {
    this.agent.destroy();
  }
}
