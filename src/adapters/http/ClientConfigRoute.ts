import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"

/** What the page needs to run Embedded Signup through Meta's JS SDK popup. */
export interface ClientMetaConfig {
  readonly appId: string
  readonly configId: string
  readonly graphVersion: string
  /** `META_SDK_URL`: Meta's SDK (`https://connect.facebook.net/en_US/sdk.js`) or the sandbox's stand-in. */
  readonly sdkUrl: string
  /** The exact origins a session-info `message` event may come from (Meta's, or the sandbox's in sandbox mode). */
  readonly messageOrigins: ReadonlyArray<string>
}

export interface ClientConfig {
  /** `sandbox`: the page offers a dev sign-in (`POST /api/dev/session`); `production`: the host product signs in. */
  readonly mode: "sandbox" | "production"
  readonly meta?: ClientMetaConfig
}

/** Meta's popup posts the session-info event from these origins (META_SPEC 1.5; `web.` for some locales). */
export const META_MESSAGE_ORIGINS = ["https://www.facebook.com", "https://web.facebook.com"]

/** `GET /api/client-config` (no auth): what the web app needs to know before anyone signs in. */
export const makeClientConfigRoute = (config: ClientConfig) => {
  const body = config.meta === undefined ? { mode: config.mode } : { mode: config.mode, meta: config.meta }
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
