/**
 * The conversations benchmark (issue 17 item 4, issue 18 item 4), run by `bench/run.ts` (`--scenario conversations`,
 * `--rows 1k,100k,1M`): inboxes seeded directly with set-based SQL, then each query the web app sends is timed and
 * its SQL statements counted per GraphQL request (not per page of the UI), with the EXPLAIN (ANALYZE) of the list
 * statements taken with the very parameters the service bound.
 */
import { randomUUID } from "node:crypto"
import { createServer, Socket } from "node:net"
import { performance } from "node:perf_hooks"
import type { Effect } from "effect"
import type { SqlClient } from "effect/sql"
import { encodeMicrosCursor } from "../src/application/ports/Page.ts"

export type Run = <A = Record<string, unknown>>(
  statement: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>
) => Promise<ReadonlyArray<A>>

/** Messages per seeded conversation: half inbound, the newest inbound (so the unread count has work to do). */
export const MESSAGES_PER_CONVERSATION = 50
/**
 * Tenants in the table, the measured one included, by default (`--tenants`): the others share as many messages
 * again (the index must not read other tenants).
 */
export const DEFAULT_TENANTS = 10

// ---------------------------------------------------------------------------------------------------------------
// The measured GraphQL requests, as the web app sends them (web/src/conversations: useInbox.tsx, Conversations.tsx)

const INBOX_SELECTION = `edges { cursor node { id waId contactName lastMessageAt windowClosesAt phoneNumberId
  displayPhoneNumber unreadCount lastMessage { direction preview } } }
  pageInfo { hasNextPage endCursor } numberCount`

export interface MeasuredQuery {
  readonly key: string
  readonly label: string
  readonly query: string
  /** The edges a correct answer has (checked once before timing). */
  readonly expectEdges: (body: Record<string, unknown>) => boolean
}

const edgesOf = (body: Record<string, unknown>, field: string): ReadonlyArray<unknown> | undefined => {
  const data = body["data"] as Record<string, Record<string, unknown> | null> | undefined
  const value = data?.[field]
  return value === null || value === undefined ? undefined : (value["edges"] as ReadonlyArray<unknown> | undefined)
}

export const measuredQueries = (inbox: SeededInbox): ReadonlyArray<MeasuredQuery> => [
  {
    key: "first",
    label: "inbox first page (20, preview, unread, number)",
    query: `query InboxFirst { conversations(first: 20) { ${INBOX_SELECTION} } }`,
    expectEdges: (body) => edgesOf(body, "conversations")?.length === Math.min(20, inbox.conversations)
  },
  {
    key: "deep",
    label: "inbox page after the middle conversation's cursor (Load more)",
    query: `query InboxDeep { conversations(first: 20, after: "${inbox.middleCursor}") { ${INBOX_SELECTION} } }`,
    expectEdges: (body) => (edgesOf(body, "conversations")?.length ?? 0) > 0
  },
  {
    key: "search",
    label: `inbox search by number "+${inbox.searchDigits}"`,
    query: `query InboxSearch { conversations(first: 20, search: "+${inbox.searchDigits}") { ${INBOX_SELECTION} } }`,
    expectEdges: (body) => (edgesOf(body, "conversations")?.length ?? 0) > 0
  },
  {
    key: "thread",
    label: "thread: conversation(id) with its first 12 messages",
    query: `query Thread { conversation(id: "${inbox.newestId}") { id messages(first: 12) {
      edges { node { id providerMessageId direction type text status error timestamp } }
      pageInfo { hasNextPage endCursor } } } }`,
    expectEdges: (body) => {
      const data = body["data"] as Record<string, Record<string, Record<string, unknown>> | null> | undefined
      return (data?.["conversation"]?.["messages"]?.["edges"] as ReadonlyArray<unknown> | undefined)?.length === 12
    }
  },
  {
    key: "nested",
    label: "conversations(first: 20) with messages(first: 5) of each (what the old bench timed)",
    query: `query Nested { conversations(first: 20) { edges { cursor node { id waId contactName lastMessageAt
      messages(first: 5) { edges { cursor node { id direction type text status timestamp } } pageInfo { hasNextPage } } } }
      pageInfo { hasNextPage endCursor } } }`,
    expectEdges: (body) => edgesOf(body, "conversations")?.length === Math.min(20, inbox.conversations)
  }
]

// ---------------------------------------------------------------------------------------------------------------
// Seeding

export interface SeededInbox {
  readonly rows: number
  /** The tenants this inbox was seeded with, itself included (the others share as many messages again). */
  readonly tenants: number
  readonly tenantId: string
  readonly conversations: number
  readonly messages: number
  readonly totalMessages: number
  readonly seconds: number
  /** The cursor of the conversation in the middle of the measured tenant's inbox. */
  readonly middleCursor: string
  /** The digits of one conversation's number, minus its last two (a search matching a handful). */
  readonly searchDigits: string
  readonly newestId: string
}

