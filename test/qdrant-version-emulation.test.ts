import { describe, expect, it } from "vitest";
import {
  IN_PLACE_VECTORS,
  qdrantAtLeast,
  type TestQdrant,
  testQdrantVersion,
  uniqueName,
  useQdrant,
  useQdrantReporting,
} from "./harness/qdrant.js";

// The in-process server's emulation of an older Qdrant, for the calls the
// toolkit makes that depend on the version, against what a real binary of
// that version answers. Under `npm run test:real` (CI: 1.15.5 and 1.18.1)
// both the binary and the emulation of its version answer each call; in the
// in-process run, the emulation of 1.15.5 alone, against what 1.15.5 answered.
const real = process.env.QDRANT_URL !== undefined;
const version = real ? await testQdrantVersion() : "1.15.5";
const inPlace = qdrantAtLeast(version, IN_PLACE_VECTORS.since);
const emulation = useQdrantReporting(version);
const binary = real ? useQdrant() : undefined;
const servers: [string, () => TestQdrant][] = [
  [`the in-process server emulating ${version}`, () => emulation],
];
if (binary) servers.push([`the real Qdrant ${version}`, () => binary]);

interface Reply {
  status: number;
  body: string;
}

async function call(q: TestQdrant, method: string, path: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (q.apiKey) headers["api-key"] = q.apiKey;
  const res = await fetch(`${q.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

async function collectionWithVector(q: TestQdrant, body: Record<string, unknown> = {}) {
  const name = uniqueName("emul");
  const created = await call(q, "PUT", `/collections/${name}`, {
    vectors: { a: { size: 4, distance: "Dot" } },
    ...body,
  });
  expect(created.status, created.body).toBe(200);
  return name;
}

describe.each(servers)(`on Qdrant ${version}: %s`, (_, server) => {
  it(`${inPlace ? "adds and removes" : "has no route to add or remove"} a named vector in place${inPlace ? "" : " (an empty 404)"}`, async () => {
    const q = server();
    const name = await collectionWithVector(q);
    const add = await call(q, "PUT", `/collections/${name}/vectors/b?wait=true`, {
      dense: { size: 4, distance: "Dot" },
    });
    const remove = await call(q, "DELETE", `/collections/${name}/vectors/a?wait=true`);
    if (inPlace) {
      expect([add.status, remove.status]).toEqual([200, 200]);
    } else {
      expect([add, remove]).toEqual([
        { status: 404, body: "" },
        { status: 404, body: "" },
      ]);
    }
    await call(q, "DELETE", `/collections/${name}`);
  });

  it("keeps collection metadata given at creation and by PATCH, and answers it in the config", async () => {
    const q = server();
    const name = await collectionWithVector(q, { metadata: { schema: 1 } });
    const patched = await call(q, "PATCH", `/collections/${name}`, { metadata: { owner: "x" } });
    expect(patched.status, patched.body).toBe(200);
    const info = JSON.parse((await call(q, "GET", `/collections/${name}`)).body) as {
      result: { config: { metadata?: unknown } };
    };
    expect(info.result.config.metadata).toEqual({ schema: 1, owner: "x" });
    await call(q, "DELETE", `/collections/${name}`);
  });
});
