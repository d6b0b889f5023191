import { Schema } from "effect"
import { AuditEntry } from "../../domain/AuditEntry.ts"
import { ChannelConnection } from "../../domain/ChannelConnection.ts"
import { Conversation } from "../../domain/Conversation.ts"
import { Message } from "../../domain/Message.ts"
import { OAuthState } from "../../domain/OAuthState.ts"
import { WebhookEvent } from "../../domain/WebhookEvent.ts"

/** Rows as the driver returns them: snake_case columns, timestamps as `Date`, jsonb parsed. */
export type Row = Readonly<Record<string, unknown>>

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)

/**
 * A table's row decoded by the domain schema itself: the same fields, read from their snake_case columns
 * (`tenantId` from `tenant_id`). Columns the domain does not name are ignored; a value of the wrong type (a
 * status the domain does not know, a malformed id) fails the decode, as a defect.
 */
const rowOf = <S extends Schema.Top & { readonly fields: Schema.Struct.Fields }>(schema: S) =>
  schema.pipe(
    Schema.encodeKeys(
      Object.fromEntries(Object.keys(schema.fields).map((key) => [key, snakeCase(key)])) as Record<never, never>
    )
  )

export const ConnectionRow = rowOf(ChannelConnection)
export const OAuthStateRow = rowOf(OAuthState)
export const ConversationRow = rowOf(Conversation)
export const MessageRow = rowOf(Message)
export const WebhookEventRow = rowOf(WebhookEvent)
export const AuditEntryRow = rowOf(AuditEntry)

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

export const toConnection: (row: Row) => ChannelConnection = Schema.decodeUnknownSync(ConnectionRow)
export const toOAuthState: (row: Row) => OAuthState = Schema.decodeUnknownSync(OAuthStateRow)
export const toConversation: (row: Row) => Conversation = Schema.decodeUnknownSync(ConversationRow)
export const toMessage: (row: Row) => Message = Schema.decodeUnknownSync(MessageRow)
export const toAuditEntry: (row: Row) => AuditEntry = Schema.decodeUnknownSync(AuditEntryRow)

const decodeWebhookEvent = Schema.decodeUnknownSync(WebhookEventRow)
const utf8 = new TextDecoder("utf-8")

/** The inbox row; its payload is the body as Meta sent it when it was kept (every event since migration 0003). */
export const toWebhookEvent = (row: Row): WebhookEvent =>
  decodeWebhookEvent({
    ...row,
    // `raw` (bytea) holds what `payload jsonb` cannot (U+0000, lone surrogates); older rows have only the jsonb.
    payload: row["raw"] instanceof Uint8Array ? JSON.parse(utf8.decode(row["raw"])) : row["payload"]
  })
