import { formatError } from "./errors.js";
import { isObject } from "./payload-paths.js";

/**
 * The `#[serde(alias = …)]` names Qdrant 1.18.1 accepts for request fields,
 * each checked against the binary: the alias is read as the field; both in
 * one body is serde's `duplicate field` format error.
 */

type Aliases = Readonly<Record<string, string>>;

/** Record reads (scroll, retrieve, query, search, recommend): `with_vectors`. */
export const VECTOR_SELECTOR_ALIASES: Aliases = { with_vectors: "with_vector" };

/** Create and update collection bodies. */
export const COLLECTION_BODY_ALIASES: Aliases = {
  quantization: "quantization_config",
  optimizer_config: "optimizers_config",
};

/** One vector's params (create) or params diff (update). */
export const VECTOR_PARAMS_ALIASES: Aliases = { quantization: "quantization_config" };

/** The body with each alias renamed to its field; the input is not changed. */
export function withAliasesResolved(
  body: Record<string, unknown>,
  aliases: Aliases,
): Record<string, unknown> {
  let out = body;
  for (const [alias, field] of Object.entries(aliases)) {
    if (!Object.hasOwn(body, alias)) continue;
    if (Object.hasOwn(body, field)) throw formatError(`duplicate field \`${field}\``);
    if (out === body) out = { ...body };
    out[field] = out[alias];
    delete out[alias];
  }
  return out;
}

/**
 * A create or update collection body with its aliases resolved, at the top
 * and in each vector's params (one unnamed vector, or a map of named ones).
 */
export function collectionBodyAliasesResolved(
  body: Record<string, unknown>,
): Record<string, unknown> {
  const out = withAliasesResolved(body, COLLECTION_BODY_ALIASES);
  const vectors = out.vectors;
  if (!isObject(vectors)) return out;
  const single = "size" in vectors || "distance" in vectors;
  const resolved = single
    ? withAliasesResolved(vectors, VECTOR_PARAMS_ALIASES)
    : Object.fromEntries(
        Object.entries(vectors).map(([name, params]) => [
          name,
          isObject(params) ? withAliasesResolved(params, VECTOR_PARAMS_ALIASES) : params,
        ]),
      );
  return { ...out, vectors: resolved };
}
