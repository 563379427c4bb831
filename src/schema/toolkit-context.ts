import type { QdrantClient } from "@qdrant/js-client-rest";
import type { MigrationLogger, StepEngine, StepProgress } from "../migration/define-migration.js";
import type { ServerVersion } from "./server-version.js";

/** What the schema toolkit's operations run with: the step's tracked client, log, progress, signal and engine services. */
export interface ToolkitContext {
  qdrant: QdrantClient;
  log: MigrationLogger;
  progress(update: StepProgress): void;
  signal: AbortSignal;
  /** What the engine gave the step (the dry run's recorder); from its context. */
  engine?: StepEngine;
  /** The server's version (`GET /`), asked once per step. */
  version: ServerVersion;
}
