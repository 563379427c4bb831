/**
 * qdrant-migrate's public API: what migration files, config files and
 * applications import. Everything else is internal.
 */

export type { CollectionSpec } from "./collection-schema/create-body.js";
export type { PayloadIndexSchema } from "./collection-schema/payload-index.js";
export type { CollectionPatch } from "./collection-schema/update-body.js";
export {
  CONCURRENT_WRITES_POLICIES,
  type ConcurrentWritesPolicy,
  defineConfig,
  type MigrationEntry,
  type MigrationsProvider,
  type QdrantMigrateConfig,
  ROLLBACK_RESTORE_MODES,
  type RollbackRestore,
} from "./config/define-config.js";
export { ConfigError } from "./config/errors.js";
export { loadConfig, loadProjectConfig } from "./config/load-config.js";
export type { MigrationsSource, ProjectConfig, ResolvedConfig } from "./config/resolve-config.js";
export type {
  DeclaredCollection,
  DeclaredSchema,
  DeclaredTemplate,
} from "./declared-schema/define-schema.js";
export { SchemaFileError } from "./declared-schema/errors.js";
export type {
  DeclaredSchemaDifference,
  GenerateResult,
  SchemaSource,
} from "./declared-schema/generate-migration.js";
export type { ManagedCollection } from "./declared-schema/managed-collection.js";
export type { CollectionChanges, SchemaChange } from "./declared-schema/schema-changes.js";
export {
  ConcurrentWritesError,
  type ConcurrentWritesReport,
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
export type { HistoryEntry } from "./engine/history-entry.js";
export type { MigrationState, MigrationStatusEntry } from "./engine/history-status.js";
export type { LockBlocker, LockWait } from "./engine/lock-waits.js";
export { createMigrator, type Migrator } from "./engine/migrator.js";
export type * from "./engine/migrator-types.js";
export type { LostSnapshot } from "./engine/undo-qdrant-changes.js";
export {
  type ErrorCode,
  type PostgresConnectionCode,
  QdrantMigrateError,
  type QdrantRequestCode,
} from "./errors.js";
export type { Checkpoint, CheckpointKey, CheckpointStore } from "./journal/checkpoints.js";
export { JournalTransitionRefusedError } from "./journal/journal-states.js";
export { JournalRowMissingError } from "./journal/migration-journal.js";
export type { MigrationRun } from "./journal/run-log.js";
export type { SchemaVersionRecord } from "./journal/schema-versions.js";
export type { JournalRowStatus, RunStatus } from "./journal/table-types.js";
export { JournalTooNewError } from "./journal/tables.js";
export {
  LockConnectionError,
  LockLostError,
  LockTimeoutError,
  PoolerUnsupportedError,
} from "./lock/errors.js";
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
  MigrationProviderError,
  MigrationsFolderMissingError,
  MigrationsInCodeError,
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
export {
  type BackfillOptions,
  type BackfillPatch,
  type BackfillResult,
  backfill,
} from "./toolkit/data/backfill.js";
export type {
  CopyOptions,
  CopyPoint,
  CopyResult,
  CopySource,
} from "./toolkit/data/copy-collection.js";
export {
  BackfillPatchError,
  CopyVerificationError,
  ImportVerificationError,
  SourceRecordError,
} from "./toolkit/data/errors.js";
export {
  type ImportOptions,
  type ImportReport,
  importPoints,
  SOURCE_ID_KEY,
  type SourcePoint,
} from "./toolkit/data/import-points.js";
export { pointIdFor, SOURCE_ID_NAMESPACE, uuidV5 } from "./toolkit/data/point-ids.js";
export { type ChromaReadOptions, readChromaExport } from "./toolkit/data/readers/chroma.js";
export { readJsonl } from "./toolkit/data/readers/jsonl.js";
export type { EnsureAliasedResult } from "./toolkit/schema/aliased-collection.js";
export type { BlueGreenOptions, BlueGreenResult } from "./toolkit/schema/blue-green.js";
export type { DifferenceResolution, SchemaDifference } from "./toolkit/schema/differences.js";
export type { EnsureCollectionResult } from "./toolkit/schema/ensure-collection.js";
export {
  AliasRevertError,
  AliasSwitchError,
  BlueGreenInvalidError,
  CollectionNotAliasedError,
  PayloadIndexConflictError,
  SchemaChangeInvalidError,
  SchemaIncompatibleError,
} from "./toolkit/schema/errors.js";
export type { VectorChangeResult } from "./toolkit/schema/named-vectors.js";
export type { SchemaChangeResult } from "./toolkit/schema/payload-indexes.js";
export type { RevertAliasResult } from "./toolkit/schema/revert-alias.js";
export type { UpdateCollectionResult } from "./toolkit/schema/update-collection.js";
export type { SchemaToolkit } from "./toolkit/schema-toolkit.js";
export { AbortedError } from "./util/abort.js";
export { WaitTimeoutError } from "./util/wait-for.js";
