import { Effect, Layer, Option } from "effect"
import {
  type AttemptOutcome,
  type Delivery,
  type DeliveryAttempt,
  type StoredEndpoint,
  WebhookEndpointStore
} from "../../application/outbound/ports/WebhookEndpointStore.ts"
import { DELIVERY_PENDING, DELIVERY_STATE_AFTER, matchesPatterns } from "../../domain/OutboundEvent.ts"
import { type MemoryDelivery, OutboxMemory } from "./OutboxMemory.ts"

/**
 * Endpoints, deliveries and attempts over {@link OutboxMemory}: the same rules as the Postgres adapter (the
 * contract suite binds them), each method one atomic step. Times are wall time, like the database's `now()`.
 */
export const WebhookEndpointStoreMemory = Layer.effect(
  WebhookEndpointStore,
  Effect.gen(function* () {
    const outbox = yield* OutboxMemory
    const { endpoints, events, attempts } = outbox
    const deliveries = outbox.deliveries
    const own = (tenantId: string, id: string) => {
      const endpoint = endpoints.get(id)
      return endpoint !== undefined && endpoint.tenantId === tenantId ? endpoint : undefined
    }
    const removeWhere = <A>(rows: Array<A>, drop: (row: A) => boolean) => {
      for (let i = rows.length - 1; i >= 0; i--) if (drop(rows[i]!)) rows.splice(i, 1)
    }
    const toDelivery = (row: MemoryDelivery): Delivery => ({
      id: row.id,
      endpointId: row.endpointId,
      eventId: row.eventId,
      eventType: row.eventType,
      state: row.state,
      attempts: row.attempts,
      nextAttemptAt: row.state === "pending" ? row.nextAttemptAt : null,
      lastStatusCode: row.lastStatusCode,
      lastError: row.lastError,
      createdAt: row.createdAt,
      finishedAt: row.finishedAt,
      occurredAt: events.find((e) => e.id === row.eventId)!.occurredAt,
      attemptLog: attempts.filter((a) => a.deliveryId === row.id).map(({ deliveryId: _, ...attempt }) => attempt)
    })

    const recordOne = (
      deliveryId: string,
      attempt: DeliveryAttempt,
      outcome: AttemptOutcome,
      disableAfter: number
    ): { readonly endpointDisabled: boolean } => {
      const d = deliveries.find((row) => row.id === deliveryId)
      if (d === undefined) return { endpointDisabled: false }
      attempts.push({ deliveryId, ...attempt, durationMs: Math.round(attempt.durationMs) })
      d.state = DELIVERY_STATE_AFTER[outcome._tag]
      if (outcome._tag === "Retry") d.nextAttemptAt = outcome.at
      d.lockedUntil = null
      d.lastStatusCode = attempt.statusCode
      d.lastError = attempt.error
      d.finishedAt = outcome._tag === "Retry" ? null : new Date()
      const endpoint = endpoints.get(d.endpointId)
      if (endpoint === undefined) return { endpointDisabled: false }
      if (outcome._tag === "Delivered") {
        if (endpoint.consecutiveFailures !== 0) endpoints.set(endpoint.id, { ...endpoint, consecutiveFailures: 0 })
        return { endpointDisabled: false }
      }
      const failures = endpoint.consecutiveFailures + 1
      const disable = failures >= disableAfter
      const next: StoredEndpoint = {
        ...endpoint,
        consecutiveFailures: failures,
        enabled: disable ? false : endpoint.enabled,
        disabledReason: endpoint.enabled && disable ? "failures" : endpoint.disabledReason,
        updatedAt: new Date()
      }
      endpoints.set(endpoint.id, next)
      return {
        endpointDisabled: next.disabledReason === "failures" && !next.enabled && failures === disableAfter
      }
    }

    return WebhookEndpointStore.of({
      create: (endpoint) =>
        Effect.sync(() => {
          const now = new Date()
          const stored: StoredEndpoint = {
            ...endpoint,
            events: [...endpoint.events],
            previousSecretEnc: null,
            previousSecretExpiresAt: null,
            enabled: true,
            disabledReason: null,
            consecutiveFailures: 0,
            createdAt: now,
            updatedAt: now
          }
          endpoints.set(stored.id, stored)
          return stored
        }),
      list: (tenantId) =>
        Effect.sync(() =>
          [...endpoints.values()]
            .filter((e) => e.tenantId === tenantId)
            // Stable: endpoints created in one millisecond keep their creation order (Postgres's microseconds do).
            .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
        ),
      find: (tenantId, id) => Effect.sync(() => Option.fromNullishOr(own(tenantId, id))),
      update: (tenantId, id, patch) =>
        Effect.sync(() => {
          const endpoint = own(tenantId, id)
          if (endpoint === undefined) return Option.none()
          const next: StoredEndpoint = {
            ...endpoint,
            url: patch.url ?? endpoint.url,
            events: patch.events === undefined ? endpoint.events : [...patch.events],
            enabled: patch.enabled ?? endpoint.enabled,
            disabledReason: patch.enabled === undefined ? endpoint.disabledReason : (patch.disabledReason ?? null),
            consecutiveFailures: patch.enabled === true ? 0 : endpoint.consecutiveFailures,
            secretEnc: patch.rotation?.secretEnc ?? endpoint.secretEnc,
            previousSecretEnc: patch.rotation?.previousSecretEnc ?? endpoint.previousSecretEnc,
            previousSecretExpiresAt: patch.rotation?.previousSecretExpiresAt ?? endpoint.previousSecretExpiresAt,
            updatedAt: new Date()
          }
          endpoints.set(id, next)
          return Option.some(next)
        }),
      remove: (tenantId, id) =>
        Effect.sync(() => {
          if (own(tenantId, id) === undefined) return false
          endpoints.delete(id)
          const gone = new Set(deliveries.filter((d) => d.endpointId === id).map((d) => d.id))
          removeWhere(deliveries, (d) => gone.has(d.id))
          removeWhere(attempts, (a) => gone.has(a.deliveryId))
          return true
        }),
      announceTo: (tenantId, endpointId, event) =>
        Effect.gen(function* () {
          const [id] = yield* Effect.sync(() => {
            const eventId = crypto.randomUUID()
            events.push({
              id: eventId,
              tenantId,
              type: event.type,
              data: JSON.parse(JSON.stringify(event.data)),
              orderingKey: event.orderingKey,
              occurredAt: new Date()
            })
            return [eventId]
          })
          if (own(tenantId, endpointId) !== undefined)
            yield* outbox.addDelivery(events.find((e) => e.id === id)!, endpointId, null)
          return id!
        }),
      claim: (limit, leaseSeconds) =>
        Effect.sync(() => {
          const now = new Date()
          const due = deliveries
            .filter(
              (d) =>
                d.state === "pending" &&
                d.nextAttemptAt.getTime() <= now.getTime() &&
                (d.lockedUntil === null || d.lockedUntil.getTime() < now.getTime()) &&
                endpoints.get(d.endpointId)?.enabled === true &&
                (d.orderingKey === null ||
                  !deliveries.some(
                    (p) =>
                      p.endpointId === d.endpointId &&
                      p.orderingKey === d.orderingKey &&
                      p.state === "pending" &&
                      p.seq < d.seq
                  ))
            )
            .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.seq - b.seq)
            .slice(0, limit)
          return due.map((d) => {
            d.lockedUntil = new Date(now.getTime() + leaseSeconds * 1000)
            d.attempts += 1
            const event = events.find((e) => e.id === d.eventId)!
            return {
              id: d.id,
              attempts: d.attempts,
              event: { id: event.id, type: event.type, occurredAt: event.occurredAt, data: event.data },
              endpoint: endpoints.get(d.endpointId)!
            }
          })
        }),
      recordAttempt: (deliveryId, attempt, outcome, disableAfter) =>
        Effect.sync(() => recordOne(deliveryId, attempt, outcome, disableAfter)),
      recordAttempts: (records, disableAfter) =>
        Effect.sync(() =>
          records.map(({ deliveryId, attempt, outcome }) => recordOne(deliveryId, attempt, outcome, disableAfter))
        ),
      deliveries: (tenantId, endpointId, filter) =>
        Effect.sync(() =>
          deliveries
            .filter(
              (d) =>
                d.tenantId === tenantId &&
                d.endpointId === endpointId &&
                (filter.state === undefined || d.state === filter.state) &&
                (filter.eventType === undefined || d.eventType === filter.eventType)
            )
            .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.seq - a.seq)
            .slice(0, filter.first)
            .map(toDelivery)
        ),
      retryNow: (tenantId, deliveryId) =>
        Effect.sync(() => {
          const d = deliveries.find((row) => row.id === deliveryId && row.tenantId === tenantId)
          if (d === undefined) return false
          if (d.state !== DELIVERY_PENDING) d.attempts = 0
          d.state = DELIVERY_PENDING
          d.nextAttemptAt = new Date()
          d.lockedUntil = null
          d.finishedAt = null
          return true
        }),
      replay: (tenantId, endpointId, from, to) =>
        Effect.suspend(() => {
          const endpoint = own(tenantId, endpointId)
          if (endpoint === undefined || !endpoint.enabled) return Effect.succeed(0)
          const matching = events
            .filter(
              (e) =>
                e.tenantId === tenantId &&
                e.occurredAt.getTime() >= from.getTime() &&
                e.occurredAt.getTime() < to.getTime() &&
                e.type !== "webhook.test" &&
                matchesPatterns(endpoint.events, e.type)
            )
            .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.id < b.id ? -1 : 1))
          return Effect.as(
            Effect.forEach(matching, (event) => outbox.addDelivery(event, endpoint.id, event.orderingKey), {
              discard: true
            }),
            matching.length
          )
        }),
      purgeBefore: (before, batch) =>
        Effect.sync(() => {
          const old = events
            .filter((e) => e.occurredAt.getTime() < before.getTime())
            .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())
            .slice(0, batch)
          const ids = new Set(old.map((e) => e.id))
          const gone = new Set(deliveries.filter((d) => ids.has(d.eventId)).map((d) => d.id))
          removeWhere(events, (e) => ids.has(e.id))
          removeWhere(deliveries, (d) => gone.has(d.id))
          removeWhere(attempts, (a) => gone.has(a.deliveryId))
          return old.length
        })
    })
  })
)
