import { randomInt } from "node:crypto";
import { isRecord, resolveCollection } from "./collections-store.js";
import { formatError, notFound, QdrantHttpError } from "./errors.js";
import { ok, type QdrantRequest, type Reply, type Router } from "./http.js";
import { multipartComplete, multipartField } from "./multipart.js";
import type { ServerContext } from "./server-context.js";
import { collectionSnapshotBytes, fullSnapshotBytes, sha256 } from "./snapshot-file.js";
import { fetchSnapshot, recoverCollection } from "./snapshot-recovery.js";
import { SnapshotStore } from "./snapshot-store.js";
import { assertValidName, queryFlag } from "./validation.js";

const PRIORITIES = ["no_sync", "snapshot", "replica"];

/**
 * Collection and full-storage snapshots (src/actix/api/snapshot_api.rs).
 * `wait` defaults to true. With `wait=false` Qdrant runs the work as a task and
 * answers 202 `accepted` at once, only logging the task's errors
 * (helpers::time_or_accept); here the work is still done before the reply (it
 * is fast), and its errors are dropped the same way.
 * Recovery changes the state from a file, so it is never replayed from the
 * log: it asks for a checkpoint instead (see RouteOptions.mutates).
 */
export function registerSnapshotRoutes(
  router: Router,
  ctx: ServerContext,
  now: () => Date = () => new Date(),
): void {
  const { state } = ctx;
  const store = new SnapshotStore(ctx.options.snapshotsDir, ctx.options.peerId, now);
  const timeOrAccept = async (req: QdrantRequest, work: () => Promise<unknown>): Promise<Reply> => {
    if (queryFlag(req.query, "wait", true)) return ok(await work());
    try {
      await work();
    } catch {
      // Qdrant only logs the errors of a task nobody waits for.
    }
    return { kind: "accepted" };
  };
  const collectionOf = (req: QdrantRequest) => {
    const name = req.params.collection_name as string;
    assertValidName(name, false);
    return resolveCollection(state, name);
  };
  // CollectionError::NotFound("Snapshot <name>") displays as "<what> not found" (snapshot_storage_manager.rs).
  const missingSnapshot = (name: string) => notFound(`Snapshot ${name} not found`);

  // Path parameters are validated before the task starts, so even wait=false gets their 422.
  router.add("POST", "/collections/{collection_name}/snapshots", (req) => {
    assertValidName(req.params.collection_name as string, false);
    return timeOrAccept(req, () => {
      const collection = collectionOf(req);
      // Encoded before any await, so the snapshot is one consistent moment.
      const bytes = collectionSnapshotBytes(collection);
      const dir = store.collectionDir(collection.name);
      return store.save(dir, store.collectionSnapshotName(collection.name), bytes);
    });
  });

  router.add("GET", "/collections/{collection_name}/snapshots", async (req) => {
    const collection = collectionOf(req);
    return ok(await store.list(store.collectionDir(collection.name)));
  });

  router.add("GET", "/collections/{collection_name}/snapshots/{snapshot_name}", (req) =>
    downloadReply(async () => {
      const collection = collectionOf(req);
      const name = req.params.snapshot_name as string;
      const bytes = await store.read(store.collectionDir(collection.name), name);
      if (!bytes) throw missingSnapshot(name);
      return bytes;
    }),
  );

  router.add("DELETE", "/collections/{collection_name}/snapshots/{snapshot_name}", (req) => {
    assertValidName(req.params.collection_name as string, false);
    return timeOrAccept(req, async () => {
      const collection = collectionOf(req);
      const name = req.params.snapshot_name as string;
      if (!(await store.remove(store.collectionDir(collection.name), name))) {
        throw missingSnapshot(name);
      }
      return true;
    });
  });

  router.add(
    "PUT",
    "/collections/{collection_name}/snapshots/recover",
    async (req) => {
      ctx.checkpoint();
      const name = req.params.collection_name as string;
      assertValidName(name, true);
      const body = req.json();
      if (!isRecord(body) || typeof body.location !== "string") {
        throw formatError("missing field `location`");
      }
      if (body.priority != null && !PRIORITIES.includes(String(body.priority))) {
        throw formatError(
          `unknown variant \`${String(body.priority)}\`, expected one of \`no_sync\`, \`snapshot\`, \`replica\``,
        );
      }
      const location = body.location;
      const apiKey = typeof body.api_key === "string" ? body.api_key : undefined;
      const checksum = typeof body.checksum === "string" ? body.checksum : undefined;
      return timeOrAccept(req, async () => {
        const bytes = await fetchSnapshot(location, ctx.options.snapshotsDir, apiKey);
        recoverCollection(state, name, bytes, checksum);
        return true;
      });
    },
    { mutates: true },
  );

  router.add(
    "POST",
    "/collections/{collection_name}/snapshots/upload",
    async (req) => {
      ctx.checkpoint();
      const name = req.params.collection_name as string;
      assertValidName(name, true);
      // actix's multipart extractor answers in plain text: first the content
      // type and an unfinished body, then (after the query string) the missing field.
      const contentType = req.headers["content-type"];
      if (contentType === undefined) return plainText(400, "Could not find Content-Type header");
      if (!/^multipart\/form-data\b/i.test(contentType)) {
        return plainText(415, "ContentTypeIncompatible");
      }
      if (!multipartComplete(contentType, req.rawBody)) {
        return plainText(400, "Multipart stream is incomplete");
      }
      const priority = req.query.get("priority");
      if (priority !== null && !PRIORITIES.includes(priority)) {
        throw new QdrantHttpError(
          400,
          `Deserialize error in query parameters: unknown variant \`${priority}\`, expected one of \`no_sync\`, \`snapshot\`, \`replica\``,
        );
      }
      queryFlag(req.query, "wait", true);
      const file = multipartField(contentType, req.rawBody, "snapshot");
      if (!file) return plainText(400, "Required field is missing: snapshot");
      return timeOrAccept(req, async () => {
        // Kept in the collection's snapshot directory, as Qdrant keeps an uploaded snapshot.
        const dir = store.collectionDir(name);
        const fileName =
          file.filename && store.path(dir, file.filename)
            ? file.filename
            : `${name}-upload-${randomInt(1e9)}.snapshot`;
        // Qdrant checks an upload's checksum before it keeps the file, with its
        // own message (expected and actual swapped, no prefix); a file that then
        // fails to recover stays where it was put.
        const checksum = req.query.get("checksum") ?? undefined;
        const actual = sha256(file.content);
        if (checksum !== undefined && checksum.toLowerCase() !== actual) {
          throw new QdrantHttpError(
            400,
            `Checksum mismatch: expected ${actual}, actual ${checksum}`,
          );
        }
        await store.save(dir, fileName, file.content, { sidecar: false });
        recoverCollection(state, name, file.content, undefined);
        return true;
      });
    },
    { mutates: true },
  );

  router.add("POST", "/snapshots", (req) =>
    timeOrAccept(req, () =>
      store.save(store.root, store.fullSnapshotName(), fullSnapshotBytes(state)),
    ),
  );

  router.add("GET", "/snapshots", async () => ok(await store.list(store.root)));

  router.add("GET", "/snapshots/{snapshot_name}", (req) =>
    downloadReply(async () => {
      const name = req.params.snapshot_name as string;
      const bytes = await store.read(store.root, name);
      if (!bytes) throw missingSnapshot(name);
      return bytes;
    }),
  );

  router.add("DELETE", "/snapshots/{snapshot_name}", (req) =>
    timeOrAccept(req, async () => {
      const name = req.params.snapshot_name as string;
      if (!(await store.remove(store.root, name))) throw missingSnapshot(name);
      return true;
    }),
  );
}

function plainText(status: number, body: string): Reply {
  return { kind: "raw", status, contentType: "text/plain; charset=utf-8", body };
}

/**
 * A snapshot download: the file, or the error as plain text, since Qdrant
 * streams the file and answers its errors outside the JSON envelope.
 */
export async function downloadReply(read: () => Promise<Buffer>): Promise<Reply> {
  try {
    const body = await read();
    return { kind: "raw", status: 200, contentType: "application/octet-stream", body };
  } catch (error) {
    if (!(error instanceof QdrantHttpError)) throw error;
    return plainText(error.statusCode, error.message);
  }
}