/** Digits unique to one other tenant of one seeded inbox (its WABA and number ids). */
const seedKey = (rows: number, tenants: number, index: number) =>
  `${String(rows).padStart(8, "0")}${String(tenants).padStart(5, "0")}${String(index).padStart(5, "0")}`

/**
 * `rows` messages for the measured tenant (50 per conversation, a second apart, newest conversations first) and as
 * many again spread over `tenants - 1` other tenants, each with an active connection: INSERT … SELECT over
 * generate_series (set-based, in PostgreSQL; no row crosses the wire), then ANALYZE.
 */
export const seedInbox = async (
  run: Run,
  tenantId: string,
  rows: number,
  tenants: number = DEFAULT_TENANTS
): Promise<SeededInbox> => {
  const began = performance.now()
  const perConversation = MESSAGES_PER_CONVERSATION
  const conversations = Math.max(1, Math.ceil(rows / perConversation))
  const otherTenants = Math.max(1, tenants - 1)
  const others = Array.from({ length: otherTenants }, () => randomUUID())
  const otherConversations = Math.max(1, Math.ceil(conversations / otherTenants))
  for (const [index, tenant] of others.entries()) {
    await run((sql) => sql`INSERT INTO tenants (id, name) VALUES (${tenant}, ${tenant}) ON CONFLICT (id) DO NOTHING`)
    await run(
      (sql) => sql`
        INSERT INTO channel_connections (tenant_id, provider, status, waba_id, phone_number_id, phone_number_e164)
        VALUES (${tenant}, 'meta_whatsapp', 'active', ${`3${seedKey(rows, tenants, index)}`},
                ${`4${seedKey(rows, tenants, index)}`}, '+15550000009')`
    )
  }
  for (const [tenant, count, prefix] of [
    [tenantId, conversations, "1666"],
    ...others.map((tenant) => [tenant, otherConversations, "1777"] as const)
  ] as const) {
    await run(
      (sql) => sql`
        INSERT INTO conversations (tenant_id, connection_id, phone_number_id, wa_id, contact_name, last_message_at,
                                   last_inbound_at, created_at)
        SELECT ${tenant}, c.id, c.phone_number_id, ${prefix} || lpad(i::text, 8, '0'), 'Contact ' || i,
               now() - make_interval(secs => i * 60), now() - make_interval(secs => i * 60),
               now() - interval '30 days'
        FROM generate_series(1, ${count}::int) AS i,
             (SELECT id, phone_number_id FROM channel_connections WHERE tenant_id = ${tenant} LIMIT 1) AS c`
    )
    await run(
      (sql) => sql`
        INSERT INTO messages (tenant_id, conversation_id, provider_message_id, direction, type, body, status, sent_at)
        SELECT v.tenant_id, v.id, 'wamid.seed.' || v.tenant_id || '.' || v.wa_id || '.' || j,
               CASE WHEN j % 2 = 1 THEN 'inbound' ELSE 'outbound' END, 'text',
               jsonb_build_object('text', jsonb_build_object('body', 'seeded message ' || j)),
               CASE WHEN j % 2 = 1 THEN 'received' ELSE 'delivered' END,
               v.last_message_at - make_interval(secs => j - 1)
        FROM conversations v, generate_series(1, ${perConversation}::int) AS j
        WHERE v.tenant_id = ${tenant}`
    )
  }
  await run((sql) => sql`ANALYZE conversations`)
  await run((sql) => sql`ANALYZE messages`)
  const middle = await run(
    (sql) => sql`
      SELECT id, (extract(epoch FROM COALESCE(last_message_at, created_at)) * 1000000)::bigint::text AS micros
      FROM conversations WHERE tenant_id = ${tenantId}
      ORDER BY COALESCE(last_message_at, created_at) DESC, id DESC OFFSET ${Math.floor(conversations / 2)} LIMIT 1`
  )
  const newest = await run(
    (sql) => sql`
      SELECT id FROM conversations WHERE tenant_id = ${tenantId}
      ORDER BY COALESCE(last_message_at, created_at) DESC, id DESC LIMIT 1`
  )
  const total = await run((sql) => sql`SELECT count(*)::int AS n FROM messages`)
  const searchOf = Math.max(1, Math.floor(conversations / 3))
  return {
    rows,
    tenants,
    tenantId,
    conversations,
    messages: conversations * perConversation,
    totalMessages: Number(total[0]?.["n"] ?? 0),
    seconds: (performance.now() - began) / 1000,
    middleCursor: encodeMicrosCursor(String(middle[0]?.["micros"]), String(middle[0]?.["id"])),
    searchDigits: `1666${String(searchOf).padStart(8, "0")}`.slice(0, -2),
    newestId: String(newest[0]?.["id"])
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Counting statements (and capturing their parameters) on the wire

export interface Executed {
  readonly text: string
  /** The bound parameters as text (null: SQL NULL); binary ones decoded by {@link binaryParameter}. */
  readonly params: ReadonlyArray<string | null>
}

/**
 * A TCP proxy in front of PostgreSQL that counts the statements a connection executes (extended-protocol Execute
 * and simple Query messages) while `recording`, with each one's text and bound parameters.
 */
export class StatementCounter {
  count = 0
  readonly executed: Array<Executed> = []
  recording = false
  private readonly server = createServer((client) => this.pipe(client))
  port = 0

  constructor(private readonly target: { host: string; port: number }) {}

  listen = () =>
    new Promise<void>((done) => {
      this.server.listen(0, "127.0.0.1", () => {
        const address = this.server.address()
        this.port = typeof address === "object" && address !== null ? address.port : 0
        done()
      })
    })

  close = () => new Promise<void>((done) => this.server.close(() => done()))

  reset() {
    this.count = 0
    this.executed.length = 0
  }

  private pipe(client: Socket) {
    const upstream = new Socket()
    upstream.connect(this.target.port, this.target.host)
    upstream.pipe(client)
    client.on("error", () => upstream.destroy())
    upstream.on("error", () => client.destroy())
    client.on("close", () => upstream.destroy())
    let buffer = Buffer.alloc(0)
    let started = false
    const statements = new Map<string, string>()
    let bound: Executed | null = null
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk)
      buffer = Buffer.concat([buffer, chunk])
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return
          const length = buffer.readInt32BE(0)
          if (buffer.length < length) return
          const code = buffer.readInt32BE(4)
          buffer = buffer.subarray(length)
          // SSLRequest and GSSENCRequest come before the real startup message.
          if (code !== 80877103 && code !== 80877104) started = true
          continue
        }
        if (buffer.length < 5) return
        const type = String.fromCharCode(buffer[0]!)
        const length = buffer.readInt32BE(1)
        if (buffer.length < length + 1) return
        const body = buffer.subarray(5, length + 1)
        buffer = buffer.subarray(length + 1)
        if (type === "P") {
          const nameEnd = body.indexOf(0)
          const textEnd = body.indexOf(0, nameEnd + 1)
          statements.set(body.subarray(0, nameEnd).toString(), body.subarray(nameEnd + 1, textEnd).toString())
        } else if (type === "B") {
          bound = parseBind(body, statements)
        } else if (type === "E" && this.recording) {
          this.count++
          if (bound !== null) this.executed.push(bound)
        } else if (type === "Q" && this.recording) {
          this.count++
          this.executed.push({ text: body.subarray(0, body.length - 1).toString(), params: [] })
        }
      }
    })
  }
}

