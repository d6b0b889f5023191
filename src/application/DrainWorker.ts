import { type Duration, Effect } from "effect"

/**
 * A background worker over a queue the database holds (media to fetch, webhook deliveries due): runs `drain`
 * (which answers how many items it claimed) again at once while it finds work, waits `idle` when it found none,
 * and after a failure logs `failed` with its cause and waits a second before the next round. Forked in the
 * caller's scope, so it stops with the layer that starts it.
 */
export const drainWorker = (drain: Effect.Effect<number>, idle: Duration.Input, failed: string) =>
  Effect.forkScoped(
    drain.pipe(
      Effect.flatMap((claimed) => (claimed === 0 ? Effect.sleep(idle) : Effect.void)),
      Effect.catchCause((cause) => Effect.logError(failed, cause).pipe(Effect.andThen(Effect.sleep("1 second")))),
      Effect.forever
    )
  )
