import { Clock, Context, Effect, Layer, Option } from "effect"
import { activeRestrictions, type ChannelConnection, canSend } from "../../domain/ChannelConnection.ts"
import { contactKeysOf } from "../../domain/Conversation.ts"
import { customerServiceWindow } from "../../domain/CustomerServiceWindow.ts"
import {
  ConversationNotFound,
  ConversationOnOtherNumber,
  InvalidMessage,
  type MessageRejected,
  type MetaPermissionMissing,
  type MetaRateLimited,
  type MetaTokenInvalid,
  type MetaUnavailable,
  NotConnected,
  OutsideCustomerServiceWindow,
  SendingRestricted,
  TemplateNotApproved,
  TemplateParametersInvalid,
  type TokenUnreadable
} from "../../domain/Errors.ts"
import type { ConversationId, MessageId, PhoneNumberId, ProviderMessageId, TenantId } from "../../domain/Ids.ts"
import { type Message, OUTBOUND_STATUS } from "../../domain/Message.ts"
import { parameterProblem, renderBody, type TemplateParameters } from "../../domain/MessageTemplate.ts"
import type { Actor } from "../Actor.ts"
import { recordTokenFailure } from "../health/TokenFailures.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { type AccessToken, MetaGraph, type MetaGraphError, type SentMessage } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { storedToken } from "../StoredToken.ts"
import { ConversationRepository } from "./ports/ConversationRepository.ts"
import { MessageRepository } from "./ports/MessageRepository.ts"
import { MessageTemplates } from "./ports/MessageTemplates.ts"

export interface SendTextInput {
  readonly to: string
  readonly text: string
  /** A retried request with the same key never sends twice. */
  readonly idempotencyKey?: string | null | undefined
  /**
   * A reply in this conversation: refused (`ConversationOnOtherNumber`) when it belongs to a number that is not the
   * connected one, so it is never sent from another number than the thread's.
   */
  readonly conversationId?: ConversationId | null | undefined
}

/** What a text can fail with: a send's errors, or a reply in a conversation of a number no longer connected. */
export type SendTextError = SendError | ConversationOnOtherNumber | ConversationNotFound

export interface SendTemplateInput {
  readonly to: string
  readonly name: string
  readonly language: string
  readonly parameters: TemplateParameters
  /** A retried request with the same key never sends twice. */
  readonly idempotencyKey?: string | null | undefined
}

export type SendError =
  | NotConnected
  | SendingRestricted
  | OutsideCustomerServiceWindow
  | InvalidMessage
  | MessageRejected
  | MetaTokenInvalid
  | MetaPermissionMissing
  | MetaRateLimited
  | MetaUnavailable
  | TokenUnreadable

export type SendTemplateError = SendError | TemplateNotApproved | TemplateParametersInvalid

/**
 * The customer service window of `to` on a number: open, or `OutsideCustomerServiceWindow` with when it closed.
 * Every free-form send (text, media) asks it; a template does not need it. The contact's replies may sit under the
 * wa_id WhatsApp gives the typed number (Brazil, Mexico).
 */
export const requireOpenWindow = (
  conversations: ConversationRepository["Service"],
  tenantId: TenantId,
  phoneNumberId: PhoneNumberId,
  to: string,
  now: Date
): Effect.Effect<void, OutsideCustomerServiceWindow> =>
  Effect.gen(function* () {
    const known = yield* conversations.findByContacts(tenantId, phoneNumberId, contactKeysOf(to))
    const lastInbound = known.reduce<Date | null>(
      (latest, c) =>
        c.lastInboundAt !== null && (latest === null || c.lastInboundAt > latest) ? c.lastInboundAt : latest,
      null
    )
    const window = customerServiceWindow(lastInbound, now)
    if (window._tag === "Closed") {
      return yield* new OutsideCustomerServiceWindow({ closedAt: window.closedAt?.toISOString() ?? null })
    }
  })

/** The typed recipient as digits (spaces, brackets, `+` and dashes dropped), refused unless 7 to 15 of them. */
export const recipientOf = (raw: string): Effect.Effect<string, InvalidMessage> => {
  const to = raw.replace(/[\s()+-]/g, "")
  return /^\d{7,15}$/.test(to)
    ? Effect.succeed(to)
    : Effect.fail(new InvalidMessage({ detail: "The recipient must be a phone number with country code." }))
}

