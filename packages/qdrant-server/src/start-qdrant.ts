import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerAliasRoutes } from "./alias-routes.js";
import { apiKeyRefusal } from "./api-key.js";
import { registerClusterRoutes } from "./cluster-routes.js";
import { registerCollectionRoutes } from "./collections-routes.js";
import { QdrantHttpError, QdrantServerStartError } from "./errors.js";
import {
  errorBody,
  type MatchedRoute,
  okBody,
  parseJsonBody,
  type QdrantRequest,
  type Reply,
  Router,
} from "./http.js";
import { registerLegacyRoutes } from "./legacy-routes.js";
import { emptyState } from "./model.js";
import { registerPayloadIndexRoutes } from "./payload-index-routes.js";
import { loadPeerId } from "./peer-id.js";
import { type LoggedRequest, Persistence } from "./persistence.js";
import { registerPointRoutes } from "./point-routes.js";
import { registerQueryRoutes } from "./query-routes.js";
import type { ServerContext } from "./server-context.js";
import { registerServiceRoutes } from "./service-routes.js";
import { registerShardSnapshotRoutes } from "./shard-snapshot-routes.js";
import { registerSnapshotRoutes } from "./snapshot-routes.js";
import { loadState } from "./state-codec.js";
import { assertValidName } from "./validation.js";
import { hasVectorNameRoutes, registerVectorNameRoutes } from "./vector-name-routes.js";

export interface StartQdrantOptions {
  /** TCP port; a free one by default. */
  port?: number;
  /** Interface to bind; 127.0.0.1 by default. */
  host?: string;
  /** Keep state on disk here; in memory only when omitted. */
  storageDir?: string;
  /** Where snapshots go; `<storageDir>/snapshots`, else a temporary directory, by default. */
  snapshotsDir?: string;
  /** Require this key in the `api-key` header (or `Authorization: Bearer`). */
  apiKey?: string;
  /**
   * Version reported by `GET /`; the spec's (1.19.0) by default. Below 1.18
   * the in-place named-vector routes are absent (an empty 404), as on 1.15.5.
   */
  version?: string;
  /** The clock snapshot names are stamped with; for tests of same-second snapshots. */
  now?: () => Date;
}

export interface RunningQdrant {
  url: string;
  stop(): Promise<void>;
}

export const DEFAULT_QDRANT_VERSION = "1.19.0";

/**
 * Starts the in-process Qdrant-compatible server: Qdrant's REST paths, bodies,
 * envelopes, status codes and error texts, for tests and local sandboxes.
 * With `storageDir`, every acknowledged change survives `stop()` and a crash
 * (see persistence.ts); a restart on the same directory picks it up.
 */
