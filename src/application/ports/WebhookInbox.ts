import { Context, type Effect } from "effect"
import type { WebhookEventId } from "../../domain/Ids.ts"
import type { WebhookEvent } from "../../domain/WebhookEvent.ts"

export interface IncomingWebhook {
  readonly provider: string
  readonly bodySha256: string
  /** The parsed body (the signature was checked on the raw bytes before parsing). */
  readonly payload: unknown
  readonly receivedAt: Date
}

export interface InboxStats {
  readonly pending: number
  readonly unrouted: number
  readonly failed: number
  /** Age of the oldest pending event, in seconds (0 when none). */
  readonly oldestPendingSeconds: number
}

/** The durable inbox of webhook deliveries: stored before Meta gets its 200, processed afterwards. */
export class WebhookInbox extends Context.Service<
  WebhookInbox,
  {
    /** Stores deliveries durably; resolves only after the commit. */
    accept(events: ReadonlyArray<IncomingWebhook>): Effect.Effect<ReadonlyArray<WebhookEventId>>
    /**
     * Claims up to `limit` due pending events for `leaseSeconds` (`FOR UPDATE SKIP LOCKED`), counting an
     * attempt. An event whose worker dies is claimable again once its lease runs out.
     */
    claim(limit: number, leaseSeconds: number, now: Date): Effect.Effect<ReadonlyArray<WebhookEvent>>
    markProcessed(id: WebhookEventId, now: Date): Effect.Effect<void>
    markUnrouted(id: WebhookEventId, reason: string, now: Date): Effect.Effect<void>
    /** Schedules another attempt at `retryAt`, or parks the event as `failed` when `retryAt` is null. */
    markFailed(id: WebhookEventId, error: string, retryAt: Date | null): Effect.Effect<void>
    /** Puts `unrouted` events back in the queue, due at once (a number was connected); returns how many. */
    requeueUnrouted(): Effect.Effect<number>
    stats(now: Date): Effect.Effect<InboxStats>
  }
>()("app/application/ports/WebhookInbox") {}
