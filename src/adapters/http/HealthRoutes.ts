import { Effect, type Layer, Option } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { SqlClient } from "effect/sql"
import { TokenHealth } from "../../application/TokenHealth.ts"

const noStore = { headers: { "cache-control": "no-store" } }

/**
 * Meta refusing our app secret is reported, not failed on: every instance shares the secret, so a 503 would take
 * them all out of the balancer (and stop webhook intake) without helping. The alert `MetaAppCredentialsInvalid` pages.
 */
const appCredentialsNote = (health: Option.Option<TokenHealth["Service"]>) =>
  (Option.isSome(health) ? health.value.appCredentials : Effect.succeed("unknown")).pipe(
    Effect.map((state) => (state === "invalid" ? "; degraded: app_credentials_invalid" : ""))
  )

/**
 * `/healthz`: the process is up. `/readyz`: the database answers within 2 s, else 503 so traffic goes elsewhere; while
 * Meta refuses the app's credentials it stays 200 and says `degraded: app_credentials_invalid`.
 */
export const HealthRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const sql = yield* SqlClient.SqlClient
    const health = yield* Effect.serviceOption(TokenHealth)
    yield* router.add("GET", "/healthz", Effect.succeed(HttpServerResponse.text("ok", noStore)))
    yield* router.add(
      "GET",
      "/readyz",
      sql`SELECT 1 AS ok`.pipe(
        Effect.timeout("2 seconds"),
        Effect.andThen(appCredentialsNote(health)),
        Effect.map((note) => HttpServerResponse.text(`ready${note}`, noStore)),
        Effect.catchCause((cause) =>
          Effect.logWarning("Readiness check failed: the database is unreachable", cause).pipe(
            Effect.as(HttpServerResponse.text("database unreachable", { ...noStore, status: 503 }))
          )
        )
      )
    )
  })
)

export const HealthRoutesLive: Layer.Layer<never, never, HttpRouter.HttpRouter | SqlClient.SqlClient> = HealthRoutes
