import { Effect, Layer, Queue } from "effect"
import { InboxWakeups } from "../../application/webhooks/ports/InboxWakeups.ts"

/** One pending wake at most (a sliding queue of one): wakes while the worker is busy collapse into one. */
export const makeInboxWakeups = Effect.gen(function* () {
  const wakes = yield* Queue.sliding<true>(1)
  return InboxWakeups.of({
    wake: Queue.offer(wakes, true).pipe(Effect.asVoid),
    await: (timeout) => Queue.take(wakes).pipe(Effect.timeoutOption(timeout), Effect.asVoid)
  })
})

/** In process: the single embedded (PGlite) instance, and tests. */
export const InboxWakeupsMemory = Layer.effect(InboxWakeups, makeInboxWakeups)
