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

/** Runs a TypeScript file of this repo in a fresh Node process through tsx. */
export function runTs(
  file: string,
  args: readonly string[],
  opts: ChildOptions = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", TSX_LOADER, join(REPO_ROOT, file), ...args],
      {
        cwd: opts.cwd ?? REPO_ROOT,
        env: { ...process.env, ...opts.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(stderr);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the qdrant-migrate CLI from source. */
export function runCli(args: readonly string[], opts: ChildOptions = {}): Promise<ChildResult> {
  return runTs("src/cli/main.ts", args, opts);
}
