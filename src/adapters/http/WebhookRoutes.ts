import type { IncomingMessage } from "node:http"
import { ByteSize, Context, Effect, type Fiber, Layer, Redacted, Tracer } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { constantTimeEquals } from "../../application/ConstantTime.ts"
import { WebhookIntake } from "../../application/webhooks/WebhookIntake.ts"
import { recordWebhookReceived } from "../observability/Metrics.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import { awaitInFlight, type FastPaths, makeNodeFastPath } from "./NodeFastPath.ts"
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

/** Built when answered (not on every delivery: it serialises JSON). */
const tooLarge = () =>
  errorResponse(413, "payload_too_large", `Webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes.`)

/** What a delivery brings to the intake, whichever HTTP stack carried it. */
export interface WebhookDelivery {
  readonly contentLength: string | undefined
  readonly signature: string | undefined
  /** The body's bytes; fails when it is larger than `MAX_WEBHOOK_BYTES` (or cannot be read). */
  readonly body: Effect.Effect<Uint8Array, unknown>
}

/**
 * `POST /webhooks/meta/whatsapp`, the one home of its answers (the router's route and the `node:http` fast path
 * both run it): the signature is checked on the raw bytes before anything is parsed; the event is stored durably
 * before the 200. Wrong or missing signature: 401 (the expected value is never echoed). Not a JSON object: 400.
 * Larger than 4 MiB: 413. The database cannot take it: 503, so Meta retries.
 */
export const receiveWebhook = (intake: WebhookIntake["Service"], delivery: WebhookDelivery) =>
  Effect.gen(function* () {
    if (Number(delivery.contentLength ?? 0) > MAX_WEBHOOK_BYTES) {
      yield* recordWebhookReceived("too_large")
      return tooLarge()
    }
    const body = yield* Effect.result(delivery.body)
    if (body._tag === "Failure") {
      yield* recordWebhookReceived("too_large")
      return tooLarge()
    }
    const accepted = yield* intake.accept(body.success, delivery.signature ?? null).pipe(
      Effect.result,
      Effect.catchDefect((defect) => Effect.succeed({ _tag: "Defect" as const, defect }))
    )
    if (accepted._tag === "Defect") {
      yield* recordWebhookReceived("unavailable")
      yield* Effect.logError("Webhook intake could not store the event; answering 503 so Meta retries", accepted.defect)
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

const WEBHOOK_PATH = "/webhooks/meta/whatsapp"

/** `POST /webhooks/meta/whatsapp` on the router: `receiveWebhook` over the Effect request. */
export const WebhookIntakeRoute = HttpRouter.use(
  Effect.fn(function* (router) {
    const intake = yield* WebhookIntake
    yield* router.add(
      "POST",
      WEBHOOK_PATH,
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        return yield* receiveWebhook(intake, {
          contentLength: request.headers["content-length"],
          signature: request.headers["x-hub-signature-256"],
          body: request.arrayBuffer.pipe(
            Effect.map((bytes) => new Uint8Array(bytes)),
            Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(MAX_WEBHOOK_BYTES))
          )
        })
      })
    )
  })
)

/** The body of a `node:http` request, failing (and reading no further) once it is larger than `maxBytes`. */
const nodeBody = (request: IncomingMessage, maxBytes: number): Effect.Effect<Uint8Array, RangeError> =>
  Effect.callback<Uint8Array, RangeError>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength
      if (size > maxBytes) {
        cleanup()
        // The rest is drained unread; the answer (413) goes out at once.
        request.resume()
        resume(Effect.fail(new RangeError(`body larger than ${maxBytes} bytes`)))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resume(Effect.succeed(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)))
    }
    const onError = (error: Error) => {
      cleanup()
      resume(Effect.fail(new RangeError(error.message)))
    }
    const cleanup = () => {
      request.off("data", onData)
      request.off("end", onEnd)
      request.off("error", onError)
    }
    request.on("data", onData)
    request.on("end", onEnd)
    request.on("error", onError)
    return Effect.sync(cleanup)
  })

const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(", ") : value
}

/**
 * `POST /webhooks/meta/whatsapp` as a `node:http` fast path (issue 18.3; docs/decisions.md): `receiveWebhook` over
 * the Node request, in the service's context, with the router's request id, request line and error answers. Only
 * the exact path (no query) is taken; anything else goes to the router.
 */
export const makeWebhookFastPath = (inFlight?: Set<Fiber.Fiber<void>>) =>
  Effect.gen(function* () {
    const intake = yield* WebhookIntake
    // Without the builder's span: each request has its own (`servingRequest`).
    const context = Context.omit(Tracer.ParentSpan)(yield* Effect.context<never>()) as Context.Context<never>
    return makeNodeFastPath({
      takes: (request) => request.method === "POST" && request.url === WEBHOOK_PATH,
      handler: (request) =>
        receiveWebhook(intake, {
          contentLength: header(request, "content-length"),
          signature: header(request, "x-hub-signature-256"),
          body: nodeBody(request, MAX_WEBHOOK_BYTES)
        }),
      runFork: Effect.runForkWith(context),
      ...(inFlight === undefined ? {} : { inFlight })
    })
  })

/**
 * Puts the webhook fast path among `paths` for as long as the layer lives; on release, the requests it has in flight
 * are answered (at most 5 s) before the services they use close.
 */
export const webhookFastPath = (paths: FastPaths) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const inFlight = new Set<Fiber.Fiber<void>>()
      const path = yield* makeWebhookFastPath(inFlight)
      yield* Effect.acquireRelease(
        Effect.sync(() => paths.add(path)),
        () => Effect.sync(() => paths.remove(path)).pipe(Effect.andThen(awaitInFlight(inFlight)))
      )
    })
  )
