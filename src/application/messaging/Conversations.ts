import { Context, Effect, Layer, Option } from "effect"
import type { Conversation } from "../../domain/Conversation.ts"
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
    list(actor: Actor, first: number | null, after: string | null): Effect.Effect<Page<Conversation>>
    messages(
      actor: Actor,
      conversationId: ConversationId,
      first: number | null,
      after: string | null
    ): Effect.Effect<Page<Message>, ConversationNotFound>
  }
>()("app/application/Conversations") {
  static readonly layer = Layer.effect(
    Conversations,
    Effect.gen(function* () {
      const conversations = yield* ConversationRepository
      const messages = yield* MessageRepository
      return Conversations.of({
        list: (actor, first, after) =>
          conversations.list(actor.tenantId, { first: clampFirst(first), after: after ?? undefined }),
        messages: Effect.fn("Conversations.messages")(function* (actor, conversationId, first, after) {
          const found = yield* conversations.findById(actor.tenantId, conversationId)
          if (Option.isNone(found)) return yield* new ConversationNotFound({})
          return yield* messages.listByConversation(actor.tenantId, conversationId, {
            first: clampFirst(first, 50),
            after: after ?? undefined
          })
        })
      })
    })
  )
}
