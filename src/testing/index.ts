export { freePort } from "./free-port.js";
export {
  createTestDatabase,
  type RunningPostgres,
  type StartPostgresOptions,
  startPostgres,
  type TestDatabase,
} from "./postgres.js";
export {
  DEFAULT_QDRANT_VERSION,
  type RunningQdrant,
  type StartQdrantOptions,
  startQdrant,
} from "./qdrant/start-qdrant.js";
export {
  QdrantBinaryError,
  type QdrantPeer,
  type RunningQdrantBinary,
  type StartQdrantBinaryOptions,
  startQdrantBinary,
} from "./qdrant-binary.js";
