import { Effect, type Layer, Option } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { SqlClient } from "effect/sql"
import { TokenHealth } from "../../application/health/TokenHealth.ts"
import { WebhookIntake } from "../../application/webhooks/WebhookIntake.ts"

const noStore = { "cache-control": "no-store" }

/**
 * `/healthz`: the process is up. `/readyz`: the database answers within 2 s and webhook intake can store what
 * it accepts (its writers run, its batches are not all failing, none is stuck), else 503 so traffic goes
 * elsewhere. The body names each component: `{status, database, intake: {...}, appCredentials}`.
 *
 * Meta refusing our app secret is reported, not failed on: every instance shares the secret, so a 503 would take
 * them all out of the balancer (and stop webhook intake) without helping. `/readyz` stays 200 with
 * `status: "degraded"` and `degraded: ["app_credentials_invalid"]`; the alert `MetaAppCredentialsInvalid` pages.
 */
export const HealthRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const sql = yield* SqlClient.SqlClient
    const intake = yield* WebhookIntake
    const tokenHealth = yield* Effect.serviceOption(TokenHealth)
    yield* router.add("GET", "/healthz", Effect.succeed(HttpServerResponse.text("ok", { headers: noStore })))
    yield* router.add(
      "GET",
      "/readyz",
      Effect.gen(function* () {
        const database = yield* sql`SELECT 1 AS ok`.pipe(
          Effect.timeout("2 seconds"),
          Effect.as("ok" as const),
          Effect.catchCause((cause) =>
            Effect.logWarning("Readiness check failed: the database is unreachable", cause).pipe(
              Effect.as("unreachable" as const)
            )
          )
        )
        const health = yield* intake.health
        if (!health.healthy) yield* Effect.logWarning("Readiness check failed: webhook intake is unhealthy", health)
        const appCredentials = Option.isSome(tokenHealth) ? yield* tokenHealth.value.appCredentials : "unknown"
        const degraded = appCredentials === "invalid" ? ["app_credentials_invalid"] : []
        const ready = database === "ok" && health.healthy
        return yield* HttpServerResponse.json(
          {
            status: ready ? (degraded.length > 0 ? "degraded" : "ready") : "unavailable",
            database,
            intake: health,
            appCredentials,
            degraded
          },
          { status: ready ? 200 : 503, headers: noStore }
        ).pipe(Effect.orDie)
      })
    )
  })
)

export const HealthRoutesLive: Layer.Layer<never, never, HttpRouter.HttpRouter | SqlClient.SqlClient | WebhookIntake> =
  HealthRoutes
