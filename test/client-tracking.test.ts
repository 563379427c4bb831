import type { QdrantClient } from "@qdrant/js-client-rest";
import { beforeAll, describe, expect, it } from "vitest";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { UnsupportedClientCallError } from "../src/qdrant/errors.js";
import type { TouchedPoints } from "../src/qdrant/touched-points.js";
import { createTrackingClient, type TrackingHooks } from "../src/qdrant/tracking-client.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const qdrant = useQdrant();
let conn: QdrantConnection;

beforeAll(() => {
  conn = connectQdrant({ url: qdrant.url, apiKey: qdrant.apiKey, timeoutMs: 30_000 });
});

interface Recorder {
  hooks: TrackingHooks;
  calls: string[];
  /** What each data write said it touches, in order. */
  touched: TouchedPoints[];
}

/** Hooks that record each call; `beforeMutate` also notes how many points the collection had then. */
function recorder(onMutate?: (collection: string) => Promise<void>): Recorder {
  const calls: string[] = [];
  const touched: TouchedPoints[] = [];
  return {
    calls,
    touched,
    hooks: {
      async beforeMutate(collection) {
        await onMutate?.(collection);
        calls.push(`mutate ${collection}`);
      },
      async beforeDataWrite(points) {
        touched.push(points);
      },
      async beforeCreate(collection) {
        calls.push(`create ${collection}`);
      },
      async beforeAliasChange(aliases, collections) {
        calls.push(`aliases [${aliases.join(",")}] [${collections.join(",")}]`);
      },
      async createRefused(collection) {
        calls.push(`refused ${collection}`);
      },
    },
  };
}

async function makeCollection(name: string): Promise<void> {
  await conn.client.createCollection(name, { vectors: { size: 2, distance: "Dot" } });
}

function point(id: number) {
  return { id, vector: [id, 1], payload: { n: id } };
}

