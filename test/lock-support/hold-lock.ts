// Run as a separate process by lock-migration-lock.test.ts: takes the
// migration lock, reports it on stdout, then hangs until killed.
import { acquireMigrationLock } from "../../src/lock/migration-lock.js";

const [url, key] = process.argv.slice(2);
if (!url || !key) throw new Error("usage: hold-lock.ts <postgres-url> <lock-key>");
const lock = await acquireMigrationLock({ url, key, timeoutMs: 30_000 });
process.stdout.write(`${JSON.stringify({ acquired: true, pid: lock.holder.pid })}\n`);
setInterval(() => {}, 60_000);
