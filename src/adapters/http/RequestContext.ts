import { Effect, Option } from "effect"
import { HttpMiddleware, HttpRouter, HttpServerRequest, type HttpServerResponse } from "effect/http"
import type { IpNetwork } from "effect/net"
import type { Actor } from "../../application/Actor.ts"
import type { LimitedOperation, OperationLimits } from "../../application/OperationLimits.ts"
import { actorOf, bearerOf, type Jwt } from "./Auth.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"

/**
 * Believes `X-Forwarded-For` / `-Proto` / `-Host` only from `TRUSTED_PROXIES` (global middleware): when the socket
 * peer is one of them, the list is walked from the right past trusted hops and the first other address becomes
 * the request's `remoteAddress` (and `-Proto` its `protocol`); from anyone else the headers are ignored.
 */
export const trustedProxiesMiddleware = (trustedProxies: ReadonlyArray<IpNetwork.IpNetwork>) =>
  HttpRouter.middleware(HttpMiddleware.xForwardedHeaders({ trustedProxies }), { global: true })

/**
 * The client's address: the socket peer, or the forwarded client when the peer is a trusted proxy (see
 * `trustedProxiesMiddleware`). A header the client wrote itself never counts.
 */
export const clientIp = (request: HttpServerRequest.HttpServerRequest): string | null => {
  const address = Option.getOrNull(request.remoteAddress)
  // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6 (`::ffff:203.0.113.7`).
  return address?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1") ?? null
}

/** Whether the browser reached the service over HTTPS: the URL's scheme, or a trusted proxy's `X-Forwarded-Proto`. */
export const isSecure = (request: HttpServerRequest.HttpServerRequest, url: string = request.url): boolean =>
  url.startsWith("https:") || request.protocol === "https"

export const searchParams = (request: HttpServerRequest.HttpServerRequest): URLSearchParams =>
  new URL(request.url, "http://internal").searchParams

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
