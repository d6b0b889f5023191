import { Clock, Context, Effect, Layer, Option } from "effect"
import { InvalidMessage, NotConnected } from "../../domain/Errors.ts"
import type { ConnectionId, TenantId } from "../../domain/Ids.ts"
import type { Actor } from "../Actor.ts"
import { Messaging, type SendTemplateError, type SendTextError } from "../messaging/Messaging.ts"
import { MessageRepository } from "../messaging/ports/MessageRepository.ts"
import { MessageTemplates } from "../messaging/ports/MessageTemplates.ts"
import { ConnectionHealthRepository } from "../ports/ConnectionHealthRepository.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { WebhookDecoder } from "../webhooks/ports/WebhookDecoder.ts"
import { ConnectionHealthChecks, type HealthView } from "./ConnectionHealthChecks.ts"
import { TEST_MESSAGE_KEY, testMessageFailed } from "./TestMessageCheck.ts"

/** The canary's text: fixed, so nobody can use the action to send what they like. */
export const TEST_MESSAGE_TEXT = "Test message from your WhatsApp connection: it can send. No reply needed."

/** E.164: a `+` (optional), then 8 to 15 digits, the first not 0. */
const E164 = /^\+?[1-9]\d{7,14}$/

/** Meta's sample template every WABA starts with (no placeholders): the canary outside the 24-hour window. */
export const TEST_TEMPLATE = { name: "hello_world", language: "en_US" } as const

/** Why a send failed, for a person, with what to do. */
const failedWords = (error: SendTextError | SendTemplateError): string => {
  switch (error._tag) {
    case "SendingRestricted":
      return "Meta restricts sending for this WhatsApp Business Account; see the warning above."
    case "MetaTokenInvalid":
      return "Meta no longer accepts the token. Disconnect and connect WhatsApp again."
    case "MetaPermissionMissing":
      return "The token lacks a WhatsApp permission. Disconnect and connect WhatsApp again, granting every permission."
    case "MetaRateLimited":
      return "Meta is rate-limiting this number: try again in a few minutes."
    case "TokenUnreadable":
      return "The stored token does not decrypt with this service's keys: an operator checks TOKEN_ENCRYPTION_KEY_BASE64."
    case "OutsideCustomerServiceWindow":
      return "WhatsApp delivers a free-form text only within 24 hours of that phone's last message to your number. Send any WhatsApp message to your number from that phone, then try again."
    case "MessageRejected":
      return `Meta refused the message (${error.message}).`
    case "TemplateNotApproved":
    case "TemplateParametersInvalid":
      return `${error.message} Or send any WhatsApp message to your number from that phone, then try again.`
    default:
      return `Meta could not be reached (${error.message}); try again in a moment.`
  }
}

/**
 * "Send a test message to my phone": a fixed text, through the normal send path (`Messaging.sendText`), to a number
 * the admin types. Records the `send` health check: ok when Meta accepted it, failing with the reason otherwise;
 * a failed status webhook for that message turns it failing later (`WebhookProcessor`).
 */
export class TestMessages extends Context.Service<
  TestMessages,
  {
    send(actor: Actor, to: string): Effect.Effect<HealthView, InvalidMessage | NotConnected>
  }
>()("app/application/TestMessages") {
  static readonly layer = Layer.effect(
    TestMessages,
    Effect.gen(function* () {
      const messaging = yield* Messaging
      const health = yield* ConnectionHealthRepository
      const checks = yield* ConnectionHealthChecks
      const connections = yield* ConnectionRepository
      const templates = yield* MessageTemplates
      const messages = yield* MessageRepository
      const decoder = yield* WebhookDecoder

      const record = (tenantId: TenantId, connectionId: ConnectionId, status: "ok" | "failing", message: string) =>
        Effect.gen(function* () {
          const checkedAt = new Date(yield* Clock.currentTimeMillis)
          yield* health.save(tenantId, connectionId, [{ name: "send", status, message, checkedAt }])
        })

      const send = Effect.fn("TestMessages.send")(function* (actor: Actor, to: string) {
        const typed = to.replace(/[\s().-]/g, "")
        if (!E164.test(typed))
          return yield* new InvalidMessage({
            detail: "Type the phone number with its country code, digits only (for example +15551234567)."
          })
        const current = yield* connections.findCurrent(actor.tenantId, "meta_whatsapp")
        if (Option.isNone(current)) return yield* new NotConnected({ status: "not_connected" })
        const connection = current.value
        const e164 = `+${typed.replace(/^\+/, "")}`
        const text = yield* messaging.sendText(actor, { to: e164, text: TEST_MESSAGE_TEXT }).pipe(Effect.result)
        // Outside the phone's 24-hour window a free-form text is refused; Meta's approved hello_world template goes
        // through (when the last sync found it approved), otherwise the check says to text the number first.
        const hello =
          text._tag === "Failure" && text.failure._tag === "OutsideCustomerServiceWindow" && connection.wabaId !== null
            ? yield* templates
                .find(actor.tenantId, connection.wabaId, TEST_TEMPLATE.name, TEST_TEMPLATE.language)
                .pipe(Effect.map(Option.filter((t) => t.status === "APPROVED")))
            : Option.none()
        const viaTemplate = Option.isSome(hello)
        const sent = viaTemplate
          ? yield* messaging
              .sendTemplate(actor, { to: e164, ...TEST_TEMPLATE, parameters: { body: [] } })
              .pipe(Effect.result)
          : text
        if (sent._tag === "Success") {
          const providerMessageId = sent.success.providerMessageId
          yield* connections
            .update(actor.tenantId, connection.id, { metadata: { [TEST_MESSAGE_KEY]: providerMessageId } })
            .pipe(Effect.ignore)
          yield* record(
            actor.tenantId,
            connection.id,
            "ok",
            viaTemplate
              ? `Meta accepted the test message to ${e164} as the approved hello_world template (that phone has not written to the number within 24 hours, so free text would not go through). If it does not arrive within a minute, this check says why.`
              : `Meta accepted the test message to ${e164}. If it does not arrive on that phone within a minute, this check says why.`
          )
          // Its status webhook may have been processed before the key above was written (Meta may report a status
          // before the sender has recorded its answer): the processor then did not know it for the test message.
          // A status stored before its message is applied to it, so the message's status now is the outcome,
          // whatever the order. Read after the key is written, as the processor reads the key after it stores a
          // status: one of the two sees the other.
          const now = providerMessageId === null ? Option.none() : yield* messages.findByProviderId(providerMessageId)
          if (Option.isSome(now) && now.value.status === "failed")
            yield* health.save(actor.tenantId, connection.id, [
              testMessageFailed(decoder.failureText(now.value.error), new Date(yield* Clock.currentTimeMillis))
            ])
        } else {
          const error = sent.failure
          if (error._tag === "InvalidMessage" || error._tag === "NotConnected") return yield* error
          yield* record(
            actor.tenantId,
            connection.id,
            "failing",
            `The test message to ${e164} was not sent: ${failedWords(error)}`
          )
        }
        const outcome = sent._tag === "Success" ? "accepted" : sent.failure._tag
        yield* Effect.logInfo(`Test message${viaTemplate ? " (hello_world template)" : ""}: ${outcome}`).pipe(
          Effect.annotateLogs({ tenant_id: actor.tenantId, connection_id: connection.id })
        )
        return yield* checks.read(actor)
      })

      return TestMessages.of({ send })
    })
  )
}
