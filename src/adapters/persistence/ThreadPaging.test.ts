import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { randomMetaId, randomTenant, sqlBackends } from "../../../test/support/Backends.ts"
import { statementsOf } from "../../../test/support/SqlStatements.ts"
import { MessageRepository } from "../../application/messaging/ports/MessageRepository.ts"
import { AuditLog } from "../../application/ports/AuditLog.ts"
import { ConnectionRepository } from "../../application/ports/ConnectionRepository.ts"
import { decodeMicrosCursor, encodeCursor, type Page } from "../../application/ports/Page.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { ConversationId, PhoneNumberId, TenantId, WabaId } from "../../domain/Ids.ts"
import { MigrationsLive } from "./Migrations.ts"
import { PersistencePg } from "./Persistence.ts"

const tenant = () => randomTenant() as TenantId

/** Every page of `list`, `first` at a time, and the statement of the last page that had a cursor. */
const allPages = <A extends { readonly id: string }>(
  list: (after: string | undefined) => Effect.Effect<Page<A>>,
  first: number
) =>
  Effect.gen(function* () {
    const ids: Array<string> = []
    let after: string | undefined
    let statement = ""
    for (let guard = 0; guard < 100; guard++) {
      const { result, statements } = yield* statementsOf(list(after))
      if (after !== undefined) statement = statements[0]!
      ids.push(...result.items.map((e) => e.node.id))
      assert.isAtMost(result.items.length, first)
      if (!result.hasNextPage) break
      after = result.endCursor!
    }
    return { ids, statement }
  })

const planOf = (sql: SqlClient.SqlClient, statement: string, params: ReadonlyArray<unknown>) =>
  Effect.map(sql.unsafe(`EXPLAIN ${statement}`, params), (rows) =>
    rows.map((row) => String((row as Record<string, unknown>)["QUERY PLAN"])).join("\n")
  )

