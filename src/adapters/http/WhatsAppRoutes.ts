import { Effect, Redacted } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { RateLimiter } from "effect/persistence"
import { callbackReason } from "../../application/OAuthFlow.ts"
import { type ConnectionView, WhatsAppConnections } from "../../application/WhatsAppConnections.ts"
import { Jwt } from "./Auth.ts"
import { authenticated, clientIp, rateLimited, searchParams } from "./RequestContext.ts"

/** The browser-binding cookie: scoped to the callback path, so it travels only where it is checked. */
export const WHATSAPP_STATE_COOKIE = "meta_oauth_whatsapp"
const CALLBACK_PATH = "/api/integrations/meta/whatsapp/callback"

export const statusBody = (view: ConnectionView) => ({
  connected: view.connected,
  status: view.status,
  phoneNumberE164: view.phoneNumberE164,
  displayName: view.displayName,
  updatedAt: view.updatedAt?.toISOString() ?? null,
  error: view.error,
  pendingReason: view.pendingReason,
  tokenExpiresAt: view.tokenExpiresAt?.toISOString() ?? null
})

const json = (body: unknown, status = 200) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: { "cache-control": "no-store" } })

/** The WhatsApp connect endpoints of DESIGN section 5. */
export const makeWhatsAppRoutes = (options: { readonly appBaseUrl: string }) => {
  const secure = options.appBaseUrl.startsWith("https:")
  const integrations = `${options.appBaseUrl}/settings/integrations`
  return HttpRouter.use(
    Effect.fn(function* (router) {
      const connect = yield* WhatsAppConnections
      const jwt = yield* Jwt
      const limiter = yield* RateLimiter.RateLimiter

      yield* router.add(
        "POST",
        "/api/integrations/meta/whatsapp/start",
        authenticated(jwt, (actor) =>
          rateLimited(
            limiter,
            "whatsapp.start",
            actor,
            20,
            "1 minute",
            Effect.map(connect.start(actor), (started) =>
              json({ authUrl: started.authUrl, state: started.state }).pipe(
                HttpServerResponse.setCookieUnsafe(WHATSAPP_STATE_COOKIE, started.browserBinding, {
                  httpOnly: true,
                  sameSite: "lax",
                  secure,
                  path: CALLBACK_PATH,
                  maxAge: "10 minutes"
                })
              )
            )
          )
        )
      )

      yield* router.add(
        "GET",
        CALLBACK_PATH,
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const query = searchParams(request)
          const code = query.get("code")
          const outcome = yield* connect
            .complete({
              state: query.get("state"),
              code: code === null || code === "" ? null : Redacted.make(code),
              error: query.get("error"),
              errorReason: query.get("error_reason"),
              cookieBinding: request.cookies[WHATSAPP_STATE_COOKIE] ?? null,
              ip: clientIp(request),
              userAgent: request.headers["user-agent"] ?? null
            })
            .pipe(Effect.result)
          const location =
            outcome._tag === "Success"
              ? `${integrations}?whatsapp=${outcome.success.status === "pending" ? "pending" : "connected"}`
              : `${integrations}?whatsapp=error&reason=${callbackReason(outcome.failure)}`
          if (outcome._tag === "Failure") {
            yield* Effect.logInfo(`WhatsApp callback refused: ${callbackReason(outcome.failure)}`, outcome.failure._tag)
          }
          return HttpServerResponse.redirect(location, {
            status: 302,
            headers: { "cache-control": "no-store", "referrer-policy": "no-referrer" }
          }).pipe(HttpServerResponse.expireCookieUnsafe(WHATSAPP_STATE_COOKIE, { path: CALLBACK_PATH }))
        })
      )

      yield* router.add(
        "GET",
        "/api/integrations/meta/whatsapp/status",
        authenticated(jwt, (actor) => Effect.map(connect.status(actor), (view) => json(statusBody(view))))
      )

      yield* router.add(
        "POST",
        "/api/integrations/meta/whatsapp/disconnect",
        authenticated(jwt, (actor) =>
          rateLimited(
            limiter,
            "whatsapp.disconnect",
            actor,
            10,
            "1 minute",
            Effect.map(connect.disconnect(actor), (view) => json(statusBody(view)))
          )
        )
      )
    })
  )
}
