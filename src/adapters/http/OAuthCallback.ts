import { Effect, Redacted } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { type CallbackError, type CallbackInput, callbackReason } from "../../application/OAuthFlow.ts"
import type { ChannelConnection } from "../../domain/ChannelConnection.ts"
import { countOAuthRequest, type MetricProvider, recordOAuthError } from "../observability/Metrics.ts"
import { clientIp, searchParams } from "./RequestContext.ts"

/** The callback's input from Meta's redirect (query) and the browser (its binding cookie). */
export const callbackInput = (request: HttpServerRequest.HttpServerRequest, cookie: string): CallbackInput => {
  const query = searchParams(request)
  const code = query.get("code")
  return {
    state: query.get("state"),
    code: code === null || code === "" ? null : Redacted.make(code),
    error: query.get("error"),
    errorReason: query.get("error_reason"),
    cookieBinding: request.cookies[cookie] ?? null,
    ip: clientIp(request),
    userAgent: request.headers["user-agent"] ?? null
  }
}

/** The HttpOnly, SameSite=Lax cookie that binds a login's state to the browser that started it (10 minutes). */
export const bindingCookieOptions = (path: string, secure: boolean) =>
  ({ httpOnly: true, sameSite: "lax", secure, path, maxAge: "10 minutes" }) as const

/**
 * A provider's OAuth callback (any provider): completes the login, then `302` to the integrations page with
 * `?{param}={outcome}` or `?{param}=error&reason=R`; the binding cookie is expired either way.
 */
export const oauthCallback = <E extends CallbackError>(options: {
  readonly param: string
  /** The metrics' `provider` label; default `meta_whatsapp`. */
  readonly provider?: MetricProvider
  readonly cookie: string
  readonly path: string
  readonly integrations: string
  readonly complete: (input: CallbackInput) => Effect.Effect<ChannelConnection, E>
  readonly outcome?: (connection: ChannelConnection) => string
}) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const result = yield* options.complete(callbackInput(request, options.cookie)).pipe(Effect.result)
    if (result._tag === "Failure") {
      const reason = callbackReason(result.failure)
      yield* recordOAuthError(reason, options.provider)
      yield* Effect.logInfo(`OAuth callback (${options.param}) refused: ${reason}`, result.failure._tag)
    }
    const query =
      result._tag === "Success"
        ? (options.outcome?.(result.success) ?? "connected")
        : `error&reason=${callbackReason(result.failure)}`
    return HttpServerResponse.redirect(`${options.integrations}?${options.param}=${query}`, {
      status: 302,
      headers: { "cache-control": "no-store", "referrer-policy": "no-referrer" }
    }).pipe(HttpServerResponse.expireCookieUnsafe(options.cookie, { path: options.path }))
  }).pipe(countOAuthRequest("callback", options.provider))
