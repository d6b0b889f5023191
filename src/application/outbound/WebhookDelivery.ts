import {
  Cause,
  Clock,
  Context,
  Deferred,
  type Duration,
  Effect,
  Exit,
  Layer,
  Option,
  Queue,
  type Redacted
} from "effect"
import { MAX_DELIVERY_ATTEMPTS, outboundBody, retryDelayMillis } from "../../domain/OutboundEvent.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { DeliveryWakeups } from "./ports/DeliveryWakeups.ts"
import {
  type AttemptOutcome,
  type ClaimedDelivery,
  type DeliveryAttempt,
  WebhookEndpointStore
} from "./ports/WebhookEndpointStore.ts"
import { WebhookSender } from "./ports/WebhookSender.ts"
import { secretBinding } from "./WebhookEndpoints.ts"

export interface DeliverySettings {
  /** The first retry's wait; each next one is 3 times longer (capped at a day), with jitter. */
  readonly retryBaseMillis: number
  /** Consecutive failed attempts after which an endpoint is disabled. */
  readonly disableAfterFailures: number
  /** Days an event and its deliveries are kept. */
  readonly retentionDays: number
  /** How long the sender lets one attempt take (10 s by default); a claim's lease lasts 5 s longer. */
  readonly timeoutSeconds?: number
}

/** A lease longer than a send may take, so a crashed worker's claims come back soon (15 s by default). */
export const leaseSeconds = (settings: Pick<DeliverySettings, "timeoutSeconds">) => (settings.timeoutSeconds ?? 10) + 5
const BATCH = 100
/**
 * Sends of one claim at once: all of them. Two deliveries of one ordering key are never in one claim, so order is
 * unaffected; a slow receiver holds no other send (each has its timeout). With 25 at a time the sends were bound by
 * the event loop's turns, not by the receiver (issue 19, w7B).
 */
const SENDS_AT_ONCE = BATCH
/**
 * The background worker's sends in flight at most: two claims' worth. It claims again while a claim's sends are
 * still out (issue 19, w9D), so a slow receiver (up to its 10 s timeout) no longer holds back the next claim's
 * deliveries to every other endpoint, and a claim's last send no longer delays the next one's first.
 */
const IN_FLIGHT = 2 * BATCH

/**
 * Delivers the outbox (issue 19): claims due deliveries, signs each with the endpoint's secret(s), posts it, stores
 * the attempt, and schedules a retry (exponential backoff with jitter, about 12 attempts over 3 days) or gives up.
 */
export class WebhookDelivery extends Context.Service<
  WebhookDelivery,
  {
    /** Claims due deliveries and sends them; returns how many were claimed. */
    readonly drain: Effect.Effect<number>
    /**
     * The background worker's loop (never returns): claims while there is room for {@link IN_FLIGHT} sends, without
     * waiting for the earlier claims' sends; when a claim comes back short it waits for a wake (`DeliveryWakeups`,
     * when provided), for every send in flight to end (a delivery held back behind one of them by its ordering key
     * may be due then), or `idle`, the poll that catches retries falling due and lost wakes.
     */
    run(idle: Duration.Input): Effect.Effect<never>
  }
