import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { connectQdrant } from "../src/qdrant/connect.js";
import { QdrantRequestError } from "../src/qdrant/errors.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const qdrant = useQdrant();
const SECRET = "sk-very-secret-key-123";

type Handler = (req: IncomingMessage, res: ServerResponse, hit: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A stand-in server that answers each request with `handler`; returns its URL and hit counter. */
async function fakeQdrant(handler: Handler): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    handler(req, res, hits);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits: () => hits };
}

function ok(res: ServerResponse, result: unknown): void {
  res
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ result, status: "ok", time: 0 }));
}

function unavailable(res: ServerResponse): void {
  res
    .writeHead(503, { "content-type": "application/json" })
    .end(JSON.stringify({ status: { error: "Service unavailable: shard is loading" }, time: 0 }));
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("connectQdrant", () => {
  it("works against Qdrant and reports its version", async () => {
    const conn = connectQdrant({ url: qdrant.url, apiKey: qdrant.apiKey, timeoutMs: 10_000 });
    expect(await conn.serverVersion()).toMatch(/^\d+\.\d+/);
    const { collections } = await conn.client.getCollections();
    expect(Array.isArray(collections)).toBe(true);
  });

  it("wraps Qdrant's error into QdrantRequestError naming the operation, collection and status", async () => {
    const conn = connectQdrant({ url: qdrant.url, apiKey: qdrant.apiKey, timeoutMs: 10_000 });
    const name = uniqueName("missing");
    const error = await caught(conn.client.getCollection(name));
    expect(error).toBeInstanceOf(QdrantRequestError);
    const e = error as QdrantRequestError;
    expect(e.code).toBe("QDRANT_REQUEST_FAILED");
    expect(e.status).toBe(404);
    expect(e.collection).toBe(name);
    expect(e.operation).toBe("getCollection");
    expect(e.qdrantMessage).toContain(name);
    expect(e.message).toContain(`"${name}"`);
  });

  it("retries a 503 and succeeds once the server recovers", async () => {
    const fake = await fakeQdrant((_req, res, hit) =>
      hit < 3 ? unavailable(res) : ok(res, { collections: [] }),
    );
    const conn = connectQdrant({ url: fake.url, timeoutMs: 5_000, backoffMs: 1 });
    expect(await conn.client.getCollections()).toEqual({ collections: [] });
    expect(fake.hits()).toBe(3);
  });

  it("retries a non-idempotent call on 503, since Qdrant did not process it", async () => {
    const fake = await fakeQdrant((_req, res, hit) =>
      hit === 1 ? unavailable(res) : ok(res, true),
    );
    const conn = connectQdrant({ url: fake.url, timeoutMs: 5_000, backoffMs: 1 });
    await conn.client.createCollection("c", { vectors: { size: 4, distance: "Dot" } });
    expect(fake.hits()).toBe(2);
  });

  it("honours Retry-After on 429", async () => {
    const fake = await fakeQdrant((_req, res, hit) => {
      if (hit === 1) {
        res
          .writeHead(429, { "content-type": "application/json", "retry-after": "0" })
          .end(JSON.stringify({ status: { error: "Too many requests" }, time: 0 }));
      } else ok(res, { collections: [] });
    });
    const conn = connectQdrant({ url: fake.url, timeoutMs: 5_000, backoffMs: 1 });
    await conn.client.getCollections();
    expect(fake.hits()).toBe(2);
  });

  it("fails at once when Retry-After asks for longer than a minute", async () => {
    const fake = await fakeQdrant((_req, res) => {
      res
        .writeHead(429, { "content-type": "application/json", "retry-after": "3600" })
        .end(JSON.stringify({ status: { error: "Too many requests" }, time: 0 }));
    });
    const conn = connectQdrant({ url: fake.url, timeoutMs: 5_000, backoffMs: 1 });
    // Through fetchRaw: js-client-rest 1.18 keeps only the header's first character.
    const res = await conn.fetchRaw("/collections");
    expect(res.status).toBe(429);
    expect(fake.hits()).toBe(1);
  });

  it("gives up after the configured retries with the last status", async () => {
    const fake = await fakeQdrant((_req, res) => unavailable(res));
    const conn = connectQdrant({ url: fake.url, timeoutMs: 5_000, retries: 2, backoffMs: 1 });
    const error = (await caught(conn.client.getCollections())) as QdrantRequestError;
    expect(error).toBeInstanceOf(QdrantRequestError);
    expect(error.status).toBe(503);
    expect(error.qdrantMessage).toBe("Service unavailable: shard is loading");
    expect(fake.hits()).toBe(3);
  });

  it("retries an idempotent call after a connection reset", async () => {
    const fake = await fakeQdrant((req, res, hit) =>
      hit === 1 ? req.socket.destroy() : ok(res, { count: 7 }),
    );
    const conn = connectQdrant({ url: fake.url, timeoutMs: 5_000, backoffMs: 1 });
    expect(await conn.client.count("c", { exact: true })).toEqual({ count: 7 });
    expect(fake.hits()).toBe(2);
  });

  it("does not retry a non-idempotent call after a connection reset: it may have been applied", async () => {
    const fake = await fakeQdrant((req, res, hit) =>
      hit === 1 ? req.socket.destroy() : ok(res, true),
    );
    const conn = connectQdrant({ url: fake.url, timeoutMs: 5_000, backoffMs: 1 });
    const error = await caught(
      conn.client.createCollection("c", { vectors: { size: 4, distance: "Dot" } }),
    );
    expect(error).toBeInstanceOf(QdrantRequestError);
    expect((error as QdrantRequestError).status).toBeUndefined();
    expect(fake.hits()).toBe(1);
  });

  it("retries when the connection is refused", async () => {
    const fake = await fakeQdrant((_req, res) => ok(res, { collections: [] }));
    const port = Number(new URL(fake.url).port);
    const refused = servers.pop() as Server;
    await new Promise((resolve) => refused.close(resolve));
    const conn = connectQdrant({ url: fake.url, timeoutMs: 5_000, retries: 1, backoffMs: 1 });
    const error = (await caught(conn.client.getCollections())) as QdrantRequestError;
    expect(error).toBeInstanceOf(QdrantRequestError);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain(String(port));
  });

  it("times out a call that gets no answer and does not retry it", async () => {
    const fake = await fakeQdrant(() => {
      // never answers
    });
    const conn = connectQdrant({ url: fake.url, timeoutMs: 200, backoffMs: 1 });
    const error = (await caught(conn.client.getCollections())) as QdrantRequestError;
    expect(error).toBeInstanceOf(QdrantRequestError);
    expect(error.message).toContain("within 200 ms");
    expect(fake.hits()).toBe(1);
  });

  it("reports an unexpected success status as a failed request, not as a connection problem", async () => {
    const fake = await fakeQdrant((_req, res) => {
      res
        .writeHead(202, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "accepted", time: 0 }));
    });
    const conn = connectQdrant({ url: fake.url, timeoutMs: 5_000 });
    const error = (await caught(conn.client.createSnapshot("c"))) as QdrantRequestError;
    expect(error).toBeInstanceOf(QdrantRequestError);
    expect(error.message).toContain("202");
    expect(error.message).not.toContain("cannot reach");
  });

  it("sends the API key but never shows it in an error", async () => {
    const fake = await fakeQdrant((req, res) => {
      res.writeHead(403, { "content-type": "application/json" }).end(
        JSON.stringify({
          status: { error: `Forbidden: bad key ${req.headers["api-key"]}` },
          time: 0,
        }),
      );
    });
    const conn = connectQdrant({ url: fake.url, apiKey: SECRET, timeoutMs: 5_000 });
    const error = (await caught(conn.client.getCollections())) as QdrantRequestError;
    expect(error.status).toBe(403);
    expect(error.qdrantMessage).toContain("Forbidden: bad key ***");
    expect(`${error.message} ${error.stack} ${JSON.stringify(error)}`).not.toContain(SECRET);
  });

  it("fetchRaw sends the API key and retries a 503", async () => {
    const seen: (string | undefined)[] = [];
    const fake = await fakeQdrant((req, res, hit) => {
      seen.push(req.headers["api-key"] as string | undefined);
      if (hit === 1) unavailable(res);
      else res.writeHead(200).end("bytes");
    });
    const conn = connectQdrant({ url: fake.url, apiKey: SECRET, timeoutMs: 5_000, backoffMs: 1 });
    const res = await conn.fetchRaw("/collections/c/snapshots/s");
    expect(await res.text()).toBe("bytes");
    expect(seen).toEqual([SECRET, SECRET]);
  });

  it("asks for uncompressed answers, which real Qdrant otherwise gzips and stalls by 40 ms", async () => {
    const seen: (string | undefined)[] = [];
    const fake = await fakeQdrant((req, res) => {
      seen.push(req.headers["accept-encoding"]);
      ok(res, { collections: [] });
    });
    const conn = connectQdrant({ url: fake.url, apiKey: SECRET, timeoutMs: 5_000 });
    await conn.client.getCollections();
    await (await conn.fetchRaw("/collections")).text();
    expect(seen).toEqual(["identity", "identity"]);
  });
});
