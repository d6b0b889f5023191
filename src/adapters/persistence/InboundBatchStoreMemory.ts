import { Effect, Layer } from "effect"
import { ConversationRepository } from "../../application/messaging/ports/ConversationRepository.ts"
import { MediaRepository } from "../../application/messaging/ports/MediaRepository.ts"
import { MessageRepository } from "../../application/messaging/ports/MessageRepository.ts"
import { ConnectionHealthRepository } from "../../application/ports/ConnectionHealthRepository.ts"
import { conversationKey, InboundBatchStore } from "../../application/webhooks/ports/InboundBatchStore.ts"
import { WebhookInbox } from "../../application/webhooks/ports/WebhookInbox.ts"
import type { ConversationId, MessageId, ProviderMessageId } from "../../domain/Ids.ts"

/**
 * The batch written through the in-memory repositories, one write after another in the batch's order: the same
 * rules (they are the repositories' own), without the single transaction (memory has none; every write is
 * idempotent, so the caller's one-by-one retry of a failed batch repeats nothing).
 */
export const InboundBatchStoreMemory = Layer.effect(
  InboundBatchStore,
  Effect.gen(function* () {
    const conversations = yield* ConversationRepository
    const messages = yield* MessageRepository
    const media = yield* MediaRepository
    const health = yield* ConnectionHealthRepository
    const inbox = yield* WebhookInbox
    return InboundBatchStore.of({
      write: (batch) =>
        Effect.gen(function* () {
          for (const heard of batch.webhooksHeard)
            yield* health.recordWebhook(heard.tenantId, heard.connectionId, batch.at)
          const ids = new Map<string, ConversationId>()
          for (const upsert of batch.conversations)
            ids.set(conversationKey(upsert), (yield* conversations.upsert(upsert)).id)
          const storedMessages = []
          for (const write of batch.messages) {
            const stored = yield* messages.insert(
              {
                tenantId: write.tenantId,
                conversationId: ids.get(write.conversation)!,
                providerMessageId: write.providerMessageId as ProviderMessageId,
                direction: "inbound",
                type: write.type,
                body: write.body,
                status: "received",
                sentAt: write.sentAt
              },
              write.announce
            )
            if (write.media !== null)
              yield* media.enqueue({ ...write.media, messageId: stored.message.id as MessageId }, batch.at)
            storedMessages.push(stored)
          }
          const statuses = []
          for (const status of batch.statuses)
            statuses.push({ recorded: (yield* messages.applyStatus(status.event, status.announce)).recorded })
          for (const id of batch.processed) yield* inbox.markProcessed(id, batch.at)
          return { messages: storedMessages, statuses }
        })
    })
  })
)
