#!/usr/bin/env node
// `npm run test:real`: the whole suite against a real Qdrant started from its binary.
// QDRANT_BIN names the binary; by default the one in ../shared/qdrant/bin beside the checkout.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binary = resolve(
  process.env.QDRANT_BIN ?? join(root, "..", "shared", "qdrant", "bin", "qdrant"),
);
try {
  accessSync(binary, constants.X_OK);
} catch {
  console.error(`test:real: no executable Qdrant binary at ${binary}; set QDRANT_BIN to one`);
  process.exit(2);
}
const env = { ...process.env, QDRANT_BIN: binary };
// The binary is started by the global setup; a QDRANT_URL would point the suite elsewhere.
delete env.QDRANT_URL;
delete env.QDRANT_SNAPSHOTS_DIR;
delete env.QDRANT_API_KEY;
const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
const child = spawn(process.execPath, [vitest, "run", ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: "inherit",
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
