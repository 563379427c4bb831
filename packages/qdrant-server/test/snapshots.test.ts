import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningQdrant, startQdrant } from "../src/start-qdrant.js";
import { expectValidRequest, expectValidResponse } from "./harness/openapi.js";
import { type TestQdrant, uniqueName } from "./harness/qdrant.js";
import { errorText, type RestReply, rest } from "./harness/qdrant-rest.js";

/**
 * Snapshot tests need the server's snapshots directory on this machine (for
 * `file://` recovery), so against a real Qdrant set QDRANT_SNAPSHOTS_DIR to
 * where its snapshots directory is mounted here; otherwise those cases skip.
 */
const externalUrl = process.env.QDRANT_URL;
const externalSnapshots = process.env.QDRANT_SNAPSHOTS_DIR;
let server: RunningQdrant | undefined;
let snapshotsDir: string | undefined = externalSnapshots;
let qdrant: TestQdrant;

beforeAll(async () => {
  let url = externalUrl;
  if (!url) {
    snapshotsDir = await mkdtemp(join(tmpdir(), "qm-snapshots-test-"));
    server = await startQdrant({ snapshotsDir });
    url = server.url;
  }
  qdrant = {
    url,
    apiKey: process.env.QDRANT_API_KEY,
    external: externalUrl !== undefined,
    get client(): never {
      throw new Error("this file uses raw REST calls");
    },
  };
});

afterAll(async () => {
  await server?.stop();
  if (server && snapshotsDir) await rm(snapshotsDir, { recursive: true, force: true });
});

const VECTOR = [0.1, 0.2, 1 / 3, 1e-7];
const SNAPSHOTS = "/collections/{collection_name}/snapshots";

interface Description {
  name: string;
  size: number;
  checksum: string;
  creation_time: string;
}

async function collectionWithPoints(name: string) {
  expect(
    (
      await rest(qdrant, "PUT", `/collections/${name}`, {
        vectors: { size: 4, distance: "Euclid" },
        metadata: { version: 3 },
      })
    ).status,
  ).toBe(200);
  await rest(qdrant, "PUT", `/collections/${name}/index?wait=true`, {
    field_name: "city",
    field_schema: "keyword",
  });
  const upsert = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
    points: [
      { id: 1, vector: VECTOR, payload: { city: "Berlin" } },
      { id: 2, vector: [1, 2, 3, 4], payload: { city: "Paris" } },
    ],
  });
  expect(upsert.status).toBe(200);
}

async function snapshot(collection: string): Promise<Description> {
  const reply = await rest(qdrant, "POST", `/collections/${collection}/snapshots?wait=true`);
  expectValidResponse("post", SNAPSHOTS, reply.status, reply.body);
  expect(reply.status).toBe(200);
  return (reply.body as { result: Description }).result;
}

async function points(collection: string): Promise<unknown[]> {
  const reply = await rest(qdrant, "POST", `/collections/${collection}/points`, {
    ids: [1, 2],
    with_vector: true,
    with_payload: true,
  });
  expect(reply.status).toBe(200);
  return (reply.body as { result: unknown[] }).result;
}

async function recover(collection: string, body: Record<string, unknown>) {
  expectValidRequest("put", `${SNAPSHOTS}/recover`, body);
  const reply = await rest(qdrant, "PUT", `/collections/${collection}/snapshots/recover`, body);
  expectValidResponse("put", `${SNAPSHOTS}/recover`, reply.status, reply.body);
  return reply;
}

function fileLocation(collection: string, name: string): string {
  return `file://${join(snapshotsDir as string, collection, name)}`;
}

