/**
 * A fake Prometheus for the energy report's tests: an HTTP server on the loopback, on a port the system picks,
 * started and stopped by the test. It answers `/api/v1/query` from a function of the query and records each one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeAnswer {
  readonly status: number;
  readonly body: unknown;
}

export class FakePrometheus {
  readonly queries: Array<{ query: string | null; time: string | null }> = [];
  private server?: Server;

  constructor(private readonly answer: (query: string) => FakeAnswer) {}

  /** Listens on 127.0.0.1 and returns the base URL. */
  async start(): Promise<string> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (url.pathname !== "/api/v1/query") {
        res.writeHead(404).end("not found");
        return;
      }
      const query = url.searchParams.get("query");
      this.queries.push({ query, time: url.searchParams.get("time") });
      const { status, body } = this.answer(query ?? "");
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    this.server = server;
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server) await new Promise<void>((done) => server.close(() => done()));
  }
}

/** A successful instant-query answer: one sample of joules per `pod_namespace`, at `at`. */
export function vector(samples: Record<string, number>, at = new Date("2026-11-30T12:00:00Z")): FakeAnswer {
  return {
    status: 200,
    body: {
      status: "success",
      data: {
        resultType: "vector",
        result: Object.entries(samples).map(([namespace, joules]) => ({
          metric: { pod_namespace: namespace },
          value: [at.getTime() / 1000, String(joules)],
        })),
      },
    },
  };
}
