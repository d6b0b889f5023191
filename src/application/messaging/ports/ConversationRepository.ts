import { Context, type Effect, type Option } from "effect"
import type { Conversation, ConversationSummary } from "../../../domain/Conversation.ts"
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

/** A page of the inbox: `search` keeps the conversations whose contact name or number starts with it. */
export interface InboxPageRequest extends PageRequest {
  readonly search?: string | undefined
}

export class ConversationRepository extends Context.Service<
  ConversationRepository,
  {
    /** Finds or creates the conversation of `unique(tenant_id, phone_number_id, wa_id)`. */
    upsert(input: ConversationUpsert): Effect.Effect<Conversation>
    findById(tenantId: TenantId, id: ConversationId): Effect.Effect<Option.Option<Conversation>>
    /** Which of these ids are conversations of the tenant (one statement however many). */
    existing(tenantId: TenantId, ids: ReadonlyArray<ConversationId>): Effect.Effect<ReadonlySet<ConversationId>>
    /** The conversations of one number with any of these contact keys (a typed number and its `wa_id`). */
    findByContacts(
      tenantId: TenantId,
      phoneNumberId: PhoneNumberId,
      waIds: ReadonlyArray<string>
    ): Effect.Effect<ReadonlyArray<Conversation>>
    /** Deletes the conversation if no message is in it (a send re-keyed by Meta's `wa_id` left it); true if deleted. */
    removeIfEmpty(tenantId: TenantId, id: ConversationId): Effect.Effect<boolean>
    /**
     * Most recent activity first (`COALESCE(last_message_at, created_at) DESC, id DESC`), each with its last
     * message, unread count and number.
     */
    list(tenantId: TenantId, page: InboxPageRequest): Effect.Effect<Page<ConversationSummary>>
    /** One conversation as the inbox shows it. */
    summary(tenantId: TenantId, id: ConversationId): Effect.Effect<Option.Option<ConversationSummary>>
    /** The tenant opened it: inbound messages up to `at` are read (moves forward only); false if not found. */
    markRead(tenantId: TenantId, id: ConversationId, at: Date): Effect.Effect<boolean>
    /**
     * Every tenant's conversations whose customer service window closes in (`now`, `until`] and was not announced
     * yet (up to `limit`, soonest first): each gets one `conversation.window_closing` outbox event and is marked for
     * its current last inbound message, in one transaction, so a window is announced once however often this runs;
     * a newer inbound message opens a new window, announced again. Answers the conversations announced.
     */
    announceClosingWindows(now: Date, until: Date, limit: number): Effect.Effect<ReadonlyArray<Conversation>>
  }
>()("app/application/ports/ConversationRepository") {}
