import { Schema } from "effect"

const Uuid = Schema.String.check(Schema.isUUID())

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/**
 * Whether a text is a UUID (any version): an id from outside that is not one names nothing, and must be compared
 * with a `uuid` column as a `uuid` (so the column's index serves it), never by casting the column to text.
 */
export const isUuid = (text: string): boolean => UUID_TEXT.test(text)

/** A customer workspace of the SaaS product. */
export const TenantId = Uuid.pipe(Schema.brand("TenantId"))
export type TenantId = typeof TenantId.Type

/** The SaaS product's user id (the JWT `sub`); opaque to us. */
export const UserId = Schema.NonEmptyString.pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type

export const ConnectionId = Uuid.pipe(Schema.brand("ConnectionId"))
export type ConnectionId = typeof ConnectionId.Type

export const OAuthStateId = Uuid.pipe(Schema.brand("OAuthStateId"))
export type OAuthStateId = typeof OAuthStateId.Type

export const ConversationId = Uuid.pipe(Schema.brand("ConversationId"))
export type ConversationId = typeof ConversationId.Type

export const MessageId = Uuid.pipe(Schema.brand("MessageId"))
export type MessageId = typeof MessageId.Type

export const WebhookEventId = Uuid.pipe(Schema.brand("WebhookEventId"))
export type WebhookEventId = typeof WebhookEventId.Type

const MetaNumericId = Schema.String.check(Schema.isPattern(/^\d{1,32}$/))

/** WhatsApp Business Account id, as Meta issues it (a numeric string). */
export const WabaId = MetaNumericId.pipe(Schema.brand("WabaId"))
export type WabaId = typeof WabaId.Type

/** Business phone number id (Meta's `phone_number_id`, the routing key of webhooks). */
export const PhoneNumberId = MetaNumericId.pipe(Schema.brand("PhoneNumberId"))
export type PhoneNumberId = typeof PhoneNumberId.Type

/** Meta's message id (`wamid.…`). */
export const ProviderMessageId = Schema.NonEmptyString.pipe(Schema.brand("ProviderMessageId"))
export type ProviderMessageId = typeof ProviderMessageId.Type

/** The channel a connection belongs to. */
export const Provider = Schema.Literals(["meta_whatsapp", "meta_ads"])
export type Provider = typeof Provider.Type

export const Role = Schema.Literals(["admin", "marketing", "member"])
export type Role = typeof Role.Type
