import { Cause, Clock, Context, type Duration, Effect, Layer, Option, Schema } from "effect"
import {
  acceptsInbound,
  type ChannelConnection,
  nextStatus,
  type Restriction,
  restrictionBlocks
} from "../domain/ChannelConnection.ts"
import { contactKey } from "../domain/Conversation.ts"
import type { PhoneNumberId, ProviderMessageId, WabaId } from "../domain/Ids.ts"
import { DeliveryStatus } from "../domain/Message.ts"
import { MAX_WEBHOOK_ATTEMPTS, retryDelayMillis, unixSecondsToDate, type WebhookEvent } from "../domain/WebhookEvent.ts"
import { AuditLog } from "./ports/AuditLog.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"
import { ConversationRepository } from "./ports/ConversationRepository.ts"
import { MessageRepository } from "./ports/MessageRepository.ts"
import { MetaGraph } from "./ports/MetaGraph.ts"
import { TokenCipher } from "./ports/TokenCipher.ts"
import { type RoutingKeys, WebhookInbox } from "./ports/WebhookInbox.ts"

const Contact = Schema.Struct({
  wa_id: Schema.optional(Schema.String),
  user_id: Schema.optional(Schema.String),
  profile: Schema.optional(Schema.Struct({ name: Schema.optional(Schema.String) }))
})
const InboundMessage = Schema.Struct({
  id: Schema.NonEmptyString,
  from: Schema.optional(Schema.String),
  from_user_id: Schema.optional(Schema.String),
  timestamp: Schema.optional(Schema.String),
  type: Schema.String
})
const StatusUpdate = Schema.Struct({
  id: Schema.NonEmptyString,
  status: Schema.String,
  timestamp: Schema.optional(Schema.String),
  recipient_id: Schema.optional(Schema.String),
  errors: Schema.optional(Schema.Array(Schema.Unknown))
})
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

const decode = <S extends Schema.Constraint>(schema: S, what: string) => {
  const run = Schema.decodeUnknownEffect(schema as never)
  return (input: unknown) =>
    (run(input) as Effect.Effect<S["Type"], Schema.SchemaError>).pipe(
      Effect.mapError((error) => new WebhookPayloadUnreadable({ detail: `${what}: ${error.message}` }))
    )
}

/** A payload this code cannot read: retried, then parked as `failed` for an operator. */
export class WebhookPayloadUnreadable extends Schema.TaggedError<WebhookPayloadUnreadable>()(
  "WebhookPayloadUnreadable",
  { detail: Schema.String }
) {}

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

/** What an operator reads in `last_error`: the typed error's detail, or the defect's message. */
const describeFailure = (cause: Cause.Cause<WebhookPayloadUnreadable>): string => {
  const error = Cause.findErrorOption(cause)
  if (Option.isSome(error)) return error.value.detail
  const defect = Cause.squash(cause)
  return `unexpected: ${defect instanceof Error ? `${defect.name}: ${defect.message}` : String(defect)}`.slice(0, 1000)
}

export interface ProcessOutcome {
  /** Routing keys (phone number ids, WABA ids) no connection answered for. */
  readonly unrouted: ReadonlyArray<string>
  /** The same keys by kind, stored with the event so that a connect requeues only its own. */
  readonly unroutedKeys?: RoutingKeys
  readonly messagesStored: number
  readonly statusesRecorded: number
}

/**
 * `ProcessWebhookEvent`: routes every change of every entry on its own (a payload may carry several numbers of
 * several tenants), stores conversations and messages exactly once and applies statuses forward only. Running it
 * again on the same event changes nothing.
 */
export class WebhookProcessor extends Context.Service<
  WebhookProcessor,
  {
    process(event: WebhookEvent): Effect.Effect<ProcessOutcome, WebhookPayloadUnreadable>
    /** Claims due events and processes them; returns how many were claimed. */
    readonly drain: Effect.Effect<number>
  }
