/**
 * Live events through PostgreSQL LISTEN/NOTIFY (issue 19.6 / 18, w8D): an instance LISTENs only while it has a
 * subscriber. Seen from the server (`pg_stat_activity` of the instance's own connections, named apart by their
 * `application_name`): no LISTEN while nobody subscribes, one as soon as a subscription has returned (which is
 * then sure to get every event committed after it), none once the last subscriber left, one again on resubscribing.
 * The events come from another instance's NOTIFY, as `writeOutbox` sends them in its transaction.
 */

import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Redacted, Scope, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { type LiveEvent, LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { layerEmbedded } from "./Database.ts"
import { LiveEventsMemory } from "./LiveEventsMemory.ts"
import { LIVE_CHANNEL, LiveEventsPg } from "./LiveEventsPg.ts"

const serverUrl = process.env["DATABASE_URL"] ?? ""

const event = (tenantId: string, eventId: string): LiveEvent => ({
  tenantId: tenantId as TenantId,
  type: "message.received",
  eventId,
  conversationId: crypto.randomUUID(),
  messageId: crypto.randomUUID(),
  connectionId: null,
  status: "received",
  kind: "text"
})

describe.runIf(serverUrl !== "")("live events through PostgreSQL LISTEN/NOTIFY, only while subscribed", () => {
  const name = `live-test-${crypto.randomUUID().slice(0, 8)}`
  const pool = (applicationName: string) =>
    PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 3, applicationName }).pipe(Layer.orDie)
  const instance = LiveEventsPg.pipe(Layer.provide(pool(name)))
  // Another instance's transaction announcing an event: its NOTIFY goes out at commit.
  const publisher = pool(`${name}-publisher`)
  const publish = (sent: LiveEvent) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.withTransaction(sql`SELECT pg_notify(${LIVE_CHANNEL}, ${JSON.stringify(sent)})`)
    ).pipe(Effect.provide(publisher))
  const listening = Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ readonly n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE application_name = ${name} AND query = ${`LISTEN "${LIVE_CHANNEL}"`}`
  ).pipe(
    Effect.map((rows) => rows[0]!.n),
    Effect.provide(publisher)
  )

  it.live(
    "no LISTEN without a subscriber; a subscriber gets another instance's events; the last one leaving stops it",
    () =>
      Effect.gen(function* () {
        const live = Context.get(yield* Layer.build(instance), LiveEvents)
        const tenant = crypto.randomUUID()
        yield* Effect.sleep("300 millis")
        assert.strictEqual(yield* listening, 0, "nobody subscribes: no LISTEN")
        // Not received by anyone here, and nothing breaks.
        yield* publish(event(tenant, "unheard"))

        const first = yield* Scope.make()
        const second = yield* Scope.make()
        const onFirst = yield* live.subscribe(tenant as TenantId).pipe(Scope.provide(first))
        // The subscription has returned: PostgreSQL has confirmed the LISTEN, an event committed now is received.
        assert.strictEqual(yield* listening, 1)
        const firstGot = yield* Effect.forkChild(Stream.runCollect(Stream.take(onFirst, 2)))
        yield* publish(event(tenant, "e-1"))
        const onSecond = yield* live.subscribe(tenant as TenantId).pipe(Scope.provide(second))
        assert.strictEqual(yield* listening, 1, "one LISTEN per instance, whatever its subscribers")
        const secondGot = yield* Effect.forkChild(
          Stream.runCollect(Stream.takeUntil(onSecond, (e) => e.eventId === "e-2"))
        )
        yield* publish(event(crypto.randomUUID(), "foreign"))
        yield* publish(event(tenant, "e-2"))
        assert.deepStrictEqual(
          (yield* Fiber.join(firstGot).pipe(Effect.timeout("5 seconds"))).map((e) => e.eventId),
          ["e-1", "e-2"]
        )
        // e-1 was committed before it subscribed: it may or may not see it (it was on its way); e-2 it must.
        const onSecondIds = (yield* Fiber.join(secondGot).pipe(Effect.timeout("5 seconds"))).map((e) => e.eventId)
        assert.include([["e-2"], ["e-1", "e-2"]].map(String), String(onSecondIds))

        yield* Scope.close(first, Exit.void)
        assert.strictEqual(yield* listening, 1, "a subscriber remains")
        yield* Scope.close(second, Exit.void)
        assert.strictEqual(yield* listening, 0, "the last subscriber left: UNLISTEN")

        // Resubscribing listens again, and hears what is committed after it returned (not what came before).
        yield* publish(event(tenant, "while-nobody-listened"))
        const again = yield* live.subscribe(tenant as TenantId)
        assert.strictEqual(yield* listening, 1)
        const againGot = yield* Effect.forkChild(Stream.runCollect(Stream.take(again, 1)))
        yield* publish(event(tenant, "e-3"))
        assert.deepStrictEqual(
          (yield* Fiber.join(againGot).pipe(Effect.timeout("5 seconds"))).map((e) => e.eventId),
          ["e-3"]
        )
      }).pipe(Effect.scoped)
  )

  it.live("subscribers arriving together share one LISTEN and each returns only once it is confirmed", () =>
    Effect.gen(function* () {
      const live = Context.get(yield* Layer.build(instance), LiveEvents)
      const tenant = crypto.randomUUID()
      const streams = yield* Effect.all(
        Array.from({ length: 5 }, () => live.subscribe(tenant as TenantId)),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(yield* listening, 1)
      // Published right after every subscription returned: each of them gets it.
      const got = yield* Effect.forEach(streams, (stream) => Effect.forkChild(Stream.runHead(stream)))
      yield* publish(event(tenant, "together"))
      for (const fiber of got) {
        const head = yield* Fiber.join(fiber).pipe(Effect.timeout("5 seconds"))
        assert.strictEqual(head._tag === "Some" ? head.value.eventId : undefined, "together")
      }
    }).pipe(Effect.scoped)
  )
})

describe("live events on embedded PGlite (one instance, in process)", () => {
  it.live("a subscriber gets the events published in process; the database holds no LISTEN", () =>
    Effect.gen(function* () {
      const context = yield* Layer.build(Layer.merge(LiveEventsMemory, layerEmbedded(undefined).pipe(Layer.orDie)))
      const live = Context.get(context, LiveEvents)
      const tenant = crypto.randomUUID()
      const stream = yield* live.subscribe(tenant as TenantId)
      const got = yield* Effect.forkChild(Stream.runHead(stream))
      yield* live.publish([event(tenant, "in-process")])
      const head = yield* Fiber.join(got).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(head._tag === "Some" ? head.value.eventId : undefined, "in-process")
      const channels = yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`SELECT count(*)::int AS n FROM pg_listening_channels()`
      ).pipe(Effect.provideContext(context))
      assert.strictEqual(channels[0]!["n"], 0)
    }).pipe(Effect.scoped)
  )
})
