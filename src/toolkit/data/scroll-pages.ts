import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import type { PointId } from "../../qdrant/touched-points.js";

export interface ScrollPage {
  points: Schemas["Record"][];
  /** Where the scroll goes on after this page; `null` after the last. */
  next: PointId | null;
}

type ScrollRequest = Omit<Schemas["ScrollRequest"], "offset">;

/**
 * The pages of a scroll from `start`, each next page requested as soon as the
 * one before it arrives: the read of page n+1 overlaps the caller's writes of
 * page n, which otherwise wait for it (measured on the real 1.18.1: a copy
 * 16–21% faster). One page is read ahead; a caller that stops early leaves at
 * most that read running, and a read changes nothing.
 */
export async function* scrollPages(
  client: QdrantClient,
  collection: string,
  request: ScrollRequest,
  start: PointId | undefined,
  signal: AbortSignal,
): AsyncGenerator<ScrollPage> {
  const read = async (offset: PointId | undefined): Promise<ScrollPage> => {
    signal.throwIfAborted();
    const page = await client.scroll(collection, { ...request, offset });
    return { points: page.points, next: pointIdOrNull(page.next_page_offset) };
  };
  let pending = read(start);
  for (;;) {
    const page = await pending;
    // Read ahead before an abort: not to be handed on after it.
    signal.throwIfAborted();
    if (page.next !== null) {
      pending = read(page.next);
      // Awaited on the next turn; until then a failure must not count as unhandled.
      pending.catch(() => {});
    }
    yield page;
    if (page.next === null) return;
  }
}

/**
 * Writes each page of `pages` with `write`, at most `concurrency` writes in
 * flight, and hands each write's result to `settle` in read order: when
 * `settle` sees a page, every page before it is written too (what a
 * checkpoint needs). On a failure every write still on its way is waited for
 * before the error goes on: the engine may start undoing the step next.
 */
export async function writePages<T>(
  pages: AsyncIterable<ScrollPage>,
  concurrency: number,
  write: (page: ScrollPage) => Promise<T>,
  settle: (result: T, page: ScrollPage) => Promise<void> | void,
): Promise<void> {
  const queue: { done: Promise<T>; page: ScrollPage }[] = [];
  const next = async () => {
    const { done, page } = queue.shift() as { done: Promise<T>; page: ScrollPage };
    await settle(await done, page);
  };
  try {
    for await (const page of pages) {
      const done = write(page);
      // Settled in order; until then a failure must not count as unhandled.
      done.catch(() => {});
      queue.push({ done, page });
      if (queue.length >= concurrency) await next();
    }
    while (queue.length > 0) await next();
  } catch (error) {
    await Promise.allSettled(queue.map((q) => q.done));
    throw error;
  }
}

/** A point id, or `null` for anything else (the end of the scroll). */
export function pointIdOrNull(value: unknown): PointId | null {
  return typeof value === "number" || typeof value === "string" ? value : null;
}
