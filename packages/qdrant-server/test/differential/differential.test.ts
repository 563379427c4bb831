import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { uniqueName } from "../harness/qdrant.js";
import { type CollectionCase, collectionCase, NEW_COLLECTION } from "./collection-bodies.js";
import { type CollectionFixture, collectionArb } from "./collections.js";
import { differenceOf, reproduction } from "./compare.js";
import {
  type Case,
  filterCase,
  invalidCase,
  queryCase,
  readAll,
  scrollCase,
  selectorCase,
  type Target,
  updateCase,
} from "./requests.js";
import {
  type Answer,
  atLeast,
  type Exchange,
  findQdrantBinary,
  type ServerPair,
  send,
  startServerPair,
  versionOf,
} from "./servers.js";

/**
 * The in-process server against real Qdrant on generated collections and
 * requests. Runs when a real Qdrant binary is there (QDRANT_BIN, or
 * ../shared/qdrant/bin/qdrant), with a fixed seed and a bounded number of runs;
 * `npm run test:diff -- --seed N --runs M` searches longer (DIFF_SEED, DIFF_RUNS).
 */

// It runs under `npm run test:real` (QDRANT_BIN) and `npm run test:diff`, not in
// the plain in-process run, which would start a binary of its own.
const binary =
  process.env.QDRANT_BIN || process.env.DIFF_REQUIRE_BINARY ? await findQdrantBinary() : undefined;
// `npm run test:diff` means to compare: no binary there is an error, not a skip.
if (!binary && process.env.DIFF_REQUIRE_BINARY) {
  throw new Error("test:diff: no executable Qdrant binary; set QDRANT_BIN to one");
}
/**
 * The oldest real Qdrant the in-process server answers like: it emulates the
 * current API and was verified against 1.18.1 (README). An older binary
 * answers differently by design (no in-place named vectors, no collection
 * metadata), and every property would fail and then shrink for its whole time
 * limit (10 minutes each, over an hour for the file on 1.15.5): compared only
 * from this version on, and skipped, saying so, below it.
 */
const COMPARED_SINCE: readonly [number, number] = [1, 18];
const realVersion = binary ? await versionOf(binary) : undefined;
const tooOld =
  realVersion !== undefined && !atLeast(realVersion, COMPARED_SINCE)
    ? ` (skipped: Qdrant ${realVersion} predates ${COMPARED_SINCE.join(".")}, the oldest the in-process server answers like)`
    : "";
/**
 * Each run compares under two seeds: a fixed one, and one that changes with
 * every run (printed in the test names, so a failure names it) to search
 * further over time. `DIFF_SEED` replaces both with one.
 */
const SEEDS = process.env.DIFF_SEED
  ? [Number(process.env.DIFF_SEED)]
  : [1205, Date.now() % 2_147_483_647];
/** Cases per area and seed; the default keeps the file's CI cost near a minute. */
const RUNS = Number(process.env.DIFF_RUNS ?? 150);
const COLLECTIONS = 4;
/** A property's time limit, grown with a long run's number of cases. */
const TIMEOUT = Math.max(600_000, RUNS * 2_000);
const apiKey = process.env.QDRANT_URL ? process.env.QDRANT_API_KEY : undefined;

let pair: ServerPair | undefined;
/** Requests sent to each server, reported at the end (the long run's count). */
let sent = 0;

async function sendBoth(exchange: Exchange): Promise<[Answer, Answer]> {
  const servers = pair as ServerPair;
  sent++;
  return Promise.all([send(servers.inProcess, exchange), send(servers.real, exchange, apiKey)]);
}

/** Sends to both and throws the reproduction when they disagree. */
async function expectSameAnswer(target: Target, c: Case): Promise<void> {
  const [a, b] = await sendBoth(c.exchange);
  const difference = differenceOf(a, b, c.ordering, c.cut);
  if (difference) {
    throw new Error(reproduction(describeFixture(target.fixture), c.exchange, a, b, difference));
  }
}

/** One step of a collection case: the name filled in; a collection read compares its config. */
async function expectSameStep(
  target: Target,
  step: CollectionCase["steps"][number],
  name: string,
): Promise<void> {
  const exchange = { ...step.exchange, path: step.exchange.path.replace(NEW_COLLECTION, name) };
  const [a, b] = await sendBoth(exchange);
  const pick = (answer: Answer): Answer => {
    const body = answer.body as { result?: { config?: unknown } };
    return step.configOnly && answer.status === 200
      ? { ...answer, body: { result: body.result?.config } }
      : answer;
  };
  const difference = differenceOf(pick(a), pick(b));
  if (difference) {
    throw new Error(reproduction(describeFixture(target.fixture), exchange, a, b, difference));
  }
}

function describeFixture(fixture: CollectionFixture): string {
  return JSON.stringify({
    create: fixture.createBody,
    indexes: fixture.indexes,
    points: fixture.points,
  });
}

