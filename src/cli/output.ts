import { redactSecrets } from "./engine-api.js";

/**
 * Where the CLI writes: results on stdout (one JSON document with `--json`),
 * progress and logs on stderr, every line passed through secret redaction.
 */
export class Output {
  private secrets: string[] = [];
  /** Called before any line is written: a progress bar drawn in place clears itself. */
  private beforeWrite: () => void = () => {};

  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** Registers values that must never be printed (passwords, API keys). */
  addSecrets(secrets: readonly (string | undefined)[]): void {
    for (const s of secrets) if (s) this.secrets.push(s);
  }

  /** Registers what must run before any line is written (a transient progress bar's clearing). */
  onBeforeWrite(clear: () => void): void {
    this.beforeWrite = clear;
  }

  /** A human-readable result line (suppressed under `--json`). */
  line(text = ""): void {
    if (this.json) return;
    this.beforeWrite();
    this.stdout.write(`${this.redact(text)}\n`);
  }

  /** Progress and log lines: stderr, so stdout stays machine-readable. */
  log(text: string): void {
    this.beforeWrite();
    this.stderr.write(`${this.redact(text)}\n`);
  }

  /** Whether stderr is a terminal, where progress can be redrawn in place. */
  get interactive(): boolean {
    return (this.stderr as { isTTY?: boolean }).isTTY === true;
  }

  /** Text on stderr as is (no newline): a progress bar redrawn in place. */
  raw(text: string): void {
    this.stderr.write(this.redact(text));
  }

  /** The JSON result document (only under `--json`). */
  result(value: unknown): void {
    if (!this.json) return;
    this.beforeWrite();
    this.stdout.write(`${this.redact(JSON.stringify(value, null, 2))}\n`);
  }

  error(text: string): void {
    this.beforeWrite();
    this.stderr.write(`error: ${this.redact(text)}\n`);
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}
