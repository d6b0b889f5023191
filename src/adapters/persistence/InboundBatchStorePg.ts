import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { LiveEvents } from "../../application/ports/LiveEvents.ts"
import { conversationKey, InboundBatchStore } from "../../application/webhooks/ports/InboundBatchStore.ts"
import type { Message } from "../../domain/Message.ts"
import type { NewOutboundEvent } from "../../domain/OutboundEvent.ts"
import { LAST_WEBHOOK_MARK_SECONDS } from "../../domain/WebhookSilence.ts"
import { CONVERSATION_ON_CONFLICT } from "./ConversationRepositoryPg.ts"
import { RANK } from "./MessageRepositoryPg.ts"
import { type AnnouncedMessage, transactionAnnouncing, writeOutboxBatch } from "./OutboxPg.ts"
import { type Row, toJson, toMessage } from "./Rows.ts"

/**
 * The batch set-based, in one transaction: one statement per table whatever the batch's size (the rows travel as
 * one JSON parameter, `jsonb_to_recordset`), so a batch of 100 events costs about ten statements and one commit
 * instead of ~7 statements and ~5 commits per event. The rules are those of the repositories' one-row statements:
 * `ON CONFLICT DO NOTHING` on the message's and the status's unique keys (exactly once, a duplicate inside the batch
 * included), a message's status only raised (the batch's highest status per message, so the order inside the batch
 * does not matter; `failed` final), conversation times moved forward only.
 */
