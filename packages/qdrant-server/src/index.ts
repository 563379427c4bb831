export { QdrantServerError, QdrantServerStartError } from "./errors.js";
export { freePort } from "./free-port.js";
export {
  QdrantBinaryError,
  type QdrantPeer,
  type RunningQdrantBinary,
  type StartQdrantBinaryOptions,
  startQdrantBinary,
} from "./qdrant-binary.js";
export {
  DEFAULT_QDRANT_VERSION,
  type RunningQdrant,
  type StartQdrantOptions,
  startQdrant,
} from "./start-qdrant.js";