>()("app/application/WebhookProcessor") {
  static readonly layer = Layer.effect(
    WebhookProcessor,
    Effect.gen(function* () {
      const connections = yield* ConnectionRepository
      const conversations = yield* ConversationRepository
      const messages = yield* MessageRepository
      const inbox = yield* WebhookInbox
      const audit = yield* AuditLog
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

      /**
       * `DISABLED_UPDATE` `REINSTATE` is not trusted as such (META_SPEC §6): the WABA is read again with the
       * connection's token and must still list its number. Any failure means "not verified".
       */
      const reinstateVerified = (connection: ChannelConnection) =>
        Effect.gen(function* () {
          if (connection.accessTokenEnc === null || connection.wabaId === null) return false
          const token = yield* cipher.decrypt(connection.accessTokenEnc, {
            tenantId: connection.tenantId,
            provider: connection.provider
          })
          const numbers = yield* graph.listPhoneNumbers(token, connection.wabaId)
          return connection.phoneNumberId === null || numbers.some((n) => n.id === connection.phoneNumberId)
        }).pipe(Effect.catch(() => Effect.succeed(false)))

      const route = (phoneNumberId: string) =>
        connections
          .findByPhoneNumberId(phoneNumberId as PhoneNumberId)
          .pipe(Effect.map(Option.filter((connection) => acceptsInbound(connection.status))))

      const messagesChange = Effect.fnUntraced(function* (value: unknown, receivedAt: Date) {
        const change = yield* decode(MessagesValue, "messages change")(value)
        const phoneNumberId = change.metadata.phone_number_id
        const connection = yield* route(phoneNumberId)
        if (Option.isNone(connection))
          return {
            unrouted: [phoneNumberId],
            unroutedKeys: { phoneNumberIds: [phoneNumberId], wabaIds: [] },
            messagesStored: 0,
            statusesRecorded: 0
          }
        const { tenantId, id: connectionId } = connection.value
        const contacts = change.contacts ?? []
        let messagesStored = 0
        let statusesRecorded = 0
        for (const raw of change.messages ?? []) {
          const message = yield* decode(InboundMessage, "message")(raw)
          const contact =
            contacts.find((c) => c.wa_id !== undefined && c.wa_id !== "" && c.wa_id === message.from) ??
            (contacts.length === 1 ? contacts[0] : undefined)
          const key = contactKey(message.from ?? contact?.wa_id, contact?.user_id ?? message.from_user_id)
          if (key === null)
            return yield* new WebhookPayloadUnreadable({ detail: `message ${message.id} has no sender` })
          const sentAt = yield* timestampOf(message.timestamp, receivedAt, `message ${message.id}`)
          const conversation = yield* conversations.upsert({
            tenantId,
            connectionId,
            phoneNumberId: phoneNumberId as PhoneNumberId,
            waId: key,
            contactName: contact?.profile?.name ?? null,
            lastMessageAt: sentAt
          })
          // The whole message object is kept, whatever its type: an unknown type is stored, never dropped.
          const stored = yield* messages.insert({
            tenantId,
            conversationId: conversation.id,
            providerMessageId: message.id as ProviderMessageId,
            direction: "inbound",
            type: message.type,
            body: raw,
            status: "received",
            sentAt
          })
          if (stored.inserted) messagesStored++
        }
        for (const raw of change.statuses ?? []) {
          const status = yield* decode(StatusUpdate, "status")(raw)
          const known = Schema.decodeUnknownOption(DeliveryStatus)(status.status)
          if (Option.isNone(known)) {
            yield* Effect.logWarning(`Ignoring unknown message status "${status.status}"`)
            continue
          }
          const result = yield* messages.applyStatus({
            tenantId,
            providerMessageId: status.id as ProviderMessageId,
            status: known.value,
            occurredAt: yield* timestampOf(status.timestamp, receivedAt, `status of ${status.id}`),
            payload: raw,
            error: status.errors ?? null
          })
          if (result.recorded) statusesRecorded++
        }
        return { unrouted: [], messagesStored, statusesRecorded }
      })

      const accountUpdate = Effect.fnUntraced(function* (
        value: unknown,
        entryId: string | undefined,
        occurredAt: Date
      ) {
        const update = yield* decode(AccountUpdateValue, "account_update change")(value)
        // In PARTNER_* events entry.id is the partner's business, not the WABA: waba_info comes first.
        const wabaId = update.waba_info?.waba_id ?? entryId
        if (wabaId === undefined)
          return { unrouted: ["account_update without a WABA id"], messagesStored: 0, statusesRecorded: 0 }
        const affected = yield* connections.findByWabaId(wabaId as WabaId)
        if (affected.length === 0)
          return {
            unrouted: [wabaId],
            unroutedKeys: { phoneNumberIds: [], wabaIds: [wabaId] },
            messagesStored: 0,
            statusesRecorded: 0
          }
        const at = yield* now
        const restrictions = RESTRICTING.has(update.event) ? restrictionsOf(update.restriction_info ?? []) : null
        const banState = update.ban_info?.waba_ban_state
        const reinstated =
          update.event === "DISABLED_UPDATE" &&
          (Array.isArray(banState) ? banState.includes("REINSTATE") : banState === "REINSTATE")
        for (const connection of affected) {
          // An event from before this (re)connect speaks of an earlier holder or an earlier grant (Meta timestamps
          // in seconds: an event of the connect's own second still counts).
          if (
            connection.connectedAt !== null &&
            occurredAt.getTime() < Math.floor(connection.connectedAt.getTime() / 1000) * 1000
          ) {
            yield* Effect.logInfo(
              `account_update ${update.event} of ${occurredAt.toISOString()} predates connection ${connection.id}; ignored`
            )
            continue
          }
          if (restrictions !== null) {
            yield* connections
              .update(connection.tenantId, connection.id, {
                metadata: {
                  restrictions,
                  ...(update.event === "ACCOUNT_VIOLATION"
                    ? { violation: { type: update.violation_info?.violation_type ?? null, at: at.toISOString() } }
                    : {}),
                  account_event: { event: update.event, at: at.toISOString() }
                }
              })
              .pipe(Effect.ignore)
          }
          if (reinstated && connection.status === "error") {
            const verified = yield* reinstateVerified(connection)
            yield* connections
              .update(connection.tenantId, connection.id, {
                ...(verified ? { status: nextStatus(connection.status, { _tag: "Connected" }) } : {}),
                metadata: {
                  error: verified
                    ? null
                    : {
                        reason: "reinstate_unverified",
                        message: "Meta reinstated this WhatsApp Business Account, but it could not be read. Reconnect."
                      },
                  account_event: { event: update.event, at: at.toISOString() }
                }
              })
              .pipe(Effect.ignore)
          }
          const change = restrictions === null ? accountChange(connection, update.event, reinstated) : null
          if (change !== null) {
            yield* connections
              .update(connection.tenantId, connection.id, {
                status: change.status,
                ...(change.status === "revoked" ? { accessTokenEnc: null } : {}),
                metadata: { error: change.error, account_event: { event: update.event, at: at.toISOString() } }
              })
              .pipe(Effect.ignore)
          }
          yield* audit.record({
            tenantId: connection.tenantId,
            userId: null,
            action: `whatsapp.account_update.${update.event.toLowerCase()}`,
            resourceType: "channel_connection",
            resourceId: connection.id,
            details: { waba_id: wabaId, event: update.event, status: change?.status ?? connection.status },
            ip: null
          })
        }
        return { unrouted: [], messagesStored: 0, statusesRecorded: 0 }
      })

      const process = Effect.fn("WebhookProcessor.process")(function* (event: WebhookEvent) {
        const envelope = yield* decode(Envelope, "envelope")(event.payload)
        const outcomes: Array<ProcessOutcome> = []
        for (const entry of envelope.entry) {
          for (const change of entry.changes) {
            if (change.field === "messages") outcomes.push(yield* messagesChange(change.value, event.receivedAt))
            else if (change.field === "account_update")
              outcomes.push(
                yield* accountUpdate(
                  change.value,
                  entry.id,
                  // When Meta says it happened (`entry.time`, Unix seconds): a retried delivery keeps its time.
                  (entry.time === undefined ? null : unixSecondsToDate(String(entry.time))) ?? event.receivedAt
                )
              )
          }
        }
        return {
          unrouted: outcomes.flatMap((o) => o.unrouted),
          unroutedKeys: {
            phoneNumberIds: outcomes.flatMap((o) => o.unroutedKeys?.phoneNumberIds ?? []),
            wabaIds: outcomes.flatMap((o) => o.unroutedKeys?.wabaIds ?? [])
          },
          messagesStored: outcomes.reduce((n, o) => n + o.messagesStored, 0),
          statusesRecorded: outcomes.reduce((n, o) => n + o.statusesRecorded, 0)
        }
      })

      // Every failure counts, a typed error or a defect alike (the claim counted the attempt). A payload we cannot
      // read (a missing sender, an impossible timestamp) reads the same on every attempt: it is parked as `failed` at
      // once. Anything else is retried later, and after the last attempt parked as `failed` with the error. Either
      // way an operator sees it and can replay it (`npm run webhook:replay -- --failed`).
      const failed = (event: WebhookEvent, cause: Cause.Cause<WebhookPayloadUnreadable>) =>
        Effect.gen(function* () {
          const error = describeFailure(cause)
          const at = yield* now
          if (Option.isSome(Cause.findErrorOption(cause))) {
            yield* Effect.logError(`Webhook event ${event.id} cannot be read, parked as failed: ${error}`)
            return yield* inbox.markFailed(event.id, error, null)
          }
          if (event.attempts >= MAX_WEBHOOK_ATTEMPTS) {
            yield* Effect.logError(
              `Webhook event ${event.id} failed for good after ${event.attempts} attempts: ${error}`
            )
            return yield* inbox.markFailed(event.id, error, null)
          }
          yield* Effect.logError(`Webhook event ${event.id}: attempt ${event.attempts} failed`, cause)
          yield* inbox.markFailed(event.id, error, new Date(at.getTime() + retryDelayMillis(event.attempts)))
        })

      const handle = (event: WebhookEvent) =>
        process(event).pipe(
          Effect.matchCauseEffect({
            onSuccess: (outcome) =>
              Effect.flatMap(now, (at) =>
                outcome.unrouted.length === 0
                  ? inbox.markProcessed(event.id, at)
                  : Effect.logWarning(`Webhook event ${event.id} unrouted: ${outcome.unrouted.join(", ")}`).pipe(
                      Effect.andThen(
                        inbox.markUnrouted(
                          event.id,
                          `no connection for ${outcome.unrouted.join(", ")}`,
                          at,
                          outcome.unroutedKeys ?? { phoneNumberIds: [], wabaIds: [] }
                        )
                      )
                    )
              ),
            // Interrupted (shutting down): the lease runs out and the event is claimed again.
            onFailure: (cause) => (Cause.hasInterruptsOnly(cause) ? Effect.void : failed(event, cause))
          }),
          // Recording the outcome failed (the database went away): the lease runs out and the event is retried.
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause)
              ? Effect.failCause(cause)
              : Effect.logError(`Webhook event ${event.id}: its outcome could not be recorded`, cause)
          )
        )

      // Events of one claim are processed concurrently: every write is idempotent and guarded by a unique
      // constraint, and statuses only move forward, so their order does not matter.
      const drain = Effect.gen(function* () {
        const claimed = yield* inbox.claim(50, 60, yield* now)
        yield* Effect.forEach(claimed, handle, { concurrency: 8, discard: true })
        return claimed.length
      }).pipe(Effect.withSpan("WebhookProcessor.drain"))

      return WebhookProcessor.of({ process, drain })
    })
  )

  /**
   * The retention job: every `every`, deletes the unrouted events received more than `days` days ago (Meta retries
   * an undelivered webhook for about 7 days; past that nobody will claim them).
   */
  static readonly unroutedRetention = (days: number, every: Duration.Input = "1 hour") =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const inbox = yield* WebhookInbox
        const once = purgeUnrouted(inbox, days).pipe(
          Effect.tap((deleted) =>
            deleted > 0
              ? Effect.logInfo(`Webhook retention: ${deleted} unrouted events older than ${days} days deleted`)
              : Effect.void
          ),
          Effect.catchCause((cause) => Effect.logError("Webhook retention failed; retrying later", cause))
        )
        yield* Effect.forkScoped(Effect.forever(Effect.andThen(once, Effect.sleep(every))))
      })
    )

  /** The background worker: drains the inbox, polling every `idle` while it is empty. */
  static readonly worker = (idle: Duration.Input = "250 millis") =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const processor = yield* WebhookProcessor
        const loop = processor.drain.pipe(
          Effect.flatMap((claimed) => (claimed === 0 ? Effect.sleep(idle) : Effect.void)),
          Effect.catchCause((cause) =>
            Effect.logError("Webhook worker: draining failed; retrying", cause).pipe(
              Effect.andThen(Effect.sleep("1 second"))
            )
          ),
          Effect.forever
        )
        yield* Effect.forkScoped(loop)
      })
    )
}

const accountChange = (
  connection: ChannelConnection,
  event: string,
  reinstated: boolean
): { readonly status: ChannelConnection["status"]; readonly error: unknown } | null => {
  if (REVOKING.has(event)) {
    return {
      status: nextStatus(connection.status, { _tag: "RevokedAtMeta" }),
      error: { reason: event.toLowerCase(), message: "The business removed this app's access in Meta. Reconnect." }
    }
  }
  if (TROUBLING.has(event) && !reinstated) {
    return {
      status: nextStatus(connection.status, { _tag: "AccountProblem" }),
      error: { reason: event.toLowerCase(), message: `Meta reported ${event} for this WhatsApp Business Account.` }
    }
  }
  return null
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

/** Deletes the unrouted events received more than `days` days before now (the Clock's); returns how many. */
export const purgeUnrouted = (inbox: WebhookInbox["Service"], days: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) => inbox.purgeUnrouted(new Date(millis - days * 86_400_000)))