for (const { name, layer: sql } of sqlBackends()) {
  const backend = PersistencePg.pipe(Layer.provideMerge(MigrationsLive.pipe(Layer.orDie)), Layer.provideMerge(sql))
  layer(backend, { timeout: 300_000, excludeTestServices: true })(`thread and audit paging (${name})`, (it) => {
    it.effect("a thread's messages page on the exact sent_at: rows sharing a millisecond come once, by the index", () =>
      Effect.gen(function* () {
        const db = yield* SqlClient.SqlClient
        const messages = yield* MessageRepository
        const t = tenant()
        const connection = yield* (yield* ConnectionRepository).claimNumber(randomMetaId() as PhoneNumberId, {
          tenantId: t,
          provider: "meta_whatsapp",
          status: "active",
          wabaId: randomMetaId() as WabaId,
          phoneNumberE164: "+15550100001",
          displayName: "Acme",
          accessTokenEnc: `k1:${Redacted.value(Redacted.make("t"))}` as EncryptedToken,
          tokenExpiresAt: null,
          scopes: [],
          metadata: {}
        })
        // 300 conversations of 20 messages each (the plan's background), then the thread under test.
        yield* db`
          INSERT INTO conversations (tenant_id, connection_id, phone_number_id, wa_id, last_message_at)
          SELECT ${t}, ${connection.id}, ${connection.phoneNumberId}, '7' || g, timestamptz '2026-01-01'
          FROM generate_series(1, 301) g`
        yield* db`
          INSERT INTO messages (tenant_id, conversation_id, direction, type, body, status, sent_at)
          SELECT c.tenant_id, c.id, 'inbound', 'text', '{"text":{"body":"x"}}', 'received',
                 timestamptz '2026-01-01' + n * interval '1 second'
          FROM conversations c, generate_series(1, 20) n
          WHERE c.tenant_id = ${t} AND c.wa_id <> '7301'`
        const [thread] = yield* db`SELECT id FROM conversations WHERE tenant_id = ${t} AND wa_id = '7301'`
        const conversationId = String(thread!["id"]) as ConversationId
        // Seven messages inside one millisecond (two on the same microsecond), then one in the next millisecond.
        const inserted = yield* db`
          INSERT INTO messages (tenant_id, conversation_id, direction, type, body, status, sent_at)
          SELECT ${t}, ${conversationId}, 'inbound', 'text', '{"text":{"body":"x"}}', 'received',
                 timestamptz '2026-02-01 10:00:00.000' + us * interval '1 microsecond'
          FROM unnest(ARRAY[100, 200, 200, 350, 500, 700, 999, 1000]) us
          RETURNING id, sent_at`
        yield* db`ANALYZE messages`
        const expected = (yield* db`
          SELECT id FROM messages WHERE conversation_id = ${conversationId} ORDER BY sent_at, id`).map((r) =>
          String(r["id"])
        )
        assert.strictEqual(expected.length, inserted.length)

        for (const first of [1, 2, 3]) {
          const { ids } = yield* allPages(
            (after) => messages.listByConversation(t, conversationId, { first, after }),
            first
          )
          assert.deepStrictEqual(ids, expected, `pages of ${first}: each row once, in order`)
        }

        // A cursor as this API gave it before (milliseconds): accepted; it may repeat its millisecond, never skip.
        const third = (yield* messages.listByConversation(t, conversationId, { first: 3 })).items[2]!
        const old = encodeCursor(third.node.sentAt, third.node.id)
        const resumed = yield* messages.listByConversation(t, conversationId, { first: 20, after: old })
        const resumedIds = resumed.items.map((e) => e.node.id)
        for (const id of expected.slice(3)) assert.include(resumedIds, id, "nothing after the old cursor is lost")

        // The statement of a page with a cursor, with its parameters: the thread's index, no Sort.
        const { statement } = yield* allPages(
          (after) => messages.listByConversation(t, conversationId, { first: 2, after }),
          2
        )
        const cursor = decodeMicrosCursor(
          (yield* messages.listByConversation(t, conversationId, { first: 2 })).endCursor!
        )!
        assert.strictEqual(cursor.sortKeyMicros.slice(-6), "000200", "the cursor keeps the microseconds")
        const plan = yield* planOf(db, statement, [
          t,
          conversationId,
          cursor.sortKeyMicros,
          cursor.sortKeyMicros,
          cursor.id,
          3
        ])
        assert.match(plan, /messages_conversation_idx/, plan)
        assert.notInclude(plan, "Sort", plan)
      })
    )

    it.effect("the audit log pages on the exact created_at, newest first, by its index", () =>
      Effect.gen(function* () {
        const db = yield* SqlClient.SqlClient
        const audit = yield* AuditLog
        const t = tenant()
        yield* db`
          INSERT INTO audit_log (tenant_id, action, resource_type, created_at)
          SELECT ${tenant()}, 'bulk', 'x', timestamptz '2026-01-01' + g * interval '1 second'
          FROM generate_series(1, 3000) g`
        yield* db`
          INSERT INTO audit_log (tenant_id, action, resource_type, created_at)
          SELECT ${t}, 'same.ms', 'x', timestamptz '2026-02-01 10:00:00.000' + us * interval '1 microsecond'
          FROM unnest(ARRAY[0, 100, 100, 450, 999, 1000]) us`
        yield* db`ANALYZE audit_log`
        const expected = (yield* db`
          SELECT id FROM audit_log WHERE tenant_id = ${t} ORDER BY created_at DESC, id DESC`).map((r) =>
          String(r["id"])
        )
        for (const first of [1, 2, 4]) {
          const { ids } = yield* allPages((after) => audit.list(t, { first, after }), first)
          assert.deepStrictEqual(ids, expected, `pages of ${first}: each row once, in order`)
        }
        const second = (yield* audit.list(t, { first: 2 })).items[1]!
        const resumed = yield* audit.list(t, { first: 20, after: encodeCursor(second.node.createdAt, second.node.id) })
        for (const id of expected.slice(2))
          assert.include(
            resumed.items.map((e) => e.node.id),
            id,
            "an old millisecond cursor loses nothing"
          )
        const { statement } = yield* allPages((after) => audit.list(t, { first: 2, after }), 2)
        const cursor = decodeMicrosCursor((yield* audit.list(t, { first: 2 })).endCursor!)!
        const plan = yield* planOf(db, statement, [t, cursor.sortKeyMicros, cursor.sortKeyMicros, cursor.id, 3])
        assert.include(plan, "audit_log_tenant_idx", plan)
        assert.notInclude(plan, "Sort", plan)
      })
    )
  })
}
