import type { IncomingMessage, ServerResponse } from "node:http"
import { ByteSize, Clock, Context, Effect, type Fiber, Layer, Redacted, Tracer } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { constantTimeEquals } from "../../application/ConstantTime.ts"
import { type Received, WebhookIntake } from "../../application/webhooks/WebhookIntake.ts"
import { answeredTogether, type ServingRequest, withRequestLineFields } from "../observability/Logging.ts"
import {
  recordWebhookReceived,
  recordWebhookReceivedUnsafe,
  type WebhookReceiveResult
} from "../observability/Metrics.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import {
  awaitInFlight,
  type FastPaths,
  joinedHeader,
  type NodeFastPath,
  prepareAnswer,
  readNodeBody,
  serveNodeRequest,
  servingNodeRequest,
  writeAnswer,
  writePrepared
} from "./NodeFastPath.ts"
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

/** How a delivery ended at the HTTP edge: too large to read, or what the intake made of it. */
export type WebhookOutcome = { readonly _tag: "TooLarge" } | Received

const TOO_LARGE: WebhookOutcome = { _tag: "TooLarge" }

/** Whether the announced Content-Length alone refuses the delivery. */
const announcedTooLarge = (contentLength: string | undefined) => Number(contentLength ?? 0) > MAX_WEBHOOK_BYTES

const resultOf = (outcome: WebhookOutcome): WebhookReceiveResult => {
  switch (outcome._tag) {
    case "TooLarge":
      return "too_large"
    case "Unstored":
      return "unavailable"
    case "Refused":
      return outcome.error._tag === "InvalidWebhookSignature" ? "invalid_signature" : "invalid_payload"
    case "Accepted":
      return "accepted"
  }
}

/**
 * The answer to a delivery, the one home of `POST /webhooks/meta/whatsapp`'s answers (the router's route and the
 * `node:http` fast path both use it): 200 once stored; wrong or missing signature: 401 (the expected value is never
 * echoed); not a JSON object: 400; larger than 4 MiB: 413; the database cannot take it: 503, so Meta retries.
 */
export const webhookAnswer = (outcome: WebhookOutcome): HttpServerResponse.HttpServerResponse => {
  switch (outcome._tag) {
    case "TooLarge":
      return tooLarge()
    case "Unstored":
      return errorResponse(503, "unavailable", "The event could not be stored. Meta will retry.", {
        "retry-after": "5"
      })
    case "Refused":
      return domainErrorResponse(outcome.error)
    case "Accepted":
      return acceptedAnswer()
  }
}

const acceptedAnswer = () => HttpServerResponse.text("EVENT_RECEIVED", { headers: { "cache-control": "no-store" } })

/** `webhookAnswer`'s 200, made once for the fast path (`writePrepared`): the same status, headers and body. */
const ACCEPTED = prepareAnswer(acceptedAnswer())

/** What is logged of a delivery besides its request line (which says which event was stored): why it got 503. */
const outcomeLogged = (outcome: WebhookOutcome): Effect.Effect<void> =>
  outcome._tag === "Unstored"
    ? Effect.logError("Webhook intake could not store the event; answering 503 so Meta retries", outcome.cause)
    : Effect.void

/** The request line's fields of a delivery: the stored event's id, provider and size. */
const lineFieldsOf = (intake: WebhookIntake["Service"], outcome: WebhookOutcome) =>
  outcome._tag === "TooLarge" ? undefined : intake.acceptedFields(outcome)

/** What a delivery brings to the intake, whichever HTTP stack carried it. */
export interface WebhookDelivery {
  readonly contentLength: string | undefined
  readonly signature: string | undefined
  /** The body's bytes; fails when it is larger than `MAX_WEBHOOK_BYTES` (or cannot be read). */
  readonly body: Effect.Effect<Uint8Array, unknown>
}

/**
 * `POST /webhooks/meta/whatsapp` as an Effect (the router's route): the signature is checked on the raw bytes before
 * anything is parsed; the event is stored durably before the 200 (`WebhookIntake.receive`); the answer is
 * `webhookAnswer`'s. The fast path runs the same functions without an Effect per request (`makeWebhookFastPath`).
 */
