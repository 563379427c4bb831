/**
 * `npm run bench` (with the server package's own bench after it): the no-op
 * `up` benchmark as one table. Figures are ratios against baselines measured
 * in the same run, since the machine is shared.
 */
import { benchClusterRestore } from "./cluster-restore.js";
import { benchIndexMigration } from "./index-migration.js";
import { benchNoopUp } from "./noop-up.js";
import { printTable } from "./table.js";

const rows = [
  ...(await benchNoopUp()),
  ...(await benchClusterRestore()),
  ...(await benchIndexMigration()),
];
printTable(rows);
process.exit(0);
