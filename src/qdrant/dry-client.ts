import type { QdrantClient } from "@qdrant/js-client-rest";
import {
  ALIAS_WRITES,
  COLLECTION_LIFECYCLE,
  COLLECTION_WRITES,
  READ_METHODS,
} from "./client-methods.js";
import { UnsupportedClientCallError } from "./errors.js";
import { touchedBy } from "./touched-points.js";

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * What a simulated step would do, as the dry client and the toolkit's
 * operations (which describe themselves instead of running) write it down.
 * It reaches the toolkit in the step context (`ctx.engine.dryRun`), never
 * through the client: a step may wrap or replace `ctx.qdrant`.
 */
export class DryRunRecorder {
  /** The collections described as created: they "exist" for what follows. */
  readonly #created = new Set<string>();

  constructor(readonly note: (operation: string) => void) {}

  markCreated(collection: string): void {
    this.#created.add(collection);
  }

  created(collection: string): boolean {
    return this.#created.has(collection);
  }
}

/**
 * The client a step gets under `--dry-run`: reads go to the server; every
 * write is described to `recorder` and answered as Qdrant answers a success,
 * without being sent. Reads after a recorded write therefore see the server
 * as it is, not as the write would leave it.
 */
export function createDryClient(client: QdrantClient, recorder: DryRunRecorder): QdrantClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (typeof prop !== "string" || prop === "then") return Reflect.get(target, prop, receiver);
      const method = Reflect.get(target, prop, receiver) as Method;
      if (typeof method !== "function") throw new UnsupportedClientCallError(prop);
      if (READ_METHODS.has(prop)) return (...args: unknown[]) => method.apply(target, args);
      if (COLLECTION_WRITES.has(prop) || COLLECTION_LIFECYCLE.has(prop) || ALIAS_WRITES.has(prop)) {
        return async (...args: unknown[]) => {
          recorder.note(describeWrite(prop, args));
          if (prop === "createCollection") recorder.markCreated(String(args[0]));
          return answerOf(prop);
        };
      }
      throw new UnsupportedClientCallError(prop);
    },
  });
}

/** What the official client (1.18) returns for each write on success. */
function answerOf(method: string): unknown {
  if (COLLECTION_LIFECYCLE.has(method) || ALIAS_WRITES.has(method)) return true;
  if (method === "updateCollection") return true;
  const done = { operation_id: 0, status: "completed" };
  return method === "batchUpdate" ? [done] : done;
}

/** "upsert 128 point(s) into docs", "createPayloadIndex docs.user_id (keyword)", … */
export function describeWrite(method: string, args: readonly unknown[]): string {
  const [first, second] = args;
  const collection = String(first);
  const body = (typeof second === "object" && second !== null ? second : {}) as Record<
    string,
    unknown
  >;
  switch (method) {
    case "createPayloadIndex":
      return `createPayloadIndex ${collection}.${String(body.field_name)} (${JSON.stringify(body.field_schema)})`;
    case "deletePayloadIndex":
      return `deletePayloadIndex ${collection}.${String(second)}`;
    case "createVectorName":
    case "deleteVectorName":
      return `${method} ${collection}.${String(second)}`;
    case "updateCollectionAliases": {
      const actions = Array.isArray((first as { actions?: unknown })?.actions)
        ? ((first as { actions: Record<string, Record<string, string>>[] }).actions ?? [])
        : [];
      return `updateCollectionAliases: ${actions.map(describeAliasAction).join("; ")}`;
    }
  }
  if (COLLECTION_LIFECYCLE.has(method) || method === "updateCollection") {
    return `${method} ${collection}`;
  }
  const touched = touchedBy(method, collection, second);
  const what = touched.all
    ? "every point"
    : touched.filter
      ? `${touched.ids?.length ? `${touched.ids.length} point(s) and ` : ""}the points matching a filter`
      : `${touched.ids?.length ?? 0} point(s)`;
  return `${method} ${what} of ${collection}`;
}

function describeAliasAction(action: Record<string, Record<string, string>>): string {
  const [kind, body] = Object.entries(action)[0] ?? [];
  if (kind === "create_alias") return `alias ${body?.alias_name} → ${body?.collection_name}`;
  if (kind === "delete_alias") return `delete alias ${body?.alias_name}`;
  if (kind === "rename_alias")
    return `rename alias ${body?.old_alias_name} → ${body?.new_alias_name}`;
  return String(kind);
}
