import { Clock, Effect, Layer, Option } from "effect"
import { MessageRepository, type StatusEvent } from "../../application/messaging/ports/MessageRepository.ts"
import type { PageRequest } from "../../application/ports/Page.ts"
import type { ConversationId, MessageId, TenantId } from "../../domain/Ids.ts"
import { advanceStatus, Message } from "../../domain/Message.ts"
import { pageOf } from "./MemoryPaging.ts"
import { OutboxMemory } from "./OutboxMemory.ts"

/** Messages in Maps; what an insert or a status announces goes into the memory outbox in the same step. */
export const MessageRepositoryMemory = Layer.effect(
  MessageRepository,
  Effect.gen(function* () {
    const outbox = yield* OutboxMemory
    const messages = new Map<string, Message>()
    const events = new Map<string, StatusEvent>()
    /** `tenant|idempotency key` → message id. */
    const idempotent = new Map<string, string>()
    const pageOfConversation = (tenantId: TenantId, conversationId: ConversationId, page: PageRequest) =>
      pageOf(
        [...messages.values()].filter(
          (message) => message.tenantId === tenantId && message.conversationId === conversationId
        ),
        (message) => message.sentAt,
        "asc",
        page
      )

    const applyEvent = (message: Message, event: StatusEvent): Message => {
      if (message.direction !== "outbound" || message.tenantId !== event.tenantId) return message
      const status = advanceStatus(message.status, event.status)
      if (status === message.status) return message
      return new Message({
        ...message,
        status,
        statusUpdatedAt: event.occurredAt,
        error: status === "failed" ? event.error : message.error
      })
    }

    const applyStored = (message: Message): Message => {
      if (message.providerMessageId === null) return message
      const stored = [...events.values()]
        .filter((event) => event.providerMessageId === message.providerMessageId)
        .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())
      return stored.reduce(applyEvent, message)
    }

    const byProviderId = (id: string) => [...messages.values()].find((message) => message.providerMessageId === id)

    return MessageRepository.of({
      insert: (input, announce) =>
        Effect.flatMap(Clock.currentTimeMillis, (millis) => {
          const key = input.idempotencyKey ?? null
          const existing =
            (input.providerMessageId === null ? undefined : byProviderId(input.providerMessageId)) ??
            (key === null ? undefined : messages.get(idempotent.get(`${input.tenantId}|${key}`) ?? ""))
          if (existing !== undefined) return Effect.succeed({ message: existing, inserted: false as boolean })
          const message = applyStored(
            new Message({
              tenantId: input.tenantId,
              conversationId: input.conversationId,
              providerMessageId: input.providerMessageId,
              direction: input.direction,
              type: input.type,
              body: input.body,
              status: input.status,
              sentAt: input.sentAt,
              id: crypto.randomUUID() as MessageId,
              error: null,
              statusUpdatedAt: input.sentAt,
              createdAt: new Date(millis)
            })
          )
          messages.set(message.id, message)
          if (key !== null) idempotent.set(`${input.tenantId}|${key}`, message.id)
          return Effect.as(announce === undefined ? Effect.void : outbox.write(announce(message)), {
            message,
            inserted: true
          })
        }),
      applyStatus: (event, announce) =>
        Effect.suspend(() => {
          const key = `${event.providerMessageId}|${event.status}`
          const recorded = !events.has(key)
          if (recorded) events.set(key, event)
          const written = recorded && announce !== undefined ? outbox.write(announce) : Effect.void
          const message = byProviderId(event.providerMessageId)
          if (message === undefined) return Effect.as(written, { recorded, applied: false })
          const next = applyEvent(message, event)
          messages.set(next.id, next)
          return Effect.as(written, { recorded, applied: next !== message })
        }),
      recordSendResult: (tenantId, id, result) =>
        Effect.map(Clock.currentTimeMillis, (millis) => {
          const message = messages.get(id)
          if (message === undefined || message.tenantId !== tenantId) throw new Error(`No message ${id}`)
          const now = new Date(millis)
          const next =
            result._tag === "Sent"
              ? applyStored(
                  new Message({
                    ...message,
                    providerMessageId: result.providerMessageId,
                    conversationId: result.conversationId ?? message.conversationId,
                    status: message.status === "pending" ? "sent" : message.status,
                    statusUpdatedAt: now
                  })
                )
              : new Message({ ...message, status: "failed", error: result.error, statusUpdatedAt: now })
          messages.set(id, next)
          return next
        }),
      findByProviderId: (providerMessageId) => Effect.sync(() => Option.fromNullishOr(byProviderId(providerMessageId))),
      listByConversation: (tenantId, conversationId, page) =>
        Effect.sync(() => pageOfConversation(tenantId, conversationId, page)),
      listByConversations: (tenantId, conversationIds, page) =>
        Effect.sync(() => new Map(conversationIds.map((id) => [id, pageOfConversation(tenantId, id, page)])))
    })
  })
)
