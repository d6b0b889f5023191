import { Schema } from "effect"
import { AuditEntry } from "../../domain/AuditEntry.ts"
import { ChannelConnection } from "../../domain/ChannelConnection.ts"
import { Conversation } from "../../domain/Conversation.ts"
import { Message } from "../../domain/Message.ts"
import { OAuthState } from "../../domain/OAuthState.ts"
import { WebhookEvent } from "../../domain/WebhookEvent.ts"

const decodeChannelConnection = Schema.decodeUnknownSync(ChannelConnection)
const decodeOAuthState = Schema.decodeUnknownSync(OAuthState)
const decodeConversation = Schema.decodeUnknownSync(Conversation)
const decodeMessage = Schema.decodeUnknownSync(Message)
const decodeWebhookEvent = Schema.decodeUnknownSync(WebhookEvent)
const decodeAuditEntry = Schema.decodeUnknownSync(AuditEntry)

/** Rows as the driver returns them: snake_case columns, timestamps as `Date`, jsonb parsed. */
export type Row = Readonly<Record<string, unknown>>

const date = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)))
const dateOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : date(value))
const str = (value: unknown): string => String(value)
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value))
const json = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value)
const record = (value: unknown): Record<string, unknown> => {
  const parsed = json(value)
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {}
}

/**
 * `\u0000` and lone surrogates as `JSON.stringify` writes them (pairs it writes as characters), not after an
 * escaped backslash.
 */
const JSONB_REFUSED = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g

/**
 * Encodes a value for a `jsonb` parameter (`${toJson(v)}::jsonb`). PostgreSQL's `jsonb` (like `text`) cannot hold
 * U+0000 or an unpaired surrogate: those become U+FFFD, the replacement character, so the rest is stored.
 */
export const toJson = (value: unknown): string => {
  const text = JSON.stringify(value ?? null)
  return text.includes("\\u") ? text.replace(JSONB_REFUSED, "$1\\ufffd") : text
}

const utf8 = new TextDecoder("utf-8")

export const toConnection = (row: Row): ChannelConnection =>
  decodeChannelConnection({
    id: str(row["id"]),
    tenantId: str(row["tenant_id"]),
    provider: str(row["provider"]),
    status: str(row["status"]),
    wabaId: strOrNull(row["waba_id"]),
    phoneNumberId: strOrNull(row["phone_number_id"]),
    phoneNumberE164: strOrNull(row["phone_number_e164"]),
    displayName: strOrNull(row["display_name"]),
    accessTokenEnc: strOrNull(row["access_token_enc"]),
    tokenExpiresAt: dateOrNull(row["token_expires_at"]),
    scopes: ((json(row["scopes"]) as ReadonlyArray<unknown> | null) ?? []).map(String),
    metadata: record(row["metadata"]),
    connectedAt: dateOrNull(row["connected_at"]),
    createdAt: date(row["created_at"]),
    updatedAt: date(row["updated_at"])
  })

export const toOAuthState = (row: Row): OAuthState =>
  decodeOAuthState({
    id: str(row["id"]),
    tenantId: str(row["tenant_id"]),
    userId: str(row["user_id"]),
    provider: str(row["provider"]),
    nonce: str(row["nonce"]),
    createdAt: date(row["created_at"]),
    usedAt: dateOrNull(row["used_at"]),
    expiresAt: date(row["expires_at"]),
    metadata: record(row["metadata"])
  })

export const toConversation = (row: Row): Conversation =>
  decodeConversation({
    id: str(row["id"]),
    tenantId: str(row["tenant_id"]),
    connectionId: str(row["connection_id"]),
    phoneNumberId: str(row["phone_number_id"]),
    waId: str(row["wa_id"]),
    contactName: strOrNull(row["contact_name"]),
    lastMessageAt: dateOrNull(row["last_message_at"]),
    createdAt: date(row["created_at"]),
    updatedAt: date(row["updated_at"])
  })

export const toMessage = (row: Row): Message =>
  decodeMessage({
    id: str(row["id"]),
    tenantId: str(row["tenant_id"]),
    conversationId: str(row["conversation_id"]),
    providerMessageId: strOrNull(row["provider_message_id"]),
    direction: str(row["direction"]),
    type: str(row["type"]),
    body: json(row["body"]),
    status: str(row["status"]),
    error: json(row["error"]) ?? null,
    sentAt: date(row["sent_at"]),
    statusUpdatedAt: date(row["status_updated_at"]),
    createdAt: date(row["created_at"])
  })

export const toWebhookEvent = (row: Row): WebhookEvent =>
  decodeWebhookEvent({
    id: str(row["id"]),
    provider: str(row["provider"]),
    receivedAt: date(row["received_at"]),
    bodySha256: str(row["body_sha256"]),
    // The body as Meta sent it when it was kept (every event since migration 0003), else the stored jsonb.
    payload: row["raw"] instanceof Uint8Array ? JSON.parse(utf8.decode(row["raw"])) : json(row["payload"]),
    state: str(row["state"]),
    attempts: Number(row["attempts"]),
    lastError: strOrNull(row["last_error"]),
    processedAt: dateOrNull(row["processed_at"])
  })

export const toAuditEntry = (row: Row): AuditEntry =>
  decodeAuditEntry({
    id: str(row["id"]),
    tenantId: str(row["tenant_id"]),
    userId: strOrNull(row["user_id"]),
    action: str(row["action"]),
    resourceType: str(row["resource_type"]),
    resourceId: strOrNull(row["resource_id"]),
    details: record(row["details"]),
    ip: strOrNull(row["ip"]),
    createdAt: date(row["created_at"])
  })
