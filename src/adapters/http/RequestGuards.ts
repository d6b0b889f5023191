/** The guards a route runs its handler behind: a signed-in actor, and the tenant's operation limits. */
import { Effect, Option } from "effect"
import { HttpServerRequest, type HttpServerResponse } from "effect/http"
import type { Actor } from "../../application/Actor.ts"
import type { LimitedOperation, OperationLimits } from "../../application/OperationLimits.ts"
import { actorOf, bearerOf, type Jwt } from "./Auth.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import { clientIp } from "./RequestContext.ts"

/** The 401 answer to a request without a valid bearer token, in the one error shape. */
export const unauthenticatedResponse = (): HttpServerResponse.HttpServerResponse =>
  errorResponse(401, "unauthenticated", "Sign in again: the request has no valid bearer token.", {
    "www-authenticate": 'Bearer realm="api"'
  })

/**
 * The actor of a request whose `Authorization` header bears a valid token, or none. The one check behind
 * `authenticated` (the router's routes) and the `node:http` fast paths (`GraphqlFastPath.ts`).
 */
export const authenticate = (
  jwt: Jwt["Service"],
  request: { readonly authorization: string | undefined; readonly ip: string | null; readonly userAgent: string | null }
): Effect.Effect<Option.Option<Actor>> => {
  const token = bearerOf(request.authorization)
  if (token === null) return Effect.succeedNone
  return jwt.verify(token).pipe(
    Effect.map((claims) => Option.some(actorOf(claims, request.ip, request.userAgent))),
    Effect.orElseSucceed(() => Option.none<Actor>())
  )
}

/**
 * Runs `handler` for an authenticated request (`authenticate`); 401 in the one error shape otherwise. Route layers
 * take `jwt` when they are built, so handlers need nothing but the request.
 */
export const authenticated = <E, R>(
  jwt: Jwt["Service"],
  handler: (
    actor: Actor,
    request: HttpServerRequest.HttpServerRequest
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const actor = yield* authenticate(jwt, {
      authorization: request.headers["authorization"],
      ip: clientIp(request),
      userAgent: request.headers["user-agent"] ?? null
    })
    if (Option.isNone(actor)) return unauthenticatedResponse()
    return yield* handler(actor.value, request)
  })

/**
 * Runs `handler` as one run of `operation` by the actor's tenant (the limits of `OPERATION_LIMITS`, the same as
 * over GraphQL); over the limit, answers 429 with `Retry-After` and runs nothing.
 */
export const rateLimited = <E, R>(
  limits: OperationLimits["Service"],
  operation: LimitedOperation,
  actor: Actor,
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  limits
    .consume(operation, actor.tenantId)
    .pipe(
      Effect.matchEffect({ onFailure: (error) => Effect.succeed(domainErrorResponse(error)), onSuccess: () => handler })
    )
