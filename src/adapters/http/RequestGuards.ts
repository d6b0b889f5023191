/** The guards a route runs its handler behind: a signed-in actor, and the tenant's operation limits. */
import { Effect, Option } from "effect"
import { HttpServerRequest, type HttpServerResponse } from "effect/http"
import type { Actor } from "../../application/Actor.ts"
import type { LimitedOperation, OperationLimits } from "../../application/OperationLimits.ts"
import { actorOf, bearerOf, type Jwt } from "./Auth.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import { clientIp } from "./RequestContext.ts"

/**
 * Runs `handler` for an authenticated request; 401 in the one error shape otherwise. Route layers take `jwt`
 * when they are built, so handlers need nothing but the request.
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
    const token = bearerOf(request.headers["authorization"])
    const claims = token === null ? Option.none() : yield* jwt.verify(token).pipe(Effect.option)
    if (Option.isNone(claims)) {
      return errorResponse(401, "unauthenticated", "Sign in again: the request has no valid bearer token.", {
        "www-authenticate": 'Bearer realm="api"'
      })
    }
    return yield* handler(actorOf(claims.value, clientIp(request), request.headers["user-agent"] ?? null), request)
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
