import { Context, type Effect, type Exit } from "effect"
import type { WebhookEventId } from "../../domain/Ids.ts"
import type { WebhookEvent } from "../../domain/WebhookEvent.ts"

export interface IncomingWebhook {
  readonly provider: string
  readonly bodySha256: string
  /** The body exactly as Meta sent it (its signature was checked on these bytes). */
  readonly raw: Uint8Array
  /** The parsed body: the same JSON as `raw`. */
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

/** An event parked as `failed`, as an operator sees it before replaying it. */
export interface FailedWebhook {
  readonly id: WebhookEventId
  readonly receivedAt: Date
  readonly attempts: number
  readonly lastError: string | null
}

/** The durable inbox of webhook deliveries: stored before Meta gets its 200, processed afterwards. */
export class WebhookInbox extends Context.Service<
  WebhookInbox,
  {
    /**
     * Stores deliveries durably; resolves only after the commit, with one exit per delivery in order. A delivery
     * the store refuses fails alone (the others of its batch are still stored); the whole call dies only when the
     * store cannot be reached at all.
     */
    accept(events: ReadonlyArray<IncomingWebhook>): Effect.Effect<ReadonlyArray<Exit.Exit<WebhookEventId>>>
    /**
     * Claims up to `limit` due pending events for `leaseSeconds` (`FOR UPDATE SKIP LOCKED`), counting an
     * attempt. An event whose worker dies is claimable again once its lease runs out. `payload` is the body as
     * Meta sent it.
     */
    claim(limit: number, leaseSeconds: number, now: Date): Effect.Effect<ReadonlyArray<WebhookEvent>>
    markProcessed(id: WebhookEventId, now: Date): Effect.Effect<void>
    markUnrouted(id: WebhookEventId, reason: string, now: Date): Effect.Effect<void>
    /** Schedules another attempt at `retryAt`, or parks the event as `failed` when `retryAt` is null. */
    markFailed(id: WebhookEventId, error: string, retryAt: Date | null): Effect.Effect<void>
    /** Puts `unrouted` events back in the queue, due at once (a number was connected); returns how many. */
    requeueUnrouted(): Effect.Effect<number>
    /** The `failed` events, oldest first (at most `limit`). */
    listFailed(limit: number): Effect.Effect<ReadonlyArray<FailedWebhook>>
    /**
     * Puts `failed` events (all of them, or those of `ids`) back in the queue, due at once with a fresh attempt
     * count; their last error stays until they are processed. Returns how many.
     */
    requeueFailed(ids?: ReadonlyArray<WebhookEventId>): Effect.Effect<number>
    stats(now: Date): Effect.Effect<InboxStats>
  }
>()("app/application/ports/WebhookInbox") {}
