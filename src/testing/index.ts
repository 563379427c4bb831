export {
  DEFAULT_QDRANT_VERSION,
  freePort,
  QdrantBinaryError,
  type QdrantPeer,
  QdrantServerError,
  QdrantServerStartError,
  type RunningQdrant,
  type RunningQdrantBinary,
  type StartQdrantBinaryOptions,
  type StartQdrantOptions,
  startQdrant,
  startQdrantBinary,
} from "@qdrant-migrate/qdrant-server";
export {
  createTestDatabase,
  type RunningPostgres,
  type StartPostgresOptions,
  startPostgres,
  type TestDatabase,
} from "./postgres.js";
