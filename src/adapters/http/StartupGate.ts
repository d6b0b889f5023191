import { Cause, Effect, Layer, Option, Ref, type Scope } from "effect"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"

/** The application's handler: it may fail (the router turns failures into responses) but needs only the request. */
type App = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  unknown,
  Scope.Scope | HttpServerRequest.HttpServerRequest
>

/** What a browser sees until the service is ready: in words, reloading itself every 2 s. */
export const STARTING_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta http-equiv="refresh" content="2" />
    <title>Starting…</title>
  </head>
  <body style="font-family: system-ui, sans-serif; margin: 3rem">
    <h1>The service is starting</h1>
    <p>The database is being opened and migrated. This page reloads by itself every 2 seconds.</p>
  </body>
</html>
`

/**
 * The routes must need nothing but the router: route handlers that still required a service at request time would
 * fail then with "Service not found", so this signature makes it a compile error instead.
 *
 * Serves HTTP at once while the application (database, migrations, routes) is still being built, so the
 * process answers liveness (`/healthz`) immediately, as an orchestrator expects, and readiness (`/readyz`) and
 * every other route answer 503 with `Retry-After` until the application is ready. A failure to build the
 * application is logged with its cause, then `onFailure` runs (by default it ends the process with exit status 1).
 */
export const serveWhenReady = <
  E,
  R extends HttpRouter.HttpRouter | HttpRouter.Request<"Error" | "GlobalError", unknown>
>(
  routes: Layer.Layer<never, E, R>,
  onReady: Effect.Effect<void>,
  onFailure: () => void = () => process.exit(1)
) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const app = yield* Ref.make(Option.none<App>())
      const front = Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const ready = yield* Ref.get(app)
        if (Option.isSome(ready)) return yield* ready.value
        if (request.url === "/healthz")
          return HttpServerResponse.text("ok", { headers: { "cache-control": "no-store" } })
        // A browser opening the printed URL gets a page that says so and reloads itself; API clients get JSON.
        if (request.method === "GET" && (request.headers["accept"] ?? "").includes("text/html"))
          return HttpServerResponse.text(STARTING_PAGE, {
            status: 503,
            contentType: "text/html; charset=utf-8",
            headers: { "retry-after": "2", "cache-control": "no-store" }
          })
        return yield* HttpServerResponse.json(
          { error: { code: "starting", message: "The service is starting. Try again in a moment." } },
          { status: 503, headers: { "retry-after": "2", "cache-control": "no-store" } }
        ).pipe(Effect.orDie)
      })
      yield* HttpServer.serveEffect(front)
      yield* Effect.forkScoped(
        HttpRouter.toHttpEffect(routes).pipe(
          // The constraint on R (the router and error markers only) guarantees the handler needs nothing but the
          // request; TypeScript cannot reduce that for a generic R, hence the cast.
          Effect.flatMap((handler) => Ref.set(app, Option.some(handler as App))),
          Effect.andThen(onReady),
          Effect.catchCause((cause) =>
            Cause.hasInterruptsOnly(cause)
              ? Effect.void
              : Effect.logFatal("Startup failed", cause).pipe(Effect.andThen(Effect.sync(onFailure)))
          )
        )
      )
    })
  )
