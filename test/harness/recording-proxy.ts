import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";

/** One request that went through the proxy. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  body: unknown;
}

export interface RecordingProxy {
  /** The proxy's base URL: give it in place of the server's. */
  readonly url: string;
  /** Every request since the last `clear()`, in arrival order. */
  readonly requests: RecordedRequest[];
  clear(): void;
}

/**
 * An HTTP proxy in front of `target()` (read once, before the file's tests)
 * that records each request's method, path and JSON body: for tests that
 * count what an operation sends.
 */
export function useRecordingProxy(target: () => string): RecordingProxy {
  let server: Server | undefined;
  let url = "";
  const requests: RecordedRequest[] = [];
  beforeAll(async () => {
    const base = target();
    server = createServer((req, res) => {
      void forward(base, req, requests).then(
        async (reply) => {
          res.writeHead(reply.status, { "content-type": reply.headers.get("content-type") ?? "" });
          res.end(Buffer.from(await reply.arrayBuffer()));
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });
  return {
    get url() {
      return url;
    },
    requests,
    clear: () => void requests.splice(0),
  };
}

async function forward(
  base: string,
  req: IncomingMessage,
  requests: RecordedRequest[],
): Promise<Response> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const path = (req.url ?? "/").split("?")[0] as string;
  let json: unknown;
  try {
    json = body.length > 0 ? JSON.parse(body.toString()) : undefined;
  } catch {
    json = undefined;
  }
  requests.push({ method: req.method ?? "GET", path, body: json });
  const headers: Record<string, string> = { "accept-encoding": "identity" };
  for (const name of ["content-type", "api-key"]) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  return fetch(base + (req.url ?? "/"), {
    method: req.method,
    headers,
    body: body.length > 0 ? body : undefined,
  });
}
