import { Clock, Context, Effect, Layer, Option } from "effect"
import type { ConversationSummary } from "../../domain/Conversation.ts"
import { ConversationNotFound } from "../../domain/Errors.ts"
import type { ConversationId } from "../../domain/Ids.ts"
import type { Message } from "../../domain/Message.ts"
import type { Actor } from "../Actor.ts"
import { clampFirst, type Page } from "../ports/Page.ts"
import { ConversationRepository } from "./ports/ConversationRepository.ts"
import { MessageRepository } from "./ports/MessageRepository.ts"

/** Reading a tenant's conversations and their messages (never another tenant's). */
export class Conversations extends Context.Service<
  Conversations,
  {
    /** Most recent activity first; `search` keeps contacts whose name or number starts with it. */
    list(
      actor: Actor,
      first: number | null,
      after: string | null,
      search?: string | null
    ): Effect.Effect<Page<ConversationSummary>>
    /** One conversation as the inbox shows it. */
    find(actor: Actor, conversationId: ConversationId): Effect.Effect<ConversationSummary, ConversationNotFound>
    /** The tenant opened it: what came in until now is read. */
    markRead(actor: Actor, conversationId: ConversationId): Effect.Effect<ConversationSummary, ConversationNotFound>
    /**
     * The messages of several conversations (oldest first), the same page of each, in two statements however
     * many (GraphQL's `messages` field of a page of conversations); none for an id that is not one of the
     * tenant's conversations.
     */
    messagesOf(
      actor: Actor,
      conversationIds: ReadonlyArray<ConversationId>,
      first: number | null,
      after: string | null
    ): Effect.Effect<ReadonlyArray<Option.Option<Page<Message>>>>
  }
>()("app/application/Conversations") {
  static readonly layer = Layer.effect(
    Conversations,
    Effect.gen(function* () {
      const conversations = yield* ConversationRepository
      const messages = yield* MessageRepository
      return Conversations.of({
        list: (actor, first, after, search) =>
          conversations.list(actor.tenantId, {
            first: clampFirst(first),
            after: after ?? undefined,
            search: search?.trim().slice(0, 100) || undefined
          }),
        find: Effect.fn("Conversations.find")(function* (actor, conversationId) {
          const found = yield* conversations.summary(actor.tenantId, conversationId)
          if (Option.isNone(found)) return yield* new ConversationNotFound({})
          return found.value
        }),
        markRead: Effect.fn("Conversations.markRead")(function* (actor, conversationId) {
          const now = new Date(yield* Clock.currentTimeMillis)
          if (!(yield* conversations.markRead(actor.tenantId, conversationId, now))) {
            return yield* new ConversationNotFound({})
          }
          const found = yield* conversations.summary(actor.tenantId, conversationId)
          if (Option.isNone(found)) return yield* new ConversationNotFound({})
          return found.value
        }),
        messagesOf: Effect.fn("Conversations.messagesOf")(function* (actor, conversationIds, first, after) {
          const unique = [...new Set(conversationIds)]
          const found = yield* conversations.existing(actor.tenantId, unique)
          const pages = yield* messages.listByConversations(
            actor.tenantId,
            unique.filter((id) => found.has(id)),
            { first: clampFirst(first, 50), after: after ?? undefined }
          )
          return conversationIds.map((id) => Option.fromNullishOr(found.has(id) ? pages.get(id) : undefined))
        })
      })
    })
  )
}
