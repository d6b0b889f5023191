import { Cause, Effect, Exit, type Fiber } from "effect"
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
  readonly done: (exit: Exit.Exit<WebhookEventId>) => void
}

/**
 * The inbox's group commit: concurrent deliveries wait in a queue (a plain array: a delivery costs a push and, once
 * stored, one callback); up to `WRITERS` batches are written at once, each with whatever is waiting when a writer is
 * free, by `writeBatch` (one multi-row insert): one Effect run and about one round trip per batch, not per request
 * (issue 18.3, w7A). `writeBatch` answers one exit per delivery, in order. Whatever happens while a batch is written
 * (a failure, a throw while the statement is built, an interruption), its deliveries are answered and the next batch
 * is written as usual. Runs in the layer's scope: once it closes, the batches in flight are interrupted and every
 * delivery still waiting or arriving is answered "stopped".
 */
export const makeGroupCommit = (
  writeBatch: (events: ReadonlyArray<IncomingWebhook>) => Effect.Effect<ReadonlyArray<Exit.Exit<WebhookEventId>>>
) =>
  Effect.gen(function* () {
    const run = Effect.runForkWith(yield* Effect.context<never>())
    const queue: Array<Waiting> = []
    const running = new Set<Fiber.Fiber<void>>()
    const state = {
      closed: false,
      flushScheduled: false,
      consecutiveFailedBatches: 0,
      lastFailureAt: null as Date | null,
      /** Start time (ms) of each writer's batch in flight, by writer slot. */
      inFlightSince: new Map<number, number>()
    }
    const stopped = Exit.die(new Error("webhook intake stopped before the delivery was stored"))

    /** Answers each delivery once; a callback that throws does not keep the others of its batch waiting. */
    const answer = (batch: ReadonlyArray<Waiting>, exitOf: (index: number) => Exit.Exit<WebhookEventId>) => {
      for (let index = 0; index < batch.length; index++) {
        try {
          batch[index]!.done(exitOf(index))
        } catch {
          // The caller's own failure (e.g. writing to a socket gone): nothing for the group commit to do.
        }
      }
    }

    const storeBatch = (batch: ReadonlyArray<Waiting>, answered: { done: boolean }) =>
      // Suspended, so that even a throw while the adapter builds its statement is this batch's failure.
      Effect.suspend(() => writeBatch(batch.map((item) => item.event))).pipe(
        Effect.exit,
        Effect.flatMap((exit) => {
          const exits =
            Exit.isSuccess(exit) && exit.value.length === batch.length
              ? exit.value
              : batch.map(() =>
                  Exit.isFailure(exit)
                    ? (exit as Exit.Exit<never>)
                    : Exit.die(new Error(`the inbox answered ${exit.value.length} of ${batch.length} deliveries`))
                )
          let stored = 0
          for (const item of exits) if (Exit.isSuccess(item)) stored++
          if (stored === 0) {
            state.consecutiveFailedBatches++
            state.lastFailureAt = new Date()
          } else state.consecutiveFailedBatches = 0
          answered.done = true
          answer(batch, (index) => exits[index]!)
          // Each refused request logs its own cause (and answers 503, so Meta retries).
          return stored < batch.length
            ? Effect.logWarning(`Webhook intake stored ${stored} of a batch of ${batch.length} deliveries`)
            : Effect.void
        })
      )

    const scheduledFlush = () => {
      state.flushScheduled = false
      flush()
    }
    /** Starts batches while deliveries wait and writers are free. */
    const flush = () => {
      while (queue.length > 0 && state.inFlightSince.size < WRITERS && !state.closed) {
        let slot = 0
        while (state.inFlightSince.has(slot)) slot++
        const batch = queue.splice(0, MAX_BATCH)
        state.inFlightSince.set(slot, Date.now())
        const answered = { done: false }
        const fiber = run(storeBatch(batch, answered))
        const finished = (exit: Exit.Exit<void>) => {
          running.delete(fiber)
          state.inFlightSince.delete(slot)
          // However a batch ends (a defect, a stack overflow, an interruption), no request of it is left waiting.
          if (!answered.done) {
            answered.done = true
            answer(batch, () =>
              Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? stopped : Exit.failCause(exit.cause)
            )
          }
          flush()
        }
        if (fiber.pollUnsafe() !== undefined) finished(fiber.pollUnsafe()!)
        else {
          running.add(fiber)
          fiber.addObserver(finished)
        }
      }
    }

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        state.closed = true
        answer(queue.splice(0), () => stopped)
        const fibers = [...running]
        for (const fiber of fibers) fiber.interruptUnsafe()
        return Effect.void
      })
    )

    /**
     * The plain entry point (a fast path's): `done` hears, once, the delivery's id once it is committed, or why it
     * could not be stored (a defect).
     */
    const submit = (event: IncomingWebhook, done: (exit: Exit.Exit<WebhookEventId>) => void): void => {
      if (state.closed) done(stopped)
      else {
        queue.push({ event, done })
        // The deliveries read in one turn of the event loop go in one batch: a writer starts once the turn's
        // requests are all in (a batch of one per request would cost a round trip and a socket write each).
        if (!state.flushScheduled) {
          state.flushScheduled = true
          setImmediate(scheduledFlush)
        }
      }
    }

    /** Resolves once the delivery is committed; dies when it could not be stored. */
    const accept = (event: IncomingWebhook): Effect.Effect<WebhookEventId> =>
      Effect.callback<WebhookEventId>((resume) => submit(event, resume))

    const health: Effect.Effect<IntakeHealth> = Effect.sync(() => {
      const now = Date.now()
      const oldest = Math.min(now, ...state.inFlightSince.values())
      const stalledSeconds = (now - oldest) / 1000
      const writers = state.closed ? 0 : WRITERS
      return {
        healthy:
          writers === WRITERS &&
          state.consecutiveFailedBatches < UNHEALTHY_AFTER_FAILED_BATCHES &&
          stalledSeconds < UNHEALTHY_AFTER_STALLED_SECONDS,
        writers,
        writersExpected: WRITERS,
        queued: queue.length,
        consecutiveFailedBatches: state.consecutiveFailedBatches,
        lastFailureAt: state.lastFailureAt?.toISOString() ?? null,
        stalledSeconds
      }
    })

    return { accept, submit, health }
  })
