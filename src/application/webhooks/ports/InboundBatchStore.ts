import { Context, type Effect } from "effect"
import type { ConnectionId, TenantId, WebhookEventId } from "../../../domain/Ids.ts"
import type { Message } from "../../../domain/Message.ts"
import type { NewOutboundEvent } from "../../../domain/OutboundEvent.ts"
import type { ConversationUpsert } from "../../messaging/ports/ConversationRepository.ts"
import type { NewMessageMedia } from "../../messaging/ports/MediaRepository.ts"
import type { StatusEvent } from "../../messaging/ports/MessageRepository.ts"

/** The conversation a message belongs to: `unique(tenant_id, phone_number_id, wa_id)`. */
export const conversationKey = (c: {
  readonly tenantId: string
  readonly phoneNumberId: string
  readonly waId: string
}): string => `${c.tenantId}\u0000${c.phoneNumberId}\u0000${c.waId}`

/** One inbound message of a batch, in its conversation (by key); stored once per `providerMessageId`. */
export interface InboundMessageWrite {
  readonly conversation: string
  readonly tenantId: TenantId
  readonly providerMessageId: string
  readonly type: string
  readonly body: unknown
  readonly sentAt: Date
  /** Its media to fetch (a job), recorded on a redelivery too (once per message). */
  readonly media: Omit<NewMessageMedia, "messageId"> | null
  /** The events a first store announces, written to the outbox in the batch's transaction. */
  readonly announce: (stored: Message) => ReadonlyArray<NewOutboundEvent>
}

/** One status of a batch; its events are written once, when the status is recorded for the first time. */
export interface StatusWrite {
  readonly event: StatusEvent
  readonly announce: ReadonlyArray<NewOutboundEvent>
}

/**
 * What the worker decided to write for a claimed batch of inbound-activity events, in the events' order: the
 * conversations (one per key, already merged: the last contact name given, the latest times), the messages and
 * statuses, the connections that heard from Meta, and the events to mark processed.
 */
export interface InboundBatch {
  readonly conversations: ReadonlyArray<ConversationUpsert>
  readonly messages: ReadonlyArray<InboundMessageWrite>
  readonly statuses: ReadonlyArray<StatusWrite>
  readonly webhooksHeard: ReadonlyArray<{ readonly tenantId: TenantId; readonly connectionId: ConnectionId }>
  readonly processed: ReadonlyArray<WebhookEventId>
  readonly at: Date
}

export interface InboundBatchResult {
  /** One per `messages` entry, in order; `inserted` only for the first write of a provider message id. */
  readonly messages: ReadonlyArray<{ readonly message: Message; readonly inserted: boolean }>
  /** One per `statuses` entry, in order; `recorded` only for the first write of `(provider message id, status)`. */
  readonly statuses: ReadonlyArray<{ readonly recorded: boolean }>
}

/**
 * Writes a whole {@link InboundBatch} at once, with the rules of the repositories it stands for: a message exactly
 * once (its dedupe key), a status recorded once and moving its message forward only (`failed` final), a status
 * before its message kept for it, the outbox events of what was first written, the media jobs, `last_webhook_at`,
 * and the events `processed`. The SQL adapter does it set-based in one transaction (all or nothing); it dies when
 * the batch could not be written, and the caller then processes its events one by one.
 */
export class InboundBatchStore extends Context.Service<
  InboundBatchStore,
  { write(batch: InboundBatch): Effect.Effect<InboundBatchResult> }
>()("app/application/ports/InboundBatchStore") {}
