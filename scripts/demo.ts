import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { messageOf } from "../src/errors.js";
import { runDemo } from "./demo/run-demo.js";

// `npm run demo`: see scripts/demo/run-demo.ts.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
try {
  await runDemo(repoRoot, (line) => process.stdout.write(`${line}\n`));
} catch (error) {
  process.stderr.write(`demo failed: ${messageOf(error)}\n`);
  process.exitCode = 1;
}
