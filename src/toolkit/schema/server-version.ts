/** Adding and removing a named vector in place (`PUT`/`DELETE /collections/{c}/vectors/{v}`). */
export const NAMED_VECTOR_CALLS_SINCE: readonly [number, number] = [1, 18];

/** The server's version (`GET /`), asked once per step by the toolkit. */
export type ServerVersion = () => Promise<string>;

/** Whether Qdrant `version` has the in-place named-vector calls; a dev build's unparsable version counts as recent. */
export async function namedVectorCalls(
  version: ServerVersion,
): Promise<{ supported: boolean; version: string }> {
  const text = await version();
  const match = /^v?(\d+)\.(\d+)/.exec(text);
  if (!match) return { supported: true, version: text };
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [wantMajor, wantMinor] = NAMED_VECTOR_CALLS_SINCE;
  return {
    supported: major > wantMajor || (major === wantMajor && minor >= wantMinor),
    version: text,
  };
}
