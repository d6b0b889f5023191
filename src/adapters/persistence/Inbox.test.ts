import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { persistenceBackends, randomMetaId, randomTenant, sqlBackends } from "../../../test/support/Backends.ts"
import { statementsOf } from "../../../test/support/SqlStatements.ts"
import { ConversationRepository } from "../../application/messaging/ports/ConversationRepository.ts"
import { MessageRepository } from "../../application/messaging/ports/MessageRepository.ts"
import { ConnectionRepository, type ConnectionWrite } from "../../application/ports/ConnectionRepository.ts"
import { decodeMicrosCursor, encodeMicrosCursor } from "../../application/ports/Page.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import { UNREAD_CAP } from "../../domain/Conversation.ts"
import type { ConversationId, PhoneNumberId, TenantId, WabaId } from "../../domain/Ids.ts"
import { MigrationsLive } from "./Migrations.ts"
import { PersistencePg } from "./Persistence.ts"

const tenant = () => randomTenant() as TenantId
const write = (tenantId: TenantId, e164: string): ConnectionWrite => ({
  tenantId,
  provider: "meta_whatsapp",
  status: "active",
  wabaId: randomMetaId() as WabaId,
  phoneNumberE164: e164,
  displayName: "Acme Support",
  accessTokenEnc: `k1:${Redacted.value(Redacted.make("t"))}` as EncryptedToken,
  tokenExpiresAt: null,
  scopes: [],
  metadata: {}
})

/** 120 conversations with one message each, a minute apart (conversation i's last message at minute i). */
const seedInbox = (t: TenantId, count: number) =>
  Effect.gen(function* () {
    const connections = yield* ConnectionRepository
    const conversations = yield* ConversationRepository
    const messages = yield* MessageRepository
    const c = yield* connections.claimNumber(randomMetaId() as PhoneNumberId, write(t, "+15550100001"))
    const ids: Array<string> = []
    for (let i = 0; i < count; i++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, i))
      const conversation = yield* conversations.upsert({
        tenantId: t,
        connectionId: c.id,
        phoneNumberId: c.phoneNumberId!,
        waId: `1555${String(i).padStart(7, "0")}`,
        contactName: i % 2 === 0 ? `Ana ${i}` : `Bruno ${i}`,
        lastMessageAt: at,
        lastInboundAt: at
      })
      yield* messages.insert({
        tenantId: t,
        conversationId: conversation.id as ConversationId,
        providerMessageId: null,
        direction: "inbound",
        type: i % 3 === 0 ? "image" : "text",
        body: i % 3 === 0 ? { image: { id: "m1", caption: null } } : { text: { body: `hello ${i}` } },
        status: "received",
        sentAt: at,
        idempotencyKey: null
      })
      ids.push(conversation.id)
    }
    return { connection: c, ids }
  })

