import type { MigrationRecord } from "../journal/migration-journal.js";
import { globMatcher } from "../util/glob-match.js";

/**
 * Which aliases are this project's, so `check` compares only them: those
 * named by `qdrant.managedAliases` (names or glob patterns) when configured,
 * else those the journal says a migration created or changed. Any other alias
 * is the application's own, and its coming and going is no drift.
 */
export function managedAliases(
  configured: readonly string[] | undefined,
  records: readonly MigrationRecord[],
): (alias: string) => boolean {
  if (configured !== undefined) return globMatcher(configured);
  const changed = new Set<string>();
  for (const record of records) {
    for (const alias of record.changedAliases) changed.add(alias);
    for (const alias of record.appliedChanges?.changedAliases ?? []) changed.add(alias);
  }
  return (alias) => changed.has(alias);
}
