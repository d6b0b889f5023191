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

/** The last second a Meta timestamp may name: 9999-12-31T23:59:59Z. */
export const MAX_UNIX_SECONDS = 253_402_300_799

/**
 * Meta's `timestamp` fields are Unix seconds as a decimal string. Returns the instant, or null when the value is
 * not a positive number of seconds up to the year 9999 (`"99999999999999"` would be an invalid `Date`).
 */
export const unixSecondsToDate = (timestamp: string): Date | null => {
  const seconds = Number(timestamp)
  return timestamp.trim() !== "" && Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_UNIX_SECONDS
    ? new Date(seconds * 1000)
    : null
}
