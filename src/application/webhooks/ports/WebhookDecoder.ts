import { Context, type Effect, type Result, Schema } from "effect"
import type { InvalidWebhookPayload, InvalidWebhookSignature } from "../../../domain/Errors.ts"
import type { WebhookChange } from "../../../domain/InboundEvents.ts"

/** A payload this code cannot read: retried, then parked as `failed` for an operator. */
export class WebhookPayloadUnreadable extends Schema.TaggedError<WebhookPayloadUnreadable>()(
  "WebhookPayloadUnreadable",
  { detail: Schema.String }
) {}

/**
 * Reads a delivery at the door, before it is stored: its signature is checked on the bytes exactly as received,
 * then the body is parsed (never stored when it is not the JSON the provider sends).
 */
export class WebhookVerifier extends Context.Service<
  WebhookVerifier,
  {
    /** The provider's name of the deliveries it reads (stored with each). */
    readonly provider: string
    /** `check` as an Effect. */
    read(
      raw: Uint8Array,
      signature: string | null
    ): Effect.Effect<unknown, InvalidWebhookSignature | InvalidWebhookPayload>
    /** The signature and body checks, synchronously: the parsed body, or why the delivery is refused. */
    check(
      raw: Uint8Array,
      signature: string | null
    ): Result.Result<unknown, InvalidWebhookSignature | InvalidWebhookPayload>
  }
>()("app/application/ports/WebhookVerifier") {}

/**
 * Turns a stored delivery into the domain's changes (the provider's wire format stays in its adapter). `receivedAt`
 * stands in for a time the payload does not give. Pure: the same payload decodes the same way on every attempt.
 */
export class WebhookDecoder extends Context.Service<
  WebhookDecoder,
  {
    decode(payload: unknown, receivedAt: Date): Effect.Effect<ReadonlyArray<WebhookChange>, WebhookPayloadUnreadable>
    /**
     * The words of a failed status's error as it is stored with its message (`StatusChanged.error`), the same as
     * the decoded status's `errorText`; null when it gives none.
     */
    failureText(error: unknown): string | null
  }
>()("app/application/ports/WebhookDecoder") {}
