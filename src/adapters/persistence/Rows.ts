import { Schema } from "effect"
import { AuditEntry } from "../../domain/AuditEntry.ts"
import { ChannelConnection } from "../../domain/ChannelConnection.ts"
import { Conversation } from "../../domain/Conversation.ts"
import { Message, MessageDirection, MessageStatus } from "../../domain/Message.ts"
import { OAuthState } from "../../domain/OAuthState.ts"
import { WebhookEvent, WebhookEventState } from "../../domain/WebhookEvent.ts"

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
export const toAuditEntry: (row: Row) => AuditEntry = Schema.decodeUnknownSync(AuditEntryRow)

const utf8 = new TextDecoder("utf-8")

/*
 * The two rows the webhook worker reads per event (the claimed inbox row, the stored message) are read by hand
 * instead of through the schema (`Schema.decodeUnknownSync` of the row schema took ~28 µs per inbox row and ~19 µs
 * per message, a fifth of the worker's CPU per event; issue 18.2, w7B). The same rule holds: every field the domain
 * names is checked against its type (PostgreSQL's column types already guarantee the uuids' form, the check
 * constraints the literals) and a value of the wrong type throws, as a defect. The instance is then built on the
 * class's prototype with the checked fields, which is what the class's constructor builds once it has validated
 * them again.
 */
const unreadable = (table: string, column: string, value: unknown): never => {
  throw new Error(`${table}.${column}: unexpected ${value === null ? "null" : typeof value}`)
}
const text = (table: string, row: Row, column: string): string => {
  const value = row[column]
  return typeof value === "string" ? value : unreadable(table, column, value)
}
const textOrNull = (table: string, row: Row, column: string): string | null => {
  const value = row[column]
  return value === null || value === undefined
    ? null
    : typeof value === "string"
      ? value
      : unreadable(table, column, value)
}
const instant = (table: string, row: Row, column: string): Date => {
  const value = row[column]
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : unreadable(table, column, value)
}
const instantOrNull = (table: string, row: Row, column: string): Date | null =>
  row[column] === null || row[column] === undefined ? null : instant(table, row, column)
const oneOf = <L extends string>(literals: ReadonlyArray<L>) => {
  const allowed: ReadonlySet<string> = new Set(literals)
  return (table: string, row: Row, column: string): L => {
    const value = text(table, row, column)
    return allowed.has(value) ? (value as L) : unreadable(table, column, `"${value}"`)
  }
}
const messageDirection = oneOf(MessageDirection.literals)
const messageStatus = oneOf(MessageStatus.literals)
const webhookEventState = oneOf(WebhookEventState.literals)

/** An instance of a schema class from fields already checked (see above). */
const checked = <C extends abstract new (...args: never) => object>(Class: C, fields: object): InstanceType<C> =>
  Object.assign(Object.create(Class.prototype) as object, fields) as InstanceType<C>

export const toMessage = (row: Row): Message =>
  checked(Message, {
    id: text("messages", row, "id"),
    tenantId: text("messages", row, "tenant_id"),
    conversationId: text("messages", row, "conversation_id"),
    providerMessageId: textOrNull("messages", row, "provider_message_id"),
    direction: messageDirection("messages", row, "direction"),
    type: text("messages", row, "type"),
    body: row["body"],
    status: messageStatus("messages", row, "status"),
    error: row["error"] ?? null,
    sentAt: instant("messages", row, "sent_at"),
    statusUpdatedAt: instant("messages", row, "status_updated_at"),
    createdAt: instant("messages", row, "created_at")
  })

/** The inbox row; its payload is the body as Meta sent it when it was kept (every event since migration 0003). */
export const toWebhookEvent = (row: Row): WebhookEvent => {
  const attempts = row["attempts"]
  return checked(WebhookEvent, {
    id: text("webhook_events", row, "id"),
    provider: text("webhook_events", row, "provider"),
    receivedAt: instant("webhook_events", row, "received_at"),
    bodySha256: text("webhook_events", row, "body_sha256"),
    // `raw` (bytea) holds what `payload jsonb` cannot (U+0000, lone surrogates); older rows have only the jsonb.
    payload: row["raw"] instanceof Uint8Array ? JSON.parse(utf8.decode(row["raw"])) : row["payload"],
    state: webhookEventState("webhook_events", row, "state"),
    attempts: Number.isInteger(attempts) ? attempts : unreadable("webhook_events", "attempts", attempts),
    lastError: textOrNull("webhook_events", row, "last_error"),
    processedAt: instantOrNull("webhook_events", row, "processed_at")
  })
}
