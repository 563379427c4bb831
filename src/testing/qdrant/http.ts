import type { IncomingHttpHeaders } from "node:http";
import { formatError, type QdrantHttpError } from "./errors.js";

/** A request as route handlers see it. */
export interface QdrantRequest {
  method: string;
  path: string;
  /** Path parameters, URI-decoded, by the `{name}` used in the route pattern. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /**
   * The body parsed as JSON. Throws Qdrant's 400 `Format error in JSON body: …`
   * when it is missing or malformed, as serde does.
   */
  json(): unknown;
}

/** What a handler answers with. */
export type Reply =
  /** Enveloped success: `{"result": …, "status": "ok", "time": …}`. */
  | { kind: "ok"; result: unknown }
  /** `202 {"status": "accepted", "time": …}` (e.g. snapshot calls with `wait=false`). */
  | { kind: "accepted" }
  /** Anything not enveloped: `GET /`, health checks, snapshot downloads. */
  | { kind: "raw"; status: number; contentType: string; body: string | Buffer };

export const ok = (result: unknown): Reply => ({ kind: "ok", result });

export type Handler = (req: QdrantRequest) => Reply | Promise<Reply>;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

/**
 * Matches `METHOD /a/{b}/c` patterns. Literal segments win over parameters, so
 * `/collections/aliases` is never read as a collection named "aliases".
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method, segments: pattern.split("/").filter(Boolean), handler });
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | null {
    const parts = path.split("/").filter(Boolean);
    let best: { handler: Handler; params: Record<string, string>; literals: number } | null = null;
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let literals = 0;
      let matched = true;
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i] as string;
        const part = parts[i] as string;
        if (seg.startsWith("{") && seg.endsWith("}")) {
          params[seg.slice(1, -1)] = decodeURIComponent(part);
        } else if (seg === part) {
          literals++;
        } else {
          matched = false;
          break;
        }
      }
      if (matched && (!best || literals > best.literals)) {
        best = { handler: route.handler, params, literals };
      }
    }
    return best && { handler: best.handler, params: best.params };
  }
}

export function parseJsonBody(raw: Buffer): unknown {
  const text = raw.toString("utf8");
  if (text.trim() === "") throw formatError("EOF while parsing a value at line 1 column 0");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw formatError(error instanceof Error ? error.message : String(error));
  }
}

/** Qdrant's envelope for an error: `{"status": {"error": msg}, "time": s}`. */
export function errorBody(error: QdrantHttpError, seconds: number): string {
  return JSON.stringify({ status: { error: error.message }, time: seconds });
}

export function okBody(result: unknown, seconds: number): string {
  return JSON.stringify({ result, status: "ok", time: seconds });
}
