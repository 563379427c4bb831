import { type ChildProcess, spawn } from "node:child_process";
import { appendFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningQdrant, startQdrant } from "../src/start-qdrant.js";
import type { TestQdrant } from "./harness/qdrant.js";
import { rest } from "./harness/qdrant-rest.js";

/** Persistence is a property of the in-process server only; real Qdrant has its own. */
const inProcess = process.env.QDRANT_URL === undefined;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function storageDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qm-storage-test-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function target(url: string): TestQdrant {
  return {
    url,
    apiKey: undefined,
    external: false,
    get client(): never {
      throw new Error("raw REST only");
    },
  };
}

async function startInProcess(dir: string): Promise<{ server: RunningQdrant; q: TestQdrant }> {
  const server = await startQdrant({ storageDir: dir });
  cleanups.push(() => server.stop());
  return { server, q: target(server.url) };
}

const SERVER_PROCESS = fileURLToPath(
  new URL("./fixtures/qdrant-server-process.ts", import.meta.url),
);
const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The server in a child process, so it can be killed with SIGKILL. */
async function startChild(dir: string): Promise<{ child: ChildProcess; q: TestQdrant }> {
  const child = spawn(process.execPath, ["--import", "tsx", SERVER_PROCESS, dir], {
    cwd: PACKAGE_ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) await kill9(child);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(line.trim());
    });
    child.once("exit", (code) => reject(new Error(`server process exited early (${code})`)));
  });
  return { child, q: target(url) };
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

const VECTOR = [0.1, 1 / 3, -2.5e-8, 123456.789];

