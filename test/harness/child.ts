import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** tsx's loader by absolute URL: children run in project folders with no node_modules. */
const TSX_LOADER = pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called with everything the child wrote to stderr so far, on each write. */
  onStderr?: (stderrSoFar: string) => void;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns `command` and resolves when it ends, with everything it wrote:
 * the one way this suite runs a process and captures its output. `env` is
 * the child's whole environment; after `timeoutMs` the child is SIGKILLed.
 */
export function spawnCaptured(
  command: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; onStderr?: (s: string) => void },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr);
    });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs a TypeScript file of this repo in a fresh Node process through tsx. */
export function runTs(
  file: string,
  args: readonly string[],
  opts: ChildOptions = {},
): Promise<ChildResult> {
  return runNode(["--import", TSX_LOADER, join(REPO_ROOT, file), ...args], opts);
}

/**
 * Runs the qdrant-migrate CLI in a fresh Node process: `src/cli/main.ts` as
 * bundled once for the test run (`test/setup/bundles.ts`).
 */
export function runCli(args: readonly string[], opts: ChildOptions = {}): Promise<ChildResult> {
  return runNode([bundled("main.js"), ...args], opts);
}

/**
 * Runs `test/fixtures/crash-runner.ts` (`up`, SIGKILLed at a chosen event) in
 * a fresh Node process, as bundled once for the test run. A migration that
 * imports a TypeScript file of this repo needs tsx's loader: `runTs` it instead.
 */
export function runCrashRunner(
  args: readonly string[],
  opts: ChildOptions = {},
): Promise<ChildResult> {
  return runNode([bundled("crash-runner.js"), ...args], opts);
}

function bundled(file: string): string {
  const dir = process.env.QDRANT_MIGRATE_TEST_BUNDLES;
  if (!dir) throw new Error("no test bundles: test/setup/bundles.ts is the run's global setup");
  return join(dir, file);
}

function runNode(args: readonly string[], opts: ChildOptions): Promise<ChildResult> {
  return spawnCaptured(process.execPath, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    timeoutMs: opts.timeoutMs ?? 60_000,
    ...(opts.onStderr ? { onStderr: opts.onStderr } : {}),
  });
}

/**
 * Runs vitest in a child process with the config at `config` (its folder the
 * working directory); resolves its exit code and everything it printed. The
 * child starts its own servers: this run's database and worker ids are not passed on.
 */
export async function runVitest(config: string): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env };
  delete env.TEST_DATABASE_URL;
  delete env.VITEST;
  delete env.VITEST_WORKER_ID;
  delete env.VITEST_POOL_ID;
  const vitest = join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");
  const result = await spawnCaptured(process.execPath, [vitest, "run", "--config", config], {
    cwd: dirname(config),
    env,
  });
  return { code: result.code, output: result.stdout + result.stderr };
}
