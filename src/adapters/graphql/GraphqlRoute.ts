import { renderGraphiQL } from "@graphql-yoga/render-graphiql"
import { Cause, Effect, Exit, Option } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createYoga, type Plugin, type YogaLogger } from "graphql-yoga"
import type { Actor } from "../../application/Actor.ts"
import { Jwt } from "../http/Auth.ts"
import { authenticated } from "../http/RequestContext.ts"
import type { AppServices, GraphqlContext } from "./builder.ts"
import { costLimit, depthLimit } from "./QueryLimits.ts"
import { schema } from "./schema/index.ts"

export interface GraphqlRouteOptions {
  /** Serve GraphiQL on `GET /graphql` (sandbox mode); otherwise `GET /graphql` is a 404. */
  readonly graphiql: boolean
  /** Deepest field nesting an operation may have (default 8). */
  readonly maxDepth?: number
  /**
   * Most fields an operation may select, lists counted `first` times (default 5000: a conversations page with
   * its messages costs about 1300).
   */
  readonly maxCost?: number
}

const ENDPOINT = "/graphql"

/** Per request, from the HTTP layer: who asks, and where response cookies go. */
type ServerContext = Pick<GraphqlContext, "actor" | "setCookie" | "secure">

const isHttps = (request: HttpServerRequest.HttpServerRequest, url: string): boolean =>
  url.startsWith("https:") || request.headers["x-forwarded-proto"]?.split(",")[0]?.trim().toLowerCase() === "https"

const withCookies = (response: Response, cookies: ReadonlyArray<string>): Response => {
  if (cookies.length === 0) return response
  const headers = new Headers(response.headers)
  for (const cookie of cookies) headers.append("set-cookie", cookie)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

/**
 * `POST /graphql` (and GraphiQL on `GET /graphql` when asked): one yoga instance and one runner over the
 * services of the layer, built once. Requests without a valid bearer token get a 401 in the JSON error shape
 * before yoga runs; operations over the depth or cost limit get GraphQL errors; unexpected failures are masked.
 */
export const makeGraphqlRoute = (options: GraphqlRouteOptions) =>
  HttpRouter.use(
    Effect.fn("GraphqlRoute")(function* (router) {
      const services = yield* Effect.context<AppServices>()
      const jwt = yield* Jwt
      const runExit = Effect.runPromiseExitWith(services)
      const runFork = Effect.runForkWith(services)

      const run = <A, E>(effect: Effect.Effect<A, E, AppServices>): Promise<A> =>
        runExit(effect).then((exit) => {
          if (Exit.isSuccess(exit)) return exit.value
          // A typed failure is thrown as itself, so the errors plugin can match its class; anything else is a
          // defect that yoga masks (and logs).
          const failure = Cause.findErrorOption(exit.cause)
          throw Option.isSome(failure) ? failure.value : Cause.squash(exit.cause)
        })

      const logger: YogaLogger = {
        // yoga's debug lines ("Processing GraphQL Parameters") come on every request: not worth a fiber each.
        debug: () => undefined,
        info: (...args) => void runFork(Effect.logInfo("graphql", ...args)),
        warn: (...args) => void runFork(Effect.logWarning("graphql", ...args)),
        error: (...args) => void runFork(Effect.logError("graphql", ...args))
      }

      const limits: Plugin = {
        onValidate: ({ addValidationRule }) => {
          addValidationRule(depthLimit(options.maxDepth ?? 8))
          addValidationRule(costLimit(options.maxCost ?? 5000))
        }
      }

      const yoga = createYoga<ServerContext, Pick<GraphqlContext, "run">>({
        schema,
        graphqlEndpoint: ENDPOINT,
        context: () => ({ run }),
        plugins: [limits],
        // GraphiQL is served by the GET route below, never by yoga on the authenticated POST.
        graphiql: false,
        landingPage: false,
        // Same-origin API: no CORS headers (yoga would otherwise reflect any Origin, with credentials).
        cors: false,
        // Unexpected errors become "Unexpected error." in every mode (no `originalError` details in development).
        maskedErrors: { isDev: false },
        logging: logger
      })

      const execute = (request: HttpServerRequest.HttpServerRequest, actor: Actor) =>
        Effect.gen(function* () {
          const webRequest = yield* HttpServerRequest.toWeb(request)
          const cookies: Array<string> = []
          const context: ServerContext = {
            actor,
            setCookie: (cookie) => void cookies.push(cookie),
            secure: isHttps(request, webRequest.url)
          }
          const response = yield* Effect.promise(() => Promise.resolve(yoga.fetch(webRequest, context)))
          return HttpServerResponse.fromWeb(withCookies(response, cookies))
        })

      yield* router.add(
        "POST",
        ENDPOINT,
        authenticated(jwt, (actor, request) => execute(request, actor))
      )

      if (options.graphiql) {
        // The package's renderer inlines GraphiQL's script, styles and editor workers (about 9 MB, built once
        // here): the page works with no internet, where yoga's own `renderGraphiQL` loads them from unpkg.com.
        const page = renderGraphiQL({
          endpoint: ENDPOINT,
          title: "Meta channel connections",
          headers: JSON.stringify({ Authorization: "Bearer <token from POST /api/dev/session>" })
        })
        yield* router.add("GET", ENDPOINT, Effect.succeed(HttpServerResponse.html(page)))
      }
    })
  )
