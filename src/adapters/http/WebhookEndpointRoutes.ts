import { Effect, Option, Redacted, Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { Delivery } from "../../application/outbound/ports/WebhookEndpointStore.ts"
import {
  type EndpointError,
  type EndpointView,
  type EndpointWithSecret,
  WebhookEndpoints
} from "../../application/outbound/WebhookEndpoints.ts"
import { Jwt } from "./Auth.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import { authenticated } from "./RequestGuards.ts"

const BASE = "/api/webhook-endpoints"

const json = (body: unknown, status = 200) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: { "cache-control": "no-store" } })

const endpointBody = (endpoint: EndpointView) => ({
  ...endpoint,
  previousSecretExpiresAt: endpoint.previousSecretExpiresAt?.toISOString() ?? null,
  createdAt: endpoint.createdAt.toISOString()
})
/** The one answer with the secret (creation, rotation): shown once. */
const withSecretBody = (result: EndpointWithSecret) => ({
  endpoint: endpointBody(result.endpoint),
  secret: Redacted.value(result.secret)
})
const deliveryBody = (delivery: Delivery) => ({
  ...delivery,
  nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
  createdAt: delivery.createdAt.toISOString(),
  finishedAt: delivery.finishedAt?.toISOString() ?? null,
  occurredAt: delivery.occurredAt.toISOString(),
  attemptLog: delivery.attemptLog.map((a) => ({ ...a, attemptedAt: a.attemptedAt.toISOString() }))
})

const answer = <A, R>(
  effect: Effect.Effect<A, EndpointError, R>,
  body: (a: A) => HttpServerResponse.HttpServerResponse
) => effect.pipe(Effect.match({ onSuccess: body, onFailure: domainErrorResponse }))

const decode = <S extends Schema.Top>(schema: S) =>
  Schema.decodeUnknownOption(schema as never) as (u: unknown) => Option.Option<S["Type"]>
const CreateBody = decode(Schema.Struct({ url: Schema.String, events: Schema.Array(Schema.String) }))
const UpdateBody = decode(
  Schema.Struct({
    url: Schema.optional(Schema.NullOr(Schema.String)),
    events: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))),
    enabled: Schema.optional(Schema.Boolean)
  })
)
const RotateBody = decode(Schema.Struct({ overlapHours: Schema.optional(Schema.NullOr(Schema.Number)) }))
const ReplayBody = decode(Schema.Struct({ since: Schema.String, until: Schema.optional(Schema.NullOr(Schema.String)) }))

const invalid = (message: string) => Effect.succeed(errorResponse(400, "invalid_request", message))
const dateOf = (text: string | null | undefined) => {
  if (text === null || text === undefined) return null
  const date = new Date(text)
  return Number.isNaN(date.getTime()) ? undefined : date
}
const STATES = ["pending", "delivered", "failed"] as const

/**
 * The REST equivalents of the webhook endpoint mutations (docs/webhooks.md): list, create (the secret once),
 * update (url, events, enabled), delete, rotate-secret, test, deliveries (?state=&eventType=&first=), replay, and
 * retry of one delivery. Admins only, as in GraphQL.
 */
