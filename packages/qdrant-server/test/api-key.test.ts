import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningQdrant, startQdrant } from "../src/start-qdrant.js";

/**
 * Runs against a real Qdrant when QDRANT_URL and QDRANT_API_KEY are both set,
 * otherwise against an in-process server started with a key.
 */
const externalUrl = process.env.QDRANT_API_KEY ? process.env.QDRANT_URL : undefined;
const KEY = externalUrl ? (process.env.QDRANT_API_KEY as string) : "s3cret-test-key";
let server: RunningQdrant | undefined;
let url: string;

beforeAll(async () => {
  if (externalUrl) {
    url = externalUrl;
  } else {
    server = await startQdrant({ apiKey: KEY });
    url = server.url;
  }
});
afterAll(async () => {
  await server?.stop();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, { headers });
  return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
}

describe("Qdrant server: API key", () => {
  it("refuses a request without a key with 401 and Qdrant's plain-text reason", async () => {
    const reply = await get("/collections");
    expect(reply.status).toBe(401);
    expect(reply.text).toBe("Must provide an API key or an Authorization bearer token");
  });

  it("refuses a wrong key with 401, without echoing any key", async () => {
    const reply = await get("/collections", { "api-key": "wrong-key" });
    expect(reply.status).toBe(401);
    expect(reply.text).toBe("Invalid API key or JWT");
    expect(reply.text).not.toContain("wrong-key");
    expect(reply.text).not.toContain(KEY);
  });

  it("accepts the key in the api-key header", async () => {
    const reply = await get("/collections", { "api-key": KEY });
    expect(reply.status).toBe(200);
  });

  it("accepts the key as an Authorization bearer token", async () => {
    const reply = await get("/collections", { authorization: `Bearer ${KEY}` });
    expect(reply.status).toBe(200);
  });

  it("refuses unknown paths too, before routing", async () => {
    expect((await get("/no/such/path")).status).toBe(401);
  });

  it("lets /, /healthz, /livez and /readyz through without a key", async () => {
    for (const path of ["/", "/healthz", "/livez", "/readyz"]) {
      expect((await get(path)).status, path).toBe(200);
    }
  });

  it("works with the official client given the key, and fails without it", async () => {
    const withKey = new QdrantClient({ url, apiKey: KEY, checkCompatibility: false });
    await expect(withKey.getCollections()).resolves.toHaveProperty("collections");
    const without = new QdrantClient({ url, checkCompatibility: false });
    await expect(without.getCollections()).rejects.toMatchObject({ status: 401 });
  });
});
