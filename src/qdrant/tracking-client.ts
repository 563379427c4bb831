import type { QdrantClient } from "@qdrant/js-client-rest";
import {
  ALIAS_WRITES,
  COLLECTION_LIFECYCLE,
  COLLECTION_WRITES,
  READ_METHODS,
  SCHEMA_ONLY_WRITES,
} from "./client-methods.js";
import { QdrantRequestError, UnsupportedClientCallError } from "./errors.js";
import { type TouchedPoints, touchedBy } from "./touched-points.js";

/**
 * What a write to an existing collection can do: `schema` changes only its
 * schema (undone by the inverse operation), `data` may delete or overwrite
 * points, vectors or payloads (undone from a snapshot).
 */
export type ChangeKind = "schema" | "data";

export interface TrackingHooks {
  /** An existing collection is about to change: record what undoing that change needs first. */
  beforeMutate(collection: string, kind: ChangeKind): Promise<void>;
  /**
   * A write is about to change (or may change) these points of an existing
   * collection, after `beforeMutate`: record them, so a rollback can tell the
   * step's changes from others'.
   */
  beforeDataWrite(touched: TouchedPoints): Promise<void>;
  /** A collection is about to be created by the step: record it. */
  beforeCreate(collection: string): Promise<void>;
  /** These aliases (and aliases into these collections) are about to change: record them first. */
  beforeAliasChange(aliases: string[], collections: string[]): Promise<void>;
  /**
   * Qdrant refused to create a collection announced by `beforeCreate` (say, it
   * exists already because the app created it first): it is not the step's own.
   */
  createRefused(collection: string): Promise<void>;
}

type Method = (...args: unknown[]) => Promise<unknown>;

interface AliasAction {
  create_alias?: { collection_name: string; alias_name: string };
  delete_alias?: { alias_name: string };
  rename_alias?: { old_alias_name: string; new_alias_name: string };
}

/**
 * The client a migration step gets. Before forwarding a call it resolves
 * aliases to collection names and calls the right hook, once per collection
 * for the whole step (concurrent calls share one hook call and all wait for it):
 * `beforeMutate` before the first change of a collection that existed,
 * `beforeCreate` before a collection is created, `beforeAliasChange` before
 * aliases change (including those a collection drop removes).
 *
 * Every write is sent with `wait: true`, even when the step passed `wait: false`
 * or nothing: Qdrant acknowledges writes before applying them by default, and
 * the migration must not be recorded as done before its writes are durable.
 *
 * Once `signal` aborts (the run was stopped, or lost its lock) no further
 * change is sent.
 *
 * Methods it cannot make safe to roll back (the raw `api()`, snapshots,
 * sharding, cluster operations) throw `UnsupportedClientCallError`.
 */
