import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"

export interface ClientConfig {
  /** `sandbox`: the page offers a dev sign-in (`POST /api/dev/session`); `production`: the host product signs in. */
  readonly mode: "sandbox" | "production"
}

/** `GET /api/client-config` (no auth): what the web app needs to know before anyone signs in. */
export const makeClientConfigRoute = (config: ClientConfig) => {
  const body = { mode: config.mode }
  return HttpRouter.use(
    Effect.fn(function* (router) {
      yield* router.add(
        "GET",
        "/api/client-config",
        Effect.sync(() => HttpServerResponse.jsonUnsafe(body, { headers: { "cache-control": "no-store" } }))
      )
    })
  )
}
