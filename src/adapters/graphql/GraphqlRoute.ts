import { AsyncLocalStorage } from "node:async_hooks"
import { Cause, Context, Effect, Exit, Option, References, Semaphore, Tracer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
// The CommonJS entry, the copy yoga and Pothos use (see schema/sdl.ts): `validate` checks the schema by `instanceof`.
import { type GraphQLError, getOperationAST, NoSchemaIntrospectionCustomRule, parse, validate } from "graphql/index.js"
import { createGraphQLError, createYoga, type Plugin, type YogaLogger } from "graphql-yoga"
import type { Actor } from "../../application/Actor.ts"
import { Jwt } from "../http/Auth.ts"
import { isSecure } from "../http/RequestContext.ts"
import { authenticated } from "../http/RequestGuards.ts"
import type { AppServices, GraphqlContext } from "./builder.ts"
import { costError, depthLimit } from "./QueryLimits.ts"
import { schema } from "./schema/index.ts"

export interface GraphqlRouteOptions {
  /** Serve GraphiQL on `GET /graphql` (sandbox mode); otherwise `GET /graphql` is a 404. */
  readonly graphiql: boolean
  /**
   * Renders the GraphiQL page (default: {@link renderGraphiqlPage}); called on the first `GET /graphql` only, never
   * at start.
   */
  readonly renderGraphiql?: () => Promise<string>
  /**
   * Answer introspection (`__schema`, `__type`) and suggest names ("Did you mean ...?") in errors: sandbox mode.
   * Production answers neither: the schema is not published to whoever holds a token (`__typename` still works).
   */
  readonly introspection: boolean
  /**
   * Most lexical tokens a document may have (default 2000; the standard introspection query has 163). Parsing stops
   * beyond it, before validation, whose overlapping-fields rule is quadratic in the number of aliases.
   */
  readonly maxTokens?: number
  /** Deepest field nesting an operation may have (default 8). */
  readonly maxDepth?: number
  /**
   * Most fields an operation may select, lists counted `first` times with the request's variables (default 5000:
   * a conversations page with its messages costs about 1300).
   */
  readonly maxCost?: number
  /**
   * Most use-case runs all GraphQL queries of this instance have in flight at once (default 6, of the database
   * pool's 10): a page that resolves 100 nested lists queues its queries here, not ahead of the webhooks' inserts.
   */
  readonly maxConcurrentRuns?: number
  /**
   * Longest a query may run before it is abandoned with a `QUERY_TIMEOUT` error (default 5000 ms). Mutations run to
   * their end: they call Meta (10 s a call) and are limited per tenant instead.
   */
  readonly maxExecutionMs?: number
  /** Largest response body; a larger one is replaced by a `RESPONSE_TOO_LARGE` error (default 2 MiB). */
  readonly maxResponseBytes?: number
}

const ENDPOINT = "/graphql"

/** Per request, from the HTTP layer: who asks, where response cookies go, and when to give up. */
type ServerContext = Pick<GraphqlContext, "actor" | "setCookie" | "secure" | "run"> & {
  /** Aborted when a query runs out of time: stops the executor and interrupts the use cases it runs. */
  readonly signal: AbortSignal
  /** A query's runner: its reads take turns and stop when the query runs out of time. */
  readonly runRead: GraphqlContext["run"]
}

/**
 * What a request's use cases and log lines inherit from the request's fiber: its tracer span (the per-request
 * `http.server` span, so each request has its own trace id) and its log annotations (`request_id`).
 */
type RequestTrace = {
  readonly span: Tracer.AnySpan | undefined
  readonly annotations: Readonly<Record<string, unknown>>
}

const withRequest = <R>(services: Context.Context<R>, trace: RequestTrace): Context.Context<R> => {
  const annotated = Context.add(services, References.CurrentLogAnnotations, trace.annotations)
  return trace.span === undefined ? annotated : Context.add(annotated, Tracer.ParentSpan, trace.span)
}

/** graphql-js's "Did you mean" tail (names cannot hold a `?`). */
const SUGGESTION = / ?Did you mean [^?]*\?/
const suggests = (error: GraphQLError) => SUGGESTION.test(error.message)

const withoutSuggestion = (error: GraphQLError): GraphQLError =>
  suggests(error)
    ? createGraphQLError(error.message.replaceAll(new RegExp(SUGGESTION, "g"), ""), {
        nodes: error.nodes ?? null,
        source: error.source ?? null,
        positions: error.positions ?? null,
        path: error.path ?? null,
        extensions: error.extensions
      })
    : error

const tooLarge = (maxBytes: number) =>
  JSON.stringify({
    errors: [
      {
        message: `The response is larger than ${maxBytes} bytes; ask for fewer items.`,
        extensions: { code: "RESPONSE_TOO_LARGE" }
      }
    ]
  })

/**
 * The response, with its body replaced by a GraphQL error when it is larger than `maxBytes`. A stream (server-sent
 * events, multipart) passes as it is: it has no end to measure.
 */
const capped = async (response: Response, maxBytes: number): Promise<Response> => {
  if (!(response.headers.get("content-type") ?? "").includes("json")) return response
  const body = await response.text()
  const headers = new Headers(response.headers)
  headers.delete("content-length")
  const within = Buffer.byteLength(body, "utf8") <= maxBytes
  return new Response(within ? body : tooLarge(maxBytes), {
    status: response.status,
    statusText: response.statusText,
    headers
  })
}

const withCookies = (response: Response, cookies: ReadonlyArray<string>): Response => {
  if (cookies.length === 0) return response
  const headers = new Headers(response.headers)
  for (const cookie of cookies) headers.append("set-cookie", cookie)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

/**
 * `POST /graphql` (and GraphiQL on `GET /graphql` when asked): one yoga instance and one runner over the
 * services of the layer, built once. Requests without a valid bearer token get a 401 in the JSON error shape
 * before yoga runs; operations over the depth or cost limit (costed with the request's variables) get GraphQL
 * errors, as do operations that run out of time and responses over the size cap; unexpected failures are masked.
 */
export const makeGraphqlRoute = (options: GraphqlRouteOptions) =>
  HttpRouter.use(
    // Untraced: a span here would be captured in `services` and parent every request's work (one trace id for all).
    Effect.fnUntraced(function* (router) {
      const services = Context.omit(Tracer.ParentSpan)(
        yield* Effect.context<AppServices>()
      ) as Context.Context<AppServices>
      const jwt = yield* Jwt
      /** The request being served, for yoga's own log lines (its logger is one per instance). */
      const current = new AsyncLocalStorage<RequestTrace>()
      const inRequest = () => {
        const trace = current.getStore()
        return trace === undefined ? services : withRequest(services, trace)
      }
      const runFork = <A, E>(effect: Effect.Effect<A, E, AppServices>) => Effect.runForkWith(inRequest())(effect)

      const maxCost = options.maxCost ?? 5000
      const maxExecutionMs = options.maxExecutionMs ?? 5000
      const maxResponseBytes = options.maxResponseBytes ?? 2 * 1024 * 1024

      const runs = yield* Semaphore.make(options.maxConcurrentRuns ?? 6)

      const settle = <A, E>(exit: Exit.Exit<A, E>): A => {
        if (Exit.isSuccess(exit)) return exit.value
        // A typed failure is thrown as itself, so the errors plugin can match its class; anything else is a
        // defect that yoga masks (and logs).
        const failure = Cause.findErrorOption(exit.cause)
        throw Option.isSome(failure) ? failure.value : Cause.squash(exit.cause)
      }

      /**
       * The runners of one request, in its span and with its log annotations. A mutation's use cases run to their
       * end (interrupting one midway could leave Meta and us apart); a query's reads take turns (at most
       * `maxConcurrentRuns` at once) and stop when the query runs out of time.
       */
      const runners = (trace: RequestTrace, signal: AbortSignal) => {
        const runExit = Effect.runPromiseExitWith(withRequest(services, trace))
        return {
          run: <A, E>(effect: Effect.Effect<A, E, AppServices>): Promise<A> => runExit(effect).then(settle),
          runRead: <A, E>(effect: Effect.Effect<A, E, AppServices>): Promise<A> =>
            runExit(runs.withPermit(effect), { signal }).then(settle)
        }
      }

      const logger: YogaLogger = {
        // yoga's debug lines ("Processing GraphQL Parameters") come on every request: not worth a fiber each.
        debug: () => undefined,
        info: (...args) => void runFork(Effect.logInfo("graphql", ...args)),
        warn: (...args) => void runFork(Effect.logWarning("graphql", ...args)),
        error: (...args) => void runFork(Effect.logError("graphql", ...args))
      }

      const maxTokens = options.maxTokens ?? 2000
      const limits: Plugin<ServerContext & Pick<GraphqlContext, "run">> = {
        onParse: ({ setParseFn }) => {
          setParseFn((source) => {
            try {
              return parse(source, { maxTokens })
            } catch (error) {
              // Too many tokens is a refusal by size, like the cost limit: one code for clients to handle.
              if (error instanceof Error && /contains more th\w+ \d+ tokens/.test(error.message)) {
                throw createGraphQLError(`The query has more than ${maxTokens} tokens; send a smaller query.`, {
                  extensions: { code: "QUERY_TOO_COMPLEX", http: { status: 400 } }
                })
              }
              throw error
            }
          })
        },
        onValidate: ({ addValidationRule, setValidationFn }) => {
          addValidationRule(depthLimit(options.maxDepth ?? 8))
          if (!options.introspection) {
            addValidationRule(NoSchemaIntrospectionCustomRule)
            setValidationFn((schema, document, rules) => validate(schema, document, rules, { hideSuggestions: true }))
          }
        },
        // A subscription's document is costed like a query's (its events then run as the stream goes).
        onSubscribe: ({ args, setResultAndStopExecution }) => {
          const error = costError(args.document, args.operationName, args.variableValues, maxCost)
          if (error !== null) setResultAndStopExecution({ errors: [error] })
        },
        // The cost depends on the variables, which validation (cached per document) does not see: it is checked
        // here, once per request, before anything resolves.
        onExecute: ({ args, setResultAndStopExecution, extendContext }) => {
          const error = costError(args.document, args.operationName, args.variableValues, maxCost)
          if (error !== null) return setResultAndStopExecution({ errors: [error] })
          const execution = args as typeof args & { signal?: AbortSignal; hideSuggestions?: boolean }
          if (getOperationAST(args.document, args.operationName)?.operation === "query") {
            execution.signal = (args.contextValue as ServerContext).signal
            extendContext({ run: (args.contextValue as ServerContext).runRead })
          }
          if (options.introspection) return
          execution.hideSuggestions = true
          // The executor still coerces variables through graphql-js without that flag: strip what it suggests.
          return {
            onExecuteDone: ({ result, setResult }) => {
              if (!("errors" in result) || result.errors === undefined) return
              if (!result.errors.some(suggests)) return
              setResult({ ...result, errors: result.errors.map(withoutSuggestion) })
            }
          }
        }
      }

      const yoga = createYoga<ServerContext>({
        schema,
        graphqlEndpoint: ENDPOINT,
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
          const trace: RequestTrace = {
            span: Option.getOrUndefined(yield* Effect.option(Effect.currentParentSpan)),
            annotations: yield* References.CurrentLogAnnotations
          }
          const cookies: Array<string> = []
          const response = yield* Effect.promise(async () => {
            const timeout = new AbortController()
            const timer = setTimeout(
              () =>
                timeout.abort(
                  createGraphQLError(`The query ran longer than ${maxExecutionMs} ms and was stopped.`, {
                    extensions: { code: "QUERY_TIMEOUT" }
                  })
                ),
              maxExecutionMs
            )
            try {
              const context: ServerContext = {
                ...runners(trace, timeout.signal),
                actor,
                setCookie: (cookie) => void cookies.push(cookie),
                secure: isSecure(request, webRequest.url),
                signal: timeout.signal
              }
              return await current.run(trace, async () =>
                capped(await yoga.fetch(webRequest, context), maxResponseBytes)
              )
            } finally {
              clearTimeout(timer)
            }
          })
          return HttpServerResponse.fromWeb(withCookies(response, cookies))
        })

      yield* router.add(
        "POST",
        ENDPOINT,
        authenticated(jwt, (actor, request) => execute(request, actor))
      )

      if (options.graphiql) {
        // The page inlines GraphiQL's script, styles and editor workers (about 9 MB, and its package's module
        // source as much again): loaded and rendered on the first GET only, then kept as bytes (outside the JS
        // heap, which is capped at 128 MB in production starts). Imported at start, it held about 47 MB of the heap
        // of every sandbox instance, and the conversations bench ran it out of memory.
        const render = options.renderGraphiql ?? renderGraphiqlPage
        const page = yield* Effect.cached(Effect.promise(async () => new TextEncoder().encode(await render())))
        yield* router.add(
          "GET",
          ENDPOINT,
          Effect.map(page, (bytes) => HttpServerResponse.uint8Array(bytes, { contentType: "text/html; charset=utf-8" }))
        )
      }
    })
  )

/**
 * The GraphiQL page for this endpoint. The package's renderer inlines GraphiQL's script, styles and editor workers,
 * so the page works with no internet, where yoga's own `renderGraphiQL` loads them from unpkg.com; it is imported
 * here, on demand, so an instance that never serves GraphiQL never loads it.
 */
export const renderGraphiqlPage = async (): Promise<string> => {
  const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql")
  return renderGraphiQL({
    endpoint: ENDPOINT,
    title: "Meta channel connections",
    headers: JSON.stringify({ Authorization: "Bearer <token from POST /api/dev/session>" })
  })
}
