import { createHash } from "node:crypto"
import { type Cause, Clock, Context, Effect, Exit, Layer } from "effect"
import type { InvalidWebhookPayload, InvalidWebhookSignature } from "../../domain/Errors.ts"
import type { WebhookEventId } from "../../domain/Ids.ts"
import { WebhookVerifier } from "./ports/WebhookDecoder.ts"
import { type IncomingWebhook, type IntakeHealth, WebhookInbox } from "./ports/WebhookInbox.ts"

export type { IntakeHealth }

/** How one delivery ended at the door. */
export type Received =
  | { readonly _tag: "Accepted"; readonly eventId: WebhookEventId; readonly bytes: number }
  | { readonly _tag: "Refused"; readonly error: InvalidWebhookSignature | InvalidWebhookPayload }
  /** The inbox could not store it (the HTTP edge answers 503 so Meta retries). */
  | { readonly _tag: "Unstored"; readonly cause: Cause.Cause<never> }

/**
 * `AcceptWebhook`: read the delivery at the door (its signature and body, `WebhookVerifier`), then store it durably
 * before Meta hears 200 (the inbox group-commits concurrent deliveries). A delivery the inbox could not store dies,
 * and the HTTP edge answers 503 so Meta retries.
 *
 * One home, two shapes (issue 18.3, w7A): `receive` is the use case as plain JavaScript (no Effect per delivery:
 * the `node:http` fast path runs it and logs per batch), `accept` is the same function as an Effect (the router's
 * route), and `logged` is the line an operator follows for a received delivery, which both log.
 */
export class WebhookIntake extends Context.Service<
  WebhookIntake,
  {
    accept(
      raw: Uint8Array,
      signature: string | null
    ): Effect.Effect<WebhookEventId, InvalidWebhookSignature | InvalidWebhookPayload>
    /** `done` hears, once, how the delivery ended; `receivedAt` defaults to now. */
    receive(raw: Uint8Array, signature: string | null, done: (received: Received) => void, receivedAt?: Date): void
    /** What is logged for a received delivery: "Webhook batch accepted: event …" when it was stored. */
    logged(received: Received): Effect.Effect<void>
    readonly health: Effect.Effect<IntakeHealth>
  }
>()("app/application/WebhookIntake") {
  static readonly layer = Layer.effect(
    WebhookIntake,
    Effect.gen(function* () {
      const verifier = yield* WebhookVerifier
      const inbox = yield* WebhookInbox
      const run = Effect.runForkWith(yield* Effect.context<never>())
      /** The inbox's plain entry point, or its `accept` run for each delivery when it has none. */
      const submit =
        inbox.submit ??
        ((event: IncomingWebhook, done: (stored: Exit.Exit<WebhookEventId>) => void) =>
          run(inbox.accept(event)).addObserver(done))

      const receive = (raw: Uint8Array, signature: string | null, done: (received: Received) => void, at?: Date) => {
        const checked = verifier.check(raw, signature)
        if (checked._tag === "Failure") return done({ _tag: "Refused", error: checked.failure })
        submit(
          {
            provider: verifier.provider,
            bodySha256: createHash("sha256").update(raw).digest("hex"),
            raw,
            payload: checked.success,
            receivedAt: at ?? new Date()
          },
          (stored) =>
            done(
              Exit.isSuccess(stored)
                ? { _tag: "Accepted", eventId: stored.value, bytes: raw.byteLength }
                : { _tag: "Unstored", cause: stored.cause }
            )
        )
      }

      const logged = (received: Received): Effect.Effect<void> =>
        received._tag === "Accepted"
          ? Effect.logInfo(`Webhook batch accepted: event ${received.eventId}`).pipe(
              Effect.annotateLogs({ event_id: received.eventId, provider: verifier.provider, bytes: received.bytes })
            )
          : Effect.void

      const accept = (raw: Uint8Array, signature: string | null) =>
        Effect.gen(function* () {
          const at = new Date(yield* Clock.currentTimeMillis)
          const received = yield* Effect.callback<Received>((resume) =>
            receive(raw, signature, (r) => resume(Effect.succeed(r)), at)
          )
          if (received._tag === "Refused") return yield* Effect.fail(received.error)
          if (received._tag === "Unstored") return yield* Effect.failCause(received.cause)
          yield* logged(received)
          return received.eventId
        })
      return WebhookIntake.of({ accept, receive, logged, health: inbox.intakeHealth })
    })
  )
}
