import { Schema } from "effect"
import { ConversationId, MessageId, ProviderMessageId, TenantId } from "./Ids.ts"

export const MessageDirection = Schema.Literals(["inbound", "outbound"])
export type MessageDirection = typeof MessageDirection.Type

export const MessageStatus = Schema.Literals(["received", "pending", "sent", "delivered", "read", "played", "failed"])
export type MessageStatus = typeof MessageStatus.Type

/** The status an outbound message is stored with, before Meta accepts it. */
export const OUTBOUND_STATUS: MessageStatus = "pending"

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