describe("Qdrant server: collection snapshots", () => {
  it("creates a snapshot named <collection>-<peer>-<UTC time>.snapshot with size and sha256", async () => {
    const name = uniqueName("snap_create");
    await collectionWithPoints(name);
    const made = await snapshot(name);
    expect(made.name).toMatch(
      new RegExp(`^${name}-\\d+-\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}\\.snapshot$`),
    );
    expect(made.size).toBeGreaterThan(0);
    expect(made.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it("lists snapshots with their checksums", async () => {
    const name = uniqueName("snap_list");
    await collectionWithPoints(name);
    const made = await snapshot(name);
    const reply = await rest(qdrant, "GET", `/collections/${name}/snapshots`);
    expectValidResponse("get", SNAPSHOTS, reply.status, reply.body);
    expect((reply.body as { result: Description[] }).result).toEqual([
      expect.objectContaining({ name: made.name, checksum: made.checksum, size: made.size }),
    ]);
  });

  it("downloads the snapshot file, whose sha256 is the checksum", async () => {
    const name = uniqueName("snap_download");
    await collectionWithPoints(name);
    const made = await snapshot(name);
    const res = await fetch(`${qdrant.url}/collections/${name}/snapshots/${made.name}`, {
      headers: qdrant.apiKey ? { "api-key": qdrant.apiKey } : {},
    });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(made.checksum);
  });

  it("deletes a snapshot, and 404s when it is already gone", async () => {
    const name = uniqueName("snap_delete");
    await collectionWithPoints(name);
    const made = await snapshot(name);
    const path = `/collections/${name}/snapshots/${made.name}`;
    const first = await rest(qdrant, "DELETE", `${path}?wait=true`);
    expectValidResponse("delete", `${SNAPSHOTS}/{snapshot_name}`, first.status, first.body);
    expect((first.body as { result: unknown }).result).toBe(true);
    const second = await rest(qdrant, "DELETE", `${path}?wait=true`);
    expect(second.status).toBe(404);
    expect(errorText(second)).toBe(`Not found: Snapshot ${made.name} not found`);
  });

  it("answers a download of a missing snapshot with 404 in plain text, outside the envelope", async () => {
    const name = uniqueName("snap_download_missing");
    await collectionWithPoints(name);
    await snapshot(name);
    const reply = await rest(qdrant, "GET", `/collections/${name}/snapshots/absent.snapshot`);
    expect(reply.status).toBe(404);
    expect(reply.contentType).toMatch(/^text\/plain/);
    expect(reply.body).toBe("Not found: Snapshot absent.snapshot not found");
    const full = await rest(qdrant, "GET", "/snapshots/absent.snapshot");
    expect([full.status, full.body]).toEqual([
      404,
      "Not found: Snapshot absent.snapshot not found",
    ]);
  });

  it("answers 202 accepted with wait=false", async () => {
    const name = uniqueName("snap_nowait");
    await collectionWithPoints(name);
    const reply = await rest(qdrant, "POST", `/collections/${name}/snapshots?wait=false`);
    expectValidResponse("post", SNAPSHOTS, reply.status, reply.body);
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ status: "accepted" });
  });

  it("answers 202 with wait=false even when the task fails, as Qdrant only logs it", async () => {
    const name = uniqueName("snap_nowait_fail");
    await collectionWithPoints(name);
    const reply = await rest(
      qdrant,
      "DELETE",
      `/collections/${name}/snapshots/absent.snapshot?wait=false`,
    );
    expect(reply.status).toBe(202);
    const waited = await rest(qdrant, "DELETE", `/collections/${name}/snapshots/absent.snapshot`);
    expect(waited.status).toBe(404);
  });

  it("answers 404 for snapshot names that try to leave the directory", async () => {
    const name = uniqueName("snap_traversal");
    await collectionWithPoints(name);
    const encoded = encodeURIComponent("../../../../etc/passwd");
    const reply = await rest(qdrant, "GET", `/collections/${name}/snapshots/${encoded}`);
    expect(reply.status).toBe(404);
  });

  it("answers 404 for an unknown collection", async () => {
    const name = uniqueName("snap_missing");
    const reply = await rest(qdrant, "POST", `/collections/${name}/snapshots`);
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe(`Not found: Collection \`${name}\` doesn't exist!`);
  });
});

describe("Qdrant server: recovering collection snapshots", () => {
  it.skipIf(!snapshotsDir && externalUrl !== undefined)(
    "recreates a dropped collection from file:// with config, indexes and exact vectors (real server: needs its snapshots dir here, QDRANT_SNAPSHOTS_DIR)",
    async () => {
      const name = uniqueName("snap_roundtrip");
      await collectionWithPoints(name);
      const before = await points(name);
      const made = await snapshot(name);
      await rest(qdrant, "DELETE", `/collections/${name}`);

      const reply = await recover(name, { location: fileLocation(name, made.name) });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(await points(name)).toEqual(before);
      const info = await rest(qdrant, "GET", `/collections/${name}`);
      const result = (info.body as { result: Record<string, Record<string, unknown>> }).result;
      expect(result.config?.metadata).toEqual({ version: 3 });
      expect(result.payload_schema).toMatchObject({ city: { data_type: "keyword" } });
    },
  );

  it.skipIf(!snapshotsDir && externalUrl !== undefined)(
    "replaces the points of an existing compatible collection (real server: needs its snapshots dir here, QDRANT_SNAPSHOTS_DIR)",
    async () => {
      const name = uniqueName("snap_replace");
      await collectionWithPoints(name);
      const made = await snapshot(name);
      await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
        points: [{ id: 3, vector: [0, 0, 0, 1] }],
      });
      await rest(qdrant, "POST", `/collections/${name}/points/delete?wait=true`, { points: [1] });

      const reply = await recover(name, { location: fileLocation(name, made.name) });
      expect(reply.status).toBe(200);
      const count = await rest(qdrant, "POST", `/collections/${name}/points/count`, {
        exact: true,
      });
      expect((count.body as { result: { count: number } }).result.count).toBe(2);
      expect(await points(name)).toHaveLength(2);
    },
  );

  it.skipIf(!snapshotsDir && externalUrl !== undefined)(
    `refuses a snapshot whose vectors differ from the existing collection's (real server: needs its snapshots dir here, QDRANT_SNAPSHOTS_DIR)`,
    async () => {
      const source = uniqueName("snap_src");
      const target = uniqueName("snap_other");
      await collectionWithPoints(source);
      const made = await snapshot(source);
      await rest(qdrant, "PUT", `/collections/${target}`, {
        vectors: { size: 8, distance: "Dot" },
      });
      const reply = await recover(target, { location: fileLocation(source, made.name) });
      expect(reply.status).toBe(400);
      expect(errorText(reply)).toContain("Snapshot is not compatible with existing collection");
    },
  );

  it.skipIf(!snapshotsDir && externalUrl !== undefined)(
    "compares the whole vectors config: an on_disk change since the snapshot is incompatible (real server: needs its snapshots dir here, QDRANT_SNAPSHOTS_DIR)",
    async () => {
      const name = uniqueName("snap_ondisk");
      await collectionWithPoints(name);
      const made = await snapshot(name);
      await rest(qdrant, "PATCH", `/collections/${name}`, { vectors: { "": { on_disk: true } } });
      const reply = await recover(name, { location: fileLocation(name, made.name) });
      expect(reply.status).toBe(400);
      expect(errorText(reply)).toMatch(
        /^Wrong input: Snapshot is not compatible with existing collection: Collection vectors: /,
      );
    },
  );

  it.skipIf(!snapshotsDir && externalUrl !== undefined)(
    "refuses a wrong checksum with 400 and creates nothing (real server: needs its snapshots dir here, QDRANT_SNAPSHOTS_DIR)",
    async () => {
      const name = uniqueName("snap_checksum");
      const copy = uniqueName("snap_checksum_copy");
      await collectionWithPoints(name);
      const made = await snapshot(name);
      const reply = await recover(copy, {
        location: fileLocation(name, made.name),
        checksum: "3".repeat(64),
      });
      expect(reply.status).toBe(400);
      expect((await rest(qdrant, "GET", `/collections/${copy}`)).status).toBe(404);
      const good = await recover(copy, {
        location: fileLocation(name, made.name),
        checksum: made.checksum,
      });
      expect(good.status).toBe(200);
    },
  );

  it.skipIf(!snapshotsDir && externalUrl !== undefined)(
    "recovers through an alias into the collection it points to (real server: needs its snapshots dir here, QDRANT_SNAPSHOTS_DIR)",
    async () => {
      const name = uniqueName("snap_via_alias");
      const alias = uniqueName("snap_via_alias_a");
      await collectionWithPoints(name);
      const made = await snapshot(name);
      await rest(qdrant, "POST", "/collections/aliases", {
        actions: [{ create_alias: { collection_name: name, alias_name: alias } }],
      });
      await rest(qdrant, "POST", `/collections/${name}/points/delete?wait=true`, {
        points: [1, 2],
      });
      const reply = await recover(alias, { location: fileLocation(name, made.name) });
      expect(reply.status).toBe(200);
      expect(await points(name)).toHaveLength(2);
      const listed = await rest(qdrant, "GET", "/collections");
      const names = (listed.body as { result: { collections: { name: string }[] } }).result
        .collections;
      expect(names.map((c) => c.name)).not.toContain(alias);
    },
  );

  it.skipIf(!snapshotsDir && externalUrl !== undefined)(
    "does not carry aliases in a collection snapshot (real server: needs its snapshots dir here, QDRANT_SNAPSHOTS_DIR)",
    async () => {
      const name = uniqueName("snap_alias");
      const alias = uniqueName("snap_alias_a");
      await collectionWithPoints(name);
      await rest(qdrant, "POST", "/collections/aliases", {
        actions: [{ create_alias: { collection_name: name, alias_name: alias } }],
      });
      const made = await snapshot(name);
      await rest(qdrant, "DELETE", `/collections/${name}`);
      expect((await recover(name, { location: fileLocation(name, made.name) })).status).toBe(200);
      const aliases = await rest(qdrant, "GET", `/collections/${name}/aliases`);
      expect((aliases.body as { result: { aliases: unknown[] } }).result.aliases).toEqual([]);
    },
  );

  it("refuses a file:// path outside the snapshots directory with 403", async () => {
    const reply = await recover(uniqueName("snap_etc"), { location: "file:///etc/passwd" });
    expect(reply.status).toBe(403);
    expect(errorText(reply)).toMatch(
      /^Forbidden: Snapshot file path must be inside the snapshots directory/,
    );
  });

  it("refuses a relative file:// location and a missing file with Qdrant's texts", async () => {
    const relative = await recover(uniqueName("snap_rel"), {
      location: "file://whatever.snapshot",
    });
    expect(relative.status).toBe(400);
    expect(errorText(relative)).toBe(
      "Bad request: Invalid snapshot URI, file path must be absolute or on localhost",
    );
    const missing = await recover(uniqueName("snap_nofile"), {
      location: "file:///whatever.snapshot",
    });
    expect(missing.status).toBe(400);
    expect(errorText(missing)).toBe(
      'Bad request: Snapshot file "/whatever.snapshot" does not exist',
    );
  });

  it.skipIf(!snapshotsDir && externalUrl !== undefined)(
    "downloads an http:// location and recovers it (real server: only when local, as QDRANT_SNAPSHOTS_DIR shows, to reach this file server)",
    async () => {
      const name = uniqueName("snap_http");
      await collectionWithPoints(name);
      const before = await points(name);
      const made = await snapshot(name);
      const bytes = Buffer.from(
        await (
          await fetch(`${qdrant.url}/collections/${name}/snapshots/${made.name}`)
        ).arrayBuffer(),
      );
      const files: Server = createServer((_req, res) => res.end(bytes));
      await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
      const address = files.address() as { port: number };
      try {
        const copy = uniqueName("snap_http_copy");
        const reply = await recover(copy, {
          location: `http://127.0.0.1:${address.port}/x.snapshot`,
          checksum: made.checksum,
        });
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        expect(await points(copy)).toEqual(before);
      } finally {
        files.close();
      }
    },
  );
});