/** A Bind message: portal, statement name, parameter formats, then each parameter (length, bytes). */
const parseBind = (body: Buffer, statements: ReadonlyMap<string, string>): Executed | null => {
  const portalEnd = body.indexOf(0)
  const nameEnd = body.indexOf(0, portalEnd + 1)
  const text = statements.get(body.subarray(portalEnd + 1, nameEnd).toString())
  if (text === undefined) return null
  let at = nameEnd + 1
  const formatCount = body.readInt16BE(at)
  at += 2
  const formats: Array<number> = []
  for (let i = 0; i < formatCount; i++, at += 2) formats.push(body.readInt16BE(at))
  const paramCount = body.readInt16BE(at)
  at += 2
  const params: Array<string | null> = []
  for (let i = 0; i < paramCount; i++) {
    const size = body.readInt32BE(at)
    at += 4
    const binary = (formats.length === 1 ? formats[0] : formats[i]) === 1
    if (size < 0) params.push(null)
    else {
      const bytes = body.subarray(at, at + size)
      params.push(binary ? binaryParameter(bytes) : bytes.toString())
      at += size
    }
  }
  return { text, params }
}

/**
 * A parameter the client sent in binary: the driver does so for numbers (the page sizes), so by its width an
 * int2/int4/int8 as decimal text; anything else as a bytea literal's hex.
 */
const binaryParameter = (bytes: Buffer): string => {
  if (bytes.length === 2) return String(bytes.readInt16BE(0))
  if (bytes.length === 4) return String(bytes.readInt32BE(0))
  if (bytes.length === 8) return String(bytes.readBigInt64BE(0))
  return `\\x${bytes.toString("hex")}`
}

/** `$1`, `$2`, … of a statement replaced by its bound values as SQL literals, to EXPLAIN exactly what ran. */
export const withLiterals = (executed: Executed): string =>
  executed.text.replace(/\$(\d+)/g, (_, n: string) => {
    const value = executed.params[Number(n) - 1]
    return value === null || value === undefined ? "NULL" : `'${value.replace(/'/g, "''")}'`
  })

/** The statement of a request that reads the conversation list (the one to EXPLAIN), if any. */
export const listStatement = (executed: ReadonlyArray<Executed>): Executed | undefined =>
  executed.find((statement) => /FROM\s+conversations/i.test(statement.text) && /LIMIT/i.test(statement.text))
