export type {
  QdrantPeer,
  RunningQdrant,
  RunningQdrantBinary,
  StartQdrantBinaryOptions,
  StartQdrantOptions,
} from "@qdrant-migrate/qdrant-server";
export { freePort } from "../util/free-port.js";
export { TestingDependencyError } from "./optional-dependencies.js";
export {
  createTestDatabase,
  type RunningPostgres,
  type StartPostgresOptions,
  startPostgres,
  type TestDatabase,
} from "./postgres.js";
export { PostgresAccessError } from "./postgres-access.js";
export { startQdrant, startQdrantBinary } from "./qdrant-server.js";
export { createStepContext, type StepContextOptions } from "./step-context.js";
