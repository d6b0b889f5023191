/** What a request says about itself (its client, scheme, query), believing proxies only as configured. */
import { Effect, Option } from "effect"
import { HttpMiddleware, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import type { IpNetwork } from "effect/net"

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
export const clientIp = (request: Pick<HttpServerRequest.HttpServerRequest, "remoteAddress">): string | null => {
  const address = Option.getOrNull(request.remoteAddress)
  // A dual-stack socket reports IPv4 peers as IPv4-mapped IPv6 (`::ffff:203.0.113.7`).
  return address?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1") ?? null
}

/** Whether the browser reached the service over HTTPS: the URL's scheme, or a trusted proxy's `X-Forwarded-Proto`. */
export const isSecure = (
  request: Pick<HttpServerRequest.HttpServerRequest, "protocol"> & { readonly url?: string },
  url: string = request.url ?? ""
): boolean => url.startsWith("https:") || request.protocol === "https"

export const searchParams = (request: HttpServerRequest.HttpServerRequest): URLSearchParams =>
  new URL(request.url, "http://internal").searchParams

/** What a request that did not come through the router says about its client: see `nodeRequestContext`. */
export interface NodeRequestContext {
  readonly remoteAddress: Option.Option<string>
  readonly protocol: "http" | "https" | undefined
  /** Its `Host`: a trusted proxy's `X-Forwarded-Host` when there is one. */
  readonly host: string | undefined
}

/**
 * The client address, scheme and host of a `node:http` request answered by a fast path (`NodeFastPath.ts`), by the
 * very rule of `trustedProxiesMiddleware`: the same Effect middleware (`xForwardedHeaders`) runs over a stand-in
 * for the router's request (the socket peer, the headers, and `modify`, all that the middleware reads and calls),
 * so the fast path and the router believe the same headers from the same peers. Its `remoteAddress` and `protocol`
 * are read by `clientIp` and `isSecure` as the router's are.
 */
export const nodeRequestContext = (trustedProxies: ReadonlyArray<IpNetwork.IpNetwork>) => {
  const forward = HttpMiddleware.xForwardedHeaders({ trustedProxies })
  const direct = (peer: string | undefined, headers: Readonly<Record<string, string>>): StandIn => ({
    remoteAddress: Option.fromNullishOr(peer),
    peerAddress: Option.fromNullishOr(peer),
    protocol: undefined,
    headers,
    host: headers["host"],
    modify: (options) => ({
      ...direct(peer, options.headers ?? headers),
      remoteAddress: options.remoteAddress ?? Option.fromNullishOr(peer),
      protocol: options.protocol
    })
  })
  return (peer: string | undefined, headers: Readonly<Record<string, string>>): Effect.Effect<NodeRequestContext> => {
    const request = direct(peer, headers)
    // No trusted proxy: nothing is believed (the middleware would return the request as it is).
    if (trustedProxies.length === 0) return Effect.succeed(request)
    let seen: StandIn = request
    return forward(
      Effect.map(HttpServerRequest.HttpServerRequest, (modified) => {
        seen = modified as unknown as StandIn
        return HttpServerResponse.empty()
      })
    ).pipe(
      Effect.provideService(
        HttpServerRequest.HttpServerRequest,
        request as unknown as HttpServerRequest.HttpServerRequest
      ),
      Effect.orDie,
      Effect.map(() => ({ ...seen, host: seen.headers["host"] }))
    )
  }
}

interface StandIn extends NodeRequestContext {
  readonly peerAddress: Option.Option<string>
  readonly headers: Readonly<Record<string, string>>
  readonly modify: (options: {
    readonly headers?: Readonly<Record<string, string>>
    readonly remoteAddress?: Option.Option<string>
    readonly protocol?: "http" | "https"
  }) => StandIn
}
