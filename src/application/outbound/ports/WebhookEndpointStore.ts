import { Context, type Effect, type Option } from "effect"
import type { EncryptedToken } from "../../../domain/ChannelConnection.ts"
import type { TenantId } from "../../../domain/Ids.ts"
import type { NewOutboundEvent } from "../../../domain/OutboundEvent.ts"

/** A tenant's webhook endpoint as stored (its secrets encrypted). */
export interface StoredEndpoint {
  readonly id: string
  readonly tenantId: TenantId
  readonly url: string
  readonly events: ReadonlyArray<string>
  readonly secretEnc: EncryptedToken
  /** The secret before the latest rotation, signing too until `previousSecretExpiresAt`. */
  readonly previousSecretEnc: EncryptedToken | null
  readonly previousSecretExpiresAt: Date | null
  readonly enabled: boolean
  /** Why it is disabled: `manual` (an admin) or `failures` (too many failed attempts in a row). */
  readonly disabledReason: string | null
  readonly consecutiveFailures: number
  readonly createdAt: Date
  readonly updatedAt: Date
}

export type DeliveryState = "pending" | "delivered" | "failed"

export interface DeliveryAttempt {
  readonly attemptedAt: Date
  readonly statusCode: number | null
  readonly durationMs: number
  readonly responseExcerpt: string | null
  readonly error: string | null
}

/** One event's delivery to one endpoint, with its attempts (newest last). */
export interface Delivery {
  readonly id: string
  readonly endpointId: string
  readonly eventId: string
  readonly eventType: string
  readonly state: DeliveryState
  readonly attempts: number
  readonly nextAttemptAt: Date | null
  readonly lastStatusCode: number | null
  readonly lastError: string | null
  readonly createdAt: Date
  readonly finishedAt: Date | null
  readonly occurredAt: Date
  readonly attemptLog: ReadonlyArray<DeliveryAttempt>
}

/** A claimed delivery: what the worker needs to send it. */
export interface ClaimedDelivery {
  readonly id: string
  readonly attempts: number
  readonly event: {
    readonly id: string
    readonly type: string
    readonly occurredAt: Date
    readonly data: unknown
  }
  readonly endpoint: StoredEndpoint
}

export interface DeliveryFilter {
  readonly state?: DeliveryState | undefined
  readonly eventType?: string | undefined
  readonly first: number
}

export type AttemptOutcome =
  | { readonly _tag: "Delivered" }
  | { readonly _tag: "Retry"; readonly at: Date }
  | { readonly _tag: "Failed" }

/** Endpoints, the outbox's deliveries and their attempts. Every read and write but the worker's is per tenant. */
export class WebhookEndpointStore extends Context.Service<
  WebhookEndpointStore,
  {
    create(endpoint: {
      readonly id: string
      readonly tenantId: TenantId
      readonly url: string
      readonly events: ReadonlyArray<string>
      readonly secretEnc: EncryptedToken
    }): Effect.Effect<StoredEndpoint>
    list(tenantId: TenantId): Effect.Effect<ReadonlyArray<StoredEndpoint>>
    find(tenantId: TenantId, id: string): Effect.Effect<Option.Option<StoredEndpoint>>
    update(
      tenantId: TenantId,
      id: string,
      patch: {
        readonly url?: string
        readonly events?: ReadonlyArray<string>
        /** true: enabled (failures reset); false: disabled with `disabledReason`. */
        readonly enabled?: boolean
        readonly disabledReason?: string | null
        readonly rotation?: {
          readonly secretEnc: EncryptedToken
          readonly previousSecretEnc: EncryptedToken
          readonly previousSecretExpiresAt: Date
        }
      }
    ): Effect.Effect<Option.Option<StoredEndpoint>>
    remove(tenantId: TenantId, id: string): Effect.Effect<boolean>
    /** Writes an event (the test event) to the outbox for one endpoint only. */
    announceTo(tenantId: TenantId, endpointId: string, event: NewOutboundEvent): Effect.Effect<string>
    /**
     * Claims up to `limit` due deliveries of enabled endpoints for `leaseSeconds` (`FOR UPDATE SKIP LOCKED`: several
     * instances share the work), counting the attempt. A delivery waits while an earlier one of the same endpoint and
     * ordering key is pending.
     */
    claim(limit: number, leaseSeconds: number): Effect.Effect<ReadonlyArray<ClaimedDelivery>>
    /**
     * Stores an attempt and its outcome; a failure counts against the endpoint, which is disabled (reason
     * `failures`) once `disableAfter` attempts in a row failed; a success resets the count. Answers whether the
     * endpoint was disabled by this attempt.
     */
    recordAttempt(
      deliveryId: string,
      attempt: DeliveryAttempt,
      outcome: AttemptOutcome,
      disableAfter: number
    ): Effect.Effect<{ readonly endpointDisabled: boolean }>
    /**
     * {@link recordAttempt} for several attempts at once, as if recorded one after the other in their order (one
     * statement on PostgreSQL: the delivery worker records what its sends answered meanwhile together). Answers, per
     * attempt, whether it disabled its endpoint. An attempt whose delivery no longer exists is not recorded.
     */
    recordAttempts(
      attempts: ReadonlyArray<{
        readonly deliveryId: string
        readonly attempt: DeliveryAttempt
        readonly outcome: AttemptOutcome
      }>,
      disableAfter: number
    ): Effect.Effect<ReadonlyArray<{ readonly endpointDisabled: boolean }>>
    deliveries(tenantId: TenantId, endpointId: string, filter: DeliveryFilter): Effect.Effect<ReadonlyArray<Delivery>>
    /** Makes a delivery due now (pending again if it had failed); false when the tenant has no such delivery. */
    retryNow(tenantId: TenantId, deliveryId: string): Effect.Effect<boolean>
    /**
     * Sends again every event of the tenant that occurred in [from, to) and that the endpoint (enabled) subscribes
     * to, test events aside: a new pending delivery each (the same event ids and ordering keys), queued oldest first.
     * Answers how many. PostgreSQL: a few set-based statements, each a page of events committed on its own; one
     * that fails leaves the earlier pages queued (receivers deduplicate by `webhook-id`).
     */
    replay(tenantId: TenantId, endpointId: string, from: Date, to: Date): Effect.Effect<number>
    /** Deletes up to `batch` events older than `before` (their deliveries and attempts with them); answers how many. */
    purgeBefore(before: Date, batch: number): Effect.Effect<number>
  }
>()("app/application/outbound/ports/WebhookEndpointStore") {}
