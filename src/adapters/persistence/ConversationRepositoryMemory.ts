import { Clock, Effect, Layer, Option } from "effect"
import { ConversationRepository } from "../../application/messaging/ports/ConversationRepository.ts"
import { MessageRepository } from "../../application/messaging/ports/MessageRepository.ts"
import { Conversation } from "../../domain/Conversation.ts"
import type { ConversationId } from "../../domain/Ids.ts"
import { pageOf } from "./MemoryPaging.ts"

/** Needs the messages (in memory too) to tell an empty conversation. */
export const ConversationRepositoryMemory = Layer.effect(
  ConversationRepository,
  Effect.gen(function* () {
    const messages = yield* MessageRepository
    const rows = new Map<string, Conversation>()
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
        Effect.sync(() =>
          pageOf(
            [...rows.values()].filter((row) => row.tenantId === tenantId),
            (row) => row.lastMessageAt ?? row.createdAt,
            "desc",
            page
          )
        )
    })
  })
)
