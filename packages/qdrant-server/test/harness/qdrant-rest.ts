import type { TestQdrant } from "./qdrant.js";

export interface RestReply {
  status: number;
  /** Parsed JSON when the answer is JSON, the text otherwise. */
  body: unknown;
  contentType: string;
}

/**
 * One raw REST call, for asserting what the official client hides: status
 * codes, envelopes and error texts. Sends `QDRANT_API_KEY` when it is set.
 */
export async function rest(
  qdrant: TestQdrant,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RestReply> {
  const all: Record<string, string> = { ...headers };
  if (qdrant.apiKey && !("api-key" in all)) all["api-key"] = qdrant.apiKey;
  if (body !== undefined && typeof body !== "string") all["content-type"] = "application/json";
  const res = await fetch(`${qdrant.url}${path}`, {
    method,
    headers: all,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const contentType = res.headers.get("content-type") ?? "";
  const text = await res.text();
  const parsed = contentType.includes("application/json") && text !== "" ? JSON.parse(text) : text;
  return { status: res.status, body: parsed, contentType };
}

/** The `status.error` text of an enveloped error reply. */
export function errorText(reply: RestReply): string {
  const status = (reply.body as { status?: { error?: unknown } }).status;
  return typeof status?.error === "string" ? status.error : "";
}