export const InboundBatchStorePg = Layer.effect(
  InboundBatchStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const live = yield* Effect.serviceOption(LiveEvents)
    const rank = (column: string) => sql.unsafe(`array_position(${RANK}, ${column})`)
    const recordset = (rows: ReadonlyArray<object>, columns: string) =>
      sql`jsonb_to_recordset(${toJson(rows)}::jsonb) AS v(${sql.unsafe(columns)})`

    return InboundBatchStore.of({
      write: (batch) =>
        transactionAnnouncing(sql, live, (announced) =>
          Effect.gen(function* () {
            if (batch.webhooksHeard.length > 0)
              yield* sql`
                INSERT INTO connection_health (connection_id, tenant_id, last_webhook_at)
                SELECT c.id, c.tenant_id, ${batch.at}::timestamptz
                FROM ${recordset(
                  batch.webhooksHeard.map((h) => ({ tenant_id: h.tenantId, connection_id: h.connectionId })),
                  "tenant_id uuid, connection_id uuid"
                )}
                JOIN channel_connections c ON c.id = v.connection_id AND c.tenant_id = v.tenant_id
                ORDER BY c.id
                ON CONFLICT (connection_id) DO UPDATE SET last_webhook_at = EXCLUDED.last_webhook_at,
                  updated_at = now()
                WHERE connection_health.tenant_id = EXCLUDED.tenant_id
                  AND (connection_health.last_webhook_at IS NULL
                    OR connection_health.last_webhook_at
                      < EXCLUDED.last_webhook_at - ${LAST_WEBHOOK_MARK_SECONDS} * interval '1 second')`

            // Conversations in key order, so that two workers lock shared rows in the same order.
            const conversationIds = new Map<string, string>()
            if (batch.conversations.length > 0) {
              const rows = yield* sql`
                INSERT INTO conversations (tenant_id, connection_id, phone_number_id, wa_id, contact_name,
                                           last_message_at, last_inbound_at)
                SELECT v.tenant_id, v.connection_id, v.phone_number_id, v.wa_id, v.contact_name, v.last_message_at,
                       v.last_inbound_at
                FROM ${recordset(
                  batch.conversations.map((c) => ({
                    tenant_id: c.tenantId,
                    connection_id: c.connectionId,
                    phone_number_id: c.phoneNumberId,
                    wa_id: c.waId,
                    contact_name: c.contactName,
                    last_message_at: c.lastMessageAt,
                    last_inbound_at: c.lastInboundAt ?? null
                  })),
                  "tenant_id uuid, connection_id uuid, phone_number_id text, wa_id text, contact_name text, " +
                    "last_message_at timestamptz, last_inbound_at timestamptz"
                )}
                ORDER BY v.tenant_id, v.phone_number_id, v.wa_id
                ${sql.unsafe(CONVERSATION_ON_CONFLICT)}
                RETURNING id, tenant_id, phone_number_id, wa_id`
              for (const row of rows)
                conversationIds.set(
                  conversationKey({
                    tenantId: String(row["tenant_id"]),
                    phoneNumberId: String(row["phone_number_id"]),
                    waId: String(row["wa_id"])
                  }),
                  String(row["id"])
                )
            }

            // Messages: the new ones (in the batch's order) and the ones already stored, in one statement.
            const messages: Array<{ message: Message; inserted: boolean }> = []
            if (batch.messages.length > 0) {
              const rows = yield* sql`
                WITH v AS (SELECT * FROM ${recordset(
                  batch.messages.map((m, ord) => ({
                    ord,
                    tenant_id: m.tenantId,
                    conversation_id: conversationIds.get(m.conversation) ?? null,
                    provider_message_id: m.providerMessageId,
                    type: m.type,
                    body: m.body ?? null,
                    sent_at: m.sentAt
                  })),
                  "ord int, tenant_id uuid, conversation_id uuid, provider_message_id text, type text, body jsonb, " +
                    "sent_at timestamptz"
                )}),
                ins AS (
                  INSERT INTO messages (tenant_id, conversation_id, provider_message_id, direction, type, body, status,
                                        sent_at, status_updated_at)
                  SELECT tenant_id, conversation_id, provider_message_id, 'inbound', type,
                         COALESCE(body, 'null'::jsonb), 'received', sent_at, sent_at
                  FROM v ORDER BY ord
                  ON CONFLICT DO NOTHING
                  RETURNING *)
                SELECT ins.*, TRUE AS batch_inserted FROM ins
                UNION ALL
                SELECT m.*, FALSE AS batch_inserted FROM messages m
                WHERE m.provider_message_id IN (SELECT provider_message_id FROM v)`
              const inserted = new Map<string, Row>()
              const existing = new Map<string, Row>()
              for (const row of rows) {
                const key = String(row["provider_message_id"])
                const { batch_inserted, ...message } = row
                ;(batch_inserted === true ? inserted : existing).set(key, message)
              }
              for (const write of batch.messages) {
                const fresh = inserted.get(write.providerMessageId)
                if (fresh !== undefined) {
                  // The first write of this id in the batch is the insert; a later one is a duplicate.
                  inserted.delete(write.providerMessageId)
                  existing.set(write.providerMessageId, fresh)
                  messages.push({ message: toMessage(fresh), inserted: true })
                } else {
                  const row = existing.get(write.providerMessageId)
                  if (row === undefined)
                    return yield* Effect.die(new Error(`message ${write.providerMessageId} neither stored nor found`))
                  messages.push({ message: toMessage(row), inserted: false })
                }
              }
            }

            // Statuses: each (message, status) recorded once; each message raised to the batch's highest status.
            const statuses: Array<{ recorded: boolean }> = []
            if (batch.statuses.length > 0) {
              const set = recordset(
                batch.statuses.map((s, ord) => ({
                  ord,
                  tenant_id: s.event.tenantId,
                  provider_message_id: s.event.providerMessageId,
                  status: s.event.status,
                  payload: s.event.payload ?? null,
                  error: s.event.error ?? null,
                  occurred_at: s.event.occurredAt
                })),
                "ord int, tenant_id uuid, provider_message_id text, status text, payload jsonb, error jsonb, " +
                  "occurred_at timestamptz"
              )
              const recorded = yield* sql`
                INSERT INTO message_status_events (tenant_id, provider_message_id, status, payload, occurred_at)
                SELECT v.tenant_id, v.provider_message_id, v.status, COALESCE(v.payload, 'null'::jsonb), v.occurred_at
                FROM ${set} ORDER BY v.ord
                ON CONFLICT (provider_message_id, status) DO NOTHING
                RETURNING provider_message_id, status`
              const fresh = new Set(recorded.map((row) => `${row["provider_message_id"]}\u0000${row["status"]}`))
              yield* sql`
                UPDATE messages m SET status = w.status, status_updated_at = w.occurred_at,
                  error = CASE WHEN w.status = 'failed' THEN COALESCE(w.error, 'null'::jsonb) ELSE m.error END
                FROM (SELECT DISTINCT ON (v.tenant_id, v.provider_message_id) v.tenant_id, v.provider_message_id,
                             v.status, v.occurred_at, v.error
                      FROM ${set}
                      ORDER BY v.tenant_id, v.provider_message_id, ${rank("v.status")} DESC, v.ord) w
                WHERE m.provider_message_id = w.provider_message_id AND m.tenant_id = w.tenant_id
                  AND m.direction = 'outbound' AND m.status <> 'failed'
                  AND ${rank("m.status")} < ${rank("w.status")}`
              for (const s of batch.statuses) {
                const key = `${s.event.providerMessageId}\u0000${s.event.status}`
                statuses.push({ recorded: fresh.delete(key) })
              }
            }

            const media = batch.messages.flatMap((write, index) =>
              write.media === null ? [] : [{ ...write.media, message_id: messages[index]!.message.id }]
            )
            if (media.length > 0)
              yield* sql`
                INSERT INTO message_media (message_id, tenant_id, connection_id, kind, provider_media_id,
                  declared_mime_type, animated, caption, filename, state, next_attempt_at, created_at, updated_at)
                SELECT v.message_id, v.tenant_id, v.connection_id, v.kind, v.provider_media_id, v.declared_mime_type,
                       v.animated, v.caption, v.filename, 'pending', ${batch.at}, ${batch.at}, ${batch.at}
                FROM ${recordset(
                  media.map((m) => ({
                    message_id: m.message_id,
                    tenant_id: m.tenantId,
                    connection_id: m.connectionId,
                    kind: m.kind,
                    provider_media_id: m.providerMediaId,
                    declared_mime_type: m.declaredMimeType,
                    animated: m.animated,
                    caption: m.caption,
                    filename: m.filename
                  })),
                  "message_id uuid, tenant_id uuid, connection_id uuid, kind text, provider_media_id text, " +
                    "declared_mime_type text, animated boolean, caption text, filename text"
                )}
                ON CONFLICT (message_id) DO NOTHING`

            // The outbox, the live events and the inbox's `processed` in one statement (the events' messages as
            // stored above give the live payloads their ids).
            const events: Array<NewOutboundEvent> = []
            const announcedMessages: Array<AnnouncedMessage | null> = []
            batch.messages.forEach((write, index) => {
              const { message, inserted } = messages[index]!
              if (!inserted) return
              for (const event of write.announce(message)) {
                events.push(event)
                announcedMessages.push(event.type === "message.received" ? message : null)
              }
            })
            batch.statuses.forEach((s, index) => {
              if (!statuses[index]!.recorded) return
              for (const event of s.announce) {
                events.push(event)
                announcedMessages.push(null)
              }
            })
            yield* writeOutboxBatch(sql, events, announced, {
              messages: announcedMessages,
              processed: { ids: batch.processed, at: batch.at }
            })
            return { messages, statuses }
          })
        ).pipe(
          Effect.orDie,
          Effect.withSpan("InboundBatchStorePg.write", { attributes: { events: batch.processed.length } })
        )
    })
  })
)