export const receiveWebhook = (intake: WebhookIntake["Service"], delivery: WebhookDelivery) =>
  Effect.gen(function* () {
    let outcome: WebhookOutcome = TOO_LARGE
    if (!announcedTooLarge(delivery.contentLength)) {
      const body = yield* Effect.result(delivery.body)
      if (body._tag === "Success") {
        const at = new Date(yield* Clock.currentTimeMillis)
        outcome = yield* Effect.callback<WebhookOutcome>((resume) =>
          intake.receive(body.success, delivery.signature ?? null, (received) => resume(Effect.succeed(received)), at)
        )
      }
    }
    yield* recordWebhookReceived(resultOf(outcome))
    yield* outcomeLogged(outcome)
    return withRequestLineFields(webhookAnswer(outcome), lineFieldsOf(intake, outcome))
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

const header = (request: IncomingMessage, name: string): string | undefined => joinedHeader(request.headers[name])

/** A fast path's request answered and waiting for its batch's lines. */
interface Answered {
  readonly serving: ServingRequest
  readonly response: ServerResponse
  readonly outcome: WebhookOutcome
}

/** The fast path's requests in flight, so that a shutdown can wait for them (`awaitAnswered`). */
export class WebhookRequests {
  readonly open = new Set<ServerResponse>()
  readonly fibers = new Set<Fiber.Fiber<void>>()
  private waiting: Array<() => void> = []
  add(response: ServerResponse) {
    this.open.add(response)
  }
  delete(response: ServerResponse) {
    this.open.delete(response)
    if (this.open.size === 0) for (const wake of this.waiting.splice(0)) wake()
  }
  /** Resolves once no request is open (at once when none is). */
  readonly drained = Effect.callback<void>((resume) => {
    if (this.open.size === 0) return resume(Effect.void)
    this.waiting.push(() => resume(Effect.void))
  })
}

/**
 * `POST /webhooks/meta/whatsapp` as a `node:http` fast path (issue 18.3; docs/decisions.md): the route's functions
 * (`WebhookIntake.receive`, `webhookAnswer`, `outcomeLogged`, the request line of `servingRequest` with the stored
 * event's id) without an Effect
 * per request (w7A): the body is read and checked, and the delivery queued for the group commit, in plain
 * JavaScript; the requests a batch answers are logged and counted in one Effect run (each with its own request id,
 * request line and `http.server POST` span), then answered. A request that throws is answered by the router's
 * machinery (`serveNodeRequest`: `answerFailure`). Only the exact path (no query) is taken; anything else goes to
 * the router.
 */
export const makeWebhookFastPath = (requests: WebhookRequests = new WebhookRequests()) =>
  Effect.gen(function* () {
    const intake = yield* WebhookIntake
    // Without the builder's span: each request has its own (`servingRequest`).
    const context = Context.omit(Tracer.ParentSpan)(yield* Effect.context<never>()) as Context.Context<never>
    const runFork = Effect.runForkWith(context)
    const runSync = Effect.runSyncWith(context)

    /** The requests answered since the last batch was logged. */
    let answered: Array<Answered> = []
    /**
     * Counts and logs one batch: one counter update per result, in the fiber's registry without an Effect each
     * (w10B); the lines as `answered` of each (`answeredTogether`).
     */
    const logged = (
      batch: ReadonlyArray<Answered>,
      answers: ReadonlyArray<HttpServerResponse.HttpServerResponse | undefined>
    ) =>
      Effect.withFiber((fiber) => {
        const counts = new Map<WebhookReceiveResult, number>()
        for (const item of batch) {
          const result = resultOf(item.outcome)
          counts.set(result, (counts.get(result) ?? 0) + 1)
        }
        for (const [result, count] of counts) recordWebhookReceivedUnsafe(result, count, fiber.context)
        return answeredTogether(
          batch.map((item, i) => ({
            serving: item.serving,
            status: answers[i]?.status ?? ACCEPTED.status,
            fields: lineFieldsOf(intake, item.outcome),
            lines: item.outcome._tag === "Unstored" ? outcomeLogged(item.outcome) : undefined
          }))
        )
      })
    const flush = () => {
      const batch = answered
      answered = []
      // The 200 is written from its prepared head; any other answer is built (`webhookAnswer`).
      const answers = batch.map((item) => (item.outcome._tag === "Accepted" ? undefined : webhookAnswer(item.outcome)))
      try {
        runSync(logged(batch, answers))
      } catch {
        // A logger that did not finish synchronously: the batch is still answered.
      }
      for (let i = 0; i < batch.length; i++) {
        const item = batch[i]!
        const answer = answers[i]
        if (answer === undefined) writePrepared(item.response, ACCEPTED, item.serving.id)
        else writeAnswer(item.response, answer, item.serving.id)
        requests.delete(item.response)
      }
    }
    const finish = (item: Answered) => {
      answered.push(item)
      // A batch's deliveries are answered one after the other in one turn: logged together just after it.
      if (answered.length === 1) queueMicrotask(flush)
    }

    return {
      takes: (request: IncomingMessage) => request.method === "POST" && request.url === WEBHOOK_PATH,
      handle: (request: IncomingMessage, response: ServerResponse) => {
        const serving = servingNodeRequest(request)
        requests.add(response)
        const failed = (defect: unknown) => {
          serveNodeRequest(runFork, serving, response, Effect.die(defect), requests.fibers)
          requests.delete(response)
        }
        try {
          if (announcedTooLarge(header(request, "content-length"))) {
            // The rest is drained unread; the answer (413) goes out at once.
            request.resume()
            return finish({ serving, response, outcome: TOO_LARGE })
          }
          const signature = header(request, "x-hub-signature-256") ?? null
          readNodeBody(request, MAX_WEBHOOK_BYTES, (body) => {
            // Past the limit, or the client gone mid-body (then nobody reads the answer).
            if (!(body instanceof Uint8Array)) return finish({ serving, response, outcome: TOO_LARGE })
            try {
              intake.receive(body, signature, (outcome) => finish({ serving, response, outcome }))
            } catch (defect) {
              failed(defect)
            }
          })
        } catch (defect) {
          failed(defect)
        }
      }
    } satisfies NodeFastPath
  })

/**
 * Puts the webhook fast path among `paths` for as long as the layer lives; on release, the requests it has in flight
 * are answered (at most 5 s) before the services they use close.
 */
export const webhookFastPath = (paths: FastPaths) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const requests = new WebhookRequests()
      const path = yield* makeWebhookFastPath(requests)
      yield* Effect.acquireRelease(
        Effect.sync(() => paths.add(path)),
        () =>
          Effect.sync(() => paths.remove(path)).pipe(
            Effect.andThen(awaitInFlight(requests.fibers)),
            Effect.andThen(
              requests.drained.pipe(
                Effect.timeoutOrElse({
                  duration: "5 seconds",
                  orElse: () =>
                    Effect.sync(() => {
                      for (const response of requests.open) response.destroy()
                    })
                })
              )
            )
          )
      )
    })
  )
