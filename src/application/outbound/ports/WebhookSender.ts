import { Context, type Effect, type Redacted } from "effect"
import type { WebhookTargetRefused } from "../../../domain/Errors.ts"

export interface SendRequest {
  readonly url: string
  /** `webhook-id`: the event's id, the same on every retry and replay. */
  readonly id: string
  readonly timestamp: Date
  readonly body: string
  /** Every secret that signs (two during a rotation's overlap): one `v1,` signature each. */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
}

export interface SendResult {
  /** null: no HTTP answer (refused target, timeout, connection error). */
  readonly statusCode: number | null
  readonly durationMs: number
  /** The first bytes of the answer's body. */
  readonly responseExcerpt: string | null
  readonly error: string | null
}

/** Signs and posts an event to a tenant's endpoint (Standard Webhooks), and vets endpoint URLs. */
export class WebhookSender extends Context.Service<
  WebhookSender,
  {
    /** Refuses a URL that is not HTTPS or does not resolve to public addresses only (unless the setting allows). */
    checkTarget(url: string): Effect.Effect<void, WebhookTargetRefused>
    /** Never fails: every outcome is a result (a refused target at delivery time is one too). */
    send(request: SendRequest): Effect.Effect<SendResult>
    /** A new signing secret, `whsec_` + base64 of 24 random bytes. */
    readonly newSecret: Effect.Effect<Redacted.Redacted<string>>
  }
>()("app/application/outbound/ports/WebhookSender") {}
