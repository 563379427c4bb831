#!/usr/bin/env node
// `npm run test:diff -- [--seed N] [--runs M]`: the differential suite (in-process
// server against the real Qdrant binary) with a chosen seed and number of cases
// per area. QDRANT_BIN names the binary; by default ../shared/qdrant/bin/qdrant
// beside the repository checkout.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: { seed: { type: "string" }, runs: { type: "string" } },
});
const env = { ...process.env };
for (const [flag, variable] of [
  ["seed", "DIFF_SEED"],
  ["runs", "DIFF_RUNS"],
]) {
  const value = values[flag];
  if (value === undefined) continue;
  if (!/^\d+$/.test(value)) {
    console.error(`test:diff: --${flag} must be a whole number, got ${value}`);
    process.exit(2);
  }
  env[variable] = value;
}
// The suite starts its own binary; a QDRANT_URL would point it at another server.
delete env.QDRANT_URL;
env.DIFF_REQUIRE_BINARY = "1";
// The workspace hoists vitest to the repository's node_modules; resolve it as Node would.
const vitest = join(
  dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
  "vitest.mjs",
);
const child = spawn(
  process.execPath,
  [vitest, "run", "test/differential/differential.test.ts", "--testTimeout=0"],
  { cwd: root, env, stdio: "inherit" },
);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 1 : 1)));
