import { Context, Effect, Layer } from "effect"
import type { DeliveryState, StoredEndpoint } from "../../application/outbound/ports/WebhookEndpointStore.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { DELIVERY_PENDING, matchesPatterns, type NewOutboundEvent } from "../../domain/OutboundEvent.ts"

/** An outbox event as stored (its data through JSON, as `jsonb` would give it back). */
export interface MemoryEvent {
  readonly id: string
  readonly tenantId: TenantId
  readonly type: string
  readonly data: unknown
  readonly orderingKey: string | null
  readonly occurredAt: Date
}

export interface MemoryDelivery {
  readonly id: string
  readonly seq: number
  readonly eventId: string
  readonly endpointId: string
  readonly tenantId: TenantId
  readonly eventType: string
  readonly orderingKey: string | null
  state: DeliveryState
  attempts: number
  nextAttemptAt: Date
  lockedUntil: Date | null
  lastStatusCode: number | null
  lastError: string | null
  readonly createdAt: Date
  finishedAt: Date | null
}

export interface MemoryAttempt {
  readonly deliveryId: string
  readonly attemptedAt: Date
  readonly statusCode: number | null
  readonly durationMs: number
  readonly responseExcerpt: string | null
  readonly error: string | null
}

/**
 * The in-memory outbox: the state the in-memory repositories announce into (the message insert, the status, the
 * connection transition) and the in-memory `WebhookEndpointStore` delivers from. One per `PersistenceMemory`, so a
 * use-case test reads what a change announced with {@link OutboxMemory}'s `events`.
 */
export class OutboxMemory extends Context.Service<
  OutboxMemory,
  {
    readonly endpoints: Map<string, StoredEndpoint>
    readonly events: Array<MemoryEvent>
    readonly deliveries: Array<MemoryDelivery>
    readonly attempts: Array<MemoryAttempt>
    /** Writes events and fans each out to the tenant's enabled endpoints subscribed to its type (one step). */
    write(events: ReadonlyArray<NewOutboundEvent>): Effect.Effect<ReadonlyArray<string>>
    /** A new delivery of `eventId` to `endpointId` (whatever it subscribes to). */
    addDelivery(event: MemoryEvent, endpointId: string, orderingKey: string | null): Effect.Effect<void>
    /** The events written so far, oldest first (for use-case tests). */
    readonly announced: Effect.Effect<ReadonlyArray<MemoryEvent>>
  }
>()("app/adapters/persistence/OutboxMemory") {
  static readonly layer = Layer.sync(OutboxMemory, () => {
    const endpoints = new Map<string, StoredEndpoint>()
    const events: Array<MemoryEvent> = []
    const deliveries: Array<MemoryDelivery> = []
    const attempts: Array<MemoryAttempt> = []
    let seq = 0
    // Wall time like the database's `now()`: a TestClock does not hold delivery timestamps.
    const insertDelivery = (event: MemoryEvent, endpointId: string, orderingKey: string | null) => {
      const now = new Date()
      deliveries.push({
        id: crypto.randomUUID(),
        seq: ++seq,
        eventId: event.id,
        endpointId,
        tenantId: event.tenantId,
        eventType: event.type,
        orderingKey,
        state: DELIVERY_PENDING,
        attempts: 0,
        nextAttemptAt: now,
        lockedUntil: null,
        lastStatusCode: null,
        lastError: null,
        createdAt: now,
        finishedAt: null
      })
    }
    const fanOutSync = (eventId: string) => {
      const event = events.find((e) => e.id === eventId)
      if (event === undefined) return 0
      let count = 0
      for (const endpoint of endpoints.values()) {
        if (endpoint.tenantId !== event.tenantId || !endpoint.enabled) continue
        if (!matchesPatterns(endpoint.events, event.type)) continue
        insertDelivery(event, endpoint.id, event.orderingKey)
        count++
      }
      return count
    }
    return OutboxMemory.of({
      endpoints,
      events,
      deliveries,
      attempts,
      write: (written) =>
        Effect.sync(() =>
          written.map((event) => {
            const id = crypto.randomUUID()
            events.push({
              id,
              tenantId: event.tenantId,
              type: event.type,
              data: JSON.parse(JSON.stringify(event.data)),
              orderingKey: event.orderingKey,
              occurredAt: new Date()
            })
            fanOutSync(id)
            return id
          })
        ),
      addDelivery: (event, endpointId, orderingKey) =>
        Effect.sync(() => insertDelivery(event, endpointId, orderingKey)),
      announced: Effect.sync(() => [...events])
    })
  })
}
