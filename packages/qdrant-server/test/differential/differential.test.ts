import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { uniqueName } from "../harness/qdrant.js";
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
  type Exchange,
  findQdrantBinary,
  type ServerPair,
  send,
  startServerPair,
} from "./servers.js";

/**
 * The in-process server against real Qdrant on generated collections and
 * requests. Runs when a real Qdrant binary is there (QDRANT_BIN, or
 * ../shared/qdrant/bin/qdrant), with a fixed seed and a bounded number of runs;
 * `npm run test:diff -- --seed N --runs M` searches longer (DIFF_SEED, DIFF_RUNS).
 */

const binary = await findQdrantBinary();
// `npm run test:diff` means to compare: no binary there is an error, not a skip.
if (!binary && process.env.DIFF_REQUIRE_BINARY) {
  throw new Error("test:diff: no executable Qdrant binary; set QDRANT_BIN to one");
}
const SEED = Number(process.env.DIFF_SEED ?? 1205);
/** Cases per area; the default keeps the whole file well under a minute. */
const RUNS = Number(process.env.DIFF_RUNS ?? 400);
const COLLECTIONS = 4;
const apiKey = process.env.QDRANT_URL ? process.env.QDRANT_API_KEY : undefined;

let pair: ServerPair | undefined;
/** Read-only collections, loaded identically on both servers. */
const targets: Target[] = [];
/** The same collections under other names, for writes (reset before each case). */
const scratch: Target[] = [];

async function sendBoth(exchange: Exchange): Promise<[Answer, Answer]> {
  const servers = pair as ServerPair;
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
const property = (
  area: (t: Target) => fc.Arbitrary<Case>,
  run: (t: Target, c: Case) => Promise<void>,
  on: Target[] = targets,
) =>
  fc.asyncProperty(
    targetIndex().chain((i) => area(on[i] as Target).map((c) => ({ i, c }))),
    ({ i, c }) => run(on[i] as Target, c),
  );
const params = { seed: SEED, numRuns: RUNS, endOnFailure: false };

describe.skipIf(!binary)(
  "the in-process server answers generated requests as real Qdrant does (needs a real Qdrant binary: QDRANT_BIN or ../shared/qdrant/bin/qdrant)",
  () => {
    beforeAll(async () => {
      pair = await startServerPair(binary as string);
      const fixtures = fc.sample(collectionArb, { seed: SEED, numRuns: COLLECTIONS });
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
      await pair?.stop();
    });

    it("filters select the same points (scroll and count)", async () => {
      await fc.assert(property(filterCase, expectSameAnswer), params);
    }, 600_000);

    it("payload and vector selectors return the same shapes", async () => {
      await fc.assert(property(selectorCase, expectSameAnswer), params);
    }, 600_000);

    it("scroll pages by offset and order_by alike", async () => {
      await fc.assert(property(scrollCase, expectSameAnswer), params);
    }, 600_000);

    it("queries rank and cut by score_threshold alike", async () => {
      await fc.assert(property(queryCase, expectSameAnswer), params);
    }, 600_000);

    it("invalid requests get the same status and error text", async () => {
      await fc.assert(property(invalidCase, expectSameAnswer), params);
    }, 600_000);

    it("updates by filter or ids leave the same points", async () => {
      await fc.assert(
        property(
          updateCase,
          async (target, c) => {
            await reset(target);
            await expectSameAnswer(target, c);
            await expectSameAnswer(target, { exchange: readAll(target.name), ordering: "exact" });
          },
          scratch,
        ),
        { ...params, numRuns: Math.ceil(RUNS / 2) },
      );
    }, 600_000);
  },
);
