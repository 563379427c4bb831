/**
 * Errors the Qdrant-compatible server answers with. The status codes and the
 * message prefixes are Qdrant's own (src/actix/helpers.rs, content_manager/errors.rs),
 * so clients that match on them behave as they would against real Qdrant.
 */
export class QdrantHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = "QdrantHttpError";
  }
}

/** 404 `Not found: …` */
export const notFound = (what: string) => new QdrantHttpError(404, `Not found: ${what}`);
/** 400 `Wrong input: …` (Qdrant's BadInput). */
export const badInput = (what: string) => new QdrantHttpError(400, `Wrong input: ${what}`);
/** 409 `Wrong input: …` (Qdrant's AlreadyExists keeps the BadInput prefix). */
export const alreadyExists = (what: string) => new QdrantHttpError(409, `Wrong input: ${what}`);
/** 400 `Bad request: …` */
export const badRequest = (what: string) => new QdrantHttpError(400, `Bad request: ${what}`);
/** 403 `Forbidden: …` */
export const forbidden = (what: string) => new QdrantHttpError(403, `Forbidden: ${what}`);
/** 500 `Service internal error: …` */
export const serviceError = (what: string) =>
  new QdrantHttpError(500, `Service internal error: ${what}`);
/** 400 `Format error in JSON body: …` (serde rejected the body). */
export const formatError = (what: string) =>
  new QdrantHttpError(400, `Format error in JSON body: ${what}`);
/** 422 `Validation error in JSON body: [...]` (validator rejected the body). */
export const validationError = (problems: string[]) =>
  new QdrantHttpError(422, `Validation error in JSON body: [${problems.join(", ")}]`);

export const collectionNotFound = (name: string) =>
  notFound(`Collection \`${name}\` doesn't exist!`);

/**
 * Base of every error this package throws to its caller (never sent over HTTP:
 * that is `QdrantHttpError`). `code` is stable and machine-readable.
 */
export class QdrantServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * What `startQdrant()` itself throws to its caller (not over HTTP): the server
 * could not start, e.g. its storage directory holds something it cannot read.
 */
export class QdrantServerStartError extends QdrantServerError {
  constructor(
    code: "qdrant_server_storage_unreadable" | "qdrant_server_no_address",
    message: string,
  ) {
    super(code, message);
  }
}
