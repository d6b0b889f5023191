import { createHmac } from "node:crypto"
import { Effect, Layer, Option, Redacted, Result, Schema } from "effect"
import { constantTimeEquals } from "../../application/ConstantTime.ts"
import {
  WebhookDecoder,
  WebhookPayloadUnreadable,
  WebhookVerifier
} from "../../application/webhooks/ports/WebhookDecoder.ts"
import { WebhookSettings } from "../../application/webhooks/ports/WebhookSettings.ts"
import { type Restriction, restrictionBlocks } from "../../domain/ChannelConnection.ts"
import { contactKey } from "../../domain/Conversation.ts"
import { InvalidWebhookPayload, InvalidWebhookSignature } from "../../domain/Errors.ts"
import type {
  AccountEffect,
  AccountReviewDecision,
  AccountReviewed,
  AccountUpdated,
  CapabilityChanged,
  DisplayNameDecision,
  DisplayNameReviewed,
  InboundMessage,
  NumberActivity,
  NumberQualityReported,
  QualityEvent,
  StatusChanged,
  TemplateCategoryChanged,
  TemplateQualityChanged,
  TemplateReviewed,
  WebhookChange
} from "../../domain/InboundEvents.ts"
import { DeliveryStatus } from "../../domain/Message.ts"
import { templateStatusOf } from "../../domain/MessageTemplate.ts"
import { unixSecondsToDate } from "../../domain/WebhookEvent.ts"
import { adReferralOf, messageContent } from "./MessageBody.ts"

/**
 * Meta's WhatsApp webhooks, read here and nowhere else: the signature and the JSON at the door (`WebhookVerifier`),
 * then the envelope (`entry[]`, `changes[]`) and the fields this service handles (`messages` with its messages and
 * statuses, `account_update`, `phone_number_name_update`, the health and template fields) into the domain's changes (`WebhookDecoder`). Fields not
 * listed are skipped.
 */

// ---------------------------------------------------------------------------------------------------------------
// At the door: X-Hub-Signature-256 and the JSON

/** Meta's payloads nest about 8 deep; anything past this is refused before it is parsed. */
export const MAX_JSON_DEPTH = 64

/**
 * Checks `X-Hub-Signature-256` (`sha256=` + lowercase hex HMAC-SHA256 of the raw body with the app secret) in
 * constant time. The bytes are checked exactly as received: Meta signs its own escaped-unicode serialisation,
 * which re-serialised JSON would not reproduce.
 */
export const verifySignature = (raw: Uint8Array, header: string | null, secret: Redacted.Redacted<string>): boolean => {
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header?.trim() ?? "")
  if (match === null) return false
  const expected = createHmac("sha256", Redacted.value(secret)).update(raw).digest()
  return constantTimeEquals(expected, Buffer.from(match[1]!, "hex"))
}

/**
 * Whether JSON text nests arrays and objects deeper than `limit`: one pass over the bytes, brackets inside
 * strings not counted. (UTF-8 continuation bytes are all ≥ 0x80, so they are never mistaken for `"`, `\` or
 * brackets.) Deep nesting would overflow the stack of whatever walks the value later.
 */
export const nestedDeeperThan = (raw: Uint8Array, limit: number): boolean => {
  let depth = 0
  let inString = false
  for (let index = 0; index < raw.length; index++) {
    const byte = raw[index]
    if (inString) {
      if (byte === 0x5c) index++
      else if (byte === 0x22) inString = false
    } else if (byte === 0x22) inString = true
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > limit) return true
    } else if (byte === 0x5d || byte === 0x7d) depth--
  }
  return false
}

const utf8 = new TextDecoder("utf-8", { fatal: true })

