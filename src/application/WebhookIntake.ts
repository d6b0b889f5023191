import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { Clock, Context, Deferred, Effect, Exit, Layer, Queue, Redacted } from "effect"
import { InvalidWebhookPayload, InvalidWebhookSignature } from "../domain/Errors.ts"
import type { WebhookEventId } from "../domain/Ids.ts"
import { type IncomingWebhook, WebhookInbox } from "./ports/WebhookInbox.ts"
import { WebhookSettings } from "./ports/WebhookSettings.ts"

/** The most deliveries one group commit writes. */
const MAX_BATCH = 256
/** Group commits in flight at once: a batch is written while the next ones fill (the pool has 10 connections). */
const WRITERS = 4

/**
 * Checks `X-Hub-Signature-256` (`sha256=` + lowercase hex HMAC-SHA256 of the raw body with the app secret) in
 * constant time. The bytes are checked exactly as received: Meta signs its own escaped-unicode serialisation,
 * which re-serialised JSON would not reproduce.
 */
export const verifySignature = (raw: Uint8Array, header: string | null, secret: Redacted.Redacted<string>): boolean => {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? "")
  if (match === null) return false
  const expected = createHmac("sha256", Redacted.value(secret)).update(raw).digest()
  return timingSafeEqual(expected, Buffer.from(match[1]!, "hex"))
}

const decoder = new TextDecoder("utf-8", { fatal: true })

const parse = (raw: Uint8Array): unknown => {
  if (raw.length === 0) throw new Error("empty body")
  const value: unknown = JSON.parse(decoder.decode(raw))
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not a JSON object")
  return value
}

/**
 * `AcceptWebhook`: verify the signature, then store the delivery durably before Meta hears 200. Concurrent
 * deliveries are group-committed: a few writers each take whatever is waiting and store it in one multi-row
 * insert, so intake costs about one round trip per batch, not per request.
 */
export class WebhookIntake extends Context.Service<
  WebhookIntake,
  {
    accept(
      raw: Uint8Array,
      signature: string | null
    ): Effect.Effect<WebhookEventId, InvalidWebhookSignature | InvalidWebhookPayload>
  }
>()("app/application/WebhookIntake") {
  static readonly layer = Layer.effect(
    WebhookIntake,
    Effect.gen(function* () {
      const settings = yield* WebhookSettings
      const inbox = yield* WebhookInbox
      const queue = yield* Queue.unbounded<{
        readonly event: IncomingWebhook
        readonly done: Deferred.Deferred<WebhookEventId>
      }>()

      const writer = Effect.gen(function* () {
        const batch = yield* Queue.takeBetween(queue, 1, MAX_BATCH)
        const exit = yield* Effect.exit(inbox.accept(batch.map((item) => item.event)))
        yield* Effect.forEach(
          batch,
          (item, index) =>
            Exit.isSuccess(exit)
              ? Deferred.succeed(item.done, exit.value[index]!)
              : Deferred.done(item.done, exit as Exit.Exit<never>),
          { discard: true }
        )
      }).pipe(Effect.forever)
      for (let index = 0; index < WRITERS; index++) yield* Effect.forkScoped(writer)

      const accept = Effect.fn("WebhookIntake.accept")(function* (raw: Uint8Array, signature: string | null) {
        if (!verifySignature(raw, signature, settings.appSecret)) return yield* new InvalidWebhookSignature({})
        const payload = yield* Effect.try({
          try: () => parse(raw),
          catch: (cause) => new InvalidWebhookPayload({ detail: cause instanceof Error ? cause.message : "unreadable" })
        })
        const done = yield* Deferred.make<WebhookEventId>()
        yield* Queue.offer(queue, {
          event: {
            provider: "meta_whatsapp",
            bodySha256: createHash("sha256").update(raw).digest("hex"),
            payload,
            receivedAt: new Date(yield* Clock.currentTimeMillis)
          },
          done
        })
        return yield* Deferred.await(done)
      })

      return WebhookIntake.of({ accept })
    })
  )
}
