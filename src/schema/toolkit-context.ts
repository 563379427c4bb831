import type { QdrantClient } from "@qdrant/js-client-rest";
import type { MigrationLogger, StepProgress } from "../migration/define-migration.js";
import type { ServerVersion } from "./server-version.js";

/** What the schema toolkit's operations run with: the step's tracked client, log, progress and signal. */
export interface ToolkitContext {
  qdrant: QdrantClient;
  log: MigrationLogger;
  progress(update: StepProgress): void;
  signal: AbortSignal;
  /** The server's version (`GET /`), asked once per step. */
  version: ServerVersion;
}
