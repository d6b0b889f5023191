import { Context, type Effect, type Option } from "effect"
import type { ConversationId, MessageId, ProviderMessageId, TenantId } from "../../../domain/Ids.ts"
import type { DeliveryStatus, Message, MessageDirection, MessageStatus } from "../../../domain/Message.ts"
import type { NewOutboundEvent } from "../../../domain/OutboundEvent.ts"
import type { Page, PageRequest } from "../../ports/Page.ts"

export interface NewMessage {
  readonly tenantId: TenantId
  readonly conversationId: ConversationId
  readonly providerMessageId: ProviderMessageId | null
  readonly direction: MessageDirection
  readonly type: string
  readonly body: unknown
  readonly status: MessageStatus
  readonly sentAt: Date
  /** A client-given key: a second insert with the same tenant and key returns the first message. */
  readonly idempotencyKey?: string | null
}

export interface StatusEvent {
  readonly tenantId: TenantId
  readonly providerMessageId: ProviderMessageId
  readonly status: DeliveryStatus
  readonly occurredAt: Date
  /** Meta's status object as received (pricing, conversation, errors). */
  readonly payload: unknown
  readonly error: unknown | null
}

export class MessageRepository extends Context.Service<
  MessageRepository,
  {
    /**
     * Inserts a message unless its `provider_message_id`, or its tenant and idempotency key, is already stored
     * (then returns the stored one with `inserted: false`). Status events that arrived before the message are applied to it.
     * `announce` names the events a first insert announces: they are written to the outbox in the insert's
     * transaction (nothing for a duplicate).
     */
    insert(
      message: NewMessage,
      announce?: (stored: Message) => ReadonlyArray<NewOutboundEvent>
    ): Effect.Effect<{ readonly message: Message; readonly inserted: boolean }>
    /**
     * Records a status once per `(provider_message_id, status)` and moves the message forward (never back;
     * `failed` is final). A status for an unknown message is kept and applied when the message arrives.
     * `announce`'s events are written to the outbox in the same transaction when the status is recorded (once).
     */
    applyStatus(
      event: StatusEvent,
      announce?: ReadonlyArray<NewOutboundEvent>
    ): Effect.Effect<{ readonly recorded: boolean; readonly applied: boolean }>
    /**
     * The result of a send: the id Meta gave it and `sent` (moved into `conversationId` when given: Meta keyed the
     * contact by another `wa_id` than the number typed), or `failed` with Meta's error.
     */
    recordSendResult(
      tenantId: TenantId,
      id: MessageId,
      result:
        | {
            readonly _tag: "Sent"
            readonly providerMessageId: ProviderMessageId
            readonly conversationId?: ConversationId | undefined
          }
        | { readonly _tag: "Failed"; readonly error: unknown }
    ): Effect.Effect<Message>
    findByProviderId(providerMessageId: ProviderMessageId): Effect.Effect<Option.Option<Message>>
    /** Oldest first within a conversation. */
    listByConversation(
      tenantId: TenantId,
      conversationId: ConversationId,
      page: PageRequest
    ): Effect.Effect<Page<Message>>
    /**
     * `listByConversation` of several conversations at once (one statement): the same page of each, keyed by
     * conversation; a conversation with no message of the tenant maps to an empty page.
     */
    listByConversations(
      tenantId: TenantId,
      conversationIds: ReadonlyArray<ConversationId>,
      page: PageRequest
    ): Effect.Effect<ReadonlyMap<ConversationId, Page<Message>>>
  }
>()("app/application/ports/MessageRepository") {}
