import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectQdrant } from "../src/qdrant/connect.js";

// The official client adds :6333 to a URL without a port. A URL with no port
// must reach the scheme's default port, as written, for the client and for
// raw requests alike. (Root may bind port 80; 127.0.0.2 avoids clashes.)
const HOST = "127.0.0.2";
let server: Server;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ result: { collections: [{ name: "seen" }] }, status: "ok", time: 0 }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(80, HOST, () => resolve());
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("Qdrant connection URL", () => {
  it("uses the URL's default port when it names none, in the client and in raw requests", async () => {
    const conn = connectQdrant({ url: `http://${HOST}`, timeoutMs: 2000, retries: 0 });
    expect((await conn.client.getCollections()).collections).toEqual([{ name: "seen" }]);
    expect((await conn.fetchRaw("/collections")).status).toBe(200);
  });
});
