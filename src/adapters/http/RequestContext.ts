/** What a request says about itself (its client, scheme, query), believing proxies only as configured. */
import { Option } from "effect"
import { HttpMiddleware, HttpRouter, type HttpServerRequest } from "effect/http"
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