describe("Qdrant server: uploading snapshots", () => {
  async function upload(
    collection: string,
    bytes: Buffer,
    query = "",
    field = "snapshot",
  ): Promise<RestReply> {
    const form = new FormData();
    form.append(field, new Blob([new Uint8Array(bytes)]), "uploaded.snapshot");
    const res = await fetch(`${qdrant.url}/collections/${collection}/snapshots/upload${query}`, {
      method: "POST",
      body: form,
      headers: qdrant.apiKey ? { "api-key": qdrant.apiKey } : {},
    });
    const contentType = res.headers.get("content-type") ?? "";
    if (!contentType.includes("application/json")) {
      return { status: res.status, body: await res.text(), contentType };
    }
    const body = (await res.json()) as unknown;
    expectValidResponse("post", `${SNAPSHOTS}/upload`, res.status, body);
    return { status: res.status, body, contentType };
  }

  async function download(collection: string, name: string): Promise<Buffer> {
    const res = await fetch(`${qdrant.url}/collections/${collection}/snapshots/${name}`, {
      headers: qdrant.apiKey ? { "api-key": qdrant.apiKey } : {},
    });
    return Buffer.from(await res.arrayBuffer());
  }

  it("recovers an uploaded snapshot into a new collection", async () => {
    const name = uniqueName("snap_up");
    await collectionWithPoints(name);
    const before = await points(name);
    const bytes = await download(name, (await snapshot(name)).name);
    const copy = uniqueName("snap_up_copy");
    const reply = await upload(copy, bytes, "?wait=true&priority=snapshot");
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(await points(copy)).toEqual(before);
  });

  it("refuses an upload whose checksum does not match", async () => {
    const name = uniqueName("snap_up_sum");
    await collectionWithPoints(name);
    const bytes = await download(name, (await snapshot(name)).name);
    const reply = await upload(uniqueName("snap_up_bad"), bytes, `?checksum=${"0".repeat(64)}`);
    expect(reply.status).toBe(400);
  });

  it("lists an uploaded snapshot without a checksum: Qdrant moves the upload into place unhashed", async () => {
    const name = uniqueName("snap_up_list");
    await collectionWithPoints(name);
    const bytes = await download(name, (await snapshot(name)).name);
    const copy = uniqueName("snap_up_listed");
    expect((await upload(copy, bytes, "?wait=true")).status).toBe(200);
    const listed = await rest(qdrant, "GET", `/collections/${copy}/snapshots`);
    const [only, ...others] = (listed.body as { result: Description[] }).result;
    expect(others).toEqual([]);
    expect(only?.name).toBe("uploaded.snapshot");
    expect(only).not.toHaveProperty("checksum");
  });

  it("keeps nothing of an upload whose checksum does not match", async () => {
    const name = uniqueName("snap_up_keep");
    await collectionWithPoints(name);
    const bytes = await download(name, (await snapshot(name)).name);
    const names = async () =>
      (
        (await rest(qdrant, "GET", `/collections/${name}/snapshots`)).body as {
          result: Description[];
        }
      ).result.map((d) => d.name);
    const before = await names();
    const reply = await upload(name, bytes, `?checksum=${"0".repeat(64)}`);
    expect(reply.status).toBe(400);
    expect(await names()).toEqual(before);
  });

  it("fails with 500 on a file that is not a snapshot, without naming the snapshots directory", async () => {
    const reply = await upload(uniqueName("snap_up_junk"), Buffer.from("not a snapshot"));
    expect(reply.status).toBe(500);
    expect(errorText(reply)).toMatch(/^Service internal error: File IO error: /);
    expect(JSON.stringify(reply.body)).not.toContain(snapshotsDir ?? "/qdrant/snapshots");
  });

  it("answers a multipart body without a snapshot field in plain text, as actix does", async () => {
    const reply = await upload(uniqueName("snap_up_field"), Buffer.from("x"), "", "file");
    expect(reply.status).toBe(400);
    expect(reply.contentType).toMatch(/^text\/plain/);
    expect(reply.body).toBe("Required field is missing: snapshot");
  });

  it("refuses an upload priority it does not know, listing the ones it does", async () => {
    // An empty form: the binary answers before reading a file, which breaks fetch's upload (EPIPE).
    const reply = await rest(
      qdrant,
      "POST",
      `/collections/${uniqueName("snap_up_prio")}/snapshots/upload?priority=first`,
      "--x--\r\n",
      { "content-type": "multipart/form-data; boundary=x" },
    );
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe(
      "Deserialize error in query parameters: unknown variant `first`, expected one of `no_sync`, `snapshot`, `replica`",
    );
  });

  it("checks an upload's checksum with its own message: expected and actual swapped", async () => {
    const name = uniqueName("snap_up_text");
    await collectionWithPoints(name);
    const bytes = await download(name, (await snapshot(name)).name);
    const given = "0".repeat(64);
    const reply = await upload(uniqueName("snap_up_text_copy"), bytes, `?checksum=${given}`);
    const actual = createHash("sha256").update(bytes).digest("hex");
    expect(errorText(reply)).toBe(`Checksum mismatch: expected ${actual}, actual ${given}`);
  });
});