const parse = (raw: Uint8Array): unknown => {
  if (raw.length === 0) throw new Error("empty body")
  if (nestedDeeperThan(raw, MAX_JSON_DEPTH)) throw new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`)
  const value: unknown = JSON.parse(utf8.decode(raw))
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not a JSON object")
  return value
}

/** The door for Meta's WhatsApp deliveries: signed with the app secret, a JSON object. */
export const MetaWebhookVerifier = Layer.effect(
  WebhookVerifier,
  Effect.gen(function* () {
    const settings = yield* WebhookSettings
    const check = (
      raw: Uint8Array,
      signature: string | null
    ): Result.Result<unknown, InvalidWebhookSignature | InvalidWebhookPayload> => {
      if (!verifySignature(raw, signature, settings.appSecret)) return Result.fail(new InvalidWebhookSignature({}))
      try {
        return Result.succeed(parse(raw))
      } catch (cause) {
        return Result.fail(new InvalidWebhookPayload({ detail: cause instanceof Error ? cause.message : "unreadable" }))
      }
    }
    return WebhookVerifier.of({
      provider: "meta_whatsapp",
      check,
      read: (raw, signature) => Effect.suspend(() => Effect.fromResult(check(raw, signature)))
    })
  })
)

// ---------------------------------------------------------------------------------------------------------------
// The stored payload: envelope, changes, fields

const Contact = Schema.Struct({
  wa_id: Schema.optional(Schema.String),
  user_id: Schema.optional(Schema.String),
  profile: Schema.optional(Schema.Struct({ name: Schema.optional(Schema.String) }))
})
const MessageWire = Schema.Struct({
  id: Schema.NonEmptyString,
  from: Schema.optional(Schema.String),
  from_user_id: Schema.optional(Schema.String),
  timestamp: Schema.optional(Schema.String),
  type: Schema.String
})
const StatusWire = Schema.Struct({
  id: Schema.NonEmptyString,
  status: Schema.String,
  timestamp: Schema.optional(Schema.String),
  recipient_id: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(Schema.Unknown))
})
/** A failed status's first error as words: `(#131047) Re-engagement message: Message failed to send because…`. */
const statusErrorText = (errors: ReadonlyArray<unknown> | undefined): string | null => {
  const first = errors?.[0]
  if (first === null || typeof first !== "object") return null
  const e = first as { code?: unknown; title?: unknown; message?: unknown; error_data?: { details?: unknown } }
  const title = typeof e.title === "string" ? e.title : typeof e.message === "string" ? e.message : null
  const details = typeof e.error_data?.details === "string" ? e.error_data.details : null
  const code = typeof e.code === "number" ? `(#${e.code}) ` : ""
  const words = [title, details].filter((w) => w !== null && w !== "").join(": ")
  return words === "" && code === "" ? null : `${code}${words}`.trim()
}

const MessagesValue = Schema.Struct({
  metadata: Schema.Struct({ phone_number_id: Schema.String }),
  contacts: Schema.optional(Schema.Array(Contact)),
  messages: Schema.optional(Schema.Array(Schema.Unknown)),
  statuses: Schema.optional(Schema.Array(Schema.Unknown))
})
const AccountUpdateValue = Schema.Struct({
  event: Schema.String,
  waba_info: Schema.optional(Schema.Struct({ waba_id: Schema.optional(Schema.String) })),
  // Meta's reference gives the ban state as an array (`["DISABLE"]`); older payloads as a string.
  ban_info: Schema.optional(
    Schema.Struct({ waba_ban_state: Schema.optional(Schema.Union([Schema.String, Schema.Array(Schema.String)])) })
  ),
  // ACCOUNT_RESTRICTION (and ACCOUNT_VIOLATION): what is restricted and until when (Unix seconds or Meta's date).
  restriction_info: Schema.optional(
    Schema.Array(
      Schema.Struct({
        restriction_type: Schema.String,
        expiration: Schema.optional(Schema.Union([Schema.String, Schema.Number]))
      })
    )
  ),
  violation_info: Schema.optional(Schema.Struct({ violation_type: Schema.optional(Schema.String) }))
})
/** `phone_number_name_update` (Meta's webhook reference): the number by its digits, within the WABA of `entry.id`. */
const NameUpdateValue = Schema.Struct({
  display_phone_number: Schema.String,
  decision: Schema.String,
  requested_verified_name: Schema.optional(Schema.String),
  rejection_reason: Schema.optional(Schema.NullOr(Schema.String))
})
/**
 * `phone_number_quality_update` (Meta's webhook reference): the number by its digits, within the WABA of `entry.id`;
 * `event` FLAGGED / UNFLAGGED (quality), UPGRADE / DOWNGRADE (messaging limit), THROUGHPUT_UPGRADE.
 */
const QualityUpdateValue = Schema.Struct({
  display_phone_number: Schema.String,
  event: Schema.String,
  current_limit: Schema.optional(Schema.NullOr(Schema.String)),
  old_limit: Schema.optional(Schema.NullOr(Schema.String))
})
/** `account_review_update`: `decision` APPROVED / REJECTED / PENDING / DEFERRED, for the WABA of `entry.id`. */
const AccountReviewValue = Schema.Struct({ decision: Schema.String })
/** `business_capability_update`: the portfolio's limits, for the WABA of `entry.id` (numbers may come as text). */
const CapabilityValue = Schema.Struct({
  max_daily_conversations_per_business: Schema.optional(Schema.Union([Schema.Number, Schema.String])),
  max_daily_conversation_per_phone: Schema.optional(Schema.Union([Schema.Number, Schema.String])),
  max_phone_numbers_per_business: Schema.optional(Schema.Union([Schema.Number, Schema.String]))
})
/** Every template webhook names its template: id (a number), name and language (Meta's webhook references). */
const TemplateFields = {
  message_template_id: Schema.optional(Schema.Union([Schema.Number, Schema.String])),
  message_template_name: Schema.String,
  message_template_language: Schema.String
}
/** `message_template_status_update`: `event` the new status, `reason` (`NONE` on approval), the category. */
const TemplateStatusValue = Schema.Struct({
  ...TemplateFields,
  event: Schema.String,
  reason: Schema.optional(Schema.NullOr(Schema.String)),
  message_template_category: Schema.optional(Schema.NullOr(Schema.String))
})
/** `message_template_quality_update`: GREEN / YELLOW / RED / UNKNOWN. */
const TemplateQualityValue = Schema.Struct({
  ...TemplateFields,
  new_quality_score: Schema.String,
  previous_quality_score: Schema.optional(Schema.NullOr(Schema.String))
})
/**
 * `template_category_update`: a completed change (`previous_category`, `new_category`) or an impending one
 * (`new_category` the current category, `correct_category` the one it will get).
 */
const TemplateCategoryValue = Schema.Struct({
  ...TemplateFields,
  new_category: Schema.String,
  previous_category: Schema.optional(Schema.NullOr(Schema.String)),
  correct_category: Schema.optional(Schema.NullOr(Schema.String))
})
const Change = Schema.Struct({ field: Schema.String, value: Schema.Unknown })
const Envelope = Schema.Struct({
  entry: Schema.Array(
    Schema.Struct({
      id: Schema.optional(Schema.String),
      time: Schema.optional(Schema.Number),
      changes: Schema.Array(Change)
    })
  )
})

const decodeWith = <S extends Schema.Constraint>(schema: S, what: string) => {
  const run = Schema.decodeUnknownEffect(schema as never)
  return (input: unknown) =>
    (run(input) as Effect.Effect<S["Type"], Schema.SchemaError>).pipe(
      Effect.mapError((error) => new WebhookPayloadUnreadable({ detail: `${what}: ${error.message}` }))
    )
}

/** `account_update` events that end a connection, and those that put it in error (DESIGN; Meta's reference). */
const REVOKING = new Set(["PARTNER_APP_UNINSTALLED", "PARTNER_REMOVED"])
const TROUBLING = new Set(["DISABLED_UPDATE", "ACCOUNT_DELETED"])
/** `account_update` events that restrict what a WABA may do without ending it: decided by `restriction_info`. */
const RESTRICTING = new Set(["ACCOUNT_RESTRICTION", "ACCOUNT_VIOLATION"])

/** A change's `timestamp`: when absent, the time it was received; when unreadable or absurd, an error. */
const timestampOf = (timestamp: string | undefined, fallback: Date, what: string) => {
  if (timestamp === undefined) return Effect.succeed(fallback)
  const date = unixSecondsToDate(timestamp)
  return date === null
    ? Effect.fail(
        new WebhookPayloadUnreadable({ detail: `${what} has an unreadable timestamp "${timestamp.slice(0, 40)}"` })
      )
    : Effect.succeed(date)
}

/** Meta's `expiration`: Unix seconds, or a date such as `2026-04-19T13:59:20+0000`; null when absent or unreadable. */
const expirationOf = (expiration: string | number | undefined): string | null => {
  if (expiration === undefined) return null
  const text = String(expiration).trim()
  const date = /^\d+$/.test(text) ? unixSecondsToDate(text) : new Date(text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"))
  return date === null || Number.isNaN(date.getTime()) ? null : date.toISOString()
}

/** The restrictions as stored on the connection: each with what it blocks (domain) and when it ends. */
const restrictionsOf = (
  info: ReadonlyArray<{ readonly restriction_type: string; readonly expiration?: string | number | undefined }>
): ReadonlyArray<Restriction> =>
  info.map((r) => ({
    type: r.restriction_type,
    blocks: restrictionBlocks(r.restriction_type),
    expires_at: expirationOf(r.expiration)
  }))

const messagesChange = Effect.fnUntraced(function* (value: unknown, receivedAt: Date) {
  const change = yield* decodeWith(MessagesValue, "messages change")(value)
  const contacts = change.contacts ?? []
  const messages: Array<InboundMessage> = []
  for (const raw of change.messages ?? []) {
    const message = yield* decodeWith(MessageWire, "message")(raw)
    const contact =
      contacts.find((c) => c.wa_id !== undefined && c.wa_id !== "" && c.wa_id === message.from) ??
      (contacts.length === 1 ? contacts[0] : undefined)
    const key = contactKey(message.from ?? contact?.wa_id, contact?.user_id ?? message.from_user_id)
    if (key === null) return yield* new WebhookPayloadUnreadable({ detail: `message ${message.id} has no sender` })
    messages.push({
      _tag: "InboundMessage",
      providerMessageId: message.id,
      contactKey: key,
      contactName: contact?.profile?.name ?? null,
      type: message.type,
      // The whole message object is kept, whatever its type.
      body: raw,
      content: messageContent(message.type, raw),
      referral: adReferralOf(raw),
      sentAt: yield* timestampOf(message.timestamp, receivedAt, `message ${message.id}`)
    })
  }
  const statuses: Array<StatusChanged> = []
  for (const raw of change.statuses ?? []) {
    const status = yield* decodeWith(StatusWire, "status")(raw)
    const known = Schema.decodeUnknownOption(DeliveryStatus)(status.status)
    if (Option.isNone(known)) {
      yield* Effect.logWarning(`Ignoring unknown message status "${status.status}"`)
      continue
    }
    statuses.push({
      _tag: "StatusChanged",
      providerMessageId: status.id,
      status: known.value,
      occurredAt: yield* timestampOf(status.timestamp, receivedAt, `status of ${status.id}`),
      payload: raw,
      error: status.errors ?? null,
      errorText: statusErrorText(status.errors)
    })
  }
  return {
    _tag: "NumberActivity",
    phoneNumberId: change.metadata.phone_number_id,
    messages,
    statuses
  } satisfies NumberActivity
})

const accountEffect = (update: typeof AccountUpdateValue.Type): AccountEffect => {
  if (RESTRICTING.has(update.event))
    return {
      _tag: "Restricted",
      restrictions: restrictionsOf(update.restriction_info ?? []),
      violation: update.event === "ACCOUNT_VIOLATION" ? { type: update.violation_info?.violation_type ?? null } : null
    }
  if (REVOKING.has(update.event)) return { _tag: "Revoked" }
  const banState = update.ban_info?.waba_ban_state
  const reinstated =
    update.event === "DISABLED_UPDATE" &&
    (Array.isArray(banState) ? banState.includes("REINSTATE") : banState === "REINSTATE")
  if (reinstated) return { _tag: "Reinstated" }
  if (TROUBLING.has(update.event)) return { _tag: "Disabled" }
  return { _tag: "Informational" }
}

const accountUpdate = Effect.fnUntraced(function* (value: unknown, entryId: string | undefined, occurredAt: Date) {
  const update = yield* decodeWith(AccountUpdateValue, "account_update change")(value)
  return {
    _tag: "AccountUpdated",
    // In PARTNER_* events entry.id is the partner's business, not the WABA: waba_info comes first.
    wabaId: update.waba_info?.waba_id ?? entryId ?? null,
    event: update.event,
    effect: accountEffect(update),
    occurredAt
  } satisfies AccountUpdated
})

const DECISIONS: Readonly<Record<string, DisplayNameDecision>> = {
  APPROVED: "approved",
  REJECTED: "rejected",
  DEFERRED: "deferred"
}

const nameUpdate = Effect.fnUntraced(function* (value: unknown, entryId: string | undefined, occurredAt: Date) {
  const update = yield* decodeWith(NameUpdateValue, "phone_number_name_update change")(value)
  const reason = update.rejection_reason?.trim() ?? ""
  return {
    _tag: "DisplayNameReviewed",
    wabaId: entryId ?? null,
    displayPhoneNumber: update.display_phone_number,
    decision: DECISIONS[update.decision.toUpperCase()] ?? "unknown",
    decisionText: update.decision,
    requestedName: update.requested_verified_name ?? null,
    // Meta sends the literal "NONE" when there is no reason.
    rejectionReason: reason === "" || reason.toUpperCase() === "NONE" ? null : reason,
    occurredAt
  } satisfies DisplayNameReviewed
})

const QUALITY_EVENTS: Readonly<Record<string, QualityEvent>> = {
  FLAGGED: "flagged",
  UNFLAGGED: "unflagged",
  UPGRADE: "limit_raised",
  THROUGHPUT_UPGRADE: "limit_raised",
  DOWNGRADE: "limit_lowered"
}

const qualityUpdate = Effect.fnUntraced(function* (value: unknown, entryId: string | undefined, occurredAt: Date) {
  const update = yield* decodeWith(QualityUpdateValue, "phone_number_quality_update change")(value)
  return {
    _tag: "NumberQualityReported",
    wabaId: entryId ?? null,
    displayPhoneNumber: update.display_phone_number,
    event: QUALITY_EVENTS[update.event.toUpperCase()] ?? "other",
    eventText: update.event,
    currentLimit: update.current_limit ?? null,
    occurredAt
  } satisfies NumberQualityReported
})

const REVIEW_DECISIONS: Readonly<Record<string, AccountReviewDecision>> = {
  APPROVED: "approved",
  REJECTED: "rejected",
  PENDING: "pending",
  DEFERRED: "deferred"
}

const accountReview = Effect.fnUntraced(function* (value: unknown, entryId: string | undefined, occurredAt: Date) {
  const review = yield* decodeWith(AccountReviewValue, "account_review_update change")(value)
  return {
    _tag: "AccountReviewed",
    wabaId: entryId ?? null,
    decision: REVIEW_DECISIONS[review.decision.toUpperCase()] ?? "unknown",
    decisionText: review.decision,
    occurredAt
  } satisfies AccountReviewed
})

const count = (value: number | string | undefined): number | null => {
  if (value === undefined) return null
  const n = typeof value === "number" ? value : Number(value)
  return Number.isFinite(n) ? n : null
}

const capabilityUpdate = Effect.fnUntraced(function* (value: unknown, entryId: string | undefined, occurredAt: Date) {
  const update = yield* decodeWith(CapabilityValue, "business_capability_update change")(value)
  return {
    _tag: "CapabilityChanged",
    wabaId: entryId ?? null,
    maxDailyConversations: count(
      update.max_daily_conversations_per_business ?? update.max_daily_conversation_per_phone
    ),
    maxPhoneNumbers: count(update.max_phone_numbers_per_business),
    occurredAt
  } satisfies CapabilityChanged
})

const templateRef = (
  value: {
    readonly message_template_id?: number | string | undefined
    readonly message_template_name: string
    readonly message_template_language: string
  },
  entryId: string | undefined,
  occurredAt: Date
) => ({
  wabaId: entryId ?? null,
  templateId: value.message_template_id === undefined ? null : String(value.message_template_id),
  name: value.message_template_name,
  language: value.message_template_language,
  occurredAt
})

const templateStatus = Effect.fnUntraced(function* (value: unknown, entryId: string | undefined, occurredAt: Date) {
  const update = yield* decodeWith(TemplateStatusValue, "message_template_status_update change")(value)
  const reason = update.reason?.trim() ?? ""
  return {
    _tag: "TemplateReviewed",
    ...templateRef(update, entryId, occurredAt),
    status: templateStatusOf(update.event),
    statusText: update.event,
    // Meta sends the literal "NONE" when there is no reason.
    reason: reason === "" || reason.toUpperCase() === "NONE" ? null : reason,
    category: update.message_template_category ?? null
  } satisfies TemplateReviewed
})

const templateQuality = Effect.fnUntraced(function* (value: unknown, entryId: string | undefined, occurredAt: Date) {
  const update = yield* decodeWith(TemplateQualityValue, "message_template_quality_update change")(value)
  return {
    _tag: "TemplateQualityChanged",
    ...templateRef(update, entryId, occurredAt),
    quality: update.new_quality_score.toUpperCase()
  } satisfies TemplateQualityChanged
})

const templateCategory = Effect.fnUntraced(function* (value: unknown, entryId: string | undefined, occurredAt: Date) {
  const update = yield* decodeWith(TemplateCategoryValue, "template_category_update change")(value)
  return {
    _tag: "TemplateCategoryChanged",
    ...templateRef(update, entryId, occurredAt),
    category: update.new_category.toUpperCase()
  } satisfies TemplateCategoryChanged
})

/** Decodes Meta's envelope: every change of every entry, in order; fields this service does not handle are skipped. */
export const decodeMetaWebhook = Effect.fnUntraced(function* (payload: unknown, receivedAt: Date) {
  const envelope = yield* decodeWith(Envelope, "envelope")(payload)
  const changes: Array<WebhookChange> = []
  for (const entry of envelope.entry) {
    // When Meta says it happened (`entry.time`, Unix seconds): a retried delivery keeps its time.
    const entryTime = (entry.time === undefined ? null : unixSecondsToDate(String(entry.time))) ?? receivedAt
    for (const change of entry.changes) {
      if (change.field === "messages") changes.push(yield* messagesChange(change.value, receivedAt))
      else if (change.field === "account_update") changes.push(yield* accountUpdate(change.value, entry.id, entryTime))
      else if (change.field === "phone_number_name_update")
        changes.push(yield* nameUpdate(change.value, entry.id, entryTime))
      else if (change.field === "phone_number_quality_update")
        changes.push(yield* qualityUpdate(change.value, entry.id, entryTime))
      else if (change.field === "account_review_update")
        changes.push(yield* accountReview(change.value, entry.id, entryTime))
      else if (change.field === "business_capability_update")
        changes.push(yield* capabilityUpdate(change.value, entry.id, entryTime))
      else if (change.field === "message_template_status_update")
        changes.push(yield* templateStatus(change.value, entry.id, entryTime))
      else if (change.field === "message_template_quality_update")
        changes.push(yield* templateQuality(change.value, entry.id, entryTime))
      else if (change.field === "template_category_update")
        changes.push(yield* templateCategory(change.value, entry.id, entryTime))
    }
  }
  return changes as ReadonlyArray<WebhookChange>
})

export const MetaWebhookDecoder = Layer.succeed(
  WebhookDecoder,
  WebhookDecoder.of({
    decode: decodeMetaWebhook,
    failureText: (error) => statusErrorText(Array.isArray(error) ? error : undefined)
  })
)

/** Both halves, as the app provides them (the verifier needs `WebhookSettings`). */
export const MetaWebhooks = Layer.mergeAll(MetaWebhookDecoder, MetaWebhookVerifier)
