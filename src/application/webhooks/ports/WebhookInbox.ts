import { Context, type Effect, type Exit } from "effect"
import type { WebhookEventId } from "../../../domain/Ids.ts"
import type { WebhookEvent } from "../../../domain/WebhookEvent.ts"

export interface IncomingWebhook {
  readonly provider: string
  readonly bodySha256: string
  /** The body exactly as Meta sent it (its signature was checked on these bytes). */
  readonly raw: Uint8Array
  /** The parsed body: the same JSON as `raw`. */
  readonly payload: unknown
  readonly receivedAt: Date
}

/** How intake is doing, for `/readyz`. Never carries an error's text (the logs do). */
export interface IntakeHealth {
  readonly healthy: boolean
  /** Writers running (of `writersExpected`). */
  readonly writers: number
  readonly writersExpected: number
  /** Deliveries waiting for a writer. */
  readonly queued: number
  /** Batches in a row that could store nothing (0 after any success). */
  readonly consecutiveFailedBatches: number
  readonly lastFailureAt: string | null
  /** How long the oldest batch in flight has been writing (0 when none is). */
  readonly stalledSeconds: number
}

export interface InboxStats {
  readonly pending: number
  readonly unrouted: number
  readonly failed: number
  /** Age of the oldest pending event, in seconds (0 when none). */
  readonly oldestPendingSeconds: number
}

/** What an unrouted event waited for: the phone number ids and WABA ids no connection answered for. */
export interface RoutingKeys {
  readonly phoneNumberIds: ReadonlyArray<string>
  readonly wabaIds: ReadonlyArray<string>
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
     * Stores one delivery durably; resolves only after the commit. Concurrent deliveries are group-committed by the
     * adapter (one statement per batch); a delivery the store refuses fails alone (the others of its batch are still
     * stored). Dies when the delivery could not be stored.
     */
    accept(event: IncomingWebhook): Effect.Effect<WebhookEventId>
    /**
     * `accept` without an Effect per delivery, for the intake's plain path (issue 18.3): `done` hears, once, the
     * stored delivery's id, or the defect it could not be stored for. An adapter without it is driven through
     * `accept`.
     */
    readonly submit?: (event: IncomingWebhook, done: (stored: Exit.Exit<WebhookEventId>) => void) => void
    /** How the group commit is doing: its writers, its queue, its failing or stalled batches. */
    readonly intakeHealth: Effect.Effect<IntakeHealth>
    /**
     * Claims up to `limit` due pending events for `leaseSeconds` (`FOR UPDATE SKIP LOCKED`), counting an
     * attempt. An event whose worker dies is claimable again once its lease runs out. `payload` is the body as
     * Meta sent it.
     */
    claim(limit: number, leaseSeconds: number, now: Date): Effect.Effect<ReadonlyArray<WebhookEvent>>
    markProcessed(id: WebhookEventId, now: Date): Effect.Effect<void>
    /** Parks an event no connection answered for, with the keys it waited for. */
    markUnrouted(id: WebhookEventId, reason: string, now: Date, keys: RoutingKeys): Effect.Effect<void>
    /** Schedules another attempt at `retryAt`, or parks the event as `failed` when `retryAt` is null. */
    markFailed(id: WebhookEventId, error: string, retryAt: Date | null): Effect.Effect<void>
    /**
     * A number was connected: puts back in the queue, due at once, the `unrouted` events that waited for that number
     * or its WABA and were received at or after `since` (when that connect started); older ones stay unrouted.
     * Returns how many.
     */
    requeueUnrouted(target: {
      readonly phoneNumberId: string
      readonly wabaId: string
      readonly since: Date
    }): Effect.Effect<number>
    /** Deletes the `unrouted` events received before `before` (retention); returns how many. */
    purgeUnrouted(before: Date): Effect.Effect<number>
    /**
     * Deletes at most `limit` `processed` events processed before `before` (retention, in small batches so no
     * statement holds many row locks or a long transaction); returns how many.
     */
    purgeProcessed(before: Date, limit: number): Effect.Effect<number>
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
