import type { SqlClient } from "effect/sql"

/**
 * A cursor's microseconds since the epoch as a timestamptz, exactly (each factor stays far below 2^53). Its
 * counterpart in a SELECT is `(extract(epoch FROM col) * 1000000)::bigint::text`, exact too (extract is numeric).
 */
export const atMicros = (sql: SqlClient.SqlClient, micros: string) =>
  sql`(timestamptz 'epoch' + (${micros}::bigint / 1000000) * interval '1 second'
        + (${micros}::bigint % 1000000) * interval '1 microsecond')`
