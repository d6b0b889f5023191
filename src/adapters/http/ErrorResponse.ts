import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"

/**
 * The one JSON error shape of every 4xx/5xx this service answers:
 * `{"error": {"code": "<snake_case>", "message": "<for a person>"}}`, plus any headers (e.g. `Retry-After`).
 */
export const errorResponse = (
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {}
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe(
    { error: { code, message } },
    { status, headers: { "cache-control": "no-store", ...headers } }
  )

export const errorEffect = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Effect.succeed(errorResponse(status, code, message, headers))
