import { Effect, Option } from "effect"
import type { SqlClient } from "effect/sql"
import type { LiveEvent, LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { NewOutboundEvent } from "../../domain/OutboundEvent.ts"
import { LIVE_CHANNEL } from "./LiveEventsPg.ts"
import { toJson } from "./Rows.ts"

/**
 * Writes events to the outbox and fans each out to the tenant's enabled endpoints subscribed to its type (one
 * `webhook_deliveries` row each), in the caller's transaction: an event exists exactly when the change it announces
 * was committed. This is the one place events are written, so it also announces each to the open pages: a
 * `pg_notify` on {@link LIVE_CHANNEL}, which PostgreSQL delivers at commit (to every instance's LISTEN), and the
 * same small payload pushed to `announced` for an instance that publishes in process once the transaction commits
 * (see {@link transactionAnnouncing}).
 */
export const writeOutbox = (
  sql: SqlClient.SqlClient,
  events: ReadonlyArray<NewOutboundEvent>,
  announced: Array<LiveEvent> = []
) =>
  Effect.forEach(
    events,
    (event) =>
      Effect.gen(function* () {
        const id = crypto.randomUUID()
        yield* sql`
          INSERT INTO outbound_events (id, tenant_id, type, data, ordering_key)
          VALUES (${id}, ${event.tenantId}, ${event.type}, ${toJson(event.data)}::jsonb, ${event.orderingKey})`
        yield* fanOut(sql, id)
        announced.push(yield* notifyLive(sql, id, event))
        return id
      }),
    { discard: true }
  )

const text = (value: unknown): string | null => (typeof value === "string" ? value : null)

/**
 * `pg_notify` of the event's live payload (ids, status, kind; well under NOTIFY's 8000 bytes), the message's ids
 * read from its row (a status event names the message by Meta's id only). Returns the payload.
 */
const notifyLive = (sql: SqlClient.SqlClient, eventId: string, event: NewOutboundEvent) =>
  Effect.gen(function* () {
    const data = event.data
    const rows = yield* sql`
      SELECT json_build_object(
        'tenantId', ${event.tenantId}::text, 'type', ${event.type}::text, 'eventId', ${eventId}::text,
        'conversationId', m.conversation_id::text, 'messageId', m.id::text, 'connectionId', ${text(data["connectionId"])}::text,
        'status', COALESCE(${text(data["status"])}::text, m.status),
        'kind', COALESCE(m.type, ${text(data["provider"])}::text))::text AS payload
      FROM (SELECT 1) AS one
      LEFT JOIN messages m ON m.tenant_id = ${event.tenantId} AND m.provider_message_id = ${text(data["providerMessageId"])}::text`
    const payload = rows[0]!["payload"] as string
    yield* sql`SELECT pg_notify(${LIVE_CHANNEL}, ${payload})`
    return { ...(JSON.parse(payload) as Omit<LiveEvent, "tenantId">), tenantId: event.tenantId }
  })

/**
 * Runs `body` in a transaction and, once it commits, publishes the live events its `writeOutbox` calls announced
 * (to this instance's subscribers; an adapter that receives the NOTIFY instead ignores them). Nothing is published
 * for a transaction that rolls back.
 */
export const transactionAnnouncing = <A, E, R>(
  sql: SqlClient.SqlClient,
  live: Option.Option<LiveEvents["Service"]>,
  body: (announced: Array<LiveEvent>) => Effect.Effect<A, E, R>
) =>
  Effect.suspend(() => {
    const announced: Array<LiveEvent> = []
    return sql
      .withTransaction(body(announced))
      .pipe(
        Effect.tap(() => (Option.isSome(live) && announced.length > 0 ? live.value.publish(announced) : Effect.void))
      )
  })

/**
 * SQL: the endpoint's `events` (a text[] column) subscribe to the event type `type` (a column): the type itself, `*`,
 * or a family `prefix.*`. The rule's one home in SQL (fan-out, the inbound batch's fan-out, replay); its twin for the
 * memory adapters is `matchesPatterns` in src/domain/OutboundEvent.ts. Both arguments are column names written here,
 * never input.
 */
export const subscribesSql = (events: string, type: string) =>
  `EXISTS (SELECT 1 FROM unnest(${events}) p
     WHERE p = ${type} OR p = '*' OR (right(p, 2) = '.*' AND left(${type}, length(p) - 1) = left(p, -1)))`

/** One pending delivery of event `eventId` per enabled endpoint of its tenant whose `events` match its type. */
export const fanOut = (sql: SqlClient.SqlClient, eventId: string) =>
  sql`
    INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant_id, event_type, ordering_key)
    SELECT e.id, ep.id, e.tenant_id, e.type, e.ordering_key
    FROM outbound_events e JOIN webhook_endpoints ep ON ep.tenant_id = e.tenant_id
    WHERE e.id = ${eventId} AND ep.enabled
      AND ${sql.unsafe(subscribesSql("ep.events", "e.type"))}
    RETURNING id`

/** The message an event announces as the caller stored it in this transaction, for its live payload. */
export interface AnnouncedMessage {
  readonly id: string
  readonly conversationId: string
  readonly status: string
  readonly type: string
}

/**
 * {@link writeOutbox} for many events in one statement whatever their number (data-modifying CTEs, one JSON
 * parameter read once): the multi-row insert, the fan-out (the deliveries' `seq` in the events' order) and one
 * `pg_notify` per event, in the events' order. Same rows, same payloads, same order as writing them one by one.
 * `messages[i]`, when given, is the message event `i` announces as the caller stored it in this transaction (its
 * live payload's ids, status and kind come from it instead of a lookup); `processed`, when given, is the inbox's
 * batch marked `processed` by the same statement (issue 18.2: a round trip and a JSON parameter fewer).
 */
export const writeOutboxBatch = (
  sql: SqlClient.SqlClient,
  events: ReadonlyArray<NewOutboundEvent>,
  announced: Array<LiveEvent> = [],
  options: {
    readonly messages?: ReadonlyArray<AnnouncedMessage | null>
    readonly processed?: { readonly ids: ReadonlyArray<string>; readonly at: Date }
  } = {}
) =>
  Effect.gen(function* () {
    const processed = options.processed
    if (events.length === 0) {
      if (processed !== undefined && processed.ids.length > 0) yield* markProcessed(sql, processed.ids, processed.at)
      return
    }
    const rows = events.map((event, ord) => {
      const message = options.messages?.[ord] ?? null
      return {
        ord,
        id: crypto.randomUUID(),
        tenant_id: event.tenantId,
        type: event.type,
        data: event.data,
        ordering_key: event.orderingKey,
        connection_id: text(event.data["connectionId"]),
        status: text(event.data["status"]),
        provider: text(event.data["provider"]),
        provider_message_id: text(event.data["providerMessageId"]),
        message_id: message?.id ?? null,
        conversation_id: message?.conversationId ?? null,
        message_status: message?.status ?? null,
        message_type: message?.type ?? null
      }
    })
    const done =
      processed === undefined || processed.ids.length === 0
        ? sql``
        : sql`, done AS (${processedUpdate(sql, processed.ids, processed.at)} RETURNING 1)`
    const payloads = yield* sql`
      WITH v AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(${toJson(rows)}::jsonb) AS v(ord int, id uuid, tenant_id uuid, type text,
          data jsonb, ordering_key text, connection_id text, status text, provider text, provider_message_id text,
          message_id uuid, conversation_id uuid, message_status text, message_type text)),
      ev AS (
        INSERT INTO outbound_events (id, tenant_id, type, data, ordering_key)
        SELECT v.id, v.tenant_id, v.type, v.data, v.ordering_key FROM v ORDER BY v.ord),
      fan AS (
        INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant_id, event_type, ordering_key)
        SELECT v.id, ep.id, v.tenant_id, v.type, v.ordering_key
        FROM v JOIN webhook_endpoints ep ON ep.tenant_id = v.tenant_id
        WHERE ep.enabled
          AND ${sql.unsafe(subscribesSql("ep.events", "v.type"))}
        ORDER BY v.ord, ep.id)${done}
      SELECT x.payload, pg_notify(${LIVE_CHANNEL}, x.payload) FROM (
        SELECT v.ord, json_build_object(
          'tenantId', v.tenant_id::text, 'type', v.type, 'eventId', v.id::text,
          'conversationId', COALESCE(v.conversation_id, m.conversation_id)::text,
          'messageId', COALESCE(v.message_id, m.id)::text, 'connectionId', v.connection_id,
          'status', COALESCE(v.status, v.message_status, m.status),
          'kind', COALESCE(v.message_type, m.type, v.provider))::text AS payload
        FROM v
        LEFT JOIN LATERAL (
          SELECT m.id, m.conversation_id, m.status, m.type FROM messages m
          WHERE v.message_id IS NULL AND m.tenant_id = v.tenant_id AND m.provider_message_id = v.provider_message_id
        ) m ON true
        ORDER BY v.ord) x
      ORDER BY x.ord`
    payloads.forEach((row, index) => {
      announced.push({
        ...(JSON.parse(row["payload"] as string) as Omit<LiveEvent, "tenantId">),
        tenantId: events[index]!.tenantId
      })
    })
  })

/** The inbox events `ids` marked `processed` at `at` (the statement, for a CTE or on its own). */
const processedUpdate = (sql: SqlClient.SqlClient, ids: ReadonlyArray<string>, at: Date) =>
  sql`UPDATE webhook_events SET state = 'processed', processed_at = ${at}, locked_until = NULL, last_error = NULL
      WHERE id IN (SELECT (jsonb_array_elements_text(${toJson(ids)}::jsonb))::uuid)`

const markProcessed = (sql: SqlClient.SqlClient, ids: ReadonlyArray<string>, at: Date) =>
  Effect.asVoid(processedUpdate(sql, ids, at))
