import { Cause, Clock, Deferred, Effect, Exit, Queue } from "effect"
import type { IncomingWebhook, IntakeHealth } from "../../application/webhooks/ports/WebhookInbox.ts"
import type { WebhookEventId } from "../../domain/Ids.ts"

/** The most deliveries one group commit writes. */
const MAX_BATCH = 256
/** Group commits in flight at once: a batch is written while the next ones fill (the pool has 10 connections). */
const WRITERS = 4
/** Intake is unhealthy after this many batches in a row failed entirely... */
const UNHEALTHY_AFTER_FAILED_BATCHES = 3
/** ...or when one batch has been in flight this long. */
const UNHEALTHY_AFTER_STALLED_SECONDS = 30

interface Waiting {
  readonly event: IncomingWebhook
  readonly done: Deferred.Deferred<WebhookEventId>
}

/**
 * The inbox's group commit: concurrent deliveries wait in a queue; a few writers each take whatever is waiting and
 * store it with `writeBatch` (one multi-row insert), so intake costs about one round trip per batch, not per
 * request. `writeBatch` answers one exit per delivery, in order. Whatever happens while a batch is written (a
 * failure, a throw while the statement is built, an interruption), its deliveries are answered and the writer goes
 * on with the next batch. Runs in the layer's scope.
 */
export const makeGroupCommit = (
  writeBatch: (events: ReadonlyArray<IncomingWebhook>) => Effect.Effect<ReadonlyArray<Exit.Exit<WebhookEventId>>>
) =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<Waiting>()
    const state = {
      writers: 0,
      consecutiveFailedBatches: 0,
      lastFailureAt: null as Date | null,
      /** Start time (ms) of each writer's batch in flight. */
      inFlightSince: new Map<number, number>()
    }

    /** Answers every request of the batch from the store's per-delivery exits. */
    const answer = (batch: ReadonlyArray<Waiting>, exits: ReadonlyArray<Exit.Exit<WebhookEventId>>) =>
      Effect.forEach(batch, (item, index) => Deferred.done(item.done, exits[index]!), { discard: true })

    const storeBatch = Effect.fnUntraced(function* (slot: number, batch: ReadonlyArray<Waiting>) {
      state.inFlightSince.set(slot, yield* Clock.currentTimeMillis)
      // Suspended, so that even a throw while the adapter builds its statement is this batch's failure.
      const exit = yield* Effect.exit(Effect.suspend(() => writeBatch(batch.map((item) => item.event))))
      const exits =
        Exit.isSuccess(exit) && exit.value.length === batch.length
          ? exit.value
          : batch.map(() =>
              Exit.isFailure(exit)
                ? (exit as Exit.Exit<never>)
                : Exit.die(new Error(`the inbox answered ${exit.value.length} of ${batch.length} deliveries`))
            )
      const stored = exits.filter(Exit.isSuccess).length
      if (stored === 0) {
        state.consecutiveFailedBatches++
        state.lastFailureAt = new Date(yield* Clock.currentTimeMillis)
      } else state.consecutiveFailedBatches = 0
      // Each refused request logs its own cause (and answers 503, so Meta retries).
      if (stored < batch.length)
        yield* Effect.logWarning(`Webhook intake stored ${stored} of a batch of ${batch.length} deliveries`)
      yield* answer(batch, exits)
    })

    // However a batch ends (a defect, a stack overflow, an interruption), no request of it is left waiting.
    const stopped = Exit.die(new Error("webhook intake stopped before the delivery was stored"))
    const writer = (slot: number) =>
      Queue.takeBetween(queue, 1, MAX_BATCH).pipe(
        Effect.flatMap((batch) =>
          storeBatch(slot, batch).pipe(
            Effect.onExit((exit) =>
              Exit.isSuccess(exit)
                ? Effect.void
                : Effect.forEach(
                    batch,
                    (item) =>
                      Deferred.done(
                        item.done,
                        Cause.hasInterruptsOnly(exit.cause) ? stopped : Exit.failCause(exit.cause)
                      ),
                    { discard: true }
                  )
            ),
            Effect.ensuring(Effect.sync(() => state.inFlightSince.delete(slot)))
          )
        ),
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.failCause(cause)
            : Effect.logError("Webhook intake writer: a batch failed; going on with the next", cause)
        ),
        Effect.forever,
        Effect.ensuring(Effect.sync(() => state.writers--))
      )
    for (let slot = 0; slot < WRITERS; slot++) {
      state.writers++
      yield* Effect.forkScoped(writer(slot))
    }

    /** Resolves once the delivery is committed; dies when it could not be stored. */
    const accept = (event: IncomingWebhook) =>
      Effect.gen(function* () {
        const done = yield* Deferred.make<WebhookEventId>()
        yield* Queue.offer(queue, { event, done })
        return yield* Deferred.await(done)
      })

    const health: Effect.Effect<IntakeHealth> = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const oldest = Math.min(now, ...state.inFlightSince.values())
      const stalledSeconds = (now - oldest) / 1000
      return {
        healthy:
          state.writers === WRITERS &&
          state.consecutiveFailedBatches < UNHEALTHY_AFTER_FAILED_BATCHES &&
          stalledSeconds < UNHEALTHY_AFTER_STALLED_SECONDS,
        writers: state.writers,
        writersExpected: WRITERS,
        queued: yield* Queue.size(queue),
        consecutiveFailedBatches: state.consecutiveFailedBatches,
        lastFailureAt: state.lastFailureAt?.toISOString() ?? null,
        stalledSeconds
      }
    })

    return { accept, health }
  })
