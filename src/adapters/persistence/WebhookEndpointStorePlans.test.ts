import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { randomTenant, sqlBackends } from "../../../test/support/Backends.ts"
import { WebhookEndpointStore } from "../../application/outbound/ports/WebhookEndpointStore.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { MigrationsLive } from "./Migrations.ts"
import { PersistencePg } from "./Persistence.ts"

const TABLES = ["outbound_events", "webhook_deliveries", "webhook_delivery_attempts", "webhook_endpoints"] as const

/** Sequential scans of the outbox's tables so far in this transaction (`pg_stat_xact_user_tables`). */
const seqScans = (sql: SqlClient.SqlClient) =>
  Effect.map(sql`SELECT relname, seq_scan FROM pg_stat_xact_user_tables WHERE relname IN ${sql.in(TABLES)}`, (rows) =>
    Object.fromEntries(rows.map((row) => [String(row["relname"]), Number(row["seq_scan"])]))
  )

/**
 * The statements that inserted into `webhook_deliveries` so far: its insert trigger runs once per statement (migration
 * 0020), counted with `track_functions = 'pl'`. The backend's count may include calls of earlier transactions not yet
 * flushed: compare two readings.
 */
const insertTriggerCalls = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql`SELECT COALESCE(sum(calls), 0)::int AS calls FROM pg_stat_xact_user_functions
        WHERE funcname = 'webhook_deliveries_notify'`,
    (rows) => Number(rows[0]!["calls"])
  )

/**
 * The outbox grows by a delivery and an attempt per event and endpoint, and the delivery worker claims every few
 * milliseconds: each of its lookups must go through an index, or delivery slows as the tables grow (issue 19: the
 * claim's events lookup compared `id::text` and read the whole outbox, 51 ms a claim at 100,000 events). With
 * sequential scans priced out (`enable_seqscan = off`), the planner still scans a table only when no index can
 * serve the statement, so a scan counted here is a lookup no index serves, whatever the tables hold.
 */
