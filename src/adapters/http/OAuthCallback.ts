import { Effect, Redacted } from "effect"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import { type CallbackError, type CallbackInput, callbackReason } from "../../application/connect/OAuthFlow.ts"
import type { ChannelConnection } from "../../domain/ChannelConnection.ts"
import { countOAuthRequest, type MetricProvider, recordOAuthError } from "../observability/Metrics.ts"
import { type BindingScope, expireBindingCookies, readBinding } from "./BrowserBinding.ts"
import { clientIp, searchParams } from "./RequestContext.ts"

/**
 * The callback's input from Meta's redirect (query) and the browser (the binding cookie of that state on `scope`).
 * `state` is the query's unless given (the popup flow posts it in the body).
 */
export const callbackInput = (
  request: HttpServerRequest.HttpServerRequest,
  scope: BindingScope,
  state: string | null = searchParams(request).get("state")
): CallbackInput => {
  const query = searchParams(request)
  const code = query.get("code")
  return {
    state,
    code: code === null || code === "" ? null : Redacted.make(code),
    error: query.get("error"),
    errorReason: query.get("error_reason"),
    cookieBinding: readBinding(scope, request, state),
    ip: clientIp(request),
    userAgent: request.headers["user-agent"] ?? null
  }
}

/**
 * A provider's OAuth callback (any provider): completes the login, then `302` to the integrations page with
 * `?{param}={outcome}` or `?{param}=error&reason=R`; this flow's binding cookies (every scope in `bindings`) are
 * expired either way, and no other flow's.
 */
export const oauthCallback = <E extends CallbackError>(options: {
  readonly param: string
  /** Where this callback reads the binding. */
  readonly binding: BindingScope
  /** Every scope the flow was bound on (the callback ends the flow on all of them). */
  readonly bindings: ReadonlyArray<BindingScope>
  readonly secure: boolean
  /** The metrics' `provider` label; default `meta_whatsapp`. */
  readonly provider?: MetricProvider
  readonly integrations: string
  readonly complete: (input: CallbackInput) => Effect.Effect<ChannelConnection, E>
  readonly outcome?: (connection: ChannelConnection) => string
}) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const input = callbackInput(request, options.binding)
    const result = yield* options.complete(input).pipe(Effect.result)
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
    }).pipe(expireBindingCookies(options.bindings, input.state, options.secure))
  }).pipe(countOAuthRequest("callback", options.provider))