describe("tracking client", () => {
  it("calls beforeMutate once for concurrent writes to one collection, and every write waits for it", async () => {
    const name = uniqueName("track");
    await makeCollection(name);
    let countAtHook = -1;
    const rec = recorder(async (c) => {
      // Give the concurrent writes a chance to overtake the hook if they could.
      await new Promise((resolve) => setImmediate(resolve));
      countAtHook = (await conn.client.count(c, { exact: true })).count;
    });
    const client = createTrackingClient(conn.client, rec.hooks);
    await Promise.all([1, 2, 3, 4, 5].map((id) => client.upsert(name, { points: [point(id)] })));
    expect(rec.calls).toEqual([`mutate ${name}`]);
    expect(countAtHook).toBe(0);
    expect((await conn.client.count(name, { exact: true })).count).toBe(5);
  });

  it("resolves an alias to its collection before calling the hook", async () => {
    const name = uniqueName("track");
    const alias = uniqueName("alias");
    await makeCollection(name);
    await conn.client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: name } }],
    });
    const rec = recorder();
    const client = createTrackingClient(conn.client, rec.hooks);
    await client.upsert(alias, { points: [point(1)] });
    await client.setPayload(name, { payload: { x: 1 }, points: [1] });
    expect(rec.calls).toEqual([`mutate ${name}`]);
  });

  it("calls beforeCreate for a new collection and no beforeMutate for its later writes", async () => {
    const name = uniqueName("track");
    const rec = recorder();
    const client = createTrackingClient(conn.client, rec.hooks);
    await client.createCollection(name, { vectors: { size: 2, distance: "Dot" } });
    await client.upsert(name, { points: [point(1)] });
    await client.createPayloadIndex(name, { field_name: "n", field_schema: "integer" });
    expect(rec.calls).toEqual([`create ${name}`]);
  });

  it("still records the creation of a collection that an earlier write found missing", async () => {
    const name = uniqueName("track");
    const rec = recorder();
    const client = createTrackingClient(conn.client, rec.hooks);
    await expect(client.upsert(name, { points: [point(1)] })).rejects.toThrow();
    await client.createCollection(name, { vectors: { size: 2, distance: "Dot" } });
    expect(rec.calls).toEqual([`create ${name}`]);
  });

  it("snapshots (beforeMutate) and records the aliases of a collection before dropping it", async () => {
    const name = uniqueName("track");
    const alias = uniqueName("alias");
    await makeCollection(name);
    await conn.client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: name } }],
    });
    const rec = recorder();
    const client = createTrackingClient(conn.client, rec.hooks);
    await client.deleteCollection(name);
    expect(rec.calls).toEqual([`aliases [${alias}] [${name}]`, `mutate ${name}`]);
  });

  it("records a collection once when two creations of it race, before either is sent", async () => {
    const name = uniqueName("track");
    const sent: string[] = [];
    let checks = 0;
    let bothChecked: () => void = () => {};
    const checked = new Promise<void>((resolve) => {
      bothChecked = resolve;
    });
    // Notes when each call has looked the name up, and when a creation is sent.
    const spy = new Proxy(conn.client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
        if (prop === "getCollections") {
          return async () => {
            const result = await value.apply(target, []);
            if (++checks === 2) bothChecked();
            return result;
          };
        }
        if (prop === "createCollection") {
          return (...args: unknown[]) => {
            sent.push(String(args[0]));
            return value.apply(target, args);
          };
        }
        return value;
      },
    }) as QdrantClient;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const rec = recorder();
    const client = createTrackingClient(spy, {
      ...rec.hooks,
      async beforeCreate(collection) {
        await gate;
        await rec.hooks.beforeCreate(collection);
      },
    });
    const create = () => client.createCollection(name, { vectors: { size: 2, distance: "Dot" } });
    const both = Promise.allSettled([create(), create()]);
    await checked;
    await new Promise((resolve) => setImmediate(resolve));
    const sentWhileHookPending = [...sent];
    release();
    const results = await both;
    expect(sentWhileHookPending).toEqual([]);
    expect(rec.calls).toEqual([`create ${name}`]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("treats recreateCollection of an existing collection as a mutation, not a creation", async () => {
    const name = uniqueName("track");
    await makeCollection(name);
    const rec = recorder();
    const client = createTrackingClient(conn.client, rec.hooks);
    await client.recreateCollection(name, { vectors: { size: 3, distance: "Cosine" } });
    expect(rec.calls).toEqual([`aliases [] [${name}]`, `mutate ${name}`]);
  });

  it("records alias state once per alias, with the collections involved, before an alias change", async () => {
    const a = uniqueName("track");
    const b = uniqueName("track");
    const alias = uniqueName("alias");
    await makeCollection(a);
    await makeCollection(b);
    await conn.client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: a } }],
    });
    const rec = recorder();
    const client = createTrackingClient(conn.client, rec.hooks);
    await client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: b } }],
    });
    await client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: a } }],
    });
    expect(rec.calls).toEqual([`aliases [${alias}] [${b},${a}]`]);
  });

  it("makes concurrent alias changes wait until the alias state before them is recorded", async () => {
    const a = uniqueName("coll_a");
    const b = uniqueName("coll_b");
    const alias = uniqueName("alias");
    await makeCollection(a);
    await makeCollection(b);
    await conn.client.updateCollectionAliases({
      actions: [{ create_alias: { collection_name: a, alias_name: alias } }],
    });
    const seenByHook: (string | undefined)[] = [];
    const rec = recorder();
    const hooks = {
      ...rec.hooks,
      async beforeAliasChange(aliases: string[], collections: string[]) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const { aliases: now } = await conn.client.getAliases();
        seenByHook.push(now.find((x) => x.alias_name === alias)?.collection_name);
        await rec.hooks.beforeAliasChange(aliases, collections);
      },
    };
    const client = createTrackingClient(conn.client, hooks);
    await Promise.all([
      client.updateCollectionAliases({
        actions: [{ create_alias: { collection_name: b, alias_name: alias } }],
      }),
      client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: alias } }] }),
    ]);
    expect(seenByHook).toEqual([a]);
  });

  it("tells the hooks when Qdrant refuses a creation, so the collection is not taken as the step's", async () => {
    const name = uniqueName("raced");
    const rec = recorder();
    const hooks = {
      ...rec.hooks,
      // The app creates the collection between the step's check and its create call.
      async beforeCreate(collection: string) {
        await makeCollection(collection);
        await rec.hooks.beforeCreate(collection);
      },
    };
    const client = createTrackingClient(conn.client, hooks);
    await expect(
      client.createCollection(name, { vectors: { size: 2, distance: "Dot" } }),
    ).rejects.toThrow();
    expect(rec.calls).toEqual([`create ${name}`, `refused ${name}`]);
  });

  it("uses the refreshed alias after it was re-pointed in the same step", async () => {
    const a = uniqueName("track");
    const b = uniqueName("track");
    const alias = uniqueName("alias");
    await makeCollection(a);
    await makeCollection(b);
    await conn.client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: a } }],
    });
    const rec = recorder();
    const client = createTrackingClient(conn.client, rec.hooks);
    await client.getCollection(alias);
    await client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: b } }],
    });
    await client.upsert(alias, { points: [point(1)] });
    expect(rec.calls).toContain(`mutate ${b}`);
    expect(rec.calls).not.toContain(`mutate ${a}`);
  });

  it("sends writes with wait=true even when the step asked for wait=false", async () => {
    const name = uniqueName("track");
    await makeCollection(name);
    const seen: unknown[] = [];
    const spy = new Proxy(conn.client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== "upsert" && prop !== "delete") return value;
        return (...args: unknown[]) => {
          seen.push((args[1] as { wait?: unknown }).wait);
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    }) as QdrantClient;
    const client = createTrackingClient(spy, recorder().hooks);
    await client.upsert(name, { wait: false, points: [point(1)] });
    await client.delete(name, { points: [1] });
    expect(seen).toEqual([true, true]);
  });

  it("tells the hooks which points each data write touches, before it is sent", async () => {
    const name = uniqueName("track");
    await makeCollection(name);
    const rec = recorder();
    const client = createTrackingClient(conn.client, rec.hooks);
    await client.upsert(name, { points: [point(1), point(2)] });
    await client.setPayload(name, { points: [2], payload: { a: 1 } });
    await client.delete(name, { filter: { must: [{ key: "a", match: { value: 1 } }] } });
    await client.batchUpdate(name, {
      operations: [{ upsert: { points: [point(7)] } }, { delete: { points: [1] } }],
    });
    await client.createPayloadIndex(name, { field_name: "a", field_schema: "integer" });
    await client.deleteCollection(name);
    expect(rec.touched).toEqual([
      { collection: name, ids: [1, 2] },
      { collection: name, ids: [2] },
      { collection: name, filter: { must: [{ key: "a", match: { value: 1 } }] } },
      { collection: name, ids: [7, 1] },
      { collection: name, all: true },
    ]);
  });

  it("refuses the raw api() escape hatch and unknown methods, naming them", () => {
    const client = createTrackingClient(conn.client, recorder().hooks);
    expect(() => client.api()).toThrow(UnsupportedClientCallError);
    expect(() => client.api()).toThrow(/QdrantClient\.api /);
    expect(() => client.createShardKey).toThrow(/createShardKey/);
    expect(() => client.deleteSnapshot).toThrow(UnsupportedClientCallError);
  });

  it("lets reads through without calling any hook", async () => {
    const name = uniqueName("track");
    await makeCollection(name);
    const rec = recorder();
    const client = createTrackingClient(conn.client, rec.hooks);
    await client.getCollection(name);
    await client.count(name, { exact: true });
    await client.scroll(name, { limit: 1 });
    expect(rec.calls).toEqual([]);
  });

  it("does not forward a write when its beforeMutate hook fails", async () => {
    const name = uniqueName("track");
    await makeCollection(name);
    const client = createTrackingClient(conn.client, {
      ...recorder().hooks,
      beforeMutate: async () => {
        throw new Error("snapshot failed");
      },
    });
    await expect(client.upsert(name, { points: [point(1)] })).rejects.toThrow("snapshot failed");
    await expect(client.upsert(name, { points: [point(2)] })).rejects.toThrow("snapshot failed");
    expect((await conn.client.count(name, { exact: true })).count).toBe(0);
  });
});
