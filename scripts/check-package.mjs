#!/usr/bin/env node
// `npm run check:package`: what npm would publish, checked as users get it.
// Builds once, packs qdrant-migrate and @qdrant-migrate/qdrant-server, then on
// each tarball runs publint (package.json against the files shipped) and Are
// the Types Wrong (every `exports` entry resolves to ESM with its types;
// `esm-only`: the package ships no CommonJS), and `npm publish --dry-run`.
// Fails on any problem or npm warning; prints each tarball's size and files.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const bin = (name) => join(root, "node_modules", ".bin", name);
const PACKAGES = [
  { name: "qdrant-migrate", workspace: [] },
  {
    name: "@qdrant-migrate/qdrant-server",
    workspace: ["--workspace", "@qdrant-migrate/qdrant-server"],
  },
];
// A dry run cannot be logged in on CI; every other warning is a finding.
const EXPECTED_WARNING = /requires you to be logged in/;

function run(command, args) {
  const r = spawnSync(command, args, { cwd: root, encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`${[command, ...args].join(" ")} exited ${r.status}`);
  }
  return r.stdout + r.stderr;
}

const out = mkdtempSync(join(tmpdir(), "qdrant-migrate-check-package-"));
let failed = false;
try {
  run(npm, ["run", "--silent", "build"]);
  for (const pkg of PACKAGES) {
    const packed = JSON.parse(
      run(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", out, ...pkg.workspace]),
    )[0];
    const tarball = join(out, packed.filename);
    console.log(
      `${pkg.name}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`,
    );
    run(bin("publint"), ["run", tarball, "--strict"]);
    run(bin("attw"), [tarball, "--profile", "esm-only", "--format", "table-flipped"]);
    const warnings = run(npm, ["publish", "--dry-run", "--ignore-scripts", ...pkg.workspace])
      .split("\n")
      .filter((line) => /^npm (warn|error)/i.test(line) && !EXPECTED_WARNING.test(line));
    if (warnings.length > 0) {
      failed = true;
      console.error(`${pkg.name}: npm publish --dry-run warns:\n${warnings.join("\n")}`);
    }
  }
  console.log(
    `publint, attw and npm publish --dry-run: ${readdirSync(out).length} tarballs checked`,
  );
} catch (error) {
  failed = true;
  console.error(error instanceof Error ? error.message : error);
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
