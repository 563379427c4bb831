/**
 * `npm run bench`: every benchmark, printed as one table. Figures are ratios
 * against baselines measured in the same run, since the machine is shared.
 */
import { benchNoopUp } from "./noop-up.js";
import { benchQdrantServer } from "./qdrant-server.js";
import { printTable } from "./table.js";

const rows = [...(await benchNoopUp()), ...(await benchQdrantServer())];
printTable(rows);
process.exit(0);
