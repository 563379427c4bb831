import {
  IdentifierNode,
  type Kysely,
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SchemableIdentifierNode,
  type UnknownRow,
} from "kysely";
import type { JournalDatabase, JournalTables, JournalWriteOptions } from "./table-types.js";

/** The logical table names `JournalDatabase` uses, mapped to their configured names. */
function physicalNames(t: JournalTables): ReadonlyMap<string, string> {
  const logical: Record<keyof JournalDatabase, string> = {
    journalMigrations: t.migrations,
    journalSchemaVersions: t.schemaVersions,
    journalCheckpoints: t.checkpoints,
    journalRuns: t.runs,
    journalCreatedObjects: t.createdObjects,
  };
  return new Map(Object.entries(logical));
}

class RenameTables extends OperationNodeTransformer {
  constructor(private readonly names: ReadonlyMap<string, string>) {
    super();
  }

  protected override transformSchemableIdentifier(
    node: SchemableIdentifierNode,
    queryId?: PluginTransformQueryArgs["queryId"],
  ): SchemableIdentifierNode {
    const transformed = super.transformSchemableIdentifier(node, queryId);
    const physical = this.names.get(transformed.identifier.name);
    if (physical === undefined) return transformed;
    return { ...transformed, identifier: IdentifierNode.create(physical) };
  }
}

/** Kysely plugin that points the logical journal table names at the configured ones. */
class JournalTableNames implements KyselyPlugin {
  readonly #transformer: RenameTables;

  constructor(t: JournalTables) {
    this.#transformer = new RenameTables(physicalNames(t));
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node, args.queryId);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * `db` (a pool or a transaction) with queries on the journal tables sent to
 * the configured schema and prefixed names. Table names are configuration, so
 * the typed database uses fixed logical names that this rewrites.
 */
export function journalScope<D extends Kysely<JournalDatabase>>(
  db: D,
  t: JournalTables,
): Kysely<JournalDatabase> {
  return db.withPlugin(new JournalTableNames(t)).withSchema(t.schema);
}

/** Base of the journal's table classes: queries go through the scoped database. */
export abstract class ScopedJournalTable {
  /** The pool, scoped to the configured schema and table names. */
  protected readonly db: Kysely<JournalDatabase>;

  constructor(
    db: Kysely<JournalDatabase>,
    protected readonly tables: JournalTables,
  ) {
    this.db = journalScope(db, tables);
  }

  /** Where a write goes: the caller's transaction when given, so it commits with it. */
  protected scoped(opts?: JournalWriteOptions): Kysely<JournalDatabase> {
    return opts?.db ? journalScope(opts.db, this.tables) : this.db;
  }
}