async function seed(q: TestQdrant, name: string) {
  const calls: [string, string, unknown][] = [
    ["PUT", `/collections/${name}`, { vectors: { size: 4, distance: "Dot" }, metadata: { v: 1 } }],
    ["PUT", `/collections/${name}/index?wait=true`, { field_name: "k", field_schema: "keyword" }],
    [
      "PUT",
      `/collections/${name}/points?wait=true`,
      { points: [{ id: 7, vector: VECTOR, payload: { k: "x" } }] },
    ],
    [
      "POST",
      "/collections/aliases",
      { actions: [{ create_alias: { collection_name: name, alias_name: `${name}_live` } }] },
    ],
  ];
  for (const [method, path, body] of calls) {
    const reply = await rest(q, method, path, body);
    expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.body)}`).toBe(200);
  }
}

async function expectSeeded(q: TestQdrant, name: string, expectedVector: unknown) {
  const info = await rest(q, "GET", `/collections/${name}_live`);
  expect(info.status).toBe(200);
  const result = (info.body as { result: Record<string, Record<string, unknown>> }).result;
  expect(result.config?.metadata).toEqual({ v: 1 });
  expect(result.payload_schema).toMatchObject({ k: { data_type: "keyword" } });
  const point = await rest(q, "GET", `/collections/${name}/points/7`);
  expect(point.body).toMatchObject({ result: { id: 7, payload: { k: "x" } } });
  expect((point.body as { result: { vector: unknown } }).result.vector).toEqual(expectedVector);
}

describe.skipIf(!inProcess)(
  "Qdrant server: persistence with a storage directory (in-process server only: its own storageDir option)",
  () => {
    it("keeps collections, indexes, points and aliases across stop() and restart", async () => {
      const dir = await storageDir();
      const first = await startInProcess(dir);
      await seed(first.q, "kept");
      const vector = (
        (await rest(first.q, "GET", "/collections/kept/points/7")).body as {
          result: { vector: unknown };
        }
      ).result.vector;
      await first.server.stop();

      const second = await startInProcess(dir);
      await expectSeeded(second.q, "kept", vector);
    });

    it("keeps every acknowledged write after kill -9", async () => {
      const dir = await storageDir();
      const { child, q } = await startChild(dir);
      await seed(q, "crash");
      const vector = (
        (await rest(q, "GET", "/collections/crash/points/7")).body as {
          result: { vector: unknown };
        }
      ).result.vector;
      const acknowledged: number[] = [];
      for (let id = 100; id < 130; id++) {
        const reply = await rest(q, "PUT", "/collections/crash/points?wait=true", {
          points: [{ id, vector: [id, 0, 0, 0] }],
        });
        if (reply.status === 200) acknowledged.push(id);
      }
      // More writes in flight while the process dies: none of them is required to survive.
      const inFlight = [130, 131, 132].map((id) =>
        rest(q, "PUT", "/collections/crash/points?wait=true", {
          points: [{ id, vector: [id, 0, 0, 0] }],
        }).catch(() => undefined),
      );
      await kill9(child);
      await Promise.all(inFlight);

      const { q: after } = await startInProcess(dir);
      await expectSeeded(after, "crash", vector);
      const found = await rest(after, "POST", "/collections/crash/points", { ids: acknowledged });
      expect((found.body as { result: unknown[] }).result).toHaveLength(acknowledged.length);
    });

    it("replays the part of a failed alias request that Qdrant keeps", async () => {
      const dir = await storageDir();
      const { child, q } = await startChild(dir);
      await rest(q, "PUT", "/collections/c1", { vectors: { size: 1, distance: "Dot" } });
      const reply = await rest(q, "POST", "/collections/aliases", {
        actions: [
          { create_alias: { collection_name: "c1", alias_name: "kept_alias" } },
          { create_alias: { collection_name: "absent", alias_name: "never" } },
        ],
      });
      expect(reply.status).toBe(404);
      await kill9(child);

      const { q: after } = await startInProcess(dir);
      const aliases = await rest(after, "GET", "/aliases");
      expect((aliases.body as { result: { aliases: unknown[] } }).result.aliases).toEqual([
        { alias_name: "kept_alias", collection_name: "c1" },
      ]);
    });

    it("keeps a recovered collection even when its snapshot file is gone", async () => {
      const dir = await storageDir();
      const { child, q } = await startChild(dir);
      await seed(q, "src");
      const made = await rest(q, "POST", "/collections/src/snapshots");
      const name = (made.body as { result: { name: string } }).result.name;
      const location = `file://${join(dir, "snapshots", "src", name)}`;
      const recovered = await rest(q, "PUT", "/collections/copy/snapshots/recover", { location });
      expect(recovered.status, JSON.stringify(recovered.body)).toBe(200);
      await rest(q, "DELETE", `/collections/src/snapshots/${name}`);
      await kill9(child);

      const { q: after } = await startInProcess(dir);
      const count = await rest(after, "POST", "/collections/copy/points/count", { exact: true });
      expect((count.body as { result: { count: number } }).result.count).toBe(1);
    });

    it("ignores a torn last line in the write-ahead log", async () => {
      const dir = await storageDir();
      const first = await startInProcess(dir);
      await rest(first.q, "PUT", "/collections/torn", { vectors: { size: 1, distance: "Dot" } });
      await first.server.stop();
      const wal = (await readdir(dir)).find((f) => /^wal-\d+\.log$/.test(f));
      expect(wal).toBeDefined();
      await appendFile(join(dir, wal as string), '{"method":"DELETE","path":"/collections/to');

      const { q } = await startInProcess(dir);
      expect((await rest(q, "GET", "/collections/torn")).status).toBe(200);
      await rest(q, "PUT", "/collections/after", { vectors: { size: 1, distance: "Dot" } });
      const listed = await rest(q, "GET", "/collections");
      const names = (listed.body as { result: { collections: { name: string }[] } }).result
        .collections;
      expect(names.map((c) => c.name).sort()).toEqual(["after", "torn"]);
    });

    it("refuses to start on a state file it did not write, with a typed error", async () => {
      const dir = await storageDir();
      await writeFile(join(dir, "state.bin"), "not a state file");
      await expect(startQdrant({ storageDir: dir })).rejects.toMatchObject({
        code: "qdrant_server_storage_unreadable",
      });
    });

    it("starts empty on a new directory", async () => {
      const dir = await storageDir();
      const { q } = await startInProcess(dir);
      const listed = await rest(q, "GET", "/collections");
      expect(listed.body).toMatchObject({ result: { collections: [] } });
    });
  },
);