for (const backend of persistenceBackends()) {
  layer(backend.layer, { timeout: 180_000, excludeTestServices: true })(`inbox (${backend.name})`, (it) => {
    it.effect("a 120-conversation inbox pages newest first, 25 at a time, each once", () =>
      Effect.gen(function* () {
        const conversations = yield* ConversationRepository
        const t = tenant()
        yield* seedInbox(t, 120)
        const seen: Array<string> = []
        let after: string | undefined
        let pages = 0
        for (;;) {
          const page = yield* conversations.list(t, { first: 25, after })
          pages++
          seen.push(...page.items.map((edge) => edge.node.waId))
          if (!page.hasNextPage) break
          after = page.endCursor!
        }
        assert.strictEqual(pages, 5)
        assert.strictEqual(seen.length, 120)
        assert.strictEqual(new Set(seen).size, 120)
        assert.deepStrictEqual(seen.slice(0, 2), ["15550000119", "15550000118"], "the most recent last message first")
        assert.strictEqual(seen.at(-1), "15550000000")
      })
    )

    it.effect("each row has its last message, unread count and number; mark read clears the count", () =>
      Effect.gen(function* () {
        const conversations = yield* ConversationRepository
        const t = tenant()
        const { ids } = yield* seedInbox(t, 4)
        const page = yield* conversations.list(t, { first: 10 })
        const [newest, , , oldest] = page.items.map((edge) => edge.node)
        assert.strictEqual(newest!.lastMessage?.type, "image", "conversation 3 got a photo")
        assert.deepStrictEqual(oldest!.lastMessage?.body, { image: { id: "m1", caption: null } })
        assert.strictEqual(page.items[1]!.node.lastMessage?.type, "text")
        assert.deepStrictEqual(page.items[1]!.node.lastMessage?.body, { text: { body: "hello 2" } })
        assert.strictEqual(newest!.lastMessage?.sentAt.toISOString(), "2026-01-01T00:03:00.000Z")
        assert.strictEqual(newest!.unreadCount, 1)
        assert.strictEqual(newest!.displayPhoneNumber, "+15550100001")
        assert.strictEqual(newest!.numberCount, 1)
        assert.isTrue(yield* conversations.markRead(t, ids[3] as ConversationId, new Date("2026-01-02T00:00:00Z")))
        // An earlier time never moves it back.
        assert.isTrue(yield* conversations.markRead(t, ids[3] as ConversationId, new Date("2025-01-01T00:00:00Z")))
        const read = Option.getOrThrow(yield* conversations.summary(t, ids[3] as ConversationId))
        assert.strictEqual(read.unreadCount, 0)
        assert.strictEqual(read.lastReadAt?.toISOString(), "2026-01-02T00:00:00.000Z")
        assert.isFalse(yield* conversations.markRead(tenant(), ids[3] as ConversationId, new Date()))
        assert.isTrue(Option.isNone(yield* conversations.summary(tenant(), ids[3] as ConversationId)))
      })
    )

    it.effect(`unread counts stop at ${UNREAD_CAP}`, () =>
      Effect.gen(function* () {
        const conversations = yield* ConversationRepository
        const messages = yield* MessageRepository
        const t = tenant()
        const { ids } = yield* seedInbox(t, 1)
        for (let i = 0; i < UNREAD_CAP + 5; i++) {
          yield* messages.insert({
            tenantId: t,
            conversationId: ids[0] as ConversationId,
            providerMessageId: null,
            direction: "inbound",
            type: "text",
            body: { text: { body: `n${i}` } },
            status: "received",
            sentAt: new Date(Date.UTC(2026, 0, 2, 0, 0, i)),
            idempotencyKey: null
          })
        }
        const page = yield* conversations.list(t, { first: 1 })
        assert.strictEqual(page.items[0]!.node.unreadCount, UNREAD_CAP)
      })
    )

    it.effect("search by a name prefix (any case) or a number prefix; %, _ match themselves", () =>
      Effect.gen(function* () {
        const conversations = yield* ConversationRepository
        const t = tenant()
        yield* seedInbox(t, 30)
        const names = yield* conversations.list(t, { first: 100, search: "  ana 1" })
        assert.deepStrictEqual(
          names.items.map((e) => e.node.contactName),
          ["Ana 18", "Ana 16", "Ana 14", "Ana 12", "Ana 10"]
        )
        const numbers = yield* conversations.list(t, { first: 100, search: "+1 555 000 002" })
        assert.deepStrictEqual(
          numbers.items.map((e) => e.node.waId),
          [
            "15550000029",
            "15550000028",
            "15550000027",
            "15550000026",
            "15550000025",
            "15550000024",
            "15550000023",
            "15550000022",
            "15550000021",
            "15550000020"
          ]
        )
        const paged = yield* conversations.list(t, { first: 3, search: "bruno" })
        assert.isTrue(paged.hasNextPage)
        const next = yield* conversations.list(t, { first: 100, search: "bruno", after: paged.endCursor! })
        assert.strictEqual(paged.items.length + next.items.length, 15)
        assert.strictEqual((yield* conversations.list(t, { first: 10, search: "%" })).items.length, 0)
        assert.strictEqual((yield* conversations.list(t, { first: 10, search: "_na" })).items.length, 0)
        assert.strictEqual((yield* conversations.list(t, { first: 10, search: "zed" })).items.length, 0)
        assert.strictEqual((yield* conversations.list(tenant(), { first: 10, search: "ana" })).items.length, 0)
      })
    )

    it.effect("the messages of several conversations at once: each page as one by one, only the tenant's", () =>
      Effect.gen(function* () {
        const conversations = yield* ConversationRepository
        const messages = yield* MessageRepository
        const t = tenant()
        const { ids } = yield* seedInbox(t, 3)
        const [a, b, empty] = ids as Array<ConversationId>
        for (let i = 0; i < 4; i++) {
          yield* messages.insert({
            tenantId: t,
            conversationId: a!,
            providerMessageId: null,
            direction: "outbound",
            type: "text",
            body: { text: { body: `reply ${i}` } },
            status: "sent",
            sentAt: new Date(Date.UTC(2026, 0, 5, 0, i)),
            idempotencyKey: null
          })
        }
        yield* conversations.removeIfEmpty(t, empty!).pipe(Effect.asVoid)
        const foreign = (yield* seedInbox(tenant(), 1)).ids[0] as ConversationId
        const garbage = "not-a-uuid" as ConversationId

        const found = yield* conversations.existing(t, [a!, b!, foreign, garbage])
        assert.deepStrictEqual([...found].sort(), [a!, b!].sort(), "another tenant's and a garbage id are not found")
        assert.strictEqual((yield* conversations.existing(t, [])).size, 0)

        const page = { first: 3 }
        const together = yield* messages.listByConversations(t, [a!, b!, foreign], page)
        for (const id of [a!, b!]) {
          const alone = yield* messages.listByConversation(t, id, page)
          assert.deepStrictEqual(together.get(id), alone, "the same page as asked alone")
        }
        assert.strictEqual(together.get(a!)!.items.length, 3)
        assert.isTrue(together.get(a!)!.hasNextPage)
        assert.strictEqual(together.get(b!)!.items.length, 1)
        assert.deepStrictEqual(together.get(foreign)!.items, [], "another tenant's messages are not read")
        // After a cursor, as one by one.
        const next = { first: 3, after: together.get(a!)!.endCursor! }
        assert.deepStrictEqual(
          (yield* messages.listByConversations(t, [a!], next)).get(a!),
          yield* messages.listByConversation(t, a!, next)
        )
        assert.strictEqual((yield* messages.listByConversations(t, [], page)).size, 0)
      })
    )

    it.effect("two numbers: each conversation names its own, the page says the tenant had 2", () =>
      Effect.gen(function* () {
        const connections = yield* ConnectionRepository
        const conversations = yield* ConversationRepository
        const t = tenant()
        const { connection: first } = yield* seedInbox(t, 1)
        yield* connections.update(t, first.id, { status: "revoked" }).pipe(Effect.ignore)
        const second = yield* connections.claimNumber(randomMetaId() as PhoneNumberId, write(t, "+15550100002"))
        yield* conversations.upsert({
          tenantId: t,
          connectionId: second.id,
          phoneNumberId: second.phoneNumberId!,
          waId: "15550000000",
          contactName: null,
          lastMessageAt: new Date(Date.UTC(2026, 0, 3))
        })
        const page = yield* conversations.list(t, { first: 10 })
        assert.deepStrictEqual(
          page.items.map((e) => [e.node.waId, e.node.phoneNumberId, e.node.displayPhoneNumber, e.node.numberCount]),
          [
            ["15550000000", second.phoneNumberId, "+15550100002", 2],
            ["15550000000", first.phoneNumberId, "+15550100001", 2]
          ]
        )
      })
    )
  })
}

