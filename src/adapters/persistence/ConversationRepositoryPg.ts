import { Effect, Layer, Option, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import type { Fragment } from "effect/sql/Statement"
import { ConversationRepository } from "../../application/messaging/ports/ConversationRepository.ts"
import { decodeMicrosCursor, encodeMicrosCursor } from "../../application/ports/Page.ts"
import { type ConversationSummary, UNREAD_CAP } from "../../domain/Conversation.ts"
import { CUSTOMER_SERVICE_WINDOW_MS } from "../../domain/CustomerServiceWindow.ts"
import { type ConversationId, isUuid } from "../../domain/Ids.ts"
import { windowClosing } from "../../domain/OutboundEvent.ts"
import { atMicros } from "./Micros.ts"
import { writeOutbox } from "./OutboxPg.ts"
import { ConversationRow, type Row, toConversation } from "./Rows.ts"

/**
 * What an upsert of a conversation does to the stored row (one row or a batch's): the latest connection, the name
 * kept when none is given, the times moved forward only.
 */
export const CONVERSATION_ON_CONFLICT = `ON CONFLICT (tenant_id, phone_number_id, wa_id) DO UPDATE SET
  connection_id = EXCLUDED.connection_id,
  contact_name = COALESCE(EXCLUDED.contact_name, conversations.contact_name),
  last_message_at = GREATEST(conversations.last_message_at, EXCLUDED.last_message_at),
  last_inbound_at = GREATEST(conversations.last_inbound_at, EXCLUDED.last_inbound_at),
  updated_at = now()`

/** `LIKE` matches the characters themselves: `%`, `_` and the escape are escaped. */
const likePrefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

const toSummary = (row: Row): ConversationSummary => ({
  ...toConversation(row),
  lastMessage:
    row["last_type"] === null || row["last_type"] === undefined
      ? null
      : {
          type: String(row["last_type"]),
          direction: row["last_direction"] === "outbound" ? "outbound" : "inbound",
          body: row["last_body"],
          sentAt: new Date(row["last_sent_at"] as Date)
        },
  unreadCount: Number(row["unread_count"]),
  displayPhoneNumber: (row["display_phone_number"] as string | null) ?? null,
  numberCount: Number(row["number_count"])
})

/**
 * The page's rows in the index's order (activity, then id, descending). Sorted here rather than by an outer ORDER BY:
 * the joins keep the subquery's order in practice, but SQL does not promise it, and this keeps the plan free of a Sort.
 */
const byActivity = (rows: ReadonlyArray<Row>): ReadonlyArray<Row> =>
  [...rows].sort((a, b) => {
    const [x, y] = [BigInt(String(a["activity_micros"])), BigInt(String(b["activity_micros"]))]
    if (x !== y) return x < y ? 1 : -1
    return String(a["id"]) < String(b["id"]) ? 1 : String(a["id"]) > String(b["id"]) ? -1 : 0
  })

export const ConversationRepositoryPg = Layer.effect(
  ConversationRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    /** A prefix of the contact's name (any case), or of their number when the search is a number; "" is none. */
    const searchCondition = (term: string) => {
      if (term === "") return sql`TRUE`
      const name = sql`lower(contact_name) LIKE ${likePrefix(term.toLowerCase())}`
      const digits = /^[\d\s()+-]+$/.test(term) ? term.replace(/\D/g, "") : ""
      return digits === "" ? name : sql`(${name} OR wa_id LIKE ${likePrefix(digits)})`
    }
    /**
     * The inbox rows in one statement: the page of conversations from the activity index (`first + 1` entries,
     * no sort), then per row its last message and unread count (LATERAL, on the messages index), its number's
     * display number, and how many numbers the tenant has had.
     *
     * `planEach`: a search runs unprepared (PostgreSQL's unnamed statement, planned with its bound values each
     * time). Prepared, after five runs PostgreSQL may keep a generic plan, made without the pattern: it cannot turn
     * `LIKE $n` into a range of the name or number index, guesses one matching row, and walks the tenant's
     * activity index filtering every row (20k conversations: 7 ms of PostgreSQL CPU per search; planned each time,
     * 1.7–1.9 ms at any size, about 1.1 ms of it the planning).
     */
    const inbox = (tenantId: string, where: Fragment, limit: number, planEach = false) => {
      const statement = sql`
        SELECT c.*, (extract(epoch FROM COALESCE(c.last_message_at, c.created_at)) * 1000000)::bigint::text
                      AS activity_micros,
               cc.phone_number_e164 AS display_phone_number,
               lm.type AS last_type, lm.direction AS last_direction, lm.body AS last_body, lm.sent_at AS last_sent_at,
               unread.n AS unread_count,
               (SELECT count(*) FROM channel_connections n WHERE n.tenant_id = ${tenantId}
                  AND n.provider = 'meta_whatsapp'
                  AND (n.phone_number_id IS NOT NULL OR n.metadata ? 'released_phone_number_id')) AS number_count
        FROM (SELECT * FROM conversations WHERE tenant_id = ${tenantId} AND ${where}
              ORDER BY COALESCE(last_message_at, created_at) DESC, id DESC LIMIT ${limit}) c
        LEFT JOIN channel_connections cc ON cc.id = c.connection_id
        LEFT JOIN LATERAL (
          SELECT m.type, m.direction, m.body, m.sent_at FROM messages m WHERE m.conversation_id = c.id
          ORDER BY m.sent_at DESC, m.id DESC LIMIT 1) lm ON TRUE
        LEFT JOIN LATERAL (
          SELECT count(*) AS n FROM (
            SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'inbound'
              AND m.sent_at > COALESCE(c.last_read_at, '-infinity'::timestamptz)
            LIMIT ${UNREAD_CAP}) x) unread ON TRUE`
      return (planEach ? statement.unprepared : statement).pipe(Effect.map(byActivity))
    }
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
          ${sql.unsafe(CONVERSATION_ON_CONFLICT)}
          RETURNING *`.pipe(
          Effect.map((rows) => toConversation(rows[0]!)),
          Effect.orDie,
          Effect.withSpan("ConversationRepositoryPg.upsert")
        ),
      findById: (tenantId, id) => findById({ tenantId, id }).pipe(Effect.orDie),
      existing: (tenantId, ids) => {
        // An id that is not a UUID names no conversation (and must not reach a uuid comparison).
        const uuids = ids.filter((id) => isUuid(id))
        return (
          uuids.length === 0
            ? Effect.succeed<ReadonlyArray<Record<string, unknown>>>([])
            : sql`SELECT id FROM conversations WHERE tenant_id = ${tenantId} AND id IN ${sql.in(uuids)}`
        ).pipe(
          Effect.map((found) => new Set(found.map((row) => row["id"] as ConversationId))),
          Effect.orDie
        )
      },
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
        const cursor = decodeMicrosCursor(page.after)
        const after =
          cursor === null
            ? sql`TRUE`
            : sql`(COALESCE(last_message_at, created_at), id) < (${atMicros(sql, cursor.sortKeyMicros)}, ${cursor.id})`
        const term = page.search?.trim() ?? ""
        return inbox(tenantId, sql`${after} AND ${searchCondition(term)}`, page.first + 1, term !== "").pipe(
          Effect.map((rows) => {
            const nodes = rows.slice(0, page.first)
            const items = nodes.map((row) => ({
              node: toSummary(row),
              cursor: encodeMicrosCursor(String(row["activity_micros"]), String(row["id"]))
            }))
            return { items, hasNextPage: rows.length > page.first, endCursor: items.at(-1)?.cursor ?? null }
          }),
          Effect.orDie,
          Effect.withSpan("ConversationRepositoryPg.list")
        )
      },
      summary: (tenantId, id) =>
        inbox(tenantId, sql`id = ${id}`, 1).pipe(
          Effect.map((rows) => Option.fromNullishOr(rows[0]).pipe(Option.map(toSummary))),
          Effect.orDie,
          Effect.withSpan("ConversationRepositoryPg.summary")
        ),
      markRead: (tenantId, id, at) =>
        sql`
          UPDATE conversations SET last_read_at = GREATEST(last_read_at, ${at})
          WHERE tenant_id = ${tenantId} AND id = ${id} RETURNING id`.pipe(
          Effect.map((rows) => rows.length > 0),
          Effect.orDie,
          Effect.withSpan("ConversationRepositoryPg.markRead")
        ),
      announceClosingWindows: (now, until, limit) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              // The window closes 24 h after last_inbound_at: closing in (now, until] is last_inbound_at in
              // (now - 24 h, until - 24 h]. Locked rows are another run's (it marks them).
              const rows = yield* sql`
                WITH due AS (
                  SELECT id FROM conversations
                  WHERE last_inbound_at > ${new Date(now.getTime() - CUSTOMER_SERVICE_WINDOW_MS)}
                    AND last_inbound_at <= ${new Date(until.getTime() - CUSTOMER_SERVICE_WINDOW_MS)}
                    AND window_notice_for IS DISTINCT FROM last_inbound_at
                  ORDER BY last_inbound_at
                  LIMIT ${limit}
                  FOR UPDATE SKIP LOCKED)
                UPDATE conversations c SET window_notice_for = c.last_inbound_at
                FROM due WHERE c.id = due.id
                RETURNING c.*`
              const announced = rows.map(toConversation)
              yield* writeOutbox(sql, announced.map(windowClosing))
              return announced
            })
          )
          .pipe(Effect.orDie, Effect.withSpan("ConversationRepositoryPg.announceClosingWindows"))
    })
  })
)
