/**
 * qdrant-migrate's public API: what migration files, config files and
 * applications import. Everything else is internal.
 */
export {
  CONCURRENT_WRITES_POLICIES,
  type ConcurrentWritesPolicy,
  defineConfig,
  type QdrantMigrateConfig,
} from "./config/define-config.js";
export { ConfigError } from "./config/errors.js";
export { loadConfig, loadProjectConfig } from "./config/load-config.js";
export type { ProjectConfig, ResolvedConfig } from "./config/resolve-config.js";
export { configSecrets } from "./config/secrets.js";
export {
  ConcurrentWritesError,
  type ConcurrentWritesReport,
  describeWrites,
} from "./engine/concurrent-writes.js";
export {
  CollectionBusyError,
  CommitUnconfirmedError,
  FailedWhileWaitingError,
  HistoryMismatchError,
  InterruptedMigrationError,
  IrreversibleMigrationError,
  MigrationFailedError,
  MigrationNotAppliedError,
  PostgresLockTimeoutError,
  RollbackFailedError,
  RunInterruptedError,
  StepTimeoutError,
  TransactionConnectionLostError,
  UnknownMigrationError,
} from "./engine/errors.js";
export type { MigratorEvent, MigratorListener } from "./engine/events.js";
export type { MigrationState, MigrationStatusEntry } from "./engine/history-status.js";
export type { LockBlocker, LockWait } from "./engine/lock-waits.js";
export { createMigrator, type Migrator } from "./engine/migrator.js";
export type * from "./engine/migrator-types.js";
export type { LostSnapshot } from "./engine/undo-qdrant-changes.js";
export { consistencyOf, type Verdict, verdictOf } from "./engine/verdict.js";
export { type WaitForServicesOptions, waitForServices } from "./engine/wait-for-services.js";
export {
  type ErrorCode,
  messageOf,
  type PostgresConnectionCode,
  QdrantMigrateError,
  type QdrantRequestCode,
} from "./errors.js";
export { JournalTransitionRefusedError } from "./journal/journal-states.js";
export type { MigrationRecord } from "./journal/migration-journal.js";
export { JournalRowMissingError } from "./journal/migration-journal.js";
export type { MigrationRun } from "./journal/run-log.js";
export type { JournalRowStatus, QdrantChanges, RunStatus } from "./journal/schema.js";
export type { SchemaVersionRecord } from "./journal/schema-versions.js";
export {
  LockConnectionError,
  LockLostError,
  LockTimeoutError,
  PoolerUnsupportedError,
} from "./lock/errors.js";
export { createMigrationFile } from "./migration/create-migration.js";
export {
  defineMigration,
  type MigrationDatabase,
  type MigrationDefinition,
  MigrationDefinitionError,
  type MigrationLogger,
  type MigrationStep,
  type StepContext,
  type StepEngine,
  type StepProgress,
} from "./migration/define-migration.js";
export {
  MigrationCreateError,
  MigrationFileError,
  MigrationsFolderMissingError,
  MigrationsPatternError,
} from "./migration/errors.js";
export { PostgresConnectionError } from "./postgres/connection-error.js";
export {
  ClusterNotReadyError,
  ClusterRefusalError,
  PeerMismatchError,
  PeerNotConfiguredError,
  ShardRestoreError,
  ShardSnapshotFailedError,
  ShardSnapshotMissingError,
} from "./qdrant/cluster-errors.js";
export type { DryRunRecorder } from "./qdrant/dry-client.js";
export {
  AliasRestoreError,
  QdrantRequestError,
  SnapshotRestoreError,
  UnsupportedClientCallError,
} from "./qdrant/errors.js";
export type { PointId, TouchedPoints } from "./qdrant/touched-points.js";
export type { EnsureAliasedResult } from "./schema/aliased-collection.js";
export {
  type BackfillOptions,
  type BackfillPatch,
  type BackfillResult,
  backfill,
} from "./schema/backfill.js";
export type { BlueGreenOptions, BlueGreenResult } from "./schema/blue-green.js";
export type { Checkpoint, CheckpointKey, CheckpointStore } from "./schema/checkpoints.js";
export type { CollectionSpec } from "./schema/collection-diff.js";
export type {
  CopyOptions,
  CopyPoint,
  CopyResult,
  CopySource,
} from "./schema/copy-collection.js";
export type { DifferenceResolution, SchemaDifference } from "./schema/differences.js";
export type { EnsureCollectionResult } from "./schema/ensure-collection.js";
export {
  AliasRevertError,
  AliasSwitchError,
  BackfillPatchError,
  BlueGreenInvalidError,
  CollectionNotAliasedError,
  CopyVerificationError,
  ImportVerificationError,
  SourceRecordError,
} from "./schema/errors.js";
export {
  type ImportOptions,
  type ImportReport,
  importPoints,
  SOURCE_ID_KEY,
  type SourcePoint,
} from "./schema/import-points.js";
export type { VectorChangeResult } from "./schema/named-vectors.js";
export type { PayloadIndexSchema, SchemaChangeResult } from "./schema/payload-indexes.js";
export { pointIdFor, SOURCE_ID_NAMESPACE, uuidV5 } from "./schema/point-ids.js";
export { type ChromaReadOptions, readChromaExport } from "./schema/readers/chroma.js";
export { readJsonl } from "./schema/readers/jsonl.js";
export type { RevertAliasResult } from "./schema/revert-alias.js";
export {
  PayloadIndexConflictError,
  SchemaChangeInvalidError,
  SchemaIncompatibleError,
} from "./schema/schema-errors.js";
export type { SchemaToolkit } from "./schema/schema-toolkit.js";
export type { CollectionPatch } from "./schema/settings-diff.js";
export type { UpdateCollectionResult } from "./schema/update-collection.js";
export { AbortedError } from "./util/abort.js";
export { redactSecrets } from "./util/redact.js";
export { WaitTimeoutError } from "./util/wait-for.js";
