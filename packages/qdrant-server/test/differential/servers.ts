import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startQdrantBinary } from "../../src/qdrant-binary.js";
import { startQdrant } from "../../src/start-qdrant.js";

/** One HTTP exchange, as both servers are sent it. */
export interface Exchange {
  method: string;
  /** Path and query, e.g. `/collections/c/points/scroll?wait=true`. */
  path: string;
  /** Sent as JSON; a string is sent as it is (for bodies that are not JSON). */
  body?: unknown;
}

export interface Answer {
  status: number;
  /** The parsed JSON envelope, or the text when the answer is not JSON. */
  body: unknown;
}

export interface ServerPair {
  inProcess: string;
  real: string;
  stop(): Promise<void>;
}

/** The repository checkout: this package is its `packages/qdrant-server`. */
const checkout = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

/**
 * The real Qdrant binary to compare against: `QDRANT_BIN`, else the one in
 * `../shared/qdrant/bin` beside the checkout; undefined when it is not there.
 */
export async function findQdrantBinary(): Promise<string | undefined> {
  const binary = resolve(
    process.env.QDRANT_BIN ?? join(checkout, "..", "shared", "qdrant", "bin", "qdrant"),
  );
  try {
    await access(binary, constants.X_OK);
    return binary;
  } catch {
    return undefined;
  }
}

/**
 * The version of the real Qdrant the comparison runs against: `QDRANT_URL`'s
 * (`GET /`) when the run has one, else what `binary --version` prints.
 */
export async function versionOf(binary: string): Promise<string> {
  const url = process.env.QDRANT_URL;
  if (url) {
    const headers: Record<string, string> = {};
    if (process.env.QDRANT_API_KEY) headers["api-key"] = process.env.QDRANT_API_KEY;
    const body = (await (await fetch(`${url}/`, { headers })).json()) as { version?: unknown };
    return String(body.version ?? "");
  }
  const { stdout } = await promisify(execFile)(binary, ["--version"]);
  return stdout.trim().replace(/^qdrant\s+/, "");
}

/** Whether `version` is `[major, minor]` or newer; an unparsable one (a dev build) counts as recent. */
export function atLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  const [m, n] = [Number(match[1]), Number(match[2])];
  return m > major || (m === major && n >= minor);
}

/**
 * Starts the in-process server and a real Qdrant side by side. The real one is
 * `QDRANT_URL` when the run already has one (`npm run test:real`), else a
 * binary started for this file.
 */
export async function startServerPair(binary: string): Promise<ServerPair> {
  const inProcess = await startQdrant();
  const externalUrl = process.env.QDRANT_URL;
  try {
    if (externalUrl) {
      return { inProcess: inProcess.url, real: externalUrl, stop: () => inProcess.stop() };
    }
    const real = await startQdrantBinary({ binary });
    return {
      inProcess: inProcess.url,
      real: real.url,
      async stop() {
        await Promise.all([inProcess.stop(), real.stop()]);
      },
    };
  } catch (error) {
    await inProcess.stop();
    throw error;
  }
}

/** Sends one exchange to one server (with `QDRANT_API_KEY` for the real one, when set). */
export async function send(baseUrl: string, exchange: Exchange, apiKey?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (apiKey) headers["api-key"] = apiKey;
  let body: string | undefined;
  if (exchange.body !== undefined) {
    body = typeof exchange.body === "string" ? exchange.body : JSON.stringify(exchange.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${baseUrl}${exchange.path}`, {
    method: exchange.method,
    headers,
    body,
  });
  const text = await res.text();
  const json = (res.headers.get("content-type") ?? "").includes("application/json");
  return { status: res.status, body: json && text !== "" ? JSON.parse(text) : text };
}
