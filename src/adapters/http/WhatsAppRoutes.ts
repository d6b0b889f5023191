import { Effect, Option, Redacted, Schema } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { callbackReason } from "../../application/connect/OAuthFlow.ts"
import { type ConnectionView, WhatsAppConnections } from "../../application/connect/WhatsAppConnections.ts"
import { ConnectionHealthChecks, type HealthView } from "../../application/health/ConnectionHealthChecks.ts"
import { OperationLimits } from "../../application/OperationLimits.ts"
import { whatsAppDetails } from "../../domain/ConnectionDetails.ts"
import { decodeCancel, decodeSessionInfo } from "../meta-graph/SessionInfo.ts"
import { countOAuthRequest, recordOAuthError } from "../observability/Metrics.ts"
import { Jwt } from "./Auth.ts"
import {
  expireBindingCookies,
  setBindingCookies,
  WHATSAPP_BINDINGS,
  WHATSAPP_CALLBACK_BINDING,
  WHATSAPP_CALLBACK_PATH,
  WHATSAPP_COMPLETE_BINDING,
  WHATSAPP_COMPLETE_PATH
} from "./BrowserBinding.ts"
import { domainErrorResponse, errorResponse } from "./ErrorResponse.ts"
import { callbackInput, oauthCallback } from "./OAuthCallback.ts"
import { authenticated, rateLimited } from "./RequestGuards.ts"

const CALLBACK_PATH = WHATSAPP_CALLBACK_PATH
const COMPLETE_PATH = WHATSAPP_COMPLETE_PATH

const CompleteBody = Schema.Struct({
  state: Schema.String,
  code: Schema.optional(Schema.NullOr(Schema.String)),
  sessionInfo: Schema.optional(Schema.Unknown)
})
const decodeCompleteBody = Schema.decodeUnknownOption(CompleteBody)

const RegisterBody = Schema.Struct({ pin: Schema.optional(Schema.NullOr(Schema.String)) })
const decodeRegisterBody = Schema.decodeUnknownOption(RegisterBody)

/** A value as the REST bodies carry it: a time as its ISO string, nothing as `null`. */
type Wire<V> = V extends Date ? string : V extends undefined ? null : V

/** The named fields of `value`, times as ISO strings: the REST bodies list what they show, in one way. */
export const wireFields = <T, K extends keyof T>(value: T, keys: ReadonlyArray<K>) =>
  Object.fromEntries(
    keys.map((key) => {
      const field = value[key]
      return [key, field instanceof Date ? field.toISOString() : (field ?? null)]
    })
  ) as { [P in K]: Wire<T[P]> }

/** A connection's health checks, as the REST status shows them. */
export const healthBody = (health: HealthView) => ({
  ...wireFields(health, ["overall", "checkedAt", "messagingHealthy", "lastWebhookAt"]),
  checks: health.checks.map((check) => wireFields(check, ["name", "status", "message", "checkedAt"]))
})

export const statusBody = (view: ConnectionView) =>
  wireFields(view, [
    "connected",
    "status",
    "phoneNumberE164",
    "displayName",
    "updatedAt",
    "error",
    "pendingReason",
    "warning",
    "tokenExpiresAt"
  ])

/** A JSON answer no cache keeps. */
export const json = (body: unknown, status = 200) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: { "cache-control": "no-store" } })

