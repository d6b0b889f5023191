import { Effect, Option, Schema } from "effect"
import { HttpRouter } from "effect/http"
import { WhatsAppConnections } from "../../application/connect/WhatsAppConnections.ts"
import { TestMessages } from "../../application/health/TestMessages.ts"
import { Messaging } from "../../application/messaging/Messaging.ts"
import { type TemplateList, Templates } from "../../application/messaging/Templates.ts"
import { OperationLimits } from "../../application/OperationLimits.ts"
import type { Message } from "../../domain/Message.ts"
import { type MessageTemplate, templateParameters } from "../../domain/MessageTemplate.ts"
import { Jwt } from "./Auth.ts"
import { answer, domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import { authenticated, rateLimited } from "./RequestGuards.ts"
import { healthBody, json, statusBody, wireFields } from "./WhatsAppRoutes.ts"

const SendBody = Schema.Struct({
  to: Schema.String,
  text: Schema.String,
  idempotencyKey: Schema.optional(Schema.String)
})
const decodeSendBody = Schema.decodeUnknownOption(SendBody)

const ValueBody = Schema.Struct({ name: Schema.optional(Schema.NullOr(Schema.String)), text: Schema.String })
const SendTemplateBody = Schema.Struct({
  to: Schema.String,
  name: Schema.String,
  language: Schema.String,
  parameters: Schema.optional(
    Schema.Struct({
      body: Schema.optional(Schema.Array(ValueBody)),
      header: Schema.optional(Schema.Array(ValueBody)),
      headerMediaLink: Schema.optional(Schema.NullOr(Schema.String)),
      headerMediaId: Schema.optional(Schema.NullOr(Schema.String))
    })
  ),
  idempotencyKey: Schema.optional(Schema.String)
})
const decodeSendTemplateBody = Schema.decodeUnknownOption(SendTemplateBody)

const CreateTemplateBody = Schema.Struct({
  name: Schema.String,
  language: Schema.String,
  category: Schema.String,
  parameterFormat: Schema.optional(Schema.Literals(["POSITIONAL", "NAMED"])),
  bodyText: Schema.String,
  bodyExamples: Schema.optional(Schema.Array(Schema.String)),
  headerText: Schema.optional(Schema.NullOr(Schema.String)),
  footerText: Schema.optional(Schema.NullOr(Schema.String))
})
const decodeCreateTemplateBody = Schema.decodeUnknownOption(CreateTemplateBody)

/** A template as the REST bodies show it. */
const templateBody = (template: MessageTemplate) =>
  wireFields(template, [
    "templateId",
    "name",
    "language",
    "category",
    "status",
    "rejectedReason",
    "quality",
    "parameterFormat",
    "headerKind",
    "headerText",
    "bodyText",
    "footerText",
    "headerPlaceholders",
    "bodyPlaceholders",
    "updatedAt"
  ])
const templateListBody = (list: TemplateList) => ({ wabaId: list.wabaId, templates: list.templates.map(templateBody) })

const TEMPLATES_PATH = "/api/integrations/meta/whatsapp/templates"

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
 * The WhatsApp endpoints of DESIGN section 5 that send: a text, a template, the test message of the health panel,
 * and the templates (list, sync, create, delete). Apart from
 * the connect endpoints (`WhatsAppRoutes.ts`), so connecting reaches no messaging code.
 */
export const makeWhatsAppMessageRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const connect = yield* WhatsAppConnections
    const messaging = yield* Messaging
    const jwt = yield* Jwt
    const limits = yield* OperationLimits
    const tests = yield* TestMessages
    const templates = yield* Templates

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

    // A template send: approved in that language here, its values checked against its placeholders, then sent.
    yield* router.add(
      "POST",
      "/api/integrations/meta/whatsapp/messages/template",
      authenticated(jwt, (actor, request) =>
        Effect.gen(function* () {
          const body = Option.flatMap(yield* request.json.pipe(Effect.option), decodeSendTemplateBody)
          if (Option.isNone(body)) {
            return errorResponse(
              400,
              "invalid_request",
              'Send {"to": "<phone>", "name": "<template>", "language": "en_US", "parameters": {"body": [{"text": "…"}]}}.'
            )
          }
          const idempotencyKey = body.value.idempotencyKey ?? request.headers["idempotency-key"] ?? null
          const sent = yield* messaging
            .sendTemplate(actor, {
              to: body.value.to,
              name: body.value.name,
              language: body.value.language,
              parameters: templateParameters(body.value.parameters ?? {}),
              idempotencyKey
            })
            .pipe(Effect.result)
          if (sent._tag === "Success") return json(messageBody(sent.success), 201)
          return domainErrorResponse(sent.failure)
        })
      )
    )

    yield* router.add(
      "GET",
      TEMPLATES_PATH,
      authenticated(jwt, (actor) => Effect.map(templates.list(actor), (list) => json(templateListBody(list))))
    )

    yield* router.add(
      "POST",
      `${TEMPLATES_PATH}/sync`,
      authenticated(jwt, (actor) =>
        rateLimited(
          limits,
          "whatsapp.templates_sync",
          actor,
          answer(templates.sync(actor), (list) => json(templateListBody(list)))
        )
      )
    )

    // Admins: submit a template for Meta's review, delete one (every language).
    yield* router.add(
      "POST",
      TEMPLATES_PATH,
      authenticated(jwt, (actor, request) =>
        Effect.gen(function* () {
          const body = Option.flatMap(yield* request.json.pipe(Effect.option), decodeCreateTemplateBody)
          if (Option.isNone(body)) {
            return errorResponse(
              400,
              "invalid_request",
              'Send {"name": "order_ready", "language": "en_US", "category": "UTILITY", "bodyText": "Hi {{1}}", "bodyExamples": ["Ana"]}; "parameterFormat": "NAMED" takes {{first_name}} placeholders.'
            )
          }
          return yield* answer(
            templates.create(actor, { ...body.value, bodyExamples: body.value.bodyExamples ?? [] }),
            (template) => json(templateBody(template), 201)
          )
        })
      )
    )

    yield* router.add(
      "DELETE",
      `${TEMPLATES_PATH}/:name`,
      authenticated(jwt, (actor) =>
        Effect.gen(function* () {
          const name = (yield* HttpRouter.params)["name"] ?? ""
          return yield* answer(templates.remove(actor, name), (list) => json(templateListBody(list)))
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
