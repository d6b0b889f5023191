import { Effect, Option, Schema } from "effect"
import { HttpRouter } from "effect/http"
import { WhatsAppConnections } from "../../application/connect/WhatsAppConnections.ts"
import { TestMessages } from "../../application/health/TestMessages.ts"
import { Messaging } from "../../application/messaging/Messaging.ts"
import { OperationLimits } from "../../application/OperationLimits.ts"
import type { Message } from "../../domain/Message.ts"
import { Jwt } from "./Auth.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import { authenticated, rateLimited } from "./RequestGuards.ts"
import { healthBody, json, statusBody } from "./WhatsAppRoutes.ts"

const SendBody = Schema.Struct({
  to: Schema.String,
  text: Schema.String,
  idempotencyKey: Schema.optional(Schema.String)
})
const decodeSendBody = Schema.decodeUnknownOption(SendBody)

const TestMessageBody = Schema.Struct({ to: Schema.String })
const decodeTestMessageBody = Schema.decodeUnknownOption(TestMessageBody)

const messageBody = (message: Message) => ({
  id: message.id,
  providerMessageId: message.providerMessageId,
  status: message.status,
  error: message.error,
  timestamp: message.sentAt.toISOString()
})

/**
 * The WhatsApp endpoints of DESIGN section 5 that send: a text, and the test message of the health panel. Apart from
 * the connect endpoints (`WhatsAppRoutes.ts`), so connecting reaches no messaging code.
 */
export const makeWhatsAppMessageRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const connect = yield* WhatsAppConnections
    const messaging = yield* Messaging
    const jwt = yield* Jwt
    const limits = yield* OperationLimits
    const tests = yield* TestMessages

    yield* router.add(
      "POST",
      "/api/integrations/meta/whatsapp/messages",
      authenticated(jwt, (actor, request) =>
        Effect.gen(function* () {
          const body = Option.flatMap(yield* request.json.pipe(Effect.option), decodeSendBody)
          if (Option.isNone(body)) {
            return errorResponse(400, "invalid_request", 'Send {"to": "<phone>", "text": "<text>"}.')
          }
          const idempotencyKey = body.value.idempotencyKey ?? request.headers["idempotency-key"] ?? null
          const sent = yield* messaging
            .sendText(actor, { to: body.value.to, text: body.value.text, idempotencyKey })
            .pipe(Effect.result)
          if (sent._tag === "Success") return json(messageBody(sent.success), 201)
          return domainErrorResponse(sent.failure)
        })
      )
    )

    // "Send a test message to my phone": a fixed text to the typed number; the `send` health check says how it went.
    yield* router.add(
      "POST",
      "/api/integrations/meta/whatsapp/test-message",
      authenticated(jwt, (actor, request) =>
        rateLimited(
          limits,
          "whatsapp.test_message",
          actor,
          Effect.gen(function* () {
            const body = Option.flatMap(yield* request.json.pipe(Effect.option), decodeTestMessageBody)
            if (Option.isNone(body)) return errorResponse(400, "invalid_request", 'Send {"to": "+15551234567"}.')
            const sent = yield* tests.send(actor, body.value.to).pipe(Effect.result)
            if (sent._tag === "Failure") return domainErrorResponse(sent.failure)
            const view = yield* connect.status(actor)
            return json({ ...statusBody(view), health: healthBody(sent.success) })
          })
        )
      )
    )
  })
)
