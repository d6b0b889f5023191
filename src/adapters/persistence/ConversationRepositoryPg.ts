import { Effect, Layer, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { ConversationRepository } from "../../application/messaging/ports/ConversationRepository.ts"
import { decodeCursor, encodeCursor } from "../../application/ports/Page.ts"
import { ConversationRow, toConversation } from "./Rows.ts"

export const ConversationRepositoryPg = Layer.effect(
  ConversationRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const findById = SqlSchema.findOneOption({
      Request: Schema.Struct({ tenantId: Schema.String, id: Schema.String }),
      Result: ConversationRow,
      execute: ({ tenantId, id }) => sql`SELECT * FROM conversations WHERE tenant_id = ${tenantId} AND id = ${id}`
    })
    return ConversationRepository.of({
      upsert: (input) =>
        sql`
          INSERT INTO conversations (tenant_id, connection_id, phone_number_id, wa_id, contact_name, last_message_at,
                                     last_inbound_at)
          VALUES (${input.tenantId}, ${input.connectionId}, ${input.phoneNumberId}, ${input.waId},
                  ${input.contactName}, ${input.lastMessageAt}, ${input.lastInboundAt ?? null})
          ON CONFLICT (tenant_id, phone_number_id, wa_id) DO UPDATE SET
            connection_id = EXCLUDED.connection_id,
            contact_name = COALESCE(EXCLUDED.contact_name, conversations.contact_name),
            last_message_at = GREATEST(conversations.last_message_at, EXCLUDED.last_message_at),
            last_inbound_at = GREATEST(conversations.last_inbound_at, EXCLUDED.last_inbound_at),
            updated_at = now()
          RETURNING *`.pipe(
          Effect.map((rows) => toConversation(rows[0]!)),
          Effect.orDie,
          Effect.withSpan("ConversationRepositoryPg.upsert")
        ),
      findById: (tenantId, id) => findById({ tenantId, id }).pipe(Effect.orDie),
      findByContacts: (tenantId, phoneNumberId, waIds) =>
        (waIds.length === 0
          ? Effect.succeed<ReadonlyArray<Record<string, unknown>>>([])
          : sql`SELECT * FROM conversations WHERE tenant_id = ${tenantId} AND phone_number_id = ${phoneNumberId}
                  AND wa_id IN ${sql.in(waIds)}`
        ).pipe(
          Effect.map((rows) => rows.map(toConversation)),
          Effect.orDie,
          Effect.withSpan("ConversationRepositoryPg.findByContacts")
        ),
      removeIfEmpty: (tenantId, id) =>
        sql`
          DELETE FROM conversations c WHERE c.tenant_id = ${tenantId} AND c.id = ${id}
            AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)
          RETURNING c.id`.pipe(
          Effect.map((rows) => rows.length > 0),
          // A message inserted into it meanwhile keeps it (the foreign key refuses the delete).
          Effect.catchReason("SqlError", "ConstraintError", () => Effect.succeed(false), Effect.die),
          Effect.withSpan("ConversationRepositoryPg.removeIfEmpty")
        ),
      list: (tenantId, page) => {
        const cursor = decodeCursor(page.after)
        // Most recent activity first; conversations without messages sort by creation.
        const sortKey = sql`COALESCE(last_message_at, created_at)`
        const after =
          cursor === null
            ? sql`TRUE`
            : sql`(date_trunc('milliseconds', ${sortKey}), id) < (${cursor.sortKey}, ${cursor.id})`
        return SqlSchema.findAll({
          Request: Schema.Void,
          Result: ConversationRow,
          execute: () => sql`
            SELECT * FROM conversations WHERE tenant_id = ${tenantId} AND ${after}
            ORDER BY date_trunc('milliseconds', ${sortKey}) DESC, id DESC LIMIT ${page.first + 1}`
        })(undefined).pipe(
          Effect.map((rows) => {
            const nodes = rows.slice(0, page.first)
            const items = nodes.map((node) => ({
              node,
              cursor: encodeCursor(node.lastMessageAt ?? node.createdAt, node.id)
            }))
            return { items, hasNextPage: rows.length > page.first, endCursor: items.at(-1)?.cursor ?? null }
          }),
          Effect.orDie,
          Effect.withSpan("ConversationRepositoryPg.list")
        )
      }
    })
  })
)
