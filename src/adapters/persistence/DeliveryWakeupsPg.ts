import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Queue, Schedule } from "effect"
import { DeliveryWakeups } from "../../application/outbound/ports/DeliveryWakeups.ts"
import { makeDeliveryWakeups } from "./DeliveryWakeupsMemory.ts"

/** The channel migration 0020's trigger notifies when a statement inserts webhook deliveries (at its commit). */
export const DELIVERY_CHANNEL = "webhook_deliveries"

/**
 * Wake-ups from every instance sharing the PostgreSQL server: one `LISTEN webhook_deliveries` connection per
 * instance. A lost listening connection is opened again; meanwhile the worker's poll still delivers.
 */
export const DeliveryWakeupsPg = Layer.effect(
  DeliveryWakeups,
  Effect.gen(function* () {
    const pg = yield* PgClient.PgClient
    const wakeups = yield* makeDeliveryWakeups
    const listen = Effect.scoped(
      Effect.gen(function* () {
        const notifications = yield* pg.listen(DELIVERY_CHANNEL)
        while (true) {
          yield* Queue.take(notifications)
          yield* wakeups.wake
        }
      })
    )
    yield* Effect.forkScoped(
      listen.pipe(
        Effect.tapError((error) =>
          Effect.logWarning("Webhook delivery wake-ups: the listening connection failed", error)
        ),
        Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("10 seconds")]))
      )
    )
    return wakeups
  })
)
