import { Clock, Effect, Layer, Option } from "effect"
import { ConversationRepository } from "../../application/messaging/ports/ConversationRepository.ts"
import { MessageRepository } from "../../application/messaging/ports/MessageRepository.ts"
import { ConnectionRepository } from "../../application/ports/ConnectionRepository.ts"
import { decodeMicrosCursor, encodeMicrosCursor, microsOf } from "../../application/ports/Page.ts"
import { Conversation, type ConversationSummary, UNREAD_CAP } from "../../domain/Conversation.ts"
import { CUSTOMER_SERVICE_WINDOW_MS } from "../../domain/CustomerServiceWindow.ts"
import type { ConversationId } from "../../domain/Ids.ts"
import { windowClosing } from "../../domain/OutboundEvent.ts"
import { OutboxMemory } from "./OutboxMemory.ts"

/** Needs the messages and connections (in memory too) to tell an empty conversation and summarize one. */
export const ConversationRepositoryMemory = Layer.effect(
  ConversationRepository,
  Effect.gen(function* () {
    const messages = yield* MessageRepository
    const rows = new Map<string, Conversation>()
    const connections = yield* ConnectionRepository
    const outbox = yield* OutboxMemory
    /** Conversation id → the last inbound time whose window was announced as closing (`window_notice_for`). */
    const noticed = new Map<string, number>()
    const summarize = (row: Conversation) =>
      Effect.gen(function* () {
        const thread = yield* messages.listByConversation(row.tenantId, row.id as ConversationId, {
          first: Number.MAX_SAFE_INTEGER
        })
        const all = thread.items.map((item) => item.node)
        const last = all.at(-1)
        const unread = all.filter(
          (m) => m.direction === "inbound" && (row.lastReadAt === null || m.sentAt > row.lastReadAt)
        ).length
        const connection = yield* connections.findById(row.tenantId, row.connectionId)
        const numbers = (yield* connections.listByTenant(row.tenantId, "meta_whatsapp")).filter(
          (c) => c.phoneNumberId !== null || "released_phone_number_id" in c.metadata
        )
        const summary: ConversationSummary = {
          ...row,
          lastMessage:
            last === undefined
              ? null
              : { type: last.type, direction: last.direction, body: last.body, sentAt: last.sentAt },
          unreadCount: Math.min(unread, UNREAD_CAP),
          displayPhoneNumber: Option.getOrNull(connection)?.phoneNumberE164 ?? null,
          numberCount: numbers.length
        }
        return summary
      })
    const key = (tenantId: string, phoneNumberId: string, waId: string) => `${tenantId}|${phoneNumberId}|${waId}`
    return ConversationRepository.of({
      upsert: (input) =>
        Effect.map(Clock.currentTimeMillis, (millis) => {
          const now = new Date(millis)
          const k = key(input.tenantId, input.phoneNumberId, input.waId)
          const existing = rows.get(k)
          const lastMessageAt =
            existing?.lastMessageAt == null
              ? input.lastMessageAt
              : input.lastMessageAt === null || input.lastMessageAt < existing.lastMessageAt
                ? existing.lastMessageAt
                : input.lastMessageAt
          const inbound = input.lastInboundAt ?? null
          const previous = existing?.lastInboundAt ?? null
          const lastInboundAt =
            previous === null ? inbound : inbound === null || inbound < previous ? previous : inbound
          const row = new Conversation({
            id: existing?.id ?? (crypto.randomUUID() as ConversationId),
            tenantId: input.tenantId,
            connectionId: input.connectionId,
            phoneNumberId: input.phoneNumberId,
            waId: input.waId,
            contactName: input.contactName ?? existing?.contactName ?? null,
            lastMessageAt,
            lastInboundAt,
            lastReadAt: existing?.lastReadAt ?? null,
            createdAt: existing?.createdAt ?? now,
            updatedAt: now
          })
          rows.set(k, row)
          return row
        }),
      findById: (tenantId, id) =>
        Effect.sync(() =>
          Option.fromNullishOr([...rows.values()].find((row) => row.id === id && row.tenantId === tenantId))
        ),
      existing: (tenantId, ids) =>
        Effect.sync(
          () =>
            new Set(
              [...rows.values()]
                .filter((row) => row.tenantId === tenantId && ids.includes(row.id as ConversationId))
                .map((row) => row.id as ConversationId)
            )
        ),
      findByContacts: (tenantId, phoneNumberId, waIds) =>
        Effect.sync(() =>
          [...rows.values()].filter(
            (row) => row.tenantId === tenantId && row.phoneNumberId === phoneNumberId && waIds.includes(row.waId)
          )
        ),
      removeIfEmpty: (tenantId, id) =>
        Effect.gen(function* () {
          const entry = [...rows.entries()].find(([, row]) => row.id === id && row.tenantId === tenantId)
          if (entry === undefined) return false
          const page = yield* messages.listByConversation(tenantId, id, { first: 1 })
          if (page.items.length > 0) return false
          rows.delete(entry[0])
          return true
        }),
      list: (tenantId, page) =>
        Effect.gen(function* () {
          const term = page.search?.trim().toLowerCase() ?? ""
          const digits = /^[\d\s()+-]+$/.test(term) ? term.replace(/\D/g, "") : ""
          const matches = (row: Conversation) =>
            term === "" ||
            (row.contactName?.toLowerCase().startsWith(term) ?? false) ||
            (digits !== "" && row.waId.startsWith(digits))
          const all = [...rows.values()]
            .filter((row) => row.tenantId === tenantId && matches(row))
            .map((row) => ({ row, micros: BigInt(microsOf(row.lastMessageAt ?? row.createdAt)) }))
            .sort((a, b) => (a.micros === b.micros ? (a.row.id < b.row.id ? 1 : -1) : a.micros < b.micros ? 1 : -1))
          const cursor = decodeMicrosCursor(page.after)
          const rest =
            cursor === null
              ? all
              : all.filter(
                  ({ row, micros }) =>
                    micros < BigInt(cursor.sortKeyMicros) ||
                    (micros === BigInt(cursor.sortKeyMicros) && row.id < cursor.id)
                )
          const nodes = rest.slice(0, page.first)
          const items = yield* Effect.forEach(nodes, ({ row, micros }) =>
            Effect.map(summarize(row), (node) => ({ node, cursor: encodeMicrosCursor(micros.toString(), row.id) }))
          )
          return { items, hasNextPage: rest.length > page.first, endCursor: items.at(-1)?.cursor ?? null }
        }),
      summary: (tenantId, id) =>
        Effect.gen(function* () {
          const row = [...rows.values()].find((r) => r.id === id && r.tenantId === tenantId)
          return row === undefined ? Option.none() : Option.some(yield* summarize(row))
        }),
      markRead: (tenantId, id, at) =>
        Effect.sync(() => {
          const entry = [...rows.entries()].find(([, row]) => row.id === id && row.tenantId === tenantId)
          if (entry === undefined) return false
          const [k, row] = entry
          if (row.lastReadAt === null || row.lastReadAt < at) rows.set(k, new Conversation({ ...row, lastReadAt: at }))
          return true
        }),
      announceClosingWindows: (now, until, limit) =>
        Effect.suspend(() => {
          const from = now.getTime() - CUSTOMER_SERVICE_WINDOW_MS
          const to = until.getTime() - CUSTOMER_SERVICE_WINDOW_MS
          const due = [...rows.values()]
            .filter((row) => {
              const last = row.lastInboundAt?.getTime()
              return last !== undefined && last > from && last <= to && noticed.get(row.id) !== last
            })
            .sort((a, b) => a.lastInboundAt!.getTime() - b.lastInboundAt!.getTime())
            .slice(0, limit)
          for (const row of due) noticed.set(row.id, row.lastInboundAt!.getTime())
          return Effect.as(outbox.write(due.map(windowClosing)), due)
        })
    })
  })
)
