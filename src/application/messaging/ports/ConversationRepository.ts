import { Context, type Effect, type Option } from "effect"
import type { Conversation } from "../../../domain/Conversation.ts"
import type { ConnectionId, ConversationId, PhoneNumberId, TenantId } from "../../../domain/Ids.ts"
import type { Page, PageRequest } from "../../ports/Page.ts"

export interface ConversationUpsert {
  readonly tenantId: TenantId
  readonly connectionId: ConnectionId
  readonly phoneNumberId: PhoneNumberId
  readonly waId: string
  /** Kept when null (a status webhook carries no profile). */
  readonly contactName: string | null
  /** Moves `last_message_at` forward only. */
  readonly lastMessageAt: Date | null
  /** An inbound message's time: moves `last_inbound_at` forward only; absent or null keeps it. */
  readonly lastInboundAt?: Date | null | undefined
}

export class ConversationRepository extends Context.Service<
  ConversationRepository,
  {
    /** Finds or creates the conversation of `unique(tenant_id, phone_number_id, wa_id)`. */
    upsert(input: ConversationUpsert): Effect.Effect<Conversation>
    findById(tenantId: TenantId, id: ConversationId): Effect.Effect<Option.Option<Conversation>>
    /** The conversations of one number with any of these contact keys (a typed number and its `wa_id`). */
    findByContacts(
      tenantId: TenantId,
      phoneNumberId: PhoneNumberId,
      waIds: ReadonlyArray<string>
    ): Effect.Effect<ReadonlyArray<Conversation>>
    /** Deletes the conversation if no message is in it (a send re-keyed by Meta's `wa_id` left it); true if deleted. */
    removeIfEmpty(tenantId: TenantId, id: ConversationId): Effect.Effect<boolean>
    /** Most recent activity first. */
    list(tenantId: TenantId, page: PageRequest): Effect.Effect<Page<Conversation>>
  }
>()("app/application/ports/ConversationRepository") {}
