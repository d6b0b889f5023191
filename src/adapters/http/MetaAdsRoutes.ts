import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { Actor } from "../../application/Actor.ts"
import {
  MetaAdsConnections,
  type MetaAdsTest,
  type MetaAdsTokenDebug,
  type MetaAdsView
} from "../../application/ads/MetaAdsConnections.ts"
import { MetaAdsHealthChecks } from "../../application/health/MetaAdsHealthChecks.ts"
import { type LimitedOperation, OperationLimits } from "../../application/OperationLimits.ts"
import { countOAuthRequest } from "../observability/Metrics.ts"
import { Jwt } from "./Auth.ts"
import { META_ADS_BINDING, META_ADS_BINDINGS, META_ADS_CALLBACK_PATH, setBindingCookies } from "./BrowserBinding.ts"
import { answer } from "./ErrorResponse.ts"
import { oauthCallback } from "./OAuthCallback.ts"
import { authenticated, rateLimited } from "./RequestGuards.ts"
import { healthBody } from "./WhatsAppRoutes.ts"

export { META_ADS_CALLBACK_PATH }

const BASE = "/api/integrations/meta/ads"

export const adsStatusBody = (view: MetaAdsView) => ({
  id: view.id,
  connected: view.connected,
  status: view.status,
  tokenExpiresAt: view.tokenExpiresAt?.toISOString() ?? null,
  tokenExpiringSoon: view.tokenExpiringSoon,
  tokenState: view.tokenState,
  dataAccessExpiresAt: view.dataAccessExpiresAt?.toISOString() ?? null,
  unreadableBusinessManagers: view.unreadableBusinesses,
  error: view.error,
  pendingReason: view.pendingReason,
  updatedAt: view.updatedAt?.toISOString() ?? null,
  selectedBusinessManagerId: view.selectedBusinessManagerId,
  selectedAdAccountId: view.selectedAdAccountId,
  businessManagers: view.businessManagers,
  user: view.user
})

const testBody = (test: MetaAdsTest) => ({ ...test, tokenExpiresAt: test.tokenExpiresAt?.toISOString() ?? null })
const debugBody = (debug: MetaAdsTokenDebug) => ({ ...debug, expiresAt: debug.expiresAt?.toISOString() ?? null })

const json = (body: unknown, status = 200) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: { "cache-control": "no-store" } })

/** Answers a use case's success with `body`, and its typed failure in the one error shape. */

/**
 * The Meta Ads connect endpoints (DESIGN section 5): start, callback, status, disconnect, test-connection, and the
 * operators' token-debug. Start, disconnect, test-connection and token-debug are limited per tenant (`OPERATION_LIMITS`).
 */
export const makeMetaAdsRoutes = (options: { readonly appBaseUrl: string }) => {
  const secure = options.appBaseUrl.startsWith("https:")
  const integrations = `${options.appBaseUrl}/settings/integrations`
  return HttpRouter.use(
    Effect.fn(function* (router) {
      const ads = yield* MetaAdsConnections
      const jwt = yield* Jwt
      const limits = yield* OperationLimits
      const health = yield* MetaAdsHealthChecks

      /** An authenticated route that is one run of a limited operation (429 with Retry-After beyond its limit). */
      const limited = <E, R>(
        operation: LimitedOperation,
        handler: (actor: Actor) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
      ) => authenticated(jwt, (actor) => rateLimited(limits, operation, actor, handler(actor)))

      yield* router.add(
        "POST",
        `${BASE}/start`,
        limited("meta_ads.start", (actor) =>
          answer(ads.start(actor), (started) =>
            json({ authUrl: started.authUrl, state: started.state }).pipe(
              setBindingCookies(META_ADS_BINDINGS, started, secure)
            )
          )
        ).pipe(countOAuthRequest("start", "meta_ads"))
      )

      yield* router.add(
        "GET",
        META_ADS_CALLBACK_PATH,
        oauthCallback({
          param: "meta_ads",
          binding: META_ADS_BINDING,
          bindings: META_ADS_BINDINGS,
          secure,
          provider: "meta_ads",
          integrations,
          complete: ads.complete
        })
      )

      yield* router.add(
        "GET",
        `${BASE}/status`,
        authenticated(jwt, (actor) =>
          Effect.gen(function* () {
            const view = yield* ads.status(actor)
            return json({ ...adsStatusBody(view), health: healthBody(yield* health.read(actor)) })
          })
        )
      )

      // "Check now": runs the connection's health checks (each asks Meta), rate-limited per tenant.
      yield* router.add(
        "POST",
        `${BASE}/check`,
        limited("meta_ads.check", (actor) =>
          Effect.gen(function* () {
            const checked = yield* health.checkNow(actor)
            const view = yield* ads.status(actor)
            return json({ ...adsStatusBody(view), health: healthBody(checked) })
          })
        )
      )

      yield* router.add(
        "POST",
        `${BASE}/disconnect`,
        limited("meta_ads.disconnect", (actor) => answer(ads.disconnect(actor), (view) => json(adsStatusBody(view))))
      )

      // GET as the CRM report names it; POST as before. Both run the same checks.
      for (const method of ["GET", "POST"] as const) {
        yield* router.add(
          method,
          `${BASE}/test-connection`,
          limited("meta_ads.test_connection", (actor) =>
            Effect.map(ads.testConnection(actor), (test) => json(testBody(test)))
          )
        )
      }

      yield* router.add(
        "GET",
        `${BASE}/token-debug`,
        limited("meta_ads.token_debug", (actor) => answer(ads.tokenDebug(actor), (debug) => json(debugBody(debug))))
      )
    })
  )
}
