import { Schema } from "effect"
import { WebhookEventId } from "./Ids.ts"

export const WebhookEventState = Schema.Literals(["pending", "processed", "unrouted", "failed"])
export type WebhookEventState = typeof WebhookEventState.Type

/** A webhook delivery as received: the durable inbox row. */
export class WebhookEvent extends Schema.Class<WebhookEvent>("WebhookEvent")({
  id: WebhookEventId,
  provider: Schema.String,
  receivedAt: Schema.Date,
  bodySha256: Schema.String,
  payload: Schema.Unknown,
  state: WebhookEventState,
  attempts: Schema.Int,
  lastError: Schema.NullOr(Schema.String),
  processedAt: Schema.NullOr(Schema.Date)
}) {}

/** How many times an event is tried before it is parked as `failed` for an operator. */
export const MAX_WEBHOOK_ATTEMPTS = 8

/** Delay before the next attempt: exponential from 1 s, capped at 5 minutes. */
export const retryDelayMillis = (attempts: number): number => Math.min(1000 * 2 ** Math.max(0, attempts - 1), 300_000)
