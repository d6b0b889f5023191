import { Effect } from "effect"
import type { MetaGraph, MetaGraphError } from "../../application/ports/MetaGraph.ts"
import { MessageRejected, MetaUnavailable, type RejectionReason } from "../../domain/Errors.ts"

/**
 * Meta's error codes, sorted into the domain's errors: here and in `MetaGraphHttp` only (both Meta fakes apply the
 * same sorting, so the application never reads a code number).
 */

/** Meta refused the request itself (`(#100)`: a bad parameter, or an object the caller cannot reach). */
const INVALID_REQUEST = 100

/** Meta's codes that mean "this message cannot go", as opposed to Meta being unavailable (Cloud API error codes). */
const REJECTIONS: Readonly<Record<number, { readonly reason: RejectionReason; readonly retryable: boolean }>> = {
  131026: { reason: "recipient_unreachable", retryable: false },
  131047: { reason: "reply_window_closed", retryable: false },
  131049: { reason: "ecosystem_protection", retryable: true },
  131050: { reason: "marketing_opt_out", retryable: false },
  131051: { reason: "unsupported_type", retryable: false },
  131056: { reason: "pair_rate_limited", retryable: true },
  133010: { reason: "number_not_registered", retryable: false },
  131031: { reason: "account_restricted", retryable: false },
  368: { reason: "account_restricted", retryable: false },
  // Template sends (Cloud API error codes): unknown name/language, parameter count, format, paused, disabled.
  132000: { reason: "template_parameters_mismatch", retryable: false },
  132001: { reason: "template_not_found", retryable: false },
  132012: { reason: "template_parameter_format", retryable: false },
  132015: { reason: "template_paused", retryable: false },
  132016: { reason: "template_disabled", retryable: false },
  [INVALID_REQUEST]: { reason: "invalid_recipient", retryable: false }
}

/** Any call: a `(#100)` refusal is marked `invalid_request`, so callers act on the reason, not on the number. */
export const classifyMetaError = <E extends MetaGraphError>(error: E): E =>
  error._tag === "MetaUnavailable" && error.code === INVALID_REQUEST && error.reason === undefined
    ? (new MetaUnavailable({ code: error.code, detail: error.detail, reason: "invalid_request" }) as E)
    : error

/** A send: Meta's refusals of the message become `MessageRejected` with the domain's reason. */
export const classifySendError = (error: MetaGraphError): MetaGraphError | MessageRejected => {
  const code = "code" in error && typeof error.code === "number" ? error.code : undefined
  const rejection = code === undefined ? undefined : REJECTIONS[code]
  if (rejection === undefined) return classifyMetaError(error)
  return new MessageRejected({
    reason: rejection.reason,
    retryable: rejection.retryable,
    ...(code === undefined ? {} : { code }),
    detail: "detail" in error ? error.detail : error.message
  })
}

/**
 * The Graph port as the application sees it: every failure of every call sorted by `classifyMetaError`, a send's by
 * `classifySendError`. Both adapters (HTTP and memory) hand their calls through this, so the fakes cannot drift.
 */
export const classified = (graph: MetaGraph["Service"]): MetaGraph["Service"] => {
  const wrapped: Record<string, unknown> = {}
  for (const [name, call] of Object.entries(graph)) {
    wrapped[name] =
      typeof call === "function"
        ? (...args: ReadonlyArray<unknown>) =>
            Effect.mapError(
              (call as (...a: ReadonlyArray<unknown>) => Effect.Effect<unknown, MetaGraphError>)(...args),
              name === "sendText" || name === "sendTemplate" ? classifySendError : classifyMetaError
            )
        : call
  }
  return wrapped as unknown as MetaGraph["Service"]
}
