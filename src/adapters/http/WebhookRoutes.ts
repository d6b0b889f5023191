import { ByteSize, Effect, Redacted } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { constantTimeEquals } from "../../application/ConstantTime.ts"
import { WebhookIntake } from "../../application/webhooks/WebhookIntake.ts"
import { recordWebhookReceived } from "../observability/Metrics.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import { searchParams } from "./RequestContext.ts"

/** Meta sends up to 1000 updates and 3 MB in one delivery; anything larger than this is refused with 413. */
export const MAX_WEBHOOK_BYTES = 4 * 1024 * 1024

/**
 * `GET /webhooks/meta/whatsapp`: Meta's verification handshake. `hub.mode=subscribe` with our verify token is
 * answered with `hub.challenge` as plain text; anything else gets 403.
 */
export const makeWebhookVerifyRoute = (verifyToken: Redacted.Redacted<string>) =>
  HttpRouter.use(
    Effect.fn(function* (router) {
      yield* router.add(
        "GET",
        "/webhooks/meta/whatsapp",
        Effect.gen(function* () {
          const query = searchParams(yield* HttpServerRequest.HttpServerRequest)
          const challenge = query.get("hub.challenge")
          const ok =
            query.get("hub.mode") === "subscribe" &&
            challenge !== null &&
            constantTimeEquals(query.get("hub.verify_token") ?? "", Redacted.value(verifyToken))
          return ok
            ? HttpServerResponse.text(challenge, { headers: { "cache-control": "no-store" } })
            : HttpServerResponse.text("Forbidden", { status: 403 })
        })
      )
    })
  )

/**
 * `POST /webhooks/meta/whatsapp`: the signature is checked on the raw bytes before anything is parsed; the event
 * is stored durably before the 200. Wrong or missing signature: 401 (the expected value is never echoed). Not a
 * JSON object: 400. Larger than 4 MiB: 413. The database cannot take it: 503, so Meta retries.
 */
export const WebhookIntakeRoute = HttpRouter.use(
  Effect.fn(function* (router) {
    const intake = yield* WebhookIntake
    yield* router.add(
      "POST",
      "/webhooks/meta/whatsapp",
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const tooLarge = errorResponse(
          413,
          "payload_too_large",
          `Webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes.`
        )
        if (Number(request.headers["content-length"] ?? 0) > MAX_WEBHOOK_BYTES) {
          yield* recordWebhookReceived("too_large")
          return tooLarge
        }
        const body = yield* request.arrayBuffer.pipe(
          Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(MAX_WEBHOOK_BYTES)),
          Effect.result
        )
        if (body._tag === "Failure") {
          yield* recordWebhookReceived("too_large")
          return tooLarge
        }
        const accepted = yield* intake
          .accept(new Uint8Array(body.success), request.headers["x-hub-signature-256"] ?? null)
          .pipe(
            Effect.result,
            Effect.catchDefect((defect) => Effect.succeed({ _tag: "Defect" as const, defect }))
          )
        if (accepted._tag === "Defect") {
          yield* recordWebhookReceived("unavailable")
          yield* Effect.logError(
            "Webhook intake could not store the event; answering 503 so Meta retries",
            accepted.defect
          )
          return errorResponse(503, "unavailable", "The event could not be stored. Meta will retry.", {
            "retry-after": "5"
          })
        }
        if (accepted._tag === "Failure") {
          const invalidSignature = accepted.failure._tag === "InvalidWebhookSignature"
          yield* recordWebhookReceived(invalidSignature ? "invalid_signature" : "invalid_payload")
          return domainErrorResponse(accepted.failure)
        }
        yield* recordWebhookReceived("accepted")
        return HttpServerResponse.text("EVENT_RECEIVED", { headers: { "cache-control": "no-store" } })
      })
    )
  })
)