export const WebhookEndpointRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const endpoints = yield* WebhookEndpoints
    const jwt = yield* Jwt
    const idParam = Effect.map(HttpRouter.params, (params) => params["id"] ?? "")

    yield* router.add(
      "GET",
      BASE,
      authenticated(jwt, (actor) =>
        answer(endpoints.list(actor), (list) => json({ endpoints: list.map(endpointBody) }))
      )
    )
    yield* router.add(
      "POST",
      BASE,
      authenticated(jwt, (actor, request) =>
        Effect.gen(function* () {
          const body = Option.flatMap(yield* request.json.pipe(Effect.option), CreateBody)
          if (Option.isNone(body)) return yield* invalid('Send {"url": "https://…", "events": ["message.received"]}.')
          return yield* answer(endpoints.create(actor, body.value), (created) => json(withSecretBody(created), 201))
        })
      )
    )
    yield* router.add(
      "PATCH",
      `${BASE}/:id`,
      authenticated(jwt, (actor, request) =>
        Effect.gen(function* () {
          const id = yield* idParam
          const body = Option.flatMap(yield* request.json.pipe(Effect.option), UpdateBody)
          if (Option.isNone(body)) return yield* invalid('Send any of {"url", "events", "enabled"}.')
          const { enabled, ...input } = body.value
          const changed =
            input.url == null && input.events == null ? Effect.void : Effect.asVoid(endpoints.update(actor, id, input))
          return yield* answer(
            changed.pipe(
              Effect.andThen(
                enabled === undefined
                  ? Effect.map(endpoints.list(actor), (list) => list.find((e) => e.id === id))
                  : endpoints.setEnabled(actor, id, enabled)
              )
            ),
            (endpoint) => json(endpoint === undefined ? null : endpointBody(endpoint))
          )
        })
      )
    )
    yield* router.add(
      "DELETE",
      `${BASE}/:id`,
      authenticated(jwt, (actor) =>
        Effect.flatMap(idParam, (id) => answer(endpoints.remove(actor, id), () => json({ deleted: true })))
      )
    )
    yield* router.add(
      "POST",
      `${BASE}/:id/rotate-secret`,
      authenticated(jwt, (actor, request) =>
        Effect.gen(function* () {
          const id = yield* idParam
          const body = RotateBody(yield* request.json.pipe(Effect.orElseSucceed((): unknown => ({}))))
          if (Option.isNone(body)) return yield* invalid('Send {"overlapHours": 24} or {}.')
          return yield* answer(endpoints.rotateSecret(actor, id, body.value.overlapHours ?? null), (rotated) =>
            json(withSecretBody(rotated))
          )
        })
      )
    )
    yield* router.add(
      "POST",
      `${BASE}/:id/test`,
      authenticated(jwt, (actor) =>
        Effect.flatMap(idParam, (id) => answer(endpoints.sendTestEvent(actor, id), (eventId) => json({ eventId }, 202)))
      )
    )
    yield* router.add(
      "GET",
      `${BASE}/:id/deliveries`,
      authenticated(jwt, (actor, request) =>
        Effect.gen(function* () {
          const id = yield* idParam
          const query = new URL(request.url, "http://localhost").searchParams
          const state = query.get("state")
          if (state !== null && !(STATES as ReadonlyArray<string>).includes(state))
            return yield* invalid("state is pending, delivered or failed.")
          return yield* answer(
            endpoints.deliveries(actor, id, {
              state: (state ?? undefined) as (typeof STATES)[number] | undefined,
              eventType: query.get("eventType") ?? undefined,
              first: Number(query.get("first") ?? 50) || 50
            }),
            (list) => json({ deliveries: list.map(deliveryBody) })
          )
        })
      )
    )
    yield* router.add(
      "POST",
      `${BASE}/:id/replay`,
      authenticated(jwt, (actor, request) =>
        Effect.gen(function* () {
          const id = yield* idParam
          const body = Option.flatMap(yield* request.json.pipe(Effect.option), ReplayBody)
          const since = Option.isSome(body) ? dateOf(body.value.since) : undefined
          const until = Option.isSome(body) ? dateOf(body.value.until) : undefined
          if (since === undefined || since === null || until === undefined)
            return yield* invalid('Send {"since": "<ISO date-time>", "until": "<ISO date-time>"} (until optional).')
          return yield* answer(endpoints.replay(actor, id, since, until), (count) => json({ replayed: count }, 202))
        })
      )
    )
    yield* router.add(
      "POST",
      "/api/webhook-deliveries/:id/retry",
      authenticated(jwt, (actor) =>
        Effect.flatMap(idParam, (id) => answer(endpoints.retryNow(actor, id), () => json({ retried: true }, 202)))
      )
    )
  })
)
