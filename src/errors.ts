/**
 * Base class of every error qdrant-migrate raises on purpose. `code` is stable
 * and machine-readable (it appears in `--json` output); the message says what
 * went wrong and what to do, and never contains a secret.
 */
export class QdrantMigrateError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The message of anything thrown: an Error's message, or the value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
