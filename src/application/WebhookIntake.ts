import { createHash } from "node:crypto"
import { Cause, Clock, Context, Deferred, Effect, Exit, Layer, Queue } from "effect"
import type { InvalidWebhookPayload, InvalidWebhookSignature } from "../domain/Errors.ts"
import type { WebhookEventId } from "../domain/Ids.ts"
import { WebhookVerifier } from "./ports/WebhookDecoder.ts"
import { type IncomingWebhook, WebhookInbox } from "./ports/WebhookInbox.ts"

/** The most deliveries one group commit writes. */
const MAX_BATCH = 256
/** Group commits in flight at once: a batch is written while the next ones fill (the pool has 10 connections). */
const WRITERS = 4
/** Intake is unhealthy after this many batches in a row failed entirely... */
const UNHEALTHY_AFTER_FAILED_BATCHES = 3
/** ...or when one batch has been in flight this long. */
const UNHEALTHY_AFTER_STALLED_SECONDS = 30

/** How intake is doing, for `/readyz`. Never carries an error's text (the logs do). */
export interface IntakeHealth {
  readonly healthy: boolean
  /** Writers running (of `writersExpected`). */
  readonly writers: number
  readonly writersExpected: number
  /** Deliveries waiting for a writer. */
  readonly queued: number
  /** Batches in a row that could store nothing (0 after any success). */
  readonly consecutiveFailedBatches: number
  readonly lastFailureAt: string | null
  /** How long the oldest batch in flight has been writing (0 when none is). */
  readonly stalledSeconds: number
}

interface Waiting {
  readonly event: IncomingWebhook
  readonly done: Deferred.Deferred<WebhookEventId>
}

/**
 * `AcceptWebhook`: read the delivery at the door (its signature and body: `WebhookVerifier`), then store the delivery durably before Meta hears 200. Concurrent
 * deliveries are group-committed: a few writers each take whatever is waiting and store it in one multi-row
 * insert, so intake costs about one round trip per batch, not per request. Whatever happens while a batch is
 * written, its requests are answered and the writer goes on with the next batch.
 */
export class WebhookIntake extends Context.Service<
  WebhookIntake,
  {
    accept(
      raw: Uint8Array,
      signature: string | null
    ): Effect.Effect<WebhookEventId, InvalidWebhookSignature | InvalidWebhookPayload>
    readonly health: Effect.Effect<IntakeHealth>
  }
>()("app/application/WebhookIntake") {
  static readonly layer = Layer.effect(
    WebhookIntake,
    Effect.gen(function* () {
      const verifier = yield* WebhookVerifier
      const inbox = yield* WebhookInbox
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

      const writeBatch = Effect.fnUntraced(function* (slot: number, batch: ReadonlyArray<Waiting>) {
        state.inFlightSince.set(slot, yield* Clock.currentTimeMillis)
        // Suspended, so that even a throw while the adapter builds its statement is this batch's failure.
        const exit = yield* Effect.exit(Effect.suspend(() => inbox.accept(batch.map((item) => item.event))))
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
            writeBatch(slot, batch).pipe(
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

      const accept = Effect.fn("WebhookIntake.accept")(function* (raw: Uint8Array, signature: string | null) {
        const payload = yield* verifier.read(raw, signature)
        const done = yield* Deferred.make<WebhookEventId>()
        yield* Queue.offer(queue, {
          event: {
            provider: verifier.provider,
            bodySha256: createHash("sha256").update(raw).digest("hex"),
            raw,
            payload,
            receivedAt: new Date(yield* Clock.currentTimeMillis)
          },
          done
        })
        return yield* Deferred.await(done)
      })

      const health = Effect.gen(function* () {
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

      return WebhookIntake.of({ accept, health })
    })
  )
}