describe("Qdrant server: full-storage snapshots", () => {
  it("creates, lists, downloads and deletes a full snapshot", async () => {
    const created = await rest(qdrant, "POST", "/snapshots?wait=true");
    expectValidResponse("post", "/snapshots", created.status, created.body);
    const made = (created.body as { result: Description }).result;
    expect(made.name).toMatch(/^full-snapshot-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.snapshot$/);

    const listed = await rest(qdrant, "GET", "/snapshots");
    expectValidResponse("get", "/snapshots", listed.status, listed.body);
    expect((listed.body as { result: Description[] }).result.map((s) => s.name)).toContain(
      made.name,
    );

    const res = await fetch(`${qdrant.url}/snapshots/${made.name}`, {
      headers: qdrant.apiKey ? { "api-key": qdrant.apiKey } : {},
    });
    expect(res.status).toBe(200);
    const digest = createHash("sha256")
      .update(Buffer.from(await res.arrayBuffer()))
      .digest("hex");
    expect(digest).toBe(made.checksum);

    const deleted = await rest(qdrant, "DELETE", `/snapshots/${made.name}?wait=true`);
    expectValidResponse("delete", "/snapshots/{snapshot_name}", deleted.status, deleted.body);
    expect(deleted.status).toBe(200);
    expect((await rest(qdrant, "DELETE", `/snapshots/${made.name}`)).status).toBe(404);
  });
});

