import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Queue, Schedule } from "effect"
import { InboxWakeups } from "../../application/webhooks/ports/InboxWakeups.ts"
import { makeInboxWakeups } from "./InboxWakeupsMemory.ts"

/** The channel the intake's group commit notifies with each batch it stores (delivered at its commit). */
export const INBOX_CHANNEL = "webhook_inbox"

/**
 * Wake-ups from every instance sharing the PostgreSQL server: one `LISTEN webhook_inbox` connection per instance
 * (as the live events'); this instance's own intake wakes it in process as well. A lost listening connection is
 * opened again; meanwhile the worker's slow poll still drains.
 */
export const InboxWakeupsPg = Layer.effect(
  InboxWakeups,
  Effect.gen(function* () {
    const pg = yield* PgClient.PgClient
    const wakeups = yield* makeInboxWakeups
    const listen = Effect.scoped(
      Effect.gen(function* () {
        const notifications = yield* pg.listen(INBOX_CHANNEL)
        while (true) {
          yield* Queue.take(notifications)
          yield* wakeups.wake
        }
      })
    )
    yield* Effect.forkScoped(
      listen.pipe(
        Effect.tapError((error) => Effect.logWarning("Webhook wake-ups: the listening connection failed", error)),
        Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("10 seconds")]))
      )
    )
    return wakeups
  })
)
