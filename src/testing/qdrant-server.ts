import type {
  RunningQdrant,
  RunningQdrantBinary,
  StartQdrantBinaryOptions,
  StartQdrantOptions,
} from "@qdrant-migrate/qdrant-server";
import { importOptional } from "./optional-dependencies.js";

/**
 * The server package's launchers, imported when first called: the package is
 * an optional peer dependency, and `startPostgres` alone must not need it.
 */
export async function startQdrant(options?: StartQdrantOptions): Promise<RunningQdrant> {
  const server = await importOptional(
    "@qdrant-migrate/qdrant-server",
    "startQdrant()",
    () => import("@qdrant-migrate/qdrant-server"),
  );
  return server.startQdrant(options);
}

export async function startQdrantBinary(
  options?: StartQdrantBinaryOptions,
): Promise<RunningQdrantBinary> {
  const server = await importOptional(
    "@qdrant-migrate/qdrant-server",
    "startQdrantBinary()",
    () => import("@qdrant-migrate/qdrant-server"),
  );
  return server.startQdrantBinary(options);
}
