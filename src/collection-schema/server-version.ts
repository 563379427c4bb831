/** Adding and removing a named vector in place (`PUT`/`DELETE /collections/{c}/vectors/{v}`). */
export const NAMED_VECTOR_CALLS_SINCE: readonly [number, number] = [1, 18];

/** Collection metadata (`metadata` of a collection's config). */
export const METADATA_SINCE: readonly [number, number] = [1, 16];

/** The server's version (`GET /`), asked once per client. */
export type ServerVersion = () => Promise<string>;

const versions = new WeakMap<object, Promise<string>>();

/**
 * The version of the server `client` talks to, from one `GET /` per client
 * (a failed answer is not kept: the next call asks again).
 */
export function serverVersionOf(client: {
  versionInfo(): Promise<{ version: string }>;
}): Promise<string> {
  let version = versions.get(client);
  if (!version) {
    version = client.versionInfo().then((info) => String(info.version ?? ""));
    versions.set(client, version);
    version.catch(() => versions.delete(client));
  }
  return version;
}

/** Whether Qdrant `version` is `since` or newer; a dev build's unparsable version counts as recent. */
export function versionAtLeast(version: string, since: readonly [number, number]): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > since[0] || (major === since[0] && minor >= since[1]);
}

/** Whether the server has the in-place named-vector calls, and its version for the message. */
export async function namedVectorCalls(
  version: ServerVersion,
): Promise<{ supported: boolean; version: string }> {
  const text = await version();
  return { supported: versionAtLeast(text, NAMED_VECTOR_CALLS_SINCE), version: text };
}
