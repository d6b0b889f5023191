import { Context, type Effect, type Scope, type Stream } from "effect"
import type { TenantId } from "../../domain/Ids.ts"
import type { OutboundEventType } from "../../domain/OutboundEvent.ts"

/**
 * A change announced to the page while it is open (issue 19, item 6): small, ids and a status only; the page
 * refetches what it shows. Published when the outbox row of the change is committed, never before.
 */
export interface LiveEvent {
  readonly tenantId: TenantId
  readonly type: OutboundEventType
  /** The outbox row announcing the same change (its id). */
  readonly eventId: string
  readonly conversationId: string | null
  readonly messageId: string | null
  readonly connectionId: string | null
  /** The message's or connection's status after the change. */
  readonly status: string | null
  /** The message's type (`text`, `image`, …) for message events; the connection's provider for connection events. */
  readonly kind: string | null
}

/** Live events of every instance, to every instance (in process, or PostgreSQL LISTEN/NOTIFY between instances). */
export class LiveEvents extends Context.Service<
  LiveEvents,
  {
    /**
     * Announces events whose change was just committed. An adapter whose events travel with the transaction
     * (NOTIFY) already has them and ignores this.
     */
    publish(events: ReadonlyArray<LiveEvent>): Effect.Effect<void>
    /**
     * Subscribes to the tenant's events (never another tenant's): every event published after this returns is in
     * the stream, until the scope closes.
     */
    subscribe(tenantId: TenantId): Effect.Effect<Stream.Stream<LiveEvent>, never, Scope.Scope>
  }
>()("app/application/ports/LiveEvents") {}
