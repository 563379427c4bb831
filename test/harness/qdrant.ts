import { QdrantClient } from "@qdrant/js-client-rest";
import {
  DEFAULT_QDRANT_VERSION,
  type RunningQdrant,
  startQdrant,
} from "@qdrant-migrate/qdrant-server";
import { afterAll, beforeAll } from "vitest";

export interface TestQdrant {
  /** Base URL: `QDRANT_URL` when set, else this file's own in-process server. */
  readonly url: string;
  /** `QDRANT_API_KEY`, when testing a real server that needs one. */
  readonly apiKey: string | undefined;
  /** A client for `url`. */
  readonly client: QdrantClient;
  /** True when the tests run against a real Qdrant given by `QDRANT_URL`. */
  readonly external: boolean;
}

/**
 * Gives the calling test file a Qdrant: the real one at `QDRANT_URL` when that
 * is set, otherwise an in-process Qdrant-compatible server of its own.
 * Against a shared real server, tests must use unique collection names.
 */
export function useQdrant(): TestQdrant {
  const externalUrl = process.env.QDRANT_URL;
  const apiKey = process.env.QDRANT_API_KEY;
  let server: RunningQdrant | undefined;
  let client: QdrantClient | undefined;
  let url: string | undefined = externalUrl;
  beforeAll(async () => {
    if (!externalUrl) {
      server = await startQdrant();
      url = server.url;
    }
    client = testClient(url as string, apiKey);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get url() {
      if (!url) throw new Error("useQdrant(): read .url inside a test or hook");
      return url;
    },
    apiKey,
    get client() {
      if (!client) throw new Error("useQdrant(): read .client inside a test or hook");
      return client;
    },
    external: externalUrl !== undefined,
  };
}

/**
 * The official client as the tests' own hand on Qdrant, asking for plain
 * answers as `connectQdrant` does: gzipped ones stall ~40 ms on the real binary.
 */
export function testClient(url: string, apiKey?: string): QdrantClient {
  return new QdrantClient({
    url,
    apiKey,
    headers: { "accept-encoding": "identity" },
    checkCompatibility: false,
  });
}

/**
 * An in-process server of the calling file's own that reports `version`
 * (`GET /`), even when `QDRANT_URL` names a real one: for what only an older
 * Qdrant does, no real binary of which is at hand.
 */
export function useQdrantReporting(version: string): TestQdrant {
  let server: RunningQdrant | undefined;
  let client: QdrantClient | undefined;
  beforeAll(async () => {
    server = await startQdrant({ version });
    client = testClient(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get url() {
      if (!server) throw new Error("useQdrantReporting(): read .url inside a test or hook");
      return server.url;
    },
    apiKey: undefined,
    get client() {
      if (!client) throw new Error("useQdrantReporting(): read .client inside a test or hook");
      return client;
    },
    external: false,
  };
}

/** A collection name no other test (or earlier run against a real server) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Upserts one new point after another into `collection` until the returned
 * function is called, which waits for the last write: a collection that
 * keeps changing while a migration snapshots it.
 */
export function keepWriting(client: QdrantClient, collection: string): () => Promise<void> {
  let writing = true;
  let id = 1000;
  const writer = (async () => {
    while (writing) {
      await client.upsert(collection, { wait: true, points: [{ id: id++, vector: [1, 1, 1, 1] }] });
    }
  })();
  return async () => {
    writing = false;
    await writer;
  };
}

/** A Qdrant feature a test may need, and the first version that has it. */
export interface QdrantFeature {
  readonly since: readonly [number, number];
  readonly name: string;
}

/** `PUT`/`DELETE /collections/{c}/vectors/{v}`: named vectors added and removed in place. */
export const IN_PLACE_VECTORS: QdrantFeature = { since: [1, 18], name: "in-place named vectors" };
/** `config.metadata` on a collection, where qdrant-migrate stamps the schema version. */
export const COLLECTION_METADATA: QdrantFeature = { since: [1, 16], name: "collection metadata" };

let version: Promise<string> | undefined;

/**
 * The version of the Qdrant the test files run against (`GET /`): the real
 * server at `QDRANT_URL`, else what the in-process server reports.
 */
export function testQdrantVersion(): Promise<string> {
  version ??= (async () => {
    const url = process.env.QDRANT_URL;
    if (!url) return DEFAULT_QDRANT_VERSION;
    const headers: Record<string, string> = {};
    if (process.env.QDRANT_API_KEY) headers["api-key"] = process.env.QDRANT_API_KEY;
    const body = (await (await fetch(`${url}/`, { headers })).json()) as { version?: unknown };
    return String(body.version ?? "");
  })();
  return version;
}

/** Whether Qdrant `version` is `[major, minor]` or newer; a dev build's unparsable version counts as recent. */
export function qdrantAtLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  const [m, n] = [Number(match[1]), Number(match[2])];
  return m > major || (m === major && n >= minor);
}

/**
 * For a test that needs `feature`, read at a file's top level: whether to
 * skip it on the Qdrant the tests run against, and the reason to append to
 * its name when skipped (`""` otherwise), so the report says why.
 */
export async function needsQdrant(
  feature: QdrantFeature,
): Promise<{ skip: boolean; reason: string }> {
  const running = await testQdrantVersion();
  if (qdrantAtLeast(running, feature.since)) return { skip: false, reason: "" };
  return {
    skip: true,
    reason: ` (skipped: Qdrant ${running} has no ${feature.name}, ${feature.since.join(".")}+)`,
  };
}