for (const { name, layer: sql } of sqlBackends()) {
  const backend = PersistencePg.pipe(Layer.provideMerge(MigrationsLive.pipe(Layer.orDie)), Layer.provideMerge(sql))
  layer(backend, { timeout: 120_000, excludeTestServices: true })(`webhook endpoint store plans (${name})`, (it) => {
    it.effect("the claim, the delivery log, retry, and the endpoint lookups read the outbox through its indexes", () =>
      Effect.gen(function* () {
        const db = yield* SqlClient.SqlClient
        const store = yield* WebhookEndpointStore
        const t = randomTenant() as TenantId
        const ep = yield* store.create({
          id: crypto.randomUUID(),
          tenantId: t,
          url: "https://hooks.example.com/in",
          events: ["*"],
          secretEnc: "k1:secret" as EncryptedToken
        })
        for (let i = 0; i < 3; i++) {
          yield* store.announceTo(t, ep.id, { tenantId: t, type: "webhook.test", data: { n: i }, orderingKey: null })
        }
        const scans = yield* Effect.gen(function* () {
          yield* db`SET LOCAL enable_seqscan = off`
          const before = yield* seqScans(db)
          const claimed = (yield* store.claim(1000, 1)).filter((c) => c.endpoint.id === ep.id)
          assert.strictEqual(claimed.length, 3, "the endpoint's three deliveries are claimed")
          yield* store.recordAttempt(
            claimed[0]!.id,
            { attemptedAt: new Date(), statusCode: 500, durationMs: 3, responseExcerpt: "boom", error: "HTTP 500" },
            { _tag: "Retry", at: new Date() },
            100
          )
          const log = yield* store.deliveries(t, ep.id, { first: 10 })
          assert.strictEqual(log.length, 3)
          assert.strictEqual(log.find((d) => d.id === claimed[0]!.id)?.attemptLog.length, 1)
          assert.isTrue(yield* store.retryNow(t, claimed[1]!.id))
          assert.isTrue(Option.isSome(yield* store.find(t, ep.id)))
          assert.isTrue(Option.isSome(yield* store.update(t, ep.id, { url: "https://hooks.example.com/v2" })))
          // An id that is not a UUID names nothing (and is no error).
          assert.isTrue(Option.isNone(yield* store.find(t, "not-a-uuid")))
          assert.isFalse(yield* store.retryNow(t, "not-a-uuid"))
          assert.deepStrictEqual(yield* store.deliveries(t, "not-a-uuid", { first: 10 }), [])
          const after = yield* seqScans(db)
          return TABLES.map((table) => ({ table, scans: (after[table] ?? 0) - (before[table] ?? 0) }))
        }).pipe(db.withTransaction)
        assert.deepStrictEqual(
          scans.filter((s) => s.scans > 0),
          [],
          "no statement read one of the outbox's tables whole"
        )
        yield* store.remove(t, ep.id)
      })
    )

    it.effect("a replay inserts its deliveries a page of events per statement, through the indexes", () =>
      Effect.gen(function* () {
        const db = yield* SqlClient.SqlClient
        const store = yield* WebhookEndpointStore
        const t = randomTenant() as TenantId
        const ep = yield* store.create({
          id: crypto.randomUUID(),
          tenantId: t,
          url: "https://hooks.example.com/in",
          events: ["message.received"],
          secretEnc: "k1:secret" as EncryptedToken
        })
        // 12,000 events, three of four `message.received` (9,000: two pages), seven to a microsecond (ties across a
        // page's end), a webhook.test among them, and one event either side of [from, to).
        const base = Date.parse("2026-03-01T00:00:00.000Z")
        const from = new Date(base)
        const to = new Date(base + 10_000)
        yield* db`
          INSERT INTO outbound_events (id, tenant_id, type, data, ordering_key, occurred_at)
          SELECT gen_random_uuid(), ${t}::uuid,
                 CASE WHEN i % 4 = 0 THEN 'message.status' WHEN i = 77 THEN 'webhook.test' ELSE 'message.received' END,
                 '{}'::jsonb, 'k' || (i % 10), ${from}::timestamptz + (i / 7) * interval '1 microsecond'
          FROM generate_series(0, 11999) AS i`
        yield* db`
          INSERT INTO outbound_events (id, tenant_id, type, data, ordering_key, occurred_at)
          VALUES (gen_random_uuid(), ${t}, 'message.received', '{}', null, ${from}::timestamptz - interval '1 microsecond'),
                 (gen_random_uuid(), ${t}, 'message.received', '{}', null, ${to})`
        const result = yield* Effect.gen(function* () {
          yield* db`SET LOCAL enable_seqscan = off`
          yield* db`SET LOCAL track_functions = 'pl'`
          const before = yield* seqScans(db)
          const callsBefore = yield* insertTriggerCalls(db)
          const count = yield* store.replay(t, ep.id, from, to)
          const after = yield* seqScans(db)
          return {
            count,
            statements: (yield* insertTriggerCalls(db)) - callsBefore,
            scans: TABLES.map((table) => ({ table, scans: (after[table] ?? 0) - (before[table] ?? 0) })).filter(
              (s) => s.scans > 0
            )
          }
        }).pipe(db.withTransaction)
        assert.deepStrictEqual(result, { count: 8_999, statements: 2, scans: [] })
        // Every matching event once, in (occurred_at, id) order by seq, with its ordering key.
        const mismatches = yield* db`
          WITH want AS (
            SELECT e.id, e.ordering_key, row_number() OVER (ORDER BY e.occurred_at, e.id) AS n FROM outbound_events e
            WHERE e.tenant_id = ${t} AND e.occurred_at >= ${from} AND e.occurred_at < ${to}
              AND e.type = 'message.received'),
          got AS (
            SELECT d.event_id, d.ordering_key, row_number() OVER (ORDER BY d.seq) AS n FROM webhook_deliveries d
            WHERE d.endpoint_id = ${ep.id})
          SELECT count(*)::int AS n FROM want FULL JOIN got ON got.n = want.n
          WHERE got.event_id IS DISTINCT FROM want.id OR got.ordering_key IS DISTINCT FROM want.ordering_key`
        assert.strictEqual(mismatches[0]!["n"], 0)
        yield* store.remove(t, ep.id)
        yield* db`DELETE FROM outbound_events WHERE tenant_id = ${t}`
      })
    )
  })
}