export function createTrackingClient(
  client: QdrantClient,
  hooks: TrackingHooks,
  signal?: AbortSignal,
): QdrantClient {
  const prepared = new Map<string, Promise<void>>();
  const creations = new CreationOutcomes(async (name) => {
    prepared.delete(name);
    await hooks.createRefused(name);
  });
  /** Alias-recording hook calls by `alias:<name>` and `collection:<name>`; callers await them. */
  const aliasRecording = new Map<string, Promise<void>>();
  let aliasMap: Promise<Map<string, string>> | undefined;

  function aliases(): Promise<Map<string, string>> {
    aliasMap ??= client
      .getAliases()
      .then((res) => new Map(res.aliases.map((a) => [a.alias_name, a.collection_name])));
    aliasMap.catch(() => {
      aliasMap = undefined;
    });
    return aliasMap;
  }

  async function resolve(name: string): Promise<string> {
    return (await aliases()).get(name) ?? name;
  }

  async function exists(collection: string): Promise<boolean> {
    const [all, isAlias] = await Promise.all([
      client.getCollections(),
      aliases().then((m) => m.has(collection)),
    ]);
    return !isAlias && all.collections.some((c) => c.name === collection);
  }

  /** One preparation per collection per step; later calls await the same promise. */
  function prepare(collection: string, run: () => Promise<void>): Promise<void> {
    let done = prepared.get(collection);
    if (!done) {
      done = run();
      prepared.set(collection, done);
    }
    return done;
  }

  function beforeWrite(collection: string, kind: ChangeKind): Promise<void> {
    // A data write after schema writes needs its own preparation (a snapshot);
    // the collection's name alone keys data writes, creation and drops.
    const key = kind === "schema" ? `schema:${collection}` : collection;
    // Created or snapshotted in this step: that covers its schema changes too.
    const covering = kind === "schema" ? prepared.get(collection) : undefined;
    if (covering) return covering;
    return prepare(key, async () => {
      if (await exists(collection)) await hooks.beforeMutate(collection, kind);
      // Not remembered: Qdrant refuses this write, and a later createCollection must still be recorded.
      else prepared.delete(key);
    });
  }

  /**
   * Records aliases not yet recorded in this step, so the recorded state is the
   * step's start. Every caller waits for the hook calls covering its names,
   * also those a concurrent call started, before its change is sent.
   */
  async function recordAliases(names: string[], collections: string[]): Promise<void> {
    const keys = [
      ...[...new Set(names)].map((a) => `alias:${a}`),
      ...[...new Set(collections)].map((c) => `collection:${c}`),
    ];
    const fresh = keys.filter((k) => !aliasRecording.has(k));
    if (fresh.length > 0) {
      const pick = (prefix: string) =>
        fresh.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
      const recording = hooks.beforeAliasChange(pick("alias:"), pick("collection:"));
      for (const key of fresh) aliasRecording.set(key, recording);
    }
    await Promise.all(keys.map((k) => aliasRecording.get(k)));
  }

  /**
   * Calls the hook a create, drop or recreate of `name` needs, through
   * `prepare` (one hook call per name, so a name snapshotted earlier in the
   * step is never reported as created, nor one created in the step
   * snapshotted). Resolves to true when the call was announced to `beforeCreate`.
   */
  async function beforeLifecycle(method: string, name: string): Promise<boolean> {
    const existed = await exists(name);
    if (existed && (method === "deleteCollection" || method === "recreateCollection")) {
      // Dropping a collection drops its aliases.
      const pointing = [...(await aliases())].filter(([, c]) => c === name).map(([a]) => a);
      await recordAliases(pointing, [name]);
    }
    if (existed && method !== "createCollection") {
      await prepare(name, () => hooks.beforeMutate(name, "data"));
      await hooks.beforeDataWrite({ collection: name, all: true });
    } else if (!existed && method !== "deleteCollection") {
      await prepare(name, () => hooks.beforeCreate(name));
      return true;
    }
    return false;
  }

  async function beforeAliasActions(actions: readonly AliasAction[]): Promise<void> {
    const current = await aliases();
    const names: string[] = [];
    const collections: string[] = [];
    for (const action of actions) {
      if (action.create_alias) {
        names.push(action.create_alias.alias_name);
        collections.push(action.create_alias.collection_name);
      }
      if (action.delete_alias) names.push(action.delete_alias.alias_name);
      if (action.rename_alias) {
        names.push(action.rename_alias.old_alias_name, action.rename_alias.new_alias_name);
      }
    }
    for (const name of names) {
      const target = current.get(name);
      if (target !== undefined) collections.push(target);
    }
    await recordAliases(names, collections);
  }

  return new Proxy(client, {
    get(target, prop, receiver) {
      // Symbols and `then` are probed by runtimes and printers, not called by steps.
      if (typeof prop !== "string" || prop === "then") return Reflect.get(target, prop, receiver);
      const method = Reflect.get(target, prop, receiver) as Method;
      if (typeof method !== "function") throw new UnsupportedClientCallError(prop);
      const call = (args: unknown[]) => method.apply(target, args);

      if (READ_METHODS.has(prop)) return (...args: unknown[]) => call(args);

      const waitIndex = COLLECTION_WRITES.get(prop);
      if (waitIndex !== undefined) {
        return async (...args: unknown[]) => {
          const collection = await resolve(String(args[0]));
          signal?.throwIfAborted();
          const kind = SCHEMA_ONLY_WRITES.has(prop) ? "schema" : "data";
          await beforeWrite(collection, kind);
          if (kind === "data") await hooks.beforeDataWrite(touchedBy(prop, collection, args[1]));
          return call(withWait([collection, ...args.slice(1)], waitIndex));
        };
      }

      if (COLLECTION_LIFECYCLE.has(prop)) {
        return async (...args: unknown[]) => {
          const name = String(args[0]);
          signal?.throwIfAborted();
          const announced = await beforeLifecycle(prop, name);
          const outcome = announced ? creations.start(name) : undefined;
          try {
            const result = await call(args);
            outcome?.succeeded();
            await outcome?.settled();
            return result;
          } catch (error) {
            // Only a definite refusal: after a timeout the collection may exist, and be ours.
            if (isRefusal(error)) outcome?.refused();
            // Qdrant's answer is what the step must see (it may handle a 409), even
            // when unrecording the refused creation fails; the tracker forgot it in memory first.
            await outcome?.settled().catch(() => {});
            throw error;
          } finally {
            if (prop !== "createCollection") aliasMap = undefined;
          }
        };
      }

      if (ALIAS_WRITES.has(prop)) {
        return async (...args: unknown[]) => {
          const request = args[0] as { actions?: readonly AliasAction[] } | undefined;
          signal?.throwIfAborted();
          await beforeAliasActions(request?.actions ?? []);
          try {
            return await call(args);
          } finally {
            // Refreshed after the change, also after a failure: Qdrant may have applied part.
            aliasMap = undefined;
          }
        };
      }

      throw new UnsupportedClientCallError(prop);
    },
  });
}

/**
 * The creation calls of each name in a step. Two racing creations of one name
 * share one `beforeCreate`; one succeeds and the other gets a 409, which does
 * not make the collection someone else's. Only when every call for the name
 * has ended, none succeeded and one was refused is `onRefused` called.
 */
class CreationOutcomes {
  private readonly names = new Map<string, { inFlight: number; ok: boolean; refused: boolean }>();

  constructor(private readonly onRefused: (name: string) => Promise<void>) {}

  start(name: string) {
    const state = this.names.get(name) ?? { inFlight: 0, ok: false, refused: false };
    this.names.set(name, state);
    state.inFlight++;
    return {
      succeeded: () => {
        state.ok = true;
      },
      refused: () => {
        state.refused = true;
      },
      settled: async () => {
        state.inFlight--;
        if (state.inFlight > 0 || state.ok || !state.refused) return;
        this.names.delete(name);
        await this.onRefused(name);
      },
    };
  }
}

/** Qdrant answered and said no (4xx): the request changed nothing. */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof QdrantRequestError &&
    error.status !== undefined &&
    error.status >= 400 &&
    error.status < 500
  );
}

/** `args` with `wait: true` set on the options argument at `index` (created when absent). */
function withWait(args: unknown[], index: number): unknown[] {
  if (index < 0) return args;
  const copy = [...args];
  while (copy.length <= index) copy.push(undefined);
  const options = copy[index];
  copy[index] = { ...(typeof options === "object" && options !== null ? options : {}), wait: true };
  return copy;
}