for (const { name, layer: sql } of sqlBackends()) {
  const backend = PersistencePg.pipe(Layer.provideMerge(MigrationsLive.pipe(Layer.orDie)), Layer.provideMerge(sql))
  layer(backend, { timeout: 300_000, excludeTestServices: true })(`inbox plan (${name})`, (it) => {
    it.effect("a page is one statement; at 5k conversations its plan reads the activity index, no Sort", () =>
      Effect.gen(function* () {
        const db = yield* SqlClient.SqlClient
        const conversations = yield* ConversationRepository
        const t = tenant()
        const { connection } = yield* seedInbox(t, 3)
        // 5,000 conversations of this tenant and 5,000 of another, with 2 messages each, set-based.
        const other = tenant()
        yield* db`INSERT INTO tenants (id) VALUES (${other}) ON CONFLICT DO NOTHING`
        for (const owner of [t, other]) {
          yield* db`
            INSERT INTO conversations (tenant_id, connection_id, phone_number_id, wa_id, contact_name, last_message_at)
            SELECT ${owner}, ${connection.id}, ${connection.phoneNumberId}, '4' || g, 'Bulk ' || g,
                   timestamptz '2025-06-01' + g * interval '1 minute' + (g % 7) * interval '1 microsecond'
            FROM generate_series(1, 5000) g`
        }
        yield* db`
          INSERT INTO messages (tenant_id, conversation_id, direction, type, body, status, sent_at)
          SELECT c.tenant_id, c.id, d, 'text', '{"text":{"body":"x"}}', 'received', c.last_message_at - d2 * interval '1 second'
          FROM conversations c, (VALUES ('inbound', 0), ('outbound', 1)) v(d, d2)
          WHERE c.wa_id LIKE '4%'`
        yield* db`ANALYZE conversations`
        yield* db`ANALYZE messages`

        const first = yield* statementsOf(conversations.list(t, { first: 25 }))
        assert.strictEqual(first.statements.length, 1, first.statements.join("\n;\n"))
        const second = yield* statementsOf(conversations.list(t, { first: 25, after: first.result.endCursor! }))
        assert.strictEqual(second.statements.length, 1)
        // Microsecond keys page exactly: nothing skipped, nothing repeated.
        const ids = [...first.result.items, ...second.result.items].map((e) => e.node.id)
        assert.strictEqual(new Set(ids).size, 50)
        const cursor = decodeMicrosCursor(first.result.endCursor!)!
        assert.notStrictEqual(BigInt(cursor.sortKeyMicros) % 1000n, 0n, "the cursor keeps the microseconds")
        assert.strictEqual(encodeMicrosCursor(cursor.sortKeyMicros, cursor.id), first.result.endCursor)

        // The second page's statement as it ran (its parameters in order: tenant twice, the cursor, limit, cap).
        const rows = yield* db.unsafe(`EXPLAIN ${second.statements[0]!}`, [
          t,
          t,
          cursor.sortKeyMicros,
          cursor.sortKeyMicros,
          cursor.id,
          26,
          UNREAD_CAP
        ])
        const text = rows.map((row) => String((row as Record<string, unknown>)["QUERY PLAN"])).join("\n")
        assert.include(text, "conversations_tenant_activity_idx", text)
        assert.notInclude(text, "Sort", text)
        assert.notMatch(text, /Seq Scan on conversations/, text)
        // The last message and the unread count read the thread's own index, newest first.
        assert.match(text, /Index (Only )?Scan Backward using messages_conversation_idx/, text)
        assert.notMatch(text, /Seq Scan on messages/, text)
      })
    )

    it.effect("a search keeps its index plan when repeated (no generic plan walking the activity index)", () =>
      Effect.gen(function* () {
        const db = yield* SqlClient.SqlClient
        const conversations = yield* ConversationRepository
        const t = tenant()
        const { connection } = yield* seedInbox(t, 1)
        yield* db`
          INSERT INTO conversations (tenant_id, connection_id, phone_number_id, wa_id, contact_name, last_message_at)
          SELECT ${t}, ${connection.id}, ${connection.phoneNumberId}, '4' || g, 'Bulk ' || g,
                 timestamptz '2025-06-01' + g * interval '1 minute'
          FROM generate_series(1, 5000) g`
        yield* db`ANALYZE conversations`
        // One connection (a transaction), so that its prepared statements are reused: PostgreSQL considers a generic
        // plan from the sixth run of one prepared statement on.
        const genericRuns = yield* Effect.gen(function* () {
          for (let run = 0; run < 10; run++) {
            // 111 of the 5,001 match (412, 4120–4129, 41200–41299), the newest 3,700 conversations below the top.
            const found = yield* conversations.list(t, { first: 20, search: "+4 12" })
            assert.deepStrictEqual(
              found.items.map((e) => e.node.waId),
              Array.from({ length: 20 }, (_, i) => `4${1299 - i}`)
            )
          }
          // How many of this connection's runs of a search statement used a generic plan (prepared statements only:
          // an unprepared one is planned with its values every time and is not listed).
          const rows = yield* db<{ n: number }>`
            SELECT COALESCE(sum(generic_plans), 0)::int AS n FROM pg_prepared_statements
            WHERE statement LIKE '%lower(contact_name) LIKE%' AND statement NOT LIKE '%pg_prepared_statements%'`
          return rows[0]!.n
        }).pipe(db.withTransaction)
        // A generic plan cannot use the name or number index for `LIKE $n` and walks the tenant's activity index
        // (before this was fixed: 5 of the 10 runs, about 3,700 activity entries each). Whether a plan made with the
        // values walks that index too is the planner's estimate, not asserted here.
        assert.strictEqual(genericRuns, 0, `search runs on a generic plan: ${genericRuns}`)
      })
    )

    it.effect("the messages of 20 conversations: one statement each for which exist and for their pages", () =>
      Effect.gen(function* () {
        const conversations = yield* ConversationRepository
        const messages = yield* MessageRepository
        const t = tenant()
        const { ids } = yield* seedInbox(t, 20)
        const found = yield* statementsOf(conversations.existing(t, ids as Array<ConversationId>))
        assert.strictEqual(found.statements.length, 1)
        assert.strictEqual(found.result.size, 20)
        const pages = yield* statementsOf(messages.listByConversations(t, ids as Array<ConversationId>, { first: 5 }))
        assert.strictEqual(pages.statements.length, 1, pages.statements.join("\n;\n"))
        assert.deepStrictEqual(
          ids.map((id) => pages.result.get(id as ConversationId)?.items.length),
          ids.map(() => 1)
        )
      })
    )
  })
}
