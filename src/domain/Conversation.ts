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
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/**
 * The key a contact is known by: `wa_id` when Meta gives one, else the business-scoped `user_id` (Meta's 2026
 * usernames may hide the phone number, leaving `wa_id` and `from` empty).
 */
export const contactKey = (waId: string | null | undefined, userId: string | null | undefined): string | null => {
  if (waId !== undefined && waId !== null && waId.length > 0) return waId
  if (userId !== undefined && userId !== null && userId.length > 0) return userId
  return null
}
