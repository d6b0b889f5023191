import { createHash } from "node:crypto"
import { type Cause, Context, Effect, Exit, Layer } from "effect"
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
 * before Meta hears 200 (the inbox group-commits concurrent deliveries). A delivery the inbox could not store is
 * `Unstored`, and the HTTP edge answers 503 so Meta retries.
 *
 * Plain JavaScript, no Effect per delivery (issue 18.3, w7A): the router's route wraps `receive` in one
 * (`Effect.callback`), the `node:http` fast path calls it as it is and logs its requests one batch at a time.
 */
export class WebhookIntake extends Context.Service<
  WebhookIntake,
  {
    /** `done` hears, once, how the delivery ended; `receivedAt` defaults to now. */
    receive(raw: Uint8Array, signature: string | null, done: (received: Received) => void, receivedAt?: Date): void
    /**
     * What the request line of a received delivery says about it, for an operator to follow the event: its id,
     * provider and size when it was stored (issue 16.4); nothing otherwise.
     */
    acceptedFields(received: Received): Readonly<Record<string, string | number>> | undefined
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

      const acceptedFields = (received: Received) =>
        received._tag === "Accepted"
          ? { event_id: received.eventId, provider: verifier.provider, bytes: received.bytes }
          : undefined

      return WebhookIntake.of({ receive, acceptedFields, health: inbox.intakeHealth })
    })
  )
}
