import { Cause, Clock, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import {
  acceptsInbound,
  type ChannelConnection,
  type StatusChange,
  toE164,
  transition
} from "../../domain/ChannelConnection.ts"
import { type ErrorDetail, whatsAppDetails } from "../../domain/ConnectionDetails.ts"
import type { HealthCheck } from "../../domain/ConnectionHealth.ts"
import type { ConnectionId, PhoneNumberId, ProviderMessageId, TenantId, WabaId } from "../../domain/Ids.ts"
import type {
  AccountEffect,
  AccountReviewed,
  AccountUpdated,
  CapabilityChanged,
  DisplayNameReviewed,
  NumberActivity,
  NumberQualityReported,
  WebhookChange
} from "../../domain/InboundEvents.ts"
import { messageReceived, messageStatusEvents } from "../../domain/OutboundEvent.ts"
import { MAX_WEBHOOK_ATTEMPTS, retryDelayMillis, type WebhookEvent } from "../../domain/WebhookEvent.ts"
import { TEST_MESSAGE_KEY, testMessageFailed } from "../health/TestMessageCheck.ts"
import { ConversationRepository, type ConversationUpsert } from "../messaging/ports/ConversationRepository.ts"
import { MediaRepository } from "../messaging/ports/MediaRepository.ts"
import { MessageRepository, type StatusEvent } from "../messaging/ports/MessageRepository.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionHealthRepository } from "../ports/ConnectionHealthRepository.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { JobLeases } from "../ports/JobLeases.ts"
import { MetaGraph } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { bindingOf, storedToken } from "../StoredToken.ts"
import {
  conversationKey,
  InboundBatchStore,
  type InboundMessageWrite,
  type StatusWrite
} from "./ports/InboundBatchStore.ts"
import { InboxWakeups } from "./ports/InboxWakeups.ts"
import { type TemplateChange, TemplateWebhooks } from "./ports/TemplateWebhooks.ts"
import { WebhookDecoder, WebhookPayloadUnreadable } from "./ports/WebhookDecoder.ts"
import { type RoutingKeys, WebhookInbox } from "./ports/WebhookInbox.ts"

/** What an operator reads in `last_error`: the typed error's detail, or the defect's message. */
const describeFailure = (cause: Cause.Cause<WebhookPayloadUnreadable>): string => {
  const error = Cause.findErrorOption(cause)
  if (Option.isSome(error)) return error.value.detail
  const defect = Cause.squash(cause)
  return `unexpected: ${defect instanceof Error ? `${defect.name}: ${defect.message}` : String(defect)}`.slice(0, 1000)
}

export { WebhookPayloadUnreadable }

const randomPin = () => String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1_000_000).padStart(6, "0")

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
      const media = yield* MediaRepository
      const inbox = yield* WebhookInbox
      const audit = yield* AuditLog
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const decoder = yield* WebhookDecoder
      const health = yield* ConnectionHealthRepository
      // Template webhooks move the synced templates; optional, so the processor's tests can leave them out.
      const templates = yield* Effect.serviceOption(TemplateWebhooks)
      const batchStore = yield* InboundBatchStore
      const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

      /**
       * `DISABLED_UPDATE` `REINSTATE` is not trusted as such (META_SPEC §6): the WABA is read again with the
       * connection's token and must still list its number. Any failure means "not verified".
       */
      const reinstateVerified = (connection: ChannelConnection) =>
        Effect.gen(function* () {
          if (connection.accessTokenEnc === null || connection.wabaId === null) return false
          const token = yield* storedToken(cipher, connection, "Webhook (reinstatement check)")
          const numbers = yield* graph.listPhoneNumbers(token, connection.wabaId)
          return connection.phoneNumberId === null || numbers.some((n) => n.id === connection.phoneNumberId)
        }).pipe(Effect.catch(() => Effect.succeed(false)))

      const route = (phoneNumberId: string) =>
        connections
          .findByPhoneNumberId(phoneNumberId as PhoneNumberId)
          .pipe(Effect.map(Option.filter((connection) => acceptsInbound(connection.status))))

      /**
       * A health webhook (quality, account review, capability) updates the stored check of each connection it is
       * about at once; the next full check reads Meta again.
       */
      const healthReported = Effect.fnUntraced(function* (
        change: NumberQualityReported | AccountReviewed | CapabilityChanged
      ) {
        const candidates = change.wabaId === null ? [] : yield* connections.findByWabaId(change.wabaId as WabaId)
        const affected =
          change._tag === "NumberQualityReported"
            ? candidates.filter((c) => c.phoneNumberE164 === toE164(change.displayPhoneNumber))
            : candidates
        // Checked when we learnt it; an event from before the connection's latest (re)connect (Meta's time is in
        // whole seconds) speaks of the old one and is skipped.
        const check = healthCheckOf(change, yield* now)
        for (const connection of affected) {
          const since = connection.connectedAt?.getTime()
          if (since !== undefined && change.occurredAt.getTime() < Math.floor(since / 1000) * 1000) continue
          yield* health.save(connection.tenantId, connection.id, [check])
          yield* Effect.logInfo(`Connection health: ${check.name} ${check.status} (webhook)`).pipe(
            Effect.annotateLogs({ tenant_id: connection.tenantId, connection_id: connection.id })
          )
        }
        if (affected.length === 0)
          yield* Effect.logInfo(`${change._tag} for WABA ${change.wabaId}: no connection; ignored`)
        return { unrouted: [], messagesStored: 0, statusesRecorded: 0 }
      })

      /**
       * The test message ("Send a test message to my phone") failed after Meta accepted it: the send check says so.
       * Run after the status is stored, with the connection read again: `TestMessages` writes the message's key
       * after Meta answers and then reads the message's status, so whatever the order one of the two sees the other.
       */
      const testMessageFailure = (tenantId: TenantId, connectionId: ConnectionId, status: StatusChanged) =>
        status.status !== "failed"
          ? Effect.void
          : Effect.gen(function* () {
              const connection = yield* connections.findById(tenantId, connectionId)
              if (Option.isSome(connection) && isTestMessageFailure(connection.value, status))
                yield* health.save(tenantId, connectionId, [testMessageFailed(status.errorText ?? null, yield* now)])
            })

      const numberActivity = Effect.fnUntraced(function* (change: NumberActivity) {
        const phoneNumberId = change.phoneNumberId
        const connection = yield* route(phoneNumberId)
        if (Option.isNone(connection))
          return {
            unrouted: [phoneNumberId],
            unroutedKeys: { phoneNumberIds: [phoneNumberId], wabaIds: [] },
            messagesStored: 0,
            statusesRecorded: 0
          }
        const { tenantId, id: connectionId } = connection.value
        // The connection heard from Meta (its one home, `connection_health`, read by the `webhooks` health check and
        // the `whatsapp_connections_webhook_silent` gauge; the repository writes it at most once a minute). Stamped
        // when routed, before the messages: a failed store later does not lose it.
        yield* health.recordWebhook(tenantId, connectionId, yield* now)
        let messagesStored = 0
        let statusesRecorded = 0
        for (const message of change.messages) {
          const conversation = yield* conversations.upsert({
            tenantId,
            connectionId,
            phoneNumberId: phoneNumberId as PhoneNumberId,
            waId: message.contactKey,
            contactName: message.contactName,
            lastMessageAt: message.sentAt,
            lastInboundAt: message.sentAt
          })
          const stored = yield* messages.insert(
            {
              tenantId,
              conversationId: conversation.id,
              providerMessageId: message.providerMessageId as ProviderMessageId,
              direction: "inbound",
              type: message.type,
              body: message.body,
              status: "received",
              sentAt: message.sentAt
            },
            (stored) => [messageReceived(stored, connection.value)]
          )
          if (stored.inserted) messagesStored++
          // Its media is fetched later (a job per message): the message is visible at once, "not yet available".
          // Recorded on a redelivery too (once), so a crash between the two writes loses no media.
          const job = mediaJob(message, tenantId, connectionId)
          if (job !== null) yield* media.enqueue({ ...job, messageId: stored.message.id }, yield* now)
        }
        if (change.messages.length > 0)
          yield* logInbound(messagesStored, change.messages.length, tenantId, connectionId, phoneNumberId)
        for (const status of change.statuses) {
          const result = yield* messages.applyStatus(
            statusEventOf(status, tenantId),
            messageStatusEvents({ ...status, tenantId, connectionId })
          )
          if (result.recorded) statusesRecorded++
          yield* testMessageFailure(tenantId, connectionId, status)
          yield* logStatus(status, result.recorded, tenantId, connectionId)
        }
        return { unrouted: [], messagesStored, statusesRecorded }
      })

      const accountUpdate = Effect.fnUntraced(function* (update: AccountUpdated) {
        const { wabaId, event, effect, occurredAt } = update
        if (wabaId === null)
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
        for (const connection of affected) {
          // An event from before this (re)connect speaks of an earlier holder or an earlier grant (Meta timestamps
          // in seconds: an event of the connect's own second still counts).
          if (
            connection.connectedAt !== null &&
            occurredAt.getTime() < Math.floor(connection.connectedAt.getTime() / 1000) * 1000
          ) {
            yield* Effect.logInfo(
              `account_update ${event} of ${occurredAt.toISOString()} predates connection ${connection.id}; ignored`
            )
            continue
          }
          if (effect._tag === "Restricted") {
            yield* connections
              .update(connection.tenantId, connection.id, {
                metadata: {
                  restrictions: effect.restrictions,
                  ...(effect.violation === null
                    ? {}
                    : { violation: { type: effect.violation.type, at: at.toISOString() } }),
                  account_event: { event, at: at.toISOString() }
                }
              })
              .pipe(Effect.ignore)
          }
          if (effect._tag === "Reinstated" && connection.status === "error") {
            const verified = yield* reinstateVerified(connection)
            yield* connections
              .update(connection.tenantId, connection.id, {
                ...(verified ? transition(connection.status, { _tag: "Connected" }) : {}),
                metadata: {
                  error: verified
                    ? null
                    : {
                        reason: "reinstate_unverified",
                        message: "Meta reinstated this WhatsApp Business Account, but it could not be read. Reconnect."
                      },
                  account_event: { event, at: at.toISOString() }
                }
              })
              .pipe(Effect.ignore)
          }
          const change = accountChange(connection, event, effect)
          if (change !== null) {
            yield* connections
              .update(connection.tenantId, connection.id, {
                ...change.to,
                metadata: { error: change.error, account_event: { event, at: at.toISOString() } }
              })
              .pipe(Effect.ignore)
          }
          yield* audit.record({
            tenantId: connection.tenantId,
            userId: null,
            action: `whatsapp.account_update.${event.toLowerCase()}`,
            resourceType: "channel_connection",
            resourceId: connection.id,
            details: { waba_id: wabaId, event, status: change?.to.status ?? connection.status },
            ip: null
          })
        }
        return { unrouted: [], messagesStored: 0, statusesRecorded: 0 }
      })

      /**
       * The number registers once its name is approved (it could not before: see `WhatsAppConnections`), with the
       * tenant's PIN for it or a new one. A failure at Meta is retried as any other (a defect of this attempt).
       */
      const registerApproved = (connection: ChannelConnection) =>
        Effect.gen(function* () {
          const binding = bindingOf(connection)
          if (connection.accessTokenEnc === null || connection.phoneNumberId === null)
            return yield* Effect.die(new Error(`connection ${connection.id} has no token or number to register`))
          const token = yield* storedToken(cipher, connection, "Webhook (registration)")
          const storedPin = whatsAppDetails(connection).registration_pin_enc ?? null
          const stored =
            storedPin === null
              ? null
              : yield* cipher.decrypt(storedPin, binding).pipe(Effect.option, Effect.map(Option.getOrNull))
          const pin = stored ?? Redacted.make(randomPin())
          yield* graph.registerNumber(token, connection.phoneNumberId, pin)
          return yield* cipher.encrypt(pin, binding)
        }).pipe(Effect.orDie)

      const displayNameReviewed = Effect.fnUntraced(function* (review: DisplayNameReviewed) {
        const candidates = review.wabaId === null ? [] : yield* connections.findByWabaId(review.wabaId as WabaId)
        const e164 = toE164(review.displayPhoneNumber)
        const affected = candidates.filter((connection) => connection.phoneNumberE164 === e164)
        if (affected.length === 0)
          yield* Effect.logInfo(`Display-name review for ${e164} of WABA ${review.wabaId}: no connection; ignored`)
        const at = yield* now
        for (const connection of affected) {
          const record = {
            decision: review.decisionText,
            requested_name: review.requestedName,
            rejection_reason: review.rejectionReason,
            at: at.toISOString()
          }
          const inReview =
            connection.status === "pending" && whatsAppDetails(connection).pending_reason === "display_name_review"
          let status = connection.status
          if (review.decision === "approved") {
            if (inReview) {
              const pinEnc = yield* registerApproved(connection)
              const to = transition(connection.status, { _tag: "Connected" })
              status = to.status
              yield* connections
                .update(connection.tenantId, connection.id, {
                  ...to,
                  metadata: {
                    pending_reason: null,
                    error: null,
                    name_status: "APPROVED",
                    name_review: record,
                    registration_pin_enc: pinEnc
                  }
                })
                .pipe(Effect.ignore)
            } else
              yield* connections
                .update(connection.tenantId, connection.id, {
                  metadata: { name_status: "APPROVED", name_review: record }
                })
                .pipe(Effect.ignore)
          } else if (review.decision === "rejected") {
            // Still pending: the name must change (or the decision be appealed) before the number can register.
            yield* connections
              .update(connection.tenantId, connection.id, {
                metadata: {
                  name_status: "DECLINED",
                  name_review: {
                    ...record,
                    message: `Meta rejected the display name${review.requestedName === null ? "" : ` "${review.requestedName}"`}${review.rejectionReason === null ? "" : ` (${review.rejectionReason})`}. Edit the display name in WhatsApp Manager, or appeal the decision; the number connects once a name is approved.`
                  }
                }
              })
              .pipe(Effect.ignore)
          } else {
            yield* connections
              .update(connection.tenantId, connection.id, { metadata: { name_review: record } })
              .pipe(Effect.ignore)
          }
          // The display_name health check says the decision at once (as the quality and review webhooks do).
          const since = connection.connectedAt?.getTime()
          if (since === undefined || review.occurredAt.getTime() >= Math.floor(since / 1000) * 1000) {
            const check = displayNameCheckOf(review, at)
            yield* health.save(connection.tenantId, connection.id, [check])
            yield* Effect.logInfo(`Connection health: ${check.name} ${check.status} (webhook)`).pipe(
              Effect.annotateLogs({ tenant_id: connection.tenantId, connection_id: connection.id })
            )
          }
          yield* audit.record({
            tenantId: connection.tenantId,
            userId: null,
            action: `whatsapp.display_name.${review.decision}`,
            resourceType: "channel_connection",
            resourceId: connection.id,
            details: { waba_id: review.wabaId, decision: review.decisionText, status },
            ip: null
          })
        }
        return { unrouted: [], messagesStored: 0, statusesRecorded: 0 }
      })

      const templateChanged = Effect.fnUntraced(function* (change: TemplateChange) {
        const changed = Option.isNone(templates) ? 0 : yield* templates.value.applyWebhook(change)
        yield* Effect.logInfo(`${change._tag} ${change.name} (${change.language}): ${changed} stored`).pipe(
          Effect.annotateLogs({ waba_id: change.wabaId })
        )
        return { unrouted: [], messagesStored: 0, statusesRecorded: 0 }
      })

      const handleChange = (change: WebhookChange) => {
        switch (change._tag) {
          case "NumberActivity":
            return numberActivity(change)
          case "NumberQualityReported":
          case "AccountReviewed":
          case "CapabilityChanged":
            return healthReported(change)
          case "AccountUpdated":
            return accountUpdate(change)
          case "DisplayNameReviewed":
            return displayNameReviewed(change)
          case "TemplateReviewed":
          case "TemplateQualityChanged":
          case "TemplateCategoryChanged":
            return templateChanged(change)
        }
      }

      const process = Effect.fn("WebhookProcessor.process")(function* (event: WebhookEvent) {
        const changes = yield* decoder.decode(event.payload, event.receivedAt)
        const outcomes: Array<ProcessOutcome> = []
        for (const change of changes) outcomes.push(yield* handleChange(change))
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
                logProcessed(event, outcome).pipe(
                  Effect.andThen(
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

      /**
       * The batch path: an event whose every change is inbound activity (messages, statuses) of a routed number
       * joins the claim's batch; anything else (another kind of change, an unrouted number, a payload that cannot
       * be read) takes the one-by-one path. None when it takes that path.
       */
      const plan = (event: WebhookEvent, routes: Map<string, Option.Option<ChannelConnection>>) =>
        Effect.gen(function* () {
          const changes = yield* decoder.decode(event.payload, event.receivedAt)
          const planned: Array<PlannedChange> = []
          for (const change of changes) {
            if (change._tag !== "NumberActivity") return Option.none<PlannedEvent>()
            let connection = routes.get(change.phoneNumberId)
            if (connection === undefined) {
              connection = yield* route(change.phoneNumberId)
              routes.set(change.phoneNumberId, connection)
            }
            if (Option.isNone(connection)) return Option.none<PlannedEvent>()
            planned.push({ change, connection: connection.value })
          }
          return Option.some<PlannedEvent>({ event, changes: planned })
        }).pipe(Effect.catchCause(() => Effect.succeed(Option.none<PlannedEvent>())))

      /** Writes the batch (one transaction), then logs each event as the one-by-one path does. */
      const writeBatch = (planned: ReadonlyArray<PlannedEvent>) =>
        Effect.gen(function* () {
          const at = yield* now
          const conversationsByKey = new Map<string, ConversationUpsert>()
          const heard = new Map<string, { tenantId: TenantId; connectionId: ConnectionId }>()
          const messageWrites: Array<InboundMessageWrite> = []
          const statusWrites: Array<StatusWrite> = []
          for (const { changes } of planned)
            for (const { change, connection } of changes) {
              const { tenantId, id: connectionId } = connection
              heard.set(connectionId, { tenantId, connectionId })
              for (const message of change.messages) {
                const upsert: ConversationUpsert = {
                  tenantId,
                  connectionId,
                  phoneNumberId: change.phoneNumberId as PhoneNumberId,
                  waId: message.contactKey,
                  contactName: message.contactName,
                  lastMessageAt: message.sentAt,
                  lastInboundAt: message.sentAt
                }
                const key = conversationKey(upsert)
                conversationsByKey.set(key, mergeUpsert(conversationsByKey.get(key), upsert))
                messageWrites.push({
                  conversation: key,
                  tenantId,
                  providerMessageId: message.providerMessageId,
                  type: message.type,
                  body: message.body,
                  sentAt: message.sentAt,
                  media: mediaJob(message, tenantId, connectionId),
                  announce: (stored) => [messageReceived(stored, connection)]
                })
              }
              for (const status of change.statuses)
                statusWrites.push({
                  event: statusEventOf(status, tenantId),
                  announce: messageStatusEvents({ ...status, tenantId, connectionId })
                })
            }
          const result = yield* batchStore.write({
            conversations: [...conversationsByKey.values()],
            messages: messageWrites,
            statuses: statusWrites,
            webhooksHeard: [...heard.values()],
            processed: planned.map((p) => p.event.id),
            at
          })
          // Committed: a line per event and per status, as the one-by-one path writes, and the inbound messages
          // as one line per number for the batch (`Inbound messages: N stored of M`), not one per change: the log
          // line is most of a stored message's CPU (issue 18.2, w6C); each event's line has its counts.
          let m = 0
          let s = 0
          const inbound = new Map<
            string,
            { stored: number; total: number; connection: ChannelConnection; phone: string }
          >()
          for (const { changes } of planned)
            for (const { change, connection } of changes) {
              if (change.messages.length === 0) continue
              const key = `${connection.id}\u0000${change.phoneNumberId}`
              const group = inbound.get(key) ?? { stored: 0, total: 0, connection, phone: change.phoneNumberId }
              for (let i = 0; i < change.messages.length; i++) if (result.messages[m++]!.inserted) group.stored++
              group.total += change.messages.length
              inbound.set(key, group)
            }
          for (const { stored, total, connection, phone } of inbound.values())
            yield* logInbound(stored, total, connection.tenantId, connection.id, phone)
          m = 0
          for (const { event, changes } of planned) {
            let messagesStored = 0
            let statusesRecorded = 0
            for (const { change, connection } of changes) {
              const { tenantId, id: connectionId } = connection
              for (let i = 0; i < change.messages.length; i++) if (result.messages[m++]!.inserted) messagesStored++
              for (const status of change.statuses) {
                const recorded = result.statuses[s++]!.recorded
                if (recorded) statusesRecorded++
                yield* testMessageFailure(tenantId, connectionId, status)
                yield* logStatus(status, recorded, tenantId, connectionId)
              }
            }
            yield* logProcessed(event, { unrouted: [], messagesStored, statusesRecorded })
          }
        }).pipe(Effect.withSpan("WebhookProcessor.writeBatch", { attributes: { events: planned.length } }))

      // A claim's inbound activity is written as one batch (one transaction); if that fails, its events are
      // processed one by one, so that only a bad one is retried or parked. The other events are processed one by
      // one, concurrently: every write is idempotent and guarded by a unique constraint, and statuses only move
      // forward, so their order does not matter.
      let claimLimit = CLAIM_LIMIT
      const drain = Effect.gen(function* () {
        const limit = claimLimit
        const claimed = yield* inbox.claim(limit, 60, yield* now)
        claimLimit = nextClaimLimit(claimed.length)
        const routes = new Map<string, Option.Option<ChannelConnection>>()
        const planned: Array<PlannedEvent> = []
        const single: Array<WebhookEvent> = []
        for (const event of claimed) {
          const p = yield* plan(event, routes)
          if (Option.isSome(p)) planned.push(p.value)
          else single.push(event)
        }
        if (planned.length > 0)
          yield* writeBatch(planned).pipe(
            Effect.catchCause((cause) =>
              Cause.hasInterruptsOnly(cause)
                ? Effect.failCause(cause)
                : Effect.logWarning(
                    `Webhook batch of ${planned.length} events could not be written; processing them one by one`,
                    cause
                  ).pipe(
                    Effect.andThen(
                      Effect.forEach(
                        planned.map((p) => p.event),
                        handle,
                        { concurrency: 8, discard: true }
                      )
                    )
                  )
            )
          )
        yield* Effect.forEach(single, handle, { concurrency: 8, discard: true })
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
        const leases = yield* JobLeases
        // Several instances run this job: one of them deletes per round.
        const rest = Math.floor(Duration.toMillis(Duration.fromInputUnsafe(every)) * 0.9)
        const once = leases
          .run({ job: "unrouted_retention", key: "all", hold: "10 minutes", rest }, purgeUnrouted(inbox, days))
          .pipe(
            Effect.map(Option.getOrElse(() => 0)),
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

  /**
   * The processed events' retention job: every `every`, deletes the events processed more than `days` days ago,
   * `batch` rows per statement until a batch comes back short, pausing `pause` between batches so intake and the
   * worker keep the database.
   */
  static readonly processedRetention = (
    days: number,
    options: { readonly every?: Duration.Input; readonly batch?: number; readonly pause?: Duration.Input } = {}
  ) =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const inbox = yield* WebhookInbox
        const once = purgeProcessed(inbox, days, options.batch ?? 1000, options.pause ?? "50 millis").pipe(
          Effect.tap((deleted) =>
            deleted > 0
              ? Effect.logInfo(`Webhook retention: ${deleted} processed events older than ${days} days deleted`)
              : Effect.void
          ),
          Effect.catchCause((cause) => Effect.logError("Webhook retention (processed) failed; retrying later", cause))
        )
        yield* Effect.forkScoped(Effect.forever(Effect.andThen(once, Effect.sleep(options.every ?? "1 hour"))))
      })
    )

  /**
   * The background worker: drains the inbox; while it is empty, waits to be woken by the intake's group commit
   * (`InboxWakeups`), polling every `idle` as a safety net (a lost notification, a retry falling due).
   */
  static readonly worker = (idle: Duration.Input = "1 second") =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const processor = yield* WebhookProcessor
        const wakeups = yield* InboxWakeups
        const loop = processor.drain.pipe(
          // Woken, it claims at once: whatever arrived meanwhile joins the claim (wakes collapse into one). The
          // test message's status may so be processed before its key is written; both sides allow for it.
          Effect.flatMap((claimed) => (claimed === 0 ? wakeups.await(idle) : Effect.void)),
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
  effect: AccountEffect
): { readonly to: StatusChange; readonly error: ErrorDetail } | null => {
  if (effect._tag === "Revoked") {
    return {
      to: transition(connection.status, { _tag: "Revoke", reason: "revoked_at_meta" }),
      error: { reason: event.toLowerCase(), message: "The business removed this app's access in Meta. Reconnect." }
    }
  }
  if (effect._tag === "Disabled") {
    return {
      to: transition(connection.status, { _tag: "Fail", reason: "account_event" }),
      error: { reason: event.toLowerCase(), message: `Meta reported ${event} for this WhatsApp Business Account.` }
    }
  }
  return null
}

/** Deletes the unrouted events received more than `days` days before now (the Clock's); returns how many. */
export const purgeUnrouted = (inbox: WebhookInbox["Service"], days: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) => inbox.purgeUnrouted(new Date(millis - days * 86_400_000)))

/**
 * Deletes the events processed more than `days` days before now (the Clock's), `batch` at a time with `pause` between
 * batches, until a batch is short; returns how many in all.
 */
export const purgeProcessed = (inbox: WebhookInbox["Service"], days: number, batch: number, pause: Duration.Input) =>
  Effect.gen(function* () {
    const before = new Date((yield* Clock.currentTimeMillis) - days * 86_400_000)
    let total = 0
    while (true) {
      const deleted = yield* inbox.purgeProcessed(before, batch)
      total += deleted
      if (deleted < batch) return total
      yield* Effect.sleep(pause)
    }
  })
/** The display_name health check a `phone_number_name_update` sets, in words with what to do. */
export const displayNameCheckOf = (review: DisplayNameReviewed, checkedAt: Date): HealthCheck => {
  const name = review.requestedName === null ? "" : ` "${review.requestedName}"`
  switch (review.decision) {
    case "approved":
      return { name: "display_name", status: "ok", message: `Meta approved the display name${name}.`, checkedAt }
    case "rejected":
      return {
        name: "display_name",
        status: "warning",
        message: `Meta rejected the display name${name}${review.rejectionReason === null ? "" : ` (${review.rejectionReason})`}: edit it in WhatsApp Manager or appeal the decision.`,
        checkedAt
      }
    default:
      return {
        name: "display_name",
        status: "warning",
        message: `Meta has not decided on the display name${name} yet (${review.decisionText}). Nothing to do meanwhile.`,
        checkedAt
      }
  }
}

/** The health check a health webhook sets, in words with what to do. */
export const healthCheckOf = (
  change: NumberQualityReported | AccountReviewed | CapabilityChanged,
  checkedAt: Date
): HealthCheck => {
  if (change._tag === "AccountReviewed") {
    switch (change.decision) {
      case "approved":
        return {
          name: "account_review",
          status: "ok",
          message: "Meta approved the WhatsApp Business Account.",
          checkedAt
        }
      case "rejected":
        return {
          name: "account_review",
          status: "failing",
          message:
            "Meta rejected the WhatsApp Business Account's review: it cannot send messages. Request another review in WhatsApp Manager (Account quality).",
          checkedAt
        }
      default:
        return {
          name: "account_review",
          status: "warning",
          message: `Meta's review of the WhatsApp Business Account is not decided (${change.decisionText}). Nothing to do meanwhile.`,
          checkedAt
        }
    }
  }
  if (change._tag === "CapabilityChanged")
    return {
      name: "messaging_limit",
      status: "ok",
      message:
        change.maxDailyConversations === null
          ? "Meta changed the business portfolio's capabilities."
          : `The business portfolio may now start conversations with ${change.maxDailyConversations.toLocaleString("en-US")} customers a day.`,
      checkedAt
    }
  const limit = change.currentLimit === null ? "" : ` (limit now ${change.currentLimit})`
  switch (change.event) {
    case "flagged":
      return {
        name: "quality",
        status: "warning",
        message: `Meta flagged the number's quality as low${limit}: the messaging limit may be lowered. Stop campaigns and send only messages customers expect.`,
        checkedAt
      }
    case "unflagged":
      return {
        name: "quality",
        status: "ok",
        message: `Meta lifted the flag on the number's quality${limit}.`,
        checkedAt
      }
    case "limit_lowered":
      return {
        name: "messaging_limit",
        status: "warning",
        message: `Meta lowered the messaging limit${limit} after low quality. Send only messages customers expect; it rises again with quality.`,
        checkedAt
      }
    default:
      return {
        name: "messaging_limit",
        status: "ok",
        message: `Meta changed the number's messaging limit or throughput (${change.eventText})${limit}.`,
        checkedAt
      }
  }
}

/** How many events one claim takes: one batch, one transaction; doubled after each full claim up to the max. */
const CLAIM_LIMIT = 100
const MAX_CLAIM_LIMIT = 800

/**
 * The next claim's size: twice what this one took, from CLAIM_LIMIT up to MAX_CLAIM_LIMIT. A full claim means a
 * backlog, so the next one takes twice as many and a batch's fixed cost (its round trips, its commit) is shared by
 * more events. A short one emptied the inbox: the next finds what arrived while this one was processed, about as
 * many under steady intake, so it keeps room for twice that. (It used to go back to CLAIM_LIMIT: under intake that
 * claimed 100 of the ~250 waiting, then 200, then 400, and the lag grew with each small batch; issue 18.2, w10A.)
 */
const nextClaimLimit = (claimed: number): number => Math.min(MAX_CLAIM_LIMIT, Math.max(CLAIM_LIMIT, claimed * 2))

interface PlannedChange {
  readonly change: NumberActivity
  readonly connection: ChannelConnection
}
interface PlannedEvent {
  readonly event: WebhookEvent
  readonly changes: ReadonlyArray<PlannedChange>
}

/** Two upserts of one conversation as one: the later contact name when given, the latest times. */
const mergeUpsert = (before: ConversationUpsert | undefined, next: ConversationUpsert): ConversationUpsert => {
  if (before === undefined) return next
  const latest = (a: Date | null | undefined, b: Date | null | undefined) =>
    a == null ? (b ?? null) : b == null ? a : a.getTime() >= b.getTime() ? a : b
  return {
    ...next,
    contactName: next.contactName ?? before.contactName,
    lastMessageAt: latest(before.lastMessageAt, next.lastMessageAt),
    lastInboundAt: latest(before.lastInboundAt, next.lastInboundAt)
  }
}

type InboundMessage = NumberActivity["messages"][number]
type StatusChanged = NumberActivity["statuses"][number]

/** The media job of an inbound message (fetched later: the message is visible at once), or null. */
const mediaJob = (message: InboundMessage, tenantId: TenantId, connectionId: ConnectionId) => {
  const content = message.content
  if (content._tag !== "Media" || content.providerMediaId === "") return null
  return {
    tenantId,
    connectionId,
    kind: content.kind,
    providerMediaId: content.providerMediaId,
    declaredMimeType: content.declaredMimeType,
    animated: content.animated,
    caption: content.caption,
    filename: content.filename
  }
}

const statusEventOf = (status: StatusChanged, tenantId: TenantId): StatusEvent => ({
  tenantId,
  providerMessageId: status.providerMessageId as ProviderMessageId,
  status: status.status,
  occurredAt: status.occurredAt,
  payload: status.payload,
  error: status.error
})

/** The test message ("Send a test message to my phone") failed after Meta accepted it. */
const isTestMessageFailure = (connection: ChannelConnection, status: StatusChanged) =>
  status.status === "failed" && connection.metadata[TEST_MESSAGE_KEY] === status.providerMessageId

const logInbound = (stored: number, total: number, tenantId: string, connectionId: string, phoneNumberId: string) =>
  Effect.logInfo(`Inbound messages: ${stored} stored of ${total}`).pipe(
    Effect.annotateLogs({ tenant_id: tenantId, connection_id: connectionId, phone_number_id: phoneNumberId })
  )

const logStatus = (status: StatusChanged, recorded: boolean, tenantId: string, connectionId: string) =>
  Effect.logInfo(`Message status ${status.status}${recorded ? "" : " (not applied)"}`).pipe(
    Effect.annotateLogs({
      tenant_id: tenantId,
      connection_id: connectionId,
      provider_message_id: status.providerMessageId,
      status: status.status,
      recorded
    })
  )

const logProcessed = (event: WebhookEvent, outcome: ProcessOutcome) =>
  Effect.logInfo(`Webhook batch processed: event ${event.id}`).pipe(
    Effect.annotateLogs({
      event_id: event.id,
      attempt: event.attempts,
      messages_stored: outcome.messagesStored,
      statuses_recorded: outcome.statusesRecorded,
      unrouted: outcome.unrouted.length
    })
  )
