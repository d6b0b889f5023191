import { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import type { NewOutboundEvent } from "../../domain/OutboundEvent.ts"
import { toJson } from "./Rows.ts"

/**
 * Writes events to the outbox and fans each out to the tenant's enabled endpoints subscribed to its type (one
 * `webhook_deliveries` row each), in the caller's transaction: an event exists exactly when the change it announces
 * was committed. This is the one place events are written, so a later live fan-out (`pg_notify` here, delivered at
 * commit, for LISTEN/NOTIFY subscribers) hooks on here.
 */
export const writeOutbox = (sql: SqlClient.SqlClient, events: ReadonlyArray<NewOutboundEvent>) =>
  Effect.forEach(
    events,
    (event) =>
      Effect.gen(function* () {
        const id = crypto.randomUUID()
        yield* sql`
          INSERT INTO outbound_events (id, tenant_id, type, data, ordering_key)
          VALUES (${id}, ${event.tenantId}, ${event.type}, ${toJson(event.data)}::jsonb, ${event.orderingKey})`
        yield* fanOut(sql, id)
        return id
      }),
    { discard: true }
  )

/** One pending delivery of event `eventId` per enabled endpoint of its tenant whose `events` match its type. */
export const fanOut = (sql: SqlClient.SqlClient, eventId: string, endpointId: string | null = null) =>
  sql`
    INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant_id, event_type, ordering_key)
    SELECT e.id, ep.id, e.tenant_id, e.type, e.ordering_key
    FROM outbound_events e JOIN webhook_endpoints ep ON ep.tenant_id = e.tenant_id
    WHERE e.id = ${eventId} AND ep.enabled
      AND (${endpointId}::uuid IS NULL OR ep.id = ${endpointId}::uuid)
      AND EXISTS (SELECT 1 FROM unnest(ep.events) p
                  WHERE p = e.type OR p = '*' OR (right(p, 2) = '.*' AND left(e.type, length(p) - 1) = left(p, -1)))
    RETURNING id`
