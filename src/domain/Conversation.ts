import { Schema } from "effect"
import { ConnectionId, ConversationId, PhoneNumberId, TenantId } from "./Ids.ts"

/** One contact talking to one of a tenant's numbers. */
export class Conversation extends Schema.Class<Conversation>("Conversation")({
  id: ConversationId,
  tenantId: TenantId,
  connectionId: ConnectionId,
  phoneNumberId: PhoneNumberId,
  /** The contact's WhatsApp id, or its business-scoped user id when Meta hides the phone number. */
  waId: Schema.NonEmptyString,
  contactName: Schema.NullOr(Schema.String),
  lastMessageAt: Schema.NullOr(Schema.Date),
  /** The contact's last message to this number: the customer service window closes 24 h after it. */
  lastInboundAt: Schema.NullOr(Schema.Date),
  /** When the tenant last opened the conversation: inbound messages after it are unread (null: never opened). */
  lastReadAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/** A conversation's latest message, for the inbox preview. */
export interface LastMessage {
  readonly type: string
  readonly direction: "inbound" | "outbound"
  readonly body: unknown
  readonly sentAt: Date
}

/** Unread counts stop here (the inbox shows "99+"), so a page never counts a huge backlog. */
export const UNREAD_CAP = 100

/** One inbox row: the conversation, its latest message, its unread count and the number it belongs to. */
export interface ConversationSummary extends Conversation {
  readonly lastMessage: LastMessage | null
  /** Inbound messages after `lastReadAt`, at most {@link UNREAD_CAP}. */
  readonly unreadCount: number
  /** The display number (E.164) of the WhatsApp number the conversation belongs to, when known. */
  readonly displayPhoneNumber: string | null
  /** How many WhatsApp numbers the tenant has had (the inbox names each row's number when more than one). */
  readonly numberCount: number
}

/**
 * The key a contact is known by: `wa_id` when Meta gives one, else the business-scoped `user_id` (Meta's 2026
 * usernames may hide the phone number, leaving `wa_id` and `from` empty).
 */
export const contactKey = (waId: string | null | undefined, userId: string | null | undefined): string | null => {
  if (waId !== undefined && waId !== null && waId.length > 0) return waId
  if (userId !== undefined && userId !== null && userId.length > 0) return userId
  return null
}

/**
 * The keys a typed number's conversation may have: the digits themselves and the `wa_id` WhatsApp may give them
 * (Brazil's mobiles without the ninth digit, Mexico's without the `1` after 52; META_SPEC Corrections, "wa_id").
 */
export const contactKeysOf = (digits: string): ReadonlyArray<string> => {
  const brazil = /^55(\d{2})9(\d{8})$/.exec(digits)
  const mexico = /^521(\d{10})$/.exec(digits)
  const variant = brazil !== null ? `55${brazil[1]}${brazil[2]}` : mexico !== null ? `52${mexico[1]}` : null
  return variant === null ? [digits] : [digits, variant]
}
