import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, Queue, Schema } from "effect"
import { LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { OUTBOUND_EVENT_TYPES } from "../../domain/OutboundEvent.ts"
import { makeReceivingHub } from "./LiveEventsMemory.ts"

/** The channel `writeOutbox` notifies in the transaction of each event (PostgreSQL delivers it at commit). */
export const LIVE_CHANNEL = "live_events"

/** One live event as JSON (a NOTIFY payload; a Redis message holds an array of them). */
export const LiveEventJson = Schema.Struct({
  tenantId: Schema.String,
  type: Schema.Literals(OUTBOUND_EVENT_TYPES),
  eventId: Schema.String,
  conversationId: Schema.NullOr(Schema.String),
  messageId: Schema.NullOr(Schema.String),
  connectionId: Schema.NullOr(Schema.String),
  status: Schema.NullOr(Schema.String),
  kind: Schema.NullOr(Schema.String)
})
const decode = Schema.decodeUnknownOption(Schema.fromJsonString(LiveEventJson))

/**
 * Live events of every instance sharing the PostgreSQL server: while this instance has a subscriber, one
 * `LISTEN live_events` connection (taken from the pool) feeds its subscribers; with none, it listens to nothing, so
 * no NOTIFY reaches (and costs) this process and the pool keeps that connection (`makeReceivingHub`). `publish` does
 * nothing: the events went out with their transaction's NOTIFY, to every listening instance this one included. A
 * `subscribe` returns once PostgreSQL confirmed the LISTEN, so every event committed after it returns is received.
 * A lost listening connection is opened again (events in between are not replayed: the page refetches when its
 * stream reconnects).
 */
export const LiveEventsPg = Layer.effect(
  LiveEvents,
  Effect.gen(function* () {
    const pg = yield* PgClient.PgClient
    const hub = yield* makeReceivingHub(
      (hub, ready) =>
        Effect.gen(function* () {
          const notifications = yield* pg.listen(LIVE_CHANNEL)
          yield* ready
          yield* Effect.logDebug("Live events: listening on PostgreSQL")
          while (true) {
            const notification = yield* Queue.take(notifications)
            const event = decode(notification.payload)
            if (Option.isSome(event)) {
              yield* hub.offer([{ ...event.value, tenantId: event.value.tenantId as TenantId }])
            } else {
              yield* Effect.logWarning("Live events: an unreadable notification was ignored")
            }
          }
        }),
      "PostgreSQL listening"
    )
    return LiveEvents.of({ publish: () => Effect.void, subscribe: hub.subscribe })
  })
)
