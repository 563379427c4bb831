import { mkdtemp } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QdrantHttpError } from "./errors.js";
import { errorBody, okBody, parseJsonBody, type QdrantRequest, Router } from "./http.js";
import { emptyState } from "./model.js";
import type { ServerContext } from "./server-context.js";
import { registerServiceRoutes } from "./service-routes.js";

export interface StartQdrantOptions {
  /** TCP port; a free one by default. */
  port?: number;
  /** Interface to bind; 127.0.0.1 by default. */
  host?: string;
  /** Keep state on disk here; in memory only when omitted. */
  storageDir?: string;
  /** Where snapshots go; a temporary directory by default. */
  snapshotsDir?: string;
  /** Require this key in the `api-key` header (or `Authorization: Bearer`). */
  apiKey?: string;
  /** Version reported by `GET /`; the spec's (1.19.0) by default. */
  version?: string;
}

export interface RunningQdrant {
  url: string;
  stop(): Promise<void>;
}

export const DEFAULT_QDRANT_VERSION = "1.19.0";

/**
 * Starts the in-process Qdrant-compatible server: Qdrant's REST paths, bodies,
 * envelopes, status codes and error texts, for tests and local sandboxes.
 */
export async function startQdrant(options: StartQdrantOptions = {}): Promise<RunningQdrant> {
  const ctx: ServerContext = {
    state: emptyState(),
    options: {
      version: options.version ?? DEFAULT_QDRANT_VERSION,
      snapshotsDir:
        options.snapshotsDir ?? (await mkdtemp(join(tmpdir(), "qdrant-migrate-snapshots-"))),
      storageDir: options.storageDir,
      apiKey: options.apiKey,
    },
  };
  const router = new Router();
  registerServiceRoutes(router, ctx);

  const server = createServer((req, res) => {
    void handle(router, req, res);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== "object") throw new Error("Qdrant server has no address");
  return {
    url: `http://${host}:${address.port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = req.method ?? "GET";
  try {
    const rawBody = await readBody(req);
    const matched = router.match(method, url.pathname);
    if (!matched) {
      // actix answers an unknown path with an empty 404.
      res.writeHead(404).end();
      return;
    }
    let parsed: { value: unknown } | undefined;
    const request: QdrantRequest = {
      method,
      path: url.pathname,
      params: matched.params,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      json() {
        parsed ??= { value: parseJsonBody(rawBody) };
        return parsed.value;
      },
    };
    const reply = await matched.handler(request);
    if (reply.kind === "ok") {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(okBody(reply.result, elapsed()));
    } else if (reply.kind === "accepted") {
      res
        .writeHead(202, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "accepted", time: elapsed() }));
    } else {
      res.writeHead(reply.status, { "content-type": reply.contentType }).end(reply.body);
    }
  } catch (error) {
    const qe =
      error instanceof QdrantHttpError
        ? error
        : new QdrantHttpError(500, `Service internal error: ${String(error)}`);
    res
      .writeHead(qe.statusCode, { "content-type": "application/json" })
      .end(errorBody(qe, elapsed()));
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
