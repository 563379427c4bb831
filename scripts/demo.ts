import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { messageOf } from "../src/errors.js";
import { runDemo } from "./demo/run-demo.js";

// `npm run demo`: see scripts/demo/run-demo.ts. With QDRANT_BIN set (as `npm run
// test:real` sets it), on that real Qdrant binary instead of the in-process server.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
try {
  await runDemo(repoRoot, (line) => process.stdout.write(`${line}\n`), {
    qdrantBinary: process.env.QDRANT_BIN || undefined,
  });
} catch (error) {
  process.stderr.write(`demo failed: ${messageOf(error)}\n`);
  process.exitCode = 1;
}
