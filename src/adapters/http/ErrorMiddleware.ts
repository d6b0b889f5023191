import { Cause, Effect } from "effect"
import { HttpRouter, type HttpServerResponse } from "effect/http"
import { errorResponse } from "./ErrorResponse.ts"

/**
 * The answer to a request whose handler failed: an unknown route is a 404, a malformed request a 400, and anything
 * unexpected (a defect, an infrastructure failure) a 500 whose cause is logged, never sent. An interruption stays
 * one. The router's `JsonErrors` and the `node:http` fast paths (`NodeFastPath.ts`) answer through this.
 */
export const answerFailure = <E>(cause: Cause.Cause<E>): Effect.Effect<HttpServerResponse.HttpServerResponse, E> => {
  const failure = Cause.findErrorOption(cause)
  const error =
    failure._tag === "Some"
      ? (failure.value as { readonly _tag?: unknown; readonly reason?: { readonly _tag?: unknown } })
      : undefined
  const tag = error?.reason?._tag ?? error?._tag
  if (tag === "RouteNotFound") return Effect.succeed(errorResponse(404, "not_found", "There is nothing here."))
  if (tag === "RequestParseError") {
    return Effect.succeed(errorResponse(400, "invalid_request", "The request could not be read."))
  }
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
  return Effect.logError("Unhandled error while serving a request", cause).pipe(
    Effect.as(errorResponse(500, "internal_error", "Something went wrong on our side. Try again."))
  )
}

/** Gives every failure the one JSON error shape (`answerFailure`). */
export const JsonErrors = HttpRouter.middleware((httpEffect) => Effect.catchCause(httpEffect, answerFailure), {
  global: true
})
