import { Cookies, type HttpServerRequest, HttpServerResponse } from "effect/http"
import type { StartedConnect } from "../../application/connect/OAuthFlow.ts"
import { OAUTH_STATE_TTL } from "../../domain/OAuthState.ts"

/**
 * The browser binding of a started login, in one place for HTTP and GraphQL alike: each started flow has its own
 * HttpOnly, SameSite=Lax cookie (its name carries the start of the flow's state), scoped to the path where it is
 * checked and living as long as the state ({@link OAUTH_STATE_TTL}). Two tabs that both start a connection each keep
 * their own binding, and a callback expires only the cookies of its own flow.
 */
export interface BindingScope {
  /** The cookie name before the state's first characters. */
  readonly prefix: string
  /** The one path the cookie travels to. */
  readonly path: string
}

export const WHATSAPP_CALLBACK_PATH = "/api/integrations/meta/whatsapp/callback"
export const WHATSAPP_COMPLETE_PATH = "/api/integrations/meta/whatsapp/complete"
export const META_ADS_CALLBACK_PATH = "/api/integrations/meta/ads/callback"

/** Meta's redirect back (Embedded Signup's full-page flow). */
export const WHATSAPP_CALLBACK_BINDING: BindingScope = { prefix: "meta_oauth_wa_", path: WHATSAPP_CALLBACK_PATH }
/** The JS SDK popup flow's completion posted by the page. */
export const WHATSAPP_COMPLETE_BINDING: BindingScope = { prefix: "meta_oauth_wap_", path: WHATSAPP_COMPLETE_PATH }
/** Every place a WhatsApp login can end: a started flow is bound on each, and ending it expires each. */
export const WHATSAPP_BINDINGS: ReadonlyArray<BindingScope> = [WHATSAPP_CALLBACK_BINDING, WHATSAPP_COMPLETE_BINDING]

export const META_ADS_BINDING: BindingScope = { prefix: "meta_oauth_ads_", path: META_ADS_CALLBACK_PATH }
export const META_ADS_BINDINGS: ReadonlyArray<BindingScope> = [META_ADS_BINDING]

/** How many characters of the state name the cookie: 96 bits, so two flows of one browser never share a name. */
export const STATE_PREFIX_LENGTH = 16

/** States are base64url; anything else (a visitor's query string) names no cookie. */
const STATE_SHAPE = /^[A-Za-z0-9_-]+$/

/** The cookie name of `state`'s binding on `scope`, or null when the state cannot be ours. */
export const bindingCookieName = (scope: BindingScope, state: string | null | undefined): string | null =>
  typeof state === "string" && STATE_SHAPE.test(state) ? `${scope.prefix}${state.slice(0, STATE_PREFIX_LENGTH)}` : null

/** The attributes of every binding cookie. */
export const bindingCookieOptions = (scope: BindingScope, secure: boolean) =>
  ({ httpOnly: true, sameSite: "lax", secure, path: scope.path, maxAge: OAUTH_STATE_TTL }) as const

const cookiesOf = (scopes: ReadonlyArray<BindingScope>, started: StartedConnect, secure: boolean) =>
  scopes.flatMap((scope) => {
    const name = bindingCookieName(scope, started.state)
    return name === null
      ? []
      : [Cookies.makeCookieUnsafe(name, started.browserBinding, bindingCookieOptions(scope, secure))]
  })

/** The start response of HTTP: one binding cookie per scope for this flow. */
export const setBindingCookies =
  (scopes: ReadonlyArray<BindingScope>, started: StartedConnect, secure: boolean) =>
  (response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse =>
    cookiesOf(scopes, started, secure).reduce(
      (acc, cookie) => HttpServerResponse.setCookieUnsafe(acc, cookie.name, cookie.value, cookie.options),
      response
    )

/** The same cookies as `Set-Cookie` header values, for the GraphQL start mutations. */
export const bindingSetCookieHeaders = (
  scopes: ReadonlyArray<BindingScope>,
  started: StartedConnect,
  secure: boolean
): Array<string> => cookiesOf(scopes, started, secure).map(Cookies.serializeCookie)

/** The binding the browser sent for `state` on `scope`, or null. */
export const readBinding = (
  scope: BindingScope,
  request: HttpServerRequest.HttpServerRequest,
  state: string | null | undefined
): string | null => {
  const name = bindingCookieName(scope, state)
  return name === null ? null : (request.cookies[name] ?? null)
}

/** Ends a flow's binding in this browser: its cookie on every scope, and no other flow's. */
export const expireBindingCookies =
  (scopes: ReadonlyArray<BindingScope>, state: string | null | undefined, secure: boolean) =>
  (response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse =>
    scopes.reduce((acc, scope) => {
      const name = bindingCookieName(scope, state)
      return name === null
        ? acc
        : HttpServerResponse.expireCookieUnsafe(acc, name, {
            httpOnly: true,
            sameSite: "lax",
            secure,
            path: scope.path
          })
    }, response)
