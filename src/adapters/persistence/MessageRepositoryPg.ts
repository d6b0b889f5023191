import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { MessageRepository } from "../../application/messaging/ports/MessageRepository.ts"
import { LiveEvents } from "../../application/ports/LiveEvents.ts"
import { decodePosition, encodeMicrosCursor, type Page, type PageRequest } from "../../application/ports/Page.ts"
import type { ConversationId } from "../../domain/Ids.ts"
import { advanceStatus, type Message, type MessageStatus } from "../../domain/Message.ts"
import { atMicros } from "./Micros.ts"
import { transactionAnnouncing, writeOutbox } from "./OutboxPg.ts"
import { type Row, toJson, toMessage } from "./Rows.ts"

/** Status order in SQL, matching `advanceStatus`: a status only replaces a lower one; failed is final. */
export const RANK = "ARRAY['pending','sent','delivered','read','played','failed']"

export const MessageRepositoryPg = Layer.effect(
  MessageRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const live = yield* Effect.serviceOption(LiveEvents)
    const rank = (column: string) => sql.unsafe(`array_position(${RANK}, ${column})`)

    /** The rows after a page's cursor (oldest first); every row when it has none. */
    const after = (page: PageRequest) => {
      const cursor = decodePosition(page.after, "asc")
      return cursor === null ? sql`TRUE` : sql`(sent_at, id) > (${atMicros(sql, cursor.sortKeyMicros)}, ${cursor.id})`
    }
    /** A page from up to `first + 1` rows in order (the extra row says there is a next page). */
    const pageOfRows = (rows: ReadonlyArray<Row>, page: PageRequest): Page<Message> => {
      const items = rows.slice(0, page.first).map((row) => ({
        node: toMessage(row),
        cursor: encodeMicrosCursor(String(row["sent_micros"]), String(row["id"]))
      }))
      return { items, hasNextPage: rows.length > page.first, endCursor: items.at(-1)?.cursor ?? null }
    }

    /** Applies the statuses recorded for a message before it was stored (or before its id was known). */
    const applyStoredEvents = (row: Row) =>
      Effect.gen(function* () {
        if (row["provider_message_id"] === null || row["direction"] !== "outbound") return row
        const events = yield* sql`
          SELECT status, payload, occurred_at FROM message_status_events
          WHERE provider_message_id = ${row["provider_message_id"] as string} ORDER BY occurred_at`
        if (events.length === 0) return row
        let status = row["status"] as MessageStatus
        let error: unknown = null
        let at = row["status_updated_at"] as Date
        for (const event of events) {
          const next = advanceStatus(status, event["status"] as MessageStatus)
          if (next !== status) {
            status = next
            at = event["occurred_at"] as Date
            if (next === "failed") error = (event["payload"] as Record<string, unknown> | null)?.["errors"] ?? null
          }
        }
        if (status === row["status"]) return row
        const updated = yield* sql`
          UPDATE messages SET status = ${status}, status_updated_at = ${at},
            error = CASE WHEN ${status} = 'failed' THEN ${toJson(error)}::jsonb ELSE error END
          WHERE id = ${row["id"] as string} RETURNING *`
        return updated[0]!
      })

    return MessageRepository.of({
      insert: (message, announce) =>
        transactionAnnouncing(sql, live, (announced) =>
          Effect.gen(function* () {
            const inserted = yield* sql`
                INSERT INTO messages (tenant_id, conversation_id, provider_message_id, direction, type, body, status,
                                      sent_at, status_updated_at, idempotency_key)
                VALUES (${message.tenantId}, ${message.conversationId}, ${message.providerMessageId},
                        ${message.direction}, ${message.type}, ${toJson(message.body)}::jsonb, ${message.status},
                        ${message.sentAt}, ${message.sentAt}, ${message.idempotencyKey ?? null})
                ON CONFLICT DO NOTHING
                RETURNING *`
            if (inserted.length === 0) {
              const existing = yield* sql`
                  SELECT * FROM messages
                  WHERE provider_message_id = ${message.providerMessageId}
                     OR (tenant_id = ${message.tenantId} AND idempotency_key = ${message.idempotencyKey ?? null})
                  LIMIT 1`
              return { message: toMessage(existing[0]!), inserted: false }
            }
            const stored = toMessage(yield* applyStoredEvents(inserted[0]!))
            if (announce !== undefined) yield* writeOutbox(sql, announce(stored), announced)
            return { message: stored, inserted: true }
          })
        ).pipe(Effect.orDie, Effect.withSpan("MessageRepositoryPg.insert")),
      applyStatus: (event, announce) =>
        transactionAnnouncing(sql, live, (announced) =>
          Effect.gen(function* () {
            const recorded = yield* sql`
            INSERT INTO message_status_events (tenant_id, provider_message_id, status, payload, occurred_at)
            VALUES (${event.tenantId}, ${event.providerMessageId}, ${event.status}, ${toJson(event.payload)}::jsonb,
                    ${event.occurredAt})
            ON CONFLICT (provider_message_id, status) DO NOTHING
            RETURNING id`
            const applied = yield* sql`
            UPDATE messages SET status = ${event.status}, status_updated_at = ${event.occurredAt},
              error = CASE WHEN ${event.status} = 'failed' THEN ${toJson(event.error)}::jsonb ELSE error END
            WHERE provider_message_id = ${event.providerMessageId} AND tenant_id = ${event.tenantId}
              AND direction = 'outbound' AND status <> 'failed'
              AND ${rank("status")} < array_position(${sql.unsafe(RANK)}, ${event.status}::text)
            RETURNING id`
            if (recorded.length === 1 && announce !== undefined) yield* writeOutbox(sql, announce, announced)
            return { recorded: recorded.length === 1, applied: applied.length === 1 }
          })
        ).pipe(Effect.orDie, Effect.withSpan("MessageRepositoryPg.applyStatus")),
      recordSendResult: (tenantId, id, result) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              const rows =
                result._tag === "Sent"
                  ? yield* sql`
                      UPDATE messages SET provider_message_id = ${result.providerMessageId},
                        conversation_id = COALESCE(${result.conversationId ?? null}::uuid, conversation_id),
                        status = CASE WHEN status = 'pending' THEN 'sent' ELSE status END, status_updated_at = now()
                      WHERE tenant_id = ${tenantId} AND id = ${id} RETURNING *`
                  : yield* sql`
                      UPDATE messages SET status = 'failed', error = ${toJson(result.error)}::jsonb,
                        status_updated_at = now()
                      WHERE tenant_id = ${tenantId} AND id = ${id} RETURNING *`
              return toMessage(yield* applyStoredEvents(rows[0]!))
            })
          )
          .pipe(Effect.orDie, Effect.withSpan("MessageRepositoryPg.recordSendResult")),
      findByProviderId: (providerMessageId) =>
        sql`SELECT * FROM messages WHERE provider_message_id = ${providerMessageId}`.pipe(
          Effect.map((rows) => (rows.length === 0 ? Option.none() : Option.some(toMessage(rows[0]!)))),
          Effect.orDie
        ),
      listByConversation: (tenantId, conversationId, page) =>
        sql`
          SELECT *, (extract(epoch FROM sent_at) * 1000000)::bigint::text AS sent_micros FROM messages
          WHERE tenant_id = ${tenantId} AND conversation_id = ${conversationId} AND ${after(page)}
          ORDER BY sent_at, id LIMIT ${page.first + 1}`.pipe(
          Effect.map((rows) => pageOfRows(rows, page)),
          Effect.orDie
        ),
      // Each conversation's page in one statement: a LATERAL subquery per id, each served by
      // messages_conversation_idx as the single page is.
      listByConversations: (tenantId, conversationIds, page) =>
        conversationIds.length === 0
          ? Effect.succeed(new Map())
          : sql`
          SELECT m.*, (extract(epoch FROM m.sent_at) * 1000000)::bigint::text AS sent_micros
          FROM (VALUES ${sql.csv(conversationIds.map((id) => sql`(${id}::uuid)`))}) AS c(conversation_key)
          CROSS JOIN LATERAL (
            SELECT * FROM messages
            WHERE tenant_id = ${tenantId} AND conversation_id = c.conversation_key AND ${after(page)}
            ORDER BY sent_at, id LIMIT ${page.first + 1}) m
          ORDER BY m.conversation_id, m.sent_at, m.id`.pipe(
              Effect.map((rows) => {
                const byConversation = new Map<ConversationId, Array<Row>>(conversationIds.map((id) => [id, []]))
                for (const row of rows) byConversation.get(row["conversation_id"] as ConversationId)?.push(row)
                return new Map([...byConversation].map(([id, own]) => [id, pageOfRows(own, page)]))
              }),
              Effect.orDie
            )
    })
  })
)
