/**
 * `npm run bench`: every benchmark as one table, then the server package's
 * own bench. Figures are ratios against baselines measured in the same run,
 * since the machine is shared. `BENCH=name[,name…]` runs only those named
 * (noop-up, cluster-restore, index-migration, schema-toolkit, rollback, copy, server).
 */
import { spawnSync } from "node:child_process";
import { benchClusterRestore } from "./cluster-restore.js";
import { benchCopy } from "./copy.js";
import { benchIndexMigration } from "./index-migration.js";
import { benchNoopUp } from "./noop-up.js";
import { benchRollback } from "./rollback.js";
import { benchSchemaToolkit } from "./schema-toolkit.js";
import { type BenchRow, printTable } from "./table.js";

const benches: Record<string, () => Promise<BenchRow[]>> = {
  "noop-up": benchNoopUp,
  "cluster-restore": benchClusterRestore,
  "index-migration": benchIndexMigration,
  "schema-toolkit": benchSchemaToolkit,
  rollback: benchRollback,
  copy: benchCopy,
};
const known = [...Object.keys(benches), "server"];
const chosen = process.env.BENCH?.split(",").map((s) => s.trim()) ?? known;
const unknown = chosen.filter((name) => !known.includes(name));
if (unknown.length > 0) {
  console.error(`BENCH: unknown ${unknown.join(", ")}; known: ${known.join(", ")}`);
  process.exit(2);
}

const rows: BenchRow[] = [];
for (const name of chosen) {
  const bench = benches[name];
  if (bench) rows.push(...(await bench()));
}
if (rows.length > 0) printTable(rows);
if (chosen.includes("server")) {
  const server = spawnSync(
    "npm",
    ["run", "--silent", "bench", "--workspace", "@qdrant-migrate/qdrant-server"],
    { stdio: "inherit" },
  );
  process.exit(server.status ?? 1);
}
process.exit(0);