/** A send's idempotency key, trimmed (none when blank), refused unless 1 to 128 of `A-Za-z0-9._:-`. */
export const idempotencyKeyOf = (raw: string | null | undefined): Effect.Effect<string | null, InvalidMessage> => {
  const key = raw?.trim() || null
  return key !== null && !/^[A-Za-z0-9._:-]{1,128}$/.test(key)
    ? Effect.fail(new InvalidMessage({ detail: "The idempotency key must be 1 to 128 letters, digits or ._:-" }))
    : Effect.succeed(key)
}

/** The tenant's WhatsApp connection a send goes through: one that can send and has a number, else `NotConnected`. */
export const sendingConnection = (
  connections: ConnectionRepository["Service"],
  tenantId: TenantId
): Effect.Effect<ChannelConnection, NotConnected> =>
  Effect.gen(function* () {
    const found = yield* connections.findCurrent(tenantId, "meta_whatsapp")
    if (Option.isNone(found) || !canSend(found.value.status) || found.value.phoneNumberId === null) {
      return yield* new NotConnected({
        status: Option.match(found, { onNone: () => "not_connected", onSome: (c) => c.status })
      })
    }
    return found.value
  })

/** Refuses a send that an active restriction of the connection blocks now (`replies`: a free-form one). */
export const requireUnrestricted = (
  connection: ChannelConnection,
  blocked: "replies" | "business_initiated",
  now: Date
): Effect.Effect<void, SendingRestricted> => {
  const blocking = activeRestrictions(connection, now).find((r) => r.blocks === blocked || r.blocks === "all")
  return blocking === undefined
    ? Effect.void
    : Effect.fail(new SendingRestricted({ restrictionType: blocking.type, until: blocking.expires_at }))
}

/**
 * The outbound message row, written before Meta is called, in the contact's conversation (created or touched).
 * `stored.inserted` is false for a retried request (same idempotency key): that one's message.
 */
export const storeOutbound = (
  conversations: ConversationRepository["Service"],
  messages: MessageRepository["Service"],
  connection: ChannelConnection,
  row: {
    readonly to: string
    readonly type: Message["type"]
    readonly body: Record<string, unknown>
    readonly idempotencyKey: string | null
    readonly now: Date
  }
) =>
  Effect.gen(function* () {
    const conversation = yield* conversations.upsert({
      tenantId: connection.tenantId,
      connectionId: connection.id,
      phoneNumberId: connection.phoneNumberId!,
      waId: row.to,
      contactName: null,
      lastMessageAt: row.now
    })
    const stored = yield* messages.insert({
      tenantId: connection.tenantId,
      conversationId: conversation.id,
      providerMessageId: null,
      direction: "outbound",
      type: row.type,
      body: row.body,
      status: OUTBOUND_STATUS,
      sentAt: row.now,
      idempotencyKey: row.idempotencyKey
    })
    return { conversation, stored }
  })

/** Meta's limit on a text message body. */
const MAX_TEXT = 4096

/** `SendTextMessage`: a text to a contact, only through an active connection, stored before and after Meta. */
export class Messaging extends Context.Service<
  Messaging,
  {
    sendText(actor: Actor, input: SendTextInput): Effect.Effect<Message, SendTextError>
    /**
     * `SendTemplateMessage`: an approved template (in that language, as last synced) with its values checked against
     * its placeholders here, then sent as a text is (stored before and after Meta, idempotent). Allowed outside the
     * customer service window: that is what templates are for.
     */
    sendTemplate(actor: Actor, input: SendTemplateInput): Effect.Effect<Message, SendTemplateError>
  }
