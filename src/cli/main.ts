#!/usr/bin/env node
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./program.js";

// SIGINT/SIGTERM abort the run: the migration in progress rolls back before exit.
const controller = new AbortController();
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    controller.abort(new Error(`interrupted by ${signal}`));
  });
}

const code = await runCli(process.argv.slice(2), { signal: controller.signal });
// Exit explicitly: idle keep-alive sockets must not hold a container's entrypoint open.
process.exit(interrupted ? ExitCode.INTERRUPTED : code);