/** The WhatsApp connect endpoints of DESIGN section 5. */
export const makeWhatsAppRoutes = (options: { readonly appBaseUrl: string }) => {
  const secure = options.appBaseUrl.startsWith("https:")
  const integrations = `${options.appBaseUrl}/settings/integrations`
  return HttpRouter.use(
    Effect.fn(function* (router) {
      const connect = yield* WhatsAppConnections
      const jwt = yield* Jwt
      const limits = yield* OperationLimits
      const health = yield* ConnectionHealthChecks

      yield* router.add(
        "POST",
        "/api/integrations/meta/whatsapp/start",
        authenticated(jwt, (actor) =>
          rateLimited(
            limits,
            "whatsapp.start",
            actor,
            Effect.map(connect.start(actor), (started) =>
              // This flow's own binding, on the callback (redirect) and on the completion (popup).
              json({ authUrl: started.authUrl, state: started.state }).pipe(
                setBindingCookies(WHATSAPP_BINDINGS, started, secure)
              )
            )
          )
        ).pipe(countOAuthRequest("start"))
      )

      yield* router.add(
        "GET",
        CALLBACK_PATH,
        oauthCallback({
          param: "whatsapp",
          binding: WHATSAPP_CALLBACK_BINDING,
          bindings: WHATSAPP_BINDINGS,
          secure,
          integrations,
          complete: connect.complete,
          // A login that granted several numbers (or awaits display-name review) comes back pending.
          outcome: (connection) => (connection.status === "pending" ? "pending" : "connected")
        })
      )

      // The JS SDK popup flow (Embedded Signup v4): the FB.login code and the session-info event, posted by the page.
      // The same use case as the callback; the code is exchanged without redirect_uri.
      yield* router.add(
        "POST",
        COMPLETE_PATH,
        authenticated(jwt, (actor, request) =>
          Effect.gen(function* () {
            const body = Option.flatMap(yield* request.json.pipe(Effect.option), decodeCompleteBody)
            const sessionInfo = Option.flatMap(body, (b) =>
              b.sessionInfo === undefined || b.sessionInfo === null
                ? Option.some(null)
                : decodeSessionInfo(b.sessionInfo)
            )
            if (Option.isNone(body) || Option.isNone(sessionInfo)) {
              return errorResponse(
                400,
                "invalid_request",
                'Send {"state": "…", "code": "<FB.login code>", "sessionInfo": <the WA_EMBEDDED_SIGNUP event>}.'
              )
            }
            const code = body.value.code ?? null
            // The person closed Meta's window (CANCEL): the page reports it, so the flow ends as a cancel.
            const cancel = decodeCancel(body.value.sessionInfo)
            const input = {
              ...callbackInput(request, WHATSAPP_COMPLETE_BINDING, body.value.state),
              code: code === null || code === "" ? null : Redacted.make(code),
              error: Option.isSome(cancel) ? "cancelled" : null,
              errorReason: Option.isSome(cancel) ? cancel.value.step : null,
              popup: { sessionInfo: sessionInfo.value, tenantId: actor.tenantId }
            }
            const result = yield* connect.complete(input).pipe(Effect.result)
            const view = yield* connect.status(actor)
            const answer =
              result._tag === "Success"
                ? {
                    outcome: result.success.status === "pending" ? "pending" : "connected",
                    ...(result.success.status === "pending"
                      ? { reason: view.pendingReason }
                      : whatsAppDetails(result.success).coexistence === true
                        ? { reason: "coexistence" }
                        : {}),
                    connection: statusBody(view)
                  }
                : { outcome: "error", reason: callbackReason(result.failure), connection: statusBody(view) }
            if (result._tag === "Failure") {
              yield* recordOAuthError(callbackReason(result.failure))
              yield* Effect.logInfo(`WhatsApp popup completion refused: ${answer.reason}`, result.failure._tag)
            }
            return json(answer).pipe(expireBindingCookies(WHATSAPP_BINDINGS, body.value.state, secure))
          })
        ).pipe(countOAuthRequest("callback"))
      )

      yield* router.add(
        "GET",
        "/api/integrations/meta/whatsapp/status",
        authenticated(jwt, (actor) =>
          Effect.gen(function* () {
            const view = yield* connect.status(actor)
            return json({ ...statusBody(view), health: healthBody(yield* health.read(actor)) })
          })
        )
      )

      // "Check now": runs the connection's health checks (each asks Meta), rate-limited per tenant.
      yield* router.add(
        "POST",
        "/api/integrations/meta/whatsapp/check",
        authenticated(jwt, (actor) =>
          rateLimited(
            limits,
            "whatsapp.check",
            actor,
            Effect.gen(function* () {
              const checked = yield* health.checkNow(actor)
              const view = yield* connect.status(actor)
              return json({ ...statusBody(view), health: healthBody(checked) })
            })
          )
        )
      )

      // A connection pending with `pin_required` (the number's two-step verification PIN, used once, kept only
      // encrypted) or `number_not_verified` (no PIN: check again).
      yield* router.add(
        "POST",
        "/api/integrations/meta/whatsapp/register",
        authenticated(jwt, (actor, request) =>
          rateLimited(
            limits,
            "whatsapp.register",
            actor,
            Effect.gen(function* () {
              const body = Option.flatMap(yield* request.json.pipe(Effect.option), decodeRegisterBody)
              if (Option.isNone(body)) {
                return errorResponse(400, "invalid_request", 'Send {"pin": "<the number\'s 6-digit PIN>"} or {}.')
              }
              const pin = body.value.pin ?? null
              const result = yield* connect
                .register(actor, pin === null ? null : Redacted.make(pin))
                .pipe(Effect.result)
              if (result._tag === "Success") return json(statusBody(result.success))
              return domainErrorResponse(result.failure)
            })
          )
        )
      )

      yield* router.add(
        "POST",
        "/api/integrations/meta/whatsapp/disconnect",
        authenticated(jwt, (actor) =>
          rateLimited(
            limits,
            "whatsapp.disconnect",
            actor,
            Effect.map(connect.disconnect(actor), (view) => json(statusBody(view)))
          )
        )
      )
    })
  )
}
