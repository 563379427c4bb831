#!/usr/bin/env node
import { RunInterruptedError } from "../index.js";
import { Activity } from "./activity.js";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./program.js";

// SIGINT/SIGTERM abort the run: the step in progress is stopped and the
// migration rolls back before exit (the first signal says what stopping does
// at that moment: `Activity`). Later signals must not kill the process
// mid-rollback (the default action would): they only say what is happening.
const controller = new AbortController();
const activity = new Activity();
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) {
      process.stderr.write(
        `received ${signal} again: ignored, still ${activity.onInterrupt} (SIGKILL stops at once; the next run restores from the journal)\n`,
      );
      return;
    }
    interrupted = true;
    process.stderr.write(`received ${signal}: ${activity.onInterrupt}\n`);
    controller.abort(new RunInterruptedError(`interrupted by ${signal}`));
  });
}

const code = await runCli(process.argv.slice(2), { signal: controller.signal, activity });
// Exit explicitly: idle keep-alive sockets must not hold a container's entrypoint open.
process.exit(interrupted ? ExitCode.INTERRUPTED : code);