export async function startQdrant(options: StartQdrantOptions = {}): Promise<RunningQdrant> {
  const storageDir = options.storageDir;
  // A temporary snapshots directory is this server's own, removed by stop().
  const temporarySnapshots =
    options.snapshotsDir === undefined && storageDir === undefined
      ? await mkdtemp(join(tmpdir(), "qdrant-migrate-snapshots-"))
      : undefined;
  const snapshotsDir =
    options.snapshotsDir ?? temporarySnapshots ?? join(storageDir as string, "snapshots");
  let checkpointRequested = false;
  const ctx: ServerContext = {
    state: emptyState(),
    options: {
      version: options.version ?? DEFAULT_QDRANT_VERSION,
      snapshotsDir,
      storageDir,
      apiKey: options.apiKey,
      peerId: loadPeerId(storageDir),
    },
    checkpoint() {
      checkpointRequested = true;
    },
  };
  const router = new Router();
  registerServiceRoutes(router, ctx);
  registerCollectionRoutes(router, ctx);
  // Emulating an older Qdrant: no such routes, so a call answers as that version does.
  if (hasVectorNameRoutes(ctx.options.version)) registerVectorNameRoutes(router, ctx);
  registerPayloadIndexRoutes(router, ctx);
  registerAliasRoutes(router, ctx);
  registerClusterRoutes(router, ctx);
  registerSnapshotRoutes(router, ctx, options.now);
  registerShardSnapshotRoutes(router, ctx, options.now);
  registerPointRoutes(router, ctx);
  registerQueryRoutes(router, ctx);
  registerLegacyRoutes(router, ctx);

  let persistence: Persistence | undefined;
  if (storageDir) {
    const opened = Persistence.open(storageDir);
    if (opened.state) loadState(ctx.state, opened.state.encoded, opened.state.blob);
    for (const entry of opened.replay) await replay(router, entry);
    persistence = opened.persistence;
    // Start from a clean log, so a torn last line never sits before new entries.
    persistence.checkpoint(ctx.state);
  }

  const mutations = new SerialQueue();
  const runMutation = (matched: MatchedRoute, request: QdrantRequest) =>
    mutations.run(async () => {
      checkpointRequested = false;
      let outcome: { reply: Reply } | { error: unknown };
      try {
        outcome = { reply: await matched.handler(request) };
      } catch (error) {
        outcome = { error };
      }
      if (persistence) {
        if (checkpointRequested) {
          persistence.checkpoint(ctx.state);
        } else {
          persistence.record(
            {
              method: request.method,
              path: request.path,
              query: request.query.toString(),
              body: request.rawBody.toString("base64"),
            },
            ctx.state,
          );
        }
      }
      if ("error" in outcome) throw outcome.error;
      return outcome.reply;
    });

  const server = createServer((req, res) => {
    void handle(router, ctx, runMutation, req, res);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== "object") {
    throw new QdrantServerStartError(
      "qdrant_server_no_address",
      `The Qdrant-compatible server did not get a TCP address on ${host}; pass another host or port.`,
    );
  }
  return {
    url: `http://${host}:${address.port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Let a mutation that is still running finish its log write first.
      await mutations.idle();
      persistence?.close();
      persistence = undefined;
      if (temporarySnapshots) await rm(temporarySnapshots, { recursive: true, force: true });
    },
  };
}

/** Runs tasks one at a time, in call order. */
class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  idle(): Promise<unknown> {
    return this.tail;
  }
}

function buildRequest(
  method: string,
  path: string,
  matched: MatchedRoute,
  query: URLSearchParams,
  headers: IncomingMessage["headers"],
  rawBody: Buffer,
): QdrantRequest {
  let parsed: { value: unknown } | undefined;
  return {
    method,
    path,
    params: matched.params,
    query,
    headers,
    rawBody,
    json() {
      parsed ??= { value: parseJsonBody(rawBody) };
      return parsed.value;
    },
  };
}

/** Re-applies a logged request; its errors were already answered before the crash. */
async function replay(router: Router, entry: LoggedRequest): Promise<void> {
  const matched = router.match(entry.method, entry.path);
  if (!matched) return;
  const request = buildRequest(
    entry.method,
    entry.path,
    matched,
    new URLSearchParams(entry.query),
    {},
    Buffer.from(entry.body, "base64"),
  );
  try {
    await matched.handler(request);
  } catch {
    // The original request failed the same way and its client saw the error.
  }
}

async function handle(
  router: Router,
  ctx: ServerContext,
  runMutation: (matched: MatchedRoute, request: QdrantRequest) => Promise<Reply>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  const url = new URL(req.url ?? "/", "http://localhost");
  const method = req.method ?? "GET";
  try {
    const rawBody = await readBody(req);
    const refusal = apiKeyRefusal(ctx.options.apiKey, url.pathname, req.headers);
    if (refusal !== undefined) {
      res.writeHead(401, { "content-type": "text/plain; charset=utf-8" }).end(refusal);
      return;
    }
    const matched = router.match(method, url.pathname);
    if (!matched) {
      // actix answers an unknown path with an empty 404.
      res.writeHead(404).end();
      return;
    }
    // Qdrant validates a collection name in any path before the handler runs
    // (creation also refuses more characters, checked by its own route).
    const collectionName = matched.params.collection_name;
    if (collectionName !== undefined) assertValidName(collectionName, false);
    const request = buildRequest(
      method,
      url.pathname,
      matched,
      url.searchParams,
      req.headers,
      rawBody,
    );
    const reply = matched.mutates
      ? await runMutation(matched, request)
      : await matched.handler(request);
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