>()("app/application/Messaging") {
  static readonly layer = Layer.effect(
    Messaging,
    Effect.gen(function* () {
      const connections = yield* ConnectionRepository
      const conversations = yield* ConversationRepository
      const messages = yield* MessageRepository
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const audit = yield* AuditLog
      const templates = yield* MessageTemplates
      const context = yield* Effect.context<ConnectionRepository | AuditLog>()

      const _current = (actor: Actor) => connections.findCurrent(actor.tenantId, "meta_whatsapp")

      const keyOf = idempotencyKeyOf

      /**
       * One send, text or template: the connection, its restrictions, the window (free-form only), the message row
       * before Meta, the call, and its result on the row. `prepare` checks what depends on the connection (a
       * template's approval) and answers the stored body and the Graph call.
       */
      const deliver = Effect.fnUntraced(function* <E>(
        actor: Actor,
        to: string,
        key: string | null,
        kind: "text" | "template",
        conversationId: ConversationId | null | undefined,
        prepare: (connection: ChannelConnection) => Effect.Effect<
          {
            readonly body: Record<string, unknown>
            readonly send: (token: AccessToken) => Effect.Effect<SentMessage, MetaGraphError | MessageRejected>
          },
          E
        >
      ) {
        const connection = yield* sendingConnection(connections, actor.tenantId)
        if (conversationId !== undefined && conversationId !== null) {
          const thread = yield* conversations.summary(actor.tenantId, conversationId)
          if (Option.isNone(thread)) return yield* new ConversationNotFound({})
          if (thread.value.phoneNumberId !== connection.phoneNumberId) {
            return yield* new ConversationOnOtherNumber({
              phoneNumberId: thread.value.phoneNumberId,
              displayPhoneNumber: thread.value.displayPhoneNumber,
              connectedPhoneNumberId: connection.phoneNumberId
            })
          }
          if (!contactKeysOf(to).includes(thread.value.waId) && thread.value.waId !== to) {
            return yield* new InvalidMessage({ detail: "The recipient is not this conversation's contact." })
          }
        }
        const now = new Date(yield* Clock.currentTimeMillis)
        // A free-form text is a reply in the customer service window: what blocks replies (or every send) blocks it,
        // until the restriction expires.
        // A template starts (or re-opens) a conversation: what blocks business-initiated sends blocks it.
        yield* requireUnrestricted(connection, kind === "text" ? "replies" : "business_initiated", now)
        // Free-form text only inside the customer service window: refused here, not sent for Meta to fail later.
        if (kind === "text") yield* requireOpenWindow(conversations, actor.tenantId, connection.phoneNumberId!, to, now)
        const prepared = yield* prepare(connection)
        const { conversation, stored } = yield* storeOutbound(conversations, messages, connection, {
          to,
          type: kind,
          body: prepared.body,
          idempotencyKey: key,
          now
        })
        // A retried request: the first one's message, sent or not, and nothing goes to Meta again.
        if (!stored.inserted) {
          if (stored.message.conversationId !== conversation.id)
            yield* conversations.removeIfEmpty(actor.tenantId, conversation.id)
          return stored.message
        }
        const messageId = stored.message.id as MessageId

        const fail = (error: SendError, detail: Record<string, unknown>) =>
          Effect.gen(function* () {
            yield* messages.recordSendResult(actor.tenantId, messageId, { _tag: "Failed", error: detail })
            yield* audit.record({
              tenantId: actor.tenantId,
              userId: actor.userId,
              action: "whatsapp.send_failed",
              resourceType: "message",
              resourceId: messageId,
              details: { reason: error._tag, ...detail },
              ip: actor.ip
            })
            return yield* Effect.fail(error)
          })

        // Checked again right before Meta: a disconnect that happened meanwhile stops this send.
        const latest = yield* connections.findById(actor.tenantId, connection.id)
        if (Option.isNone(latest) || !canSend(latest.value.status) || latest.value.accessTokenEnc === null) {
          const status = Option.match(latest, { onNone: () => "not_connected", onSome: (c) => c.status })
          return yield* fail(new NotConnected({ status }), { message: "The connection ended before sending." })
        }
        // A token that does not decrypt is our configuration fault (wrong or missing encryption key): the
        // connection keeps its state, the message is marked failed with the reason, and the caller gets a typed error.
        const token = yield* storedToken(cipher, latest.value, "Send").pipe(
          Effect.catchTag("TokenUnreadable", (error) =>
            fail(error, { reason: "token_unreadable", message: error.message })
          )
        )
        const sent = yield* prepared.send(token).pipe(Effect.result)
        if (sent._tag === "Success") {
          // Meta's `contacts[0].wa_id` keys the conversation (Brazil's ninth digit, Mexico's 521 → 52), so the
          // contact's replies, which carry that wa_id, land in the same thread as this message.
          const waId = sent.success.waId
          const rekeyed = waId !== null && /^\d{5,20}$/.test(waId) && waId !== to
          const target = rekeyed
            ? yield* conversations.upsert({
                tenantId: actor.tenantId,
                connectionId: connection.id,
                phoneNumberId: connection.phoneNumberId!,
                waId,
                contactName: null,
                lastMessageAt: now
              })
            : conversation
          const recorded = yield* messages.recordSendResult(actor.tenantId, messageId, {
            _tag: "Sent",
            providerMessageId: sent.success.providerMessageId as ProviderMessageId,
            ...(rekeyed ? { conversationId: target.id } : {})
          })
          if (rekeyed) yield* conversations.removeIfEmpty(actor.tenantId, conversation.id)
          return recorded
        }
        const error = sent.failure
        if (error._tag === "MetaTokenInvalid") {
          yield* recordTokenFailure(latest.value, error, "send").pipe(Effect.provide(context))
        }
        const code = "code" in error && typeof error.code === "number" ? error.code : undefined
        return yield* fail(error, { code: code ?? null, message: error.message })
      })

      const logged = <E extends { readonly _tag: string }>(
        effect: Effect.Effect<Message, E>,
        actor: Actor
      ): Effect.Effect<Message, E> =>
        // One line per send, its outcome and ids (never the text or the token).
        effect.pipe(
          Effect.tap((message) =>
            Effect.logInfo(`WhatsApp send: ${message.status}`).pipe(
              Effect.annotateLogs({
                tenant_id: actor.tenantId,
                message_id: message.id,
                provider_message_id: message.providerMessageId,
                status: message.status
              })
            )
          ),
          Effect.tapError((error) =>
            Effect.logInfo(`WhatsApp send refused: ${error._tag}`).pipe(
              Effect.annotateLogs({ tenant_id: actor.tenantId, error: error._tag })
            )
          )
        )

      const sendText = Effect.fn("Messaging.sendText")(function* (actor: Actor, input: SendTextInput) {
        const to = yield* recipientOf(input.to)
        const text = input.text.trim()
        if (text.length === 0 || text.length > MAX_TEXT) {
          return yield* new InvalidMessage({ detail: `A text must be 1 to ${MAX_TEXT} characters.` })
        }
        const key = yield* keyOf(input.idempotencyKey)
        return yield* deliver(actor, to, key, "text", input.conversationId, (connection) =>
          Effect.succeed({
            body: { text: { body: text } },
            send: (token: AccessToken) => graph.sendText(token, connection.phoneNumberId!, to, text)
          })
        )
      }, logged)

      const sendTemplate = Effect.fn("Messaging.sendTemplate")(function* (actor: Actor, input: SendTemplateInput) {
        const to = yield* recipientOf(input.to)
        const key = yield* keyOf(input.idempotencyKey)
        const name = input.name.trim()
        const language = input.language.trim()
        if (name === "" || language === "")
          return yield* new InvalidMessage({ detail: "A template send needs the template's name and language." })
        return yield* deliver(actor, to, key, "template", null, (connection) =>
          Effect.gen(function* () {
            const found =
              connection.wabaId === null
                ? Option.none()
                : yield* templates.find(actor.tenantId, connection.wabaId, name, language)
            if (Option.isNone(found) || found.value.status !== "APPROVED")
              return yield* new TemplateNotApproved({
                name,
                language,
                status: Option.match(found, { onNone: () => null, onSome: (t) => t.status })
              })
            const template = found.value
            const problem = parameterProblem(template, input.parameters)
            if (problem !== null) return yield* new TemplateParametersInvalid({ reason: problem })
            return {
              body: {
                template: {
                  name,
                  language,
                  text: renderBody(template, input.parameters),
                  ...(template.headerText === null ? {} : { header: template.headerText })
                }
              },
              send: (token: AccessToken) =>
                graph.sendTemplate(token, connection.phoneNumberId!, to, {
                  name,
                  language,
                  headerKind: template.headerKind,
                  parameters: input.parameters
                })
            }
          })
        ).pipe(
          // No conversation is named, so these cannot happen here.
          Effect.catchTag("ConversationNotFound", (error) => Effect.die(error)),
          Effect.catchTag("ConversationOnOtherNumber", (error) => Effect.die(error))
        )
      }, logged)

      return Messaging.of({ sendText, sendTemplate })
    })
  )
}