>()("app/application/outbound/WebhookDelivery") {
  static readonly layer = (settings: DeliverySettings) =>
    Layer.effect(
      WebhookDelivery,
      Effect.gen(function* () {
        const store = yield* WebhookEndpointStore
        const sender = yield* WebhookSender
        const cipher = yield* TokenCipher
        const wakeups = yield* Effect.serviceOption(DeliveryWakeups)

        /**
         * Attempts are recorded together: each send's outcome joins a queue, and one fiber records whatever has
         * queued meanwhile in one `recordAttempts` (one statement and one commit on PostgreSQL instead of one per
         * send; issue 19, w9D), then answers each send, which waits for its record (its ordering key's next delivery
         * is claimable only once it is recorded). A failed record fails each of its sends' waits.
         */
        interface Pending {
          readonly deliveryId: string
          readonly attempt: DeliveryAttempt
          readonly outcome: AttemptOutcome
          readonly done: Deferred.Deferred<{ readonly endpointDisabled: boolean }>
        }
        const recordQueue = yield* Queue.unbounded<Pending>()
        yield* Effect.forkScoped(
          Effect.forever(
            Effect.gen(function* () {
              const batch = yield* Queue.takeAll(recordQueue)
              const exit = yield* Effect.exit(store.recordAttempts(batch, settings.disableAfterFailures))
              if (Exit.isSuccess(exit))
                yield* Effect.forEach(batch, (pending, i) =>
                  Deferred.succeed(pending.done, exit.value[i] ?? { endpointDisabled: false })
                )
              else yield* Effect.forEach(batch, (pending) => Deferred.failCause(pending.done, exit.cause))
            })
          )
        )
        const record = (deliveryId: string, attempt: DeliveryAttempt, outcome: AttemptOutcome) =>
          Effect.gen(function* () {
            const done = yield* Deferred.make<{ readonly endpointDisabled: boolean }>()
            yield* Queue.offer(recordQueue, { deliveryId, attempt, outcome, done })
            return yield* Deferred.await(done)
          })

        const secretsOf = (claimed: ClaimedDelivery, now: number) =>
          Effect.gen(function* () {
            const { endpoint } = claimed
            const binding = secretBinding(endpoint)
            const secrets: Array<Redacted.Redacted<string>> = [yield* cipher.decrypt(endpoint.secretEnc, binding)]
            if (
              endpoint.previousSecretEnc !== null &&
              endpoint.previousSecretExpiresAt !== null &&
              endpoint.previousSecretExpiresAt.getTime() > now
            ) {
              const previous = yield* cipher.decrypt(endpoint.previousSecretEnc, binding).pipe(Effect.option)
              if (Option.isSome(previous)) secrets.push(previous.value)
            }
            return secrets
          })

        const deliver = (claimed: ClaimedDelivery) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            const secrets = yield* secretsOf(claimed, now).pipe(Effect.option)
            const result = Option.isNone(secrets)
              ? {
                  statusCode: null,
                  durationMs: 0,
                  responseExcerpt: null,
                  error: "the signing secret does not decrypt with the configured keys"
                }
              : yield* sender.send({
                  url: claimed.endpoint.url,
                  id: claimed.event.id,
                  timestamp: new Date(now),
                  body: outboundBody(claimed.event),
                  secrets: secrets.value
                })
            const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300
            const outcome: AttemptOutcome = ok
              ? { _tag: "Delivered" }
              : claimed.attempts >= MAX_DELIVERY_ATTEMPTS
                ? { _tag: "Failed" }
                : { _tag: "Retry", at: new Date(now + retryDelayMillis(claimed.attempts, settings.retryBaseMillis)) }
            const { endpointDisabled } = yield* record(claimed.id, { attemptedAt: new Date(now), ...result }, outcome)
            const annotations = {
              tenant_id: claimed.endpoint.tenantId,
              endpoint_id: claimed.endpoint.id,
              event_id: claimed.event.id,
              event_type: claimed.event.type,
              attempt: claimed.attempts,
              status_code: result.statusCode,
              duration_ms: result.durationMs
            }
            // The response body is never logged: only the status, the duration and our own error text.
            if (ok) yield* Effect.logDebug("Outbound webhook delivered").pipe(Effect.annotateLogs(annotations))
            else
              yield* Effect.logWarning(
                `Outbound webhook attempt failed (${outcome._tag === "Failed" ? "giving up" : "will retry"}): ${result.error ?? `HTTP ${result.statusCode}`}`
              ).pipe(Effect.annotateLogs(annotations))
            if (endpointDisabled)
              yield* Effect.logWarning(
                `Webhook endpoint ${claimed.endpoint.id} disabled after ${settings.disableAfterFailures} failed attempts in a row`
              ).pipe(Effect.annotateLogs(annotations))
          }).pipe(
            // A failure to record (the database went away): the lease runs out and the delivery is claimed again.
            Effect.catchCause((cause) =>
              Cause.hasInterruptsOnly(cause)
                ? Effect.failCause(cause)
                : Effect.logError(`Outbound webhook delivery ${claimed.id}: its attempt could not be recorded`, cause)
            )
          )

        const drain = Effect.gen(function* () {
          const claimed = yield* store.claim(BATCH, leaseSeconds(settings))
          yield* Effect.forEach(claimed, deliver, { concurrency: SENDS_AT_ONCE, discard: true })
          return claimed.length
        }).pipe(Effect.withSpan("WebhookDelivery.drain"))

        const run = (idle: Duration.Input) =>
          Effect.gen(function* () {
            /** A send ended (room for the next claim). */
            const ended = yield* Queue.sliding<true>(1)
            /** The last send in flight ended. */
            const settled = yield* Queue.sliding<true>(1)
            let inFlight = 0
            const send = (claimed: ClaimedDelivery) =>
              deliver(claimed).pipe(
                Effect.ensuring(
                  Effect.suspend(() => {
                    inFlight--
                    return Queue.offer(ended, true).pipe(
                      Effect.andThen(inFlight === 0 ? Queue.offer(settled, true) : Effect.void)
                    )
                  })
                ),
                Effect.forkChild
              )
            const poll = Option.isSome(wakeups) ? wakeups.value.await(idle) : Effect.sleep(idle)
            const round = Effect.gen(function* () {
              const room = IN_FLIGHT - inFlight
              if (room < BATCH / 2) return yield* Queue.take(ended)
              const limit = Math.min(BATCH, room)
              const claimed = yield* store.claim(limit, leaseSeconds(settings))
              inFlight += claimed.length
              for (const one of claimed) yield* send(one)
              // A full claim: more may be due at once. A short one: nothing more is due until something happens.
              if (claimed.length < limit) yield* inFlight === 0 ? poll : Effect.race(poll, Queue.take(settled))
            })
            return yield* round.pipe(
              Effect.catchCause((cause) =>
                Cause.hasInterruptsOnly(cause)
                  ? Effect.failCause(cause)
                  : Effect.logError("Outbound webhook worker: claiming failed; retrying", cause).pipe(
                      Effect.andThen(Effect.sleep("1 second"))
                    )
              ),
              Effect.forever
            )
          }).pipe(Effect.withSpan("WebhookDelivery.run"))

        return WebhookDelivery.of({ drain, run })
      })
    )

  /**
   * The background worker: delivers as deliveries fall due, woken by `DeliveryWakeups` when provided, polling every
   * `idle` as well.
   */
  static readonly worker = (idle: Duration.Input = "250 millis") =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const delivery = yield* WebhookDelivery
        yield* Effect.forkScoped(delivery.run(idle))
      })
    )

  /** Deletes events older than `days` days (with their deliveries and attempts), in batches of 500, every hour. */
  static readonly retention = (days: number, every: Duration.Input = "1 hour") =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const store = yield* WebhookEndpointStore
        const once = Effect.gen(function* () {
          const before = new Date((yield* Clock.currentTimeMillis) - days * 86_400_000)
          let total = 0
          for (;;) {
            const deleted = yield* store.purgeBefore(before, 500)
            total += deleted
            if (deleted < 500) break
          }
          if (total > 0) yield* Effect.logInfo(`Outbound webhooks: ${total} events older than ${days} days deleted`)
        }).pipe(
          Effect.catchCause((cause) => Effect.logError("Outbound webhook retention failed; retrying later", cause))
        )
        yield* Effect.forkScoped(Effect.forever(Effect.andThen(once, Effect.sleep(every))))
      })
    )
}
