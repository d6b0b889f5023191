import { Effect, type Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { SqlClient } from "effect/sql"

const noStore = { headers: { "cache-control": "no-store" } }

/** `/healthz`: the process is up. `/readyz`: the database answers within 2 s, else 503 so traffic goes elsewhere. */
export const HealthRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const sql = yield* SqlClient.SqlClient
    yield* router.add("GET", "/healthz", Effect.succeed(HttpServerResponse.text("ok", noStore)))
    yield* router.add(
      "GET",
      "/readyz",
      sql`SELECT 1 AS ok`.pipe(
        Effect.timeout("2 seconds"),
        Effect.as(HttpServerResponse.text("ready", noStore)),
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
