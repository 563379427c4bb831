import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { QdrantClient } from "@qdrant/js-client-rest";
import { startQdrant } from "../src/start-qdrant.js";

/**
 * Upserts then scrolls 100,000 points of 384 dimensions with small payloads
 * through the official client against the in-process server, in batches of
 * 256 with wait=true. Throughput is compared with the cost of only
 * JSON-encoding and decoding the same batches (the floor for any JSON-over-HTTP
 * server), memory with the raw float32 size of a vector.
 */

/** One figure, optionally compared with a baseline measured in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline?: string;
  /** value / baseline value (for sizes: value / reference size). */
  ratio?: number;
}

const POINTS = 100_000;
const DIM = 384;
const BATCH = 256;
const SCROLL_PAGE = 1_000;

interface Point {
  id: number;
  vector: number[];
  payload: { i: number; group: string };
}

/** Deterministic pseudo-random batch (xorshift), so every run sends the same data. */
function batch(start: number): Point[] {
  const points: Point[] = [];
  let seed = start + 1;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) / 4294967296) * 2 - 1;
  };
  for (let id = start; id < Math.min(start + BATCH, POINTS); id++) {
    const vector = new Array<number>(DIM);
    for (let d = 0; d < DIM; d++) vector[d] = next();
    points.push({ id, vector, payload: { i: id, group: `g${id % 10}` } });
  }
  return points;
}

function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
}

const seconds = (startNs: bigint) => Number(process.hrtime.bigint() - startNs) / 1e9;

export async function benchQdrantServer(): Promise<BenchRow[]> {
  const server = await startQdrant();
  try {
    const client = new QdrantClient({ url: server.url, checkCompatibility: false });
    await client.createCollection("bench", { vectors: { size: DIM, distance: "Dot" } });

    // Baseline: encode and decode the same batches, nothing else.
    let baselineTime = 0;
    for (let start = 0; start < POINTS; start += BATCH) {
      const points = batch(start);
      const t = process.hrtime.bigint();
      JSON.parse(JSON.stringify({ points }));
      baselineTime += seconds(t);
    }

    collectGarbage();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    let upsertTime = 0;
    for (let start = 0; start < POINTS; start += BATCH) {
      const points = batch(start);
      const t = process.hrtime.bigint();
      await client.upsert("bench", { wait: true, points });
      upsertTime += seconds(t);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    collectGarbage();
    const rssAfter = process.memoryUsage().rss;

    let scrolled = 0;
    let offset: number | string | null | undefined;
    const scrollStart = process.hrtime.bigint();
    do {
      const page = await client.scroll("bench", {
        limit: SCROLL_PAGE,
        with_payload: true,
        with_vector: true,
        ...(offset === undefined || offset === null ? {} : { offset }),
      });
      scrolled += page.points.length;
      offset = page.next_page_offset as number | string | null | undefined;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    } while (offset !== null && offset !== undefined);
    const scrollTime = seconds(scrollStart);
    if (scrolled !== POINTS) throw new Error(`scroll returned ${scrolled} of ${POINTS} points`);

    const baselineRate = POINTS / baselineTime;
    const upsertRate = POINTS / upsertTime;
    const scrollRate = POINTS / scrollTime;
    const bytesPerPoint = (rssAfter - rssBefore) / POINTS;
    const baseline = "JSON.stringify+parse of the same batches";
    return [
      { name: "baseline: JSON encode+decode", value: Math.round(baselineRate), unit: "points/s" },
      {
        name: "upsert (batches of 256, wait=true)",
        value: Math.round(upsertRate),
        unit: "points/s",
        baseline,
        ratio: upsertRate / baselineRate,
      },
      {
        name: "scroll (pages of 1000, payload+vector)",
        value: Math.round(scrollRate),
        unit: "points/s",
        baseline,
        ratio: scrollRate / baselineRate,
      },
      { name: "peak RSS", value: Math.round(peakRss / 2 ** 20), unit: "MiB" },
      {
        name: "RSS growth per stored point",
        value: Math.round(bytesPerPoint),
        unit: "bytes",
        baseline: `raw float32 vector (${DIM * 4} bytes)`,
        ratio: bytesPerPoint / (DIM * 4),
      },
    ];
  } finally {
    await server.stop();
  }
}

const figure = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 2 });

// `npm run bench` in this package (the repository's `npm run bench` runs it too).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log("in-process Qdrant server:");
  for (const r of await benchQdrantServer()) {
    const ratio = r.ratio === undefined ? "" : `  (${figure(r.ratio)}x ${r.baseline})`;
    console.log(`  ${r.name}: ${figure(r.value)} ${r.unit}${ratio}`);
  }
  process.exit(0);
}
