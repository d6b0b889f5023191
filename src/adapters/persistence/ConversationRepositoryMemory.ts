import { Clock, Effect, Layer, Option } from "effect"
import { ConversationRepository } from "../../application/ports/ConversationRepository.ts"
import { Conversation } from "../../domain/Conversation.ts"
import type { ConversationId } from "../../domain/Ids.ts"
import { pageOf } from "./MemoryPaging.ts"

export const ConversationRepositoryMemory = Layer.sync(ConversationRepository, () => {
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
        const row = new Conversation({
          id: existing?.id ?? (crypto.randomUUID() as ConversationId),
          tenantId: input.tenantId,
          connectionId: input.connectionId,
          phoneNumberId: input.phoneNumberId,
          waId: input.waId,
          contactName: input.contactName ?? existing?.contactName ?? null,
          lastMessageAt,
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
