import { Schema } from "effect"
import { ConversationId, MessageId, ProviderMessageId, TenantId } from "./Ids.ts"

export const MessageDirection = Schema.Literals(["inbound", "outbound"])
export type MessageDirection = typeof MessageDirection.Type

export const MessageStatus = Schema.Literals(["received", "pending", "sent", "delivered", "read", "played", "failed"])
export type MessageStatus = typeof MessageStatus.Type

/** Statuses Meta reports for an outbound message. */
export const DeliveryStatus = Schema.Literals(["sent", "delivered", "read", "played", "failed"])
export type DeliveryStatus = typeof DeliveryStatus.Type

export class Message extends Schema.Class<Message>("Message")({
  id: MessageId,
  tenantId: TenantId,
  conversationId: ConversationId,
  providerMessageId: Schema.NullOr(ProviderMessageId),
  direction: MessageDirection,
  type: Schema.String,
  body: Schema.Unknown,
  status: MessageStatus,
  error: Schema.NullOr(Schema.Unknown),
  sentAt: Schema.Date,
  statusUpdatedAt: Schema.Date,
  createdAt: Schema.Date
}) {}

const rank: Record<MessageStatus, number> = {
  received: 0,
  pending: 0,
  sent: 1,
  delivered: 2,
  read: 3,
  played: 4,
  failed: 5
}

/**
 * The status after `incoming` arrives. Statuses only move forward (`sent < delivered < read < played`), and
 * `failed` is final, so the result of applying any set of statuses does not depend on their order: a late
 * `delivered` after `read` changes nothing. `received` (inbound) never changes.
 */
export const advanceStatus = (current: MessageStatus, incoming: MessageStatus): MessageStatus => {
  if (current === "received" || current === "failed") return current
  return rank[incoming] > rank[current] ? incoming : current
}

/** Whether `incoming` would change a message now at `current`. */
export const isStatusAdvance = (current: MessageStatus, incoming: MessageStatus): boolean =>
  advanceStatus(current, incoming) !== current

/** The text a person reads for a message body, when it has one. */
export const messageText = (type: string, body: unknown): string | null => {
  if (typeof body !== "object" || body === null) return null
  const record = body as Record<string, unknown>
  const part = record[type]
  if (typeof part !== "object" || part === null) return null
  const fields = part as Record<string, unknown>
  if (typeof fields["body"] === "string") return fields["body"]
  if (typeof fields["caption"] === "string") return fields["caption"]
  if (typeof fields["text"] === "string") return fields["text"]
  if (typeof fields["emoji"] === "string") return fields["emoji"]
  const reply = (fields["button_reply"] ?? fields["list_reply"]) as Record<string, unknown> | undefined
  if (reply && typeof reply["title"] === "string") return reply["title"]
  return null
}
