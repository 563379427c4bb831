import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { QdrantClient } from "@qdrant/js-client-rest";
import { DEFAULT_QDRANT_VERSION } from "@qdrant-migrate/qdrant-server";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/child.js";

// `qdrant-migrate sandbox` (issue 11): both stores from npm packages alone,
// their URLs printed to export, running until Ctrl-C. It always starts its own
// in-process Qdrant-compatible server, whichever server the suite runs against.
const TSX_LOADER = pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

interface SandboxProcess {
  child: ChildProcess;
  /** Resolves with stdout once `ready` says it holds what the test waits for. */
  output: Promise<string>;
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function startSandboxCli(args: string[], ready: (stdout: string) => boolean): SandboxProcess {
  const child = spawn(
    process.execPath,
    ["--import", TSX_LOADER, join(REPO_ROOT, "src/cli/main.ts"), "sandbox", ...args],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.push(child);
  let stdout = "";
  let stderr = "";
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  const output = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (ready(stdout)) resolve(stdout);
    });
    void exit.then(({ code }) => reject(new Error(`sandbox exited ${code}: ${stderr}`)));
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return { child, output, exit };
}

function exported(stdout: string, name: string): string {
  const match = new RegExp(`^export ${name}=(\\S+)$`, "m").exec(stdout);
  if (!match?.[1]) throw new Error(`no export ${name} in: ${stdout}`);
  return match[1];
}

const bothExports = (stdout: string) =>
  stdout.includes("QDRANT_URL=") && stdout.includes("DATABASE_URL=");

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe("qdrant-migrate sandbox", () => {
  it("prints a DATABASE_URL and a QDRANT_URL that answer, and on SIGINT says it stops both, does, and exits 130", async () => {
    const sandbox = startSandboxCli([], bothExports);
    const stdout = await sandbox.output;
    const databaseUrl = exported(stdout, "DATABASE_URL");
    const qdrantUrl = exported(stdout, "QDRANT_URL");
    expect(await query(databaseUrl, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
    const qdrant = new QdrantClient({ url: qdrantUrl, checkCompatibility: false });
    expect(await qdrant.getCollections()).toEqual({ collections: [] });

    sandbox.child.kill("SIGINT");
    const { code, stderr } = await sandbox.exit;
    expect(code).toBe(130);
    // Nothing runs in a sandbox, so nothing is rolled back.
    expect(stderr).toContain("received SIGINT: stopping the sandbox\n");
    expect(stderr).not.toContain("rolling back");
    expect(stderr).toContain("stopping Postgres and Qdrant");
    await expect(query(databaseUrl, "SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
    await expect(fetch(`${qdrantUrl}/healthz`)).rejects.toThrow();
  });

  it("without --data-dir, leaves nothing behind in the temporary folder after SIGINT", async () => {
    const ours = async () =>
      (await readdir(tmpdir())).filter((name) => name.startsWith("qdrant-migrate-sandbox-"));
    const before = await ours();
    const sandbox = startSandboxCli([], bothExports);
    await sandbox.output;
    expect((await ours()).length).toBe(before.length + 1);
    sandbox.child.kill("SIGINT");
    expect((await sandbox.exit).code).toBe(130);
    expect(await ours()).toEqual(before);
  });

  it("with --data-dir, keeps a table and a collection across a restart on the same folder", async () => {
    const parent = await mkdtemp(join(tmpdir(), "qm-sandbox-test-"));
    // Not created yet: the sandbox makes it (a mkdtemp folder is 0700, closed to the postgres OS user).
    const dataDir = join(parent, "data");
    await chmod(parent, 0o755);
    try {
      const first = startSandboxCli(["--data-dir", dataDir], bothExports);
      const before = await first.output;
      await query(exported(before, "DATABASE_URL"), "CREATE TABLE kept (id int)");
      await new QdrantClient({
        url: exported(before, "QDRANT_URL"),
        checkCompatibility: false,
      }).createCollection("kept", { vectors: { size: 4, distance: "Dot" } });
      first.child.kill("SIGINT");
      expect((await first.exit).code).toBe(130);

      const second = startSandboxCli(["--data-dir", dataDir], bothExports);
      const after = await second.output;
      expect(
        await query(exported(after, "DATABASE_URL"), "SELECT to_regclass('kept')::text AS t"),
      ).toEqual([{ t: "kept" }]);
      const qdrant = new QdrantClient({
        url: exported(after, "QDRANT_URL"),
        checkCompatibility: false,
      });
      expect((await qdrant.collectionExists("kept")).exists).toBe(true);
      second.child.kill("SIGINT");
      expect((await second.exit).code).toBe(130);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it("with --qdrant-port of a port in use, exits 1 with SANDBOX_START_FAILED naming the port", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const sandbox = startSandboxCli(["--json", "--qdrant-port", String(port)], () => false);
      sandbox.output.catch(() => {});
      const { code, stdout } = await sandbox.exit;
      expect(code).toBe(1);
      expect(JSON.parse(stdout)).toEqual({
        ok: false,
        error: {
          code: "SANDBOX_START_FAILED",
          message: expect.stringContaining(`could not listen on port ${port}: it is in use`),
        },
      });
    } finally {
      blocker.close();
    }
  });

  it("with --json, prints one JSON document with both URLs and the Qdrant version the server answers as", async () => {
    const sandbox = startSandboxCli(["--json"], (stdout) => stdout.endsWith("\n"));
    const document = JSON.parse(await sandbox.output) as Record<string, unknown>;
    expect(document).toEqual({
      databaseUrl: expect.stringMatching(/^postgres:\/\/.+@127\.0\.0\.1:\d+\/postgres$/),
      qdrantUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      qdrantVersion: DEFAULT_QDRANT_VERSION,
      dataDir: null,
    });
    sandbox.child.kill("SIGINT");
    expect((await sandbox.exit).code).toBe(130);
  });
});
