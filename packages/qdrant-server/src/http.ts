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

export interface RouteOptions {
  /**
   * The route changes server state. The server then runs it alone (mutating
   * routes never interleave) and, with a storage directory, appends the request
   * to the write-ahead log and fsyncs it before replying; on restart the log is
   * replayed through the same handler. So a mutating handler must be a
   * deterministic function of (state, request): no clocks, no randomness, no
   * reads of files that may change. One that is not calls `ctx.checkpoint()`,
   * and the server stores the whole state instead of logging the request.
   * Requests that fail are logged too (replay ignores their errors), because
   * Qdrant keeps what a failing request applied before it failed.
   */
  mutates?: boolean;
}

export interface MatchedRoute {
  handler: Handler;
  params: Record<string, string>;
  mutates: boolean;
}

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
  mutates: boolean;
}

/**
 * Matches `METHOD /a/{b}/c` patterns. Literal segments win over parameters, so
 * `/collections/aliases` is never read as a collection named "aliases".
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): void {
    this.routes.push({
      method,
      segments: pattern.split("/").filter(Boolean),
      handler,
      mutates: options.mutates ?? false,
    });
  }

  match(method: string, path: string): MatchedRoute | null {
    const parts = path.split("/").filter(Boolean);
    let best: (MatchedRoute & { literals: number }) | null = null;
    for (const route of this.routes) {
      if (route.method !== method || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let literals = 0;
      let matched = true;
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i] as string;
        const part = parts[i] as string;
        if (seg.startsWith("{") && seg.endsWith("}")) {
          const decoded = decodePathSegment(part);
          if (decoded === undefined) {
            matched = false;
            break;
          }
          params[seg.slice(1, -1)] = decoded;
        } else if (seg === part) {
          literals++;
        } else {
          matched = false;
          break;
        }
      }
      if (matched && (!best || literals > best.literals)) {
        best = { handler: route.handler, params, mutates: route.mutates, literals };
      }
    }
    return best && { handler: best.handler, params: best.params, mutates: best.mutates };
  }
}

/** A percent-decoded path segment; undefined when it is not valid UTF-8 escapes (then no route matches: 404). */
function decodePathSegment(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
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
