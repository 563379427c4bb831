import { Writable } from "node:stream";

/**
 * A stream that keeps what is written to it, for `runCli`'s stdout and
 * stderr; `onWrite` sees everything written so far, on each write.
 */
export function capture(onWrite?: (textSoFar: string) => void): {
  stream: Writable;
  text: () => string;
} {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      onWrite?.(text);
      done();
    },
  });
  return { stream, text: () => text };
}
