/**
 * `POST /graphql` as a `node:http` fast path (issue 18.4; docs/decisions.md "Issue 18.4: GraphQL near the yoga
 * peer"): the request is answered from the server's `request` event, without the Effect router, its middleware and
 * its request wrapper, by the functions the router's route runs. Authentication is `authenticate` (the route's
 * `authenticated` runs it), the client address and scheme come from `nodeRequestContext` (the router's trusted
 * proxies rule), the request id, request line, span and unexpected failures from `makeNodeFastPath`
 * (`servingRequest`, `answerFailure`), and the GraphQL work from the route's own `execute` over the same yoga.
 * Only what the route would read whole is taken: a JSON body of a known size up to `maxBodyBytes`; anything else
 * (GraphiQL's GET, uploads, larger or unsized bodies, `Expect: 100-continue`) goes to the router.
 */
import type { IncomingMessage } from "node:http"
import { Data, Effect, type Fiber, Option } from "effect"
import type { HttpServerResponse } from "effect/http"
import type { IpNetwork } from "effect/net"
import type { Actor } from "../../application/Actor.ts"
import type { Jwt } from "../http/Auth.ts"
import { awaitInFlight, type FastPaths, joinedHeader, makeNodeFastPath, readNodeBody } from "../http/NodeFastPath.ts"
import { clientIp, isSecure, nodeRequestContext } from "../http/RequestContext.ts"
import { authenticate, unauthenticatedResponse } from "../http/RequestGuards.ts"

export interface GraphqlFastPathOptions {
  readonly paths: FastPaths
  /** The proxies whose `X-Forwarded-*` headers are believed (`TRUSTED_PROXIES`), as for the router. */
  readonly trustedProxies: ReadonlyArray<IpNetwork.IpNetwork>
  readonly endpoint: string
  /** Largest `Content-Length` taken; the route reads bodies up to this size whole too. */
  readonly maxBodyBytes: number
  readonly jwt: Jwt["Service"]
  /** The route's yoga request for a body read whole (`bufferedRequest`). */
  readonly request: (url: string, headers: Readonly<Record<string, string>>, body: BodyInit) => Request
  /** The route's: answers a request read whole for `actor`. */
  readonly execute: (
    request: Request,
    secure: boolean,
    actor: Actor
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse>
  readonly runFork: (effect: Effect.Effect<void>) => Fiber.Fiber<void>
}

/** The body could not be read (the client went away, a broken chunk): a 400, as the router's `RequestParseError`. */
class RequestParseError extends Data.TaggedError("RequestParseError")<{ readonly cause: unknown }> {}

/** The body of a request whose `Content-Length` was checked (Node's parser reads no more than it declares). */
const bodyOf = (request: IncomingMessage): Effect.Effect<Uint8Array<ArrayBuffer>, RequestParseError> =>
  Effect.callback<Uint8Array<ArrayBuffer>, RequestParseError>((resume) => {
    const stop = readNodeBody(request, Number.POSITIVE_INFINITY, (body) =>
      resume(body instanceof Uint8Array ? Effect.succeed(body) : Effect.fail(new RequestParseError({ cause: body })))
    )
    return Effect.sync(stop)
  })

/** The request's headers as one string each, as the router's request has them (repeated ones joined). */
const headersOf = (request: IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    const joined = joinedHeader(value)
    if (joined !== undefined) headers[name] = joined
  }
  return headers
}

const JSON_TYPE = /^application\/json\s*(;|$)/i

/**
 * Registers the fast path among `options.paths` for as long as the enclosing scope lives (the route's layer); on
 * release the requests it has in flight are answered (at most 5 s) before the services they use close.
 */
export const graphqlFastPath = (options: GraphqlFastPathOptions) =>
  Effect.gen(function* () {
    const inFlight = new Set<Fiber.Fiber<void>>()
    const contextOf = nodeRequestContext(options.trustedProxies)
    const path = makeNodeFastPath({
      takes: (request) => {
        if (request.method !== "POST" || request.url !== options.endpoint) return false
        const length = request.headers["content-length"]
        const declared = length === undefined || !/^\d+$/.test(length) ? Number.NaN : Number(length)
        return (
          declared <= options.maxBodyBytes &&
          request.headers["transfer-encoding"] === undefined &&
          request.headers.expect === undefined &&
          JSON_TYPE.test(request.headers["content-type"] ?? "")
        )
      },
      handler: (request) =>
        Effect.gen(function* () {
          const headers = headersOf(request)
          const client = yield* contextOf(request.socket.remoteAddress, headers)
          const actor = yield* authenticate(options.jwt, {
            authorization: headers["authorization"],
            ip: clientIp(client),
            userAgent: headers["user-agent"] ?? null
          })
          if (Option.isNone(actor)) return unauthenticatedResponse()
          const body = yield* bodyOf(request)
          // As `HttpServerRequest.toURL` spells the router's request URL.
          const url = `${client.protocol ?? "http"}://${client.host ?? "localhost"}${request.url}`
          if (!URL.canParse(url)) return yield* new RequestParseError({ cause: "the Host header is not a host" })
          const webRequest = options.request(url, headers, body)
          return yield* options.execute(webRequest, isSecure(client, url), actor.value)
        }),
      runFork: options.runFork,
      inFlight
    })
    yield* Effect.acquireRelease(
      Effect.sync(() => options.paths.add(path)),
      () => Effect.sync(() => options.paths.remove(path)).pipe(Effect.andThen(awaitInFlight(inFlight)))
    )
  })
