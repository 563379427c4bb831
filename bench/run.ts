/**
 * `npm run bench` (with the server package's own bench after it): the no-op
 * `up` benchmark as one table. Figures are ratios against baselines measured
 * in the same run, since the machine is shared.
 */
import { benchClusterRestore } from "./cluster-restore.js";
import { benchNoopUp } from "./noop-up.js";
import { printTable } from "./table.js";

printTable([...(await benchNoopUp()), ...(await benchClusterRestore())]);
process.exit(0);
