import { createHash } from "node:crypto"
import { Clock, Context, Effect, Layer } from "effect"
import type { InvalidWebhookPayload, InvalidWebhookSignature } from "../../domain/Errors.ts"
import type { WebhookEventId } from "../../domain/Ids.ts"
import { WebhookVerifier } from "./ports/WebhookDecoder.ts"
import { type IntakeHealth, WebhookInbox } from "./ports/WebhookInbox.ts"

export type { IntakeHealth }

/**
 * `AcceptWebhook`: read the delivery at the door (its signature and body, `WebhookVerifier`), then store it durably
 * before Meta hears 200 (the inbox group-commits concurrent deliveries). A delivery the inbox could not store dies,
 * and the HTTP edge answers 503 so Meta retries.
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
      const accept = Effect.fn("WebhookIntake.accept")(function* (raw: Uint8Array, signature: string | null) {
        const payload = yield* verifier.read(raw, signature)
        const bodySha256 = createHash("sha256").update(raw).digest("hex")
        const eventId = yield* inbox.accept({
          provider: verifier.provider,
          bodySha256,
          raw,
          payload,
          receivedAt: new Date(yield* Clock.currentTimeMillis)
        })
        yield* Effect.logInfo(`Webhook batch accepted: event ${eventId}`).pipe(
          Effect.annotateLogs({ event_id: eventId, provider: verifier.provider, bytes: raw.byteLength })
        )
        return eventId
      })
      return WebhookIntake.of({ accept, health: inbox.intakeHealth })
    })
  )
}