/** Creates the collection and its indexes and upserts its points on both servers. */
async function load(fixture: CollectionFixture, name: string): Promise<void> {
  const steps: Exchange[] = [
    { method: "PUT", path: `/collections/${name}`, body: fixture.createBody },
    ...fixture.indexes.map((index) => ({
      method: "PUT",
      path: `/collections/${name}/index?wait=true`,
      body: index,
    })),
    {
      method: "PUT",
      path: `/collections/${name}/points?wait=true`,
      body: { points: fixture.points },
    },
  ];
  for (const step of steps) {
    const [a, b] = await sendBoth(step);
    const difference = differenceOf(a, b);
    if (difference || a.status !== 200) {
      throw new Error(
        reproduction(
          describeFixture(fixture),
          step,
          a,
          b,
          difference ?? "both refused a setup step",
        ),
      );
    }
  }
}

/** Empties a scratch collection and loads its points again, on both servers. */
async function reset(target: Target): Promise<void> {
  for (const step of [
    {
      method: "POST",
      path: `/collections/${target.name}/points/delete?wait=true`,
      body: { filter: {} },
    },
    {
      method: "PUT",
      path: `/collections/${target.name}/points?wait=true`,
      body: { points: target.fixture.points },
    },
  ]) {
    const [a, b] = await sendBoth(step);
    if (a.status !== 200 || b.status !== 200) throw new Error(`reset of ${target.name} failed`);
  }
}

const targetIndex = () => fc.nat({ max: COLLECTIONS - 1 });
const property = <C>(
  area: (t: Target) => fc.Arbitrary<C>,
  run: (t: Target, c: C) => Promise<void>,
  on: Target[],
) =>
  fc.asyncProperty(
    targetIndex().chain((i) => area(on[i] as Target).map((c) => ({ i, c }))),
    ({ i, c }) => run(on[i] as Target, c),
  );

/** Reads: each case is sent to both servers and the answers compared. */
const READ_AREAS: [string, (t: Target) => fc.Arbitrary<Case>][] = [
  ["filters select the same points (scroll and count)", filterCase],
  ["payload and vector selectors return the same shapes", selectorCase],
  ["scroll pages by offset and order_by alike", scrollCase],
  ["queries rank and cut by score_threshold alike", queryCase],
  ["invalid requests get the same status and error text", invalidCase],
];

describe.skipIf(!binary || tooOld !== "")(
  `the in-process server answers generated requests as real Qdrant does (runs under npm run test:real and test:diff)${tooOld}`,
  () => {
    beforeAll(async () => {
      pair = await startServerPair(binary as string);
    }, 120_000);

    afterAll(async () => {
      console.log(`differential: ${sent} requests to each server, seeds ${SEEDS.join(", ")}`);
      await pair?.stop();
    });

    describe.each(SEEDS)("seed %i", (seed) => {
      /** Read-only collections, loaded identically on both servers. */
      const targets: Target[] = [];
      /** The same collections under other names, for writes (reset before each case). */
      const scratch: Target[] = [];
      const params = { seed, numRuns: RUNS, endOnFailure: false };

      beforeAll(async () => {
        const fixtures = fc.sample(collectionArb, { seed, numRuns: COLLECTIONS });
        for (const fixture of fixtures) {
          const target = { fixture, name: uniqueName("diff") };
          await load(fixture, target.name);
          targets.push(target);
          const copy = { fixture, name: uniqueName("diff_w") };
          await load(fixture, copy.name);
          scratch.push(copy);
        }
      }, 120_000);

      afterAll(async () => {
        for (const { name } of [...targets, ...scratch]) {
          await sendBoth({ method: "DELETE", path: `/collections/${name}` });
        }
      });

      for (const [title, area] of READ_AREAS) {
        it(
          title,
          async () => {
            await fc.assert(property(area, expectSameAnswer, targets), params);
          },
          TIMEOUT,
        );
      }

      it(
        "updates by filter or ids leave the same points",
        async () => {
          await fc.assert(
            property(
              updateCase,
              async (target, c) => {
                await reset(target);
                await expectSameAnswer(target, c);
                await expectSameAnswer(target, {
                  exchange: readAll(target.name),
                  ordering: "exact",
                });
              },
              scratch,
            ),
            params,
          );
        },
        TIMEOUT,
      );

      it(
        "collection create and update bodies store the same config",
        async () => {
          await fc.assert(
            property(
              () => collectionCase,
              async (target, c) => {
                const name = uniqueName("diff_c");
                try {
                  for (const step of c.steps) {
                    await expectSameStep(target, step, name);
                  }
                } finally {
                  await sendBoth({ method: "DELETE", path: `/collections/${name}` });
                }
              },
              targets,
            ),
            { ...params, numRuns: Math.ceil(RUNS / 3) },
          );
        },
        TIMEOUT,
      );
    });
  },
);