describe.skipIf(externalUrl !== undefined)(
  "Qdrant server: snapshots within one second (in-process server only: needs its injectable clock)",
  () => {
    it("gives two snapshots of a collection in the same second one name; the later replaces the earlier", async () => {
      const dir = await mkdtemp(join(tmpdir(), "qm-same-second-"));
      const frozen = new Date("2026-01-02T03:04:05Z");
      const own = await startQdrant({ snapshotsDir: dir, now: () => frozen });
      const local: TestQdrant = {
        url: own.url,
        apiKey: undefined,
        external: false,
        get client(): never {
          throw new Error("this file uses raw REST calls");
        },
      };
      try {
        const name = uniqueName("snap_same");
        await rest(local, "PUT", `/collections/${name}`, { vectors: { size: 1, distance: "Dot" } });
        const first = await rest(local, "POST", `/collections/${name}/snapshots`);
        await rest(local, "PUT", `/collections/${name}/points?wait=true`, {
          points: [{ id: 1, vector: [1] }],
        });
        const second = await rest(local, "POST", `/collections/${name}/snapshots`);
        const a = (first.body as { result: Description }).result;
        const b = (second.body as { result: Description }).result;
        expect(b.name).toBe(a.name);
        expect(b.checksum).not.toBe(a.checksum);
        const listed = await rest(local, "GET", `/collections/${name}/snapshots`);
        expect((listed.body as { result: Description[] }).result).toEqual([
          expect.objectContaining({ name: b.name, checksum: b.checksum }),
        ]);
        await mkdir(join(dir, "copy"), { recursive: true });
        await copyFile(join(dir, name, b.name), join(dir, "copy", "x.snapshot"));
        const recovered = await rest(local, "PUT", `/collections/${name}_r/snapshots/recover`, {
          location: `file://${join(dir, "copy", "x.snapshot")}`,
        });
        expect(recovered.status).toBe(200);
        const count = await rest(local, "POST", `/collections/${name}_r/points/count`, {});
        expect((count.body as { result: { count: number } }).result.count).toBe(1);
      } finally {
        await own.stop();
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
);
