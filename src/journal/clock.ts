import { sql } from "kysely";

// Read from the database clock, not `now()`: inside a transaction `now()` is
// the transaction's start, which would make a migration finish before it ran.
export const clock = sql<Date>`clock_timestamp()`;

/** Milliseconds since the updated row's own `started_at`. */
export const elapsedMs = sql<number>`(extract(epoch FROM clock_timestamp() - started_at) * 1000)::integer`;
