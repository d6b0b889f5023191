import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import type { DomainError, DomainErrorTag } from "../../domain/Errors.ts"

/**
 * The one JSON error shape of every 4xx/5xx this service answers:
 * `{"error": {"code": "<snake_case>", "message": "<for a person>"}}`, plus any headers (e.g. `Retry-After`).
 */
export const errorResponse = (
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  fields: Record<string, unknown> = {}
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe(
    { error: { ...fields, code, message } },
    { status, headers: { "cache-control": "no-store", ...headers } }
  )

export const errorEffect = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Effect.succeed(errorResponse(status, code, message, headers))

/** How one domain error answers over HTTP: its status, its `error.code`, and any headers it carries. */
interface HttpError<E> {
  readonly status: number
  readonly code: string
  readonly headers?: (error: E) => Record<string, string>
  /** Fields beside `code` and `message` in `error` (e.g. when a window closed). */
  readonly fields?: (error: E) => Record<string, unknown>
}

/** Retry-After from a delay in seconds. */
const retryAfter = (seconds: number) => ({ "retry-after": String(seconds) })

/**
 * Every domain error as an HTTP status and `error.code`, in one table (the message is the error's own). A new
 * domain error does not compile until it has a row here.
 */
export const HTTP_ERRORS: { readonly [K in DomainErrorTag]: HttpError<Extract<DomainError, { _tag: K }>> } = {
  NumberAlreadyConnected: { status: 409, code: "number_in_use" },
  OAuthStateNotFound: { status: 400, code: "state_invalid" },
  OAuthStateExpired: { status: 400, code: "state_expired" },
  OAuthStateAlreadyUsed: { status: 409, code: "state_used" },
  OAuthStateMismatch: { status: 400, code: "state_invalid" },
  OAuthCancelled: { status: 400, code: "cancelled" },
  SessionMismatch: { status: 422, code: "session_mismatch" },
  NoPhoneNumberGranted: { status: 409, code: "no_phone_number" },
  NoAdAccountGranted: { status: 409, code: "no_ad_account" },
  AdAccountNotGranted: { status: 422, code: "ad_account_not_granted" },
  MetaPermissionMissing: { status: 403, code: "permission_missing" },
  MetaTokenInvalid: { status: 409, code: "token_invalid" },
  MetaTokenAppMismatch: { status: 422, code: "token_app_mismatch" },
  MetaRateLimited: { status: 429, code: "rate_limited", headers: (error) => retryAfter(error.retryAfterSeconds ?? 60) },
  MetaUnavailable: { status: 502, code: "meta_unavailable" },
  MetaAppCredentialsInvalid: { status: 502, code: "meta_unavailable" },
  ConnectionNotFound: { status: 404, code: "not_found" },
  ConversationNotFound: { status: 404, code: "not_found" },
  NotConnected: { status: 409, code: "not_connected" },
  MetaAdsNotConnected: { status: 409, code: "not_connected" },
  SendingRestricted: { status: 409, code: "sending_restricted" },
  OutsideCustomerServiceWindow: {
    status: 409,
    code: "outside_customer_service_window",
    fields: (error) => ({ closedAt: error.closedAt })
  },
  ConversationOnOtherNumber: {
    status: 409,
    code: "conversation_on_other_number",
    fields: (error) => ({ phoneNumberId: error.phoneNumberId, displayPhoneNumber: error.displayPhoneNumber })
  },
  TemplateNotApproved: {
    status: 409,
    code: "template_not_approved",
    fields: (error) => ({ name: error.name, language: error.language, templateStatus: error.status })
  },
  TemplateParametersInvalid: {
    status: 400,
    code: "template_parameters_invalid",
    fields: (e) => ({ reason: e.reason })
  },
  InvalidMessage: { status: 400, code: "invalid_message" },
  MessageRejected: { status: 422, code: "message_rejected" },
  InvalidWebhookSignature: { status: 401, code: "invalid_signature" },
  InvalidWebhookPayload: { status: 400, code: "invalid_payload" },
  Forbidden: { status: 403, code: "forbidden" },
  FeatureDisabled: { status: 403, code: "forbidden" },
  RateLimited: { status: 429, code: "rate_limited", headers: (error) => retryAfter(error.retryAfterSeconds) },
  // Our configuration fault: the connection is fine, the service cannot use it right now.
  TokenDecryptionFailed: { status: 503, code: "token_unreadable" },
  TokenUnreadable: { status: 503, code: "token_unreadable" },
  RegistrationPinMismatch: { status: 422, code: "pin_mismatch" },
  NumberNotVerified: { status: 409, code: "number_not_verified" },
  InvalidPin: { status: 400, code: "invalid_pin" },
  NoRegistrationPending: { status: 409, code: "no_registration_pending" },
  WebhookEndpointNotFound: { status: 404, code: "not_found" },
  WebhookTargetRefused: { status: 422, code: "webhook_target_refused" },
  InvalidWebhookEndpoint: { status: 400, code: "invalid_webhook_endpoint" }
}

/** A domain error as the one error shape, with the status and code of `HTTP_ERRORS`. */
export const domainErrorResponse = (error: DomainError): HttpServerResponse.HttpServerResponse => {
  const entry = HTTP_ERRORS[error._tag] as HttpError<DomainError>
  return errorResponse(entry.status, entry.code, error.message, entry.headers?.(error), entry.fields?.(error))
}

/** A use case's success as `body`'s response, its domain error as {@link HTTP_ERRORS} says. */
export const answer = <A, E extends DomainError, R>(
  effect: Effect.Effect<A, E, R>,
  body: (a: A) => HttpServerResponse.HttpServerResponse
) => effect.pipe(Effect.match({ onSuccess: body, onFailure: domainErrorResponse }))
