import { ByteSize, Cause, Context, Effect, Exit, Option, References, Semaphore, Tracer } from "effect"
import { Cookies, HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
// The CommonJS entry, the copy yoga and Pothos use (see schema/sdl.ts): `validate` checks the schema by `instanceof`.
import { type GraphQLError, getOperationAST, NoSchemaIntrospectionCustomRule, parse, validate } from "graphql/index.js"
import { createGraphQLError, createYoga, type Plugin, type YogaLogger } from "graphql-yoga"
import type { Actor } from "../../application/Actor.ts"
import { Jwt } from "../http/Auth.ts"
import { isSecure } from "../http/RequestContext.ts"
import { authenticated } from "../http/RequestGuards.ts"
import type { AppServices, GraphqlContext } from "./builder.ts"
import { graphiqlPage } from "./GraphiqlPage.ts"
import { type GraphqlFastPathOptions, graphqlFastPath } from "./GraphqlFastPath.ts"
import { costError, depthLimit } from "./QueryLimits.ts"
import { schema } from "./schema/index.ts"

export interface GraphqlRouteOptions {
  /** Serve GraphiQL on `GET /graphql` (sandbox mode); otherwise `GET /graphql` is a 404. */
  readonly graphiql: boolean
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
  /**
   * Also answer `POST /graphql` straight from node:http's request event, without the router (issue 18.4,
   * `GraphqlFastPath.ts`): the same authentication, request id, request line, span, error answers and yoga.
   */
  readonly fastPath?: Pick<GraphqlFastPathOptions, "paths" | "trustedProxies">
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

/** Bodies up to this size (by `Content-Length`) are read whole before yoga sees the request; larger ones stream. */
const BUFFERED_REQUEST_BYTES = 1024 * 1024

/**
 * The requests whose body was read whole, each with the same request carrying that body. yoga is handed the
 * request without it, and the `buffered` plugin gives its JSON parser the one with it: yoga's body size limit,
 * which pipes every request body through a stream to count its bytes, then has no body to wrap; a body read whole
 * is at most `BUFFERED_REQUEST_BYTES`, far under that limit (25 MB), whose `Content-Length` check still runs.
 */
const bufferedBodies = new WeakMap<Request, () => Request>()

/** yoga's request for a body read whole (the router's `webRequestOf` and the fast path's). */
export const bufferedRequest = (
  WebRequest: typeof Request,
  url: string,
  method: string,
  headers: Readonly<Record<string, string>>,
  body: BodyInit
): Request => {
  const request = new WebRequest(url, { method, headers })
  bufferedBodies.set(request, () => new WebRequest(url, { method, headers, body }))
  return request
}

/**
 * The Web request yoga reads (issue 18.4). A body of a known size up to `BUFFERED_REQUEST_BYTES` is read at once
 * and handed over as bytes in yoga's own `Request` (its fetch ponyfill: no Web stream is made for the body, as
 * Node's own `Request` would; see `bufferedRequest`), which costs far less than the generic conversion's stream
 * bridge; anything else (no `Content-Length`, a larger body, an unreadable URL) takes `HttpServerRequest.toWeb`, so
 * yoga's own body limit and errors stay as they were.
 */
const webRequestOf = (request: HttpServerRequest.HttpServerRequest, WebRequest: typeof Request) =>
  Effect.gen(function* () {
    const declared = Number(request.headers["content-length"] ?? Number.NaN)
    const url = HttpServerRequest.toURL(request)
    if (
      request.method !== "POST" ||
      !Number.isSafeInteger(declared) ||
      declared > BUFFERED_REQUEST_BYTES ||
      Option.isNone(url)
    ) {
      return yield* HttpServerRequest.toWeb(request)
    }
    const body = yield* request.arrayBuffer.pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(BUFFERED_REQUEST_BYTES))
    )
    return bufferedRequest(WebRequest, url.value.href, request.method, request.headers, body)
  })

/** Gives yoga's request parser the body of a request read whole (see `bufferedBodies`). */
const buffered: Plugin = {
  onRequestParse: ({ request, requestParser, setRequestParser }) => {
    const withBody = bufferedBodies.get(request)
    if (withBody === undefined || requestParser === undefined) return
    setRequestParser(() => requestParser(withBody()))
  }
}

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
 * yoga's response as the service's: a JSON body is read whole and replaced by a GraphQL error when it is larger than
 * `maxBytes`, then answered as text (no stream bridge back); a stream (server-sent events, multipart) passes through
 * `fromWeb` as it is: it has no end to measure. The use cases' cookies are added either way.
 */
const toResponse = async (
  response: Response,
  maxBytes: number,
  cookies: ReadonlyArray<string>
): Promise<HttpServerResponse.HttpServerResponse> => {
  const contentType = response.headers.get("content-type") ?? ""
  if (!contentType.includes("json")) {
    if (cookies.length === 0) return HttpServerResponse.fromWeb(response)
    const headers = new Headers(response.headers)
    for (const cookie of cookies) headers.append("set-cookie", cookie)
    return HttpServerResponse.fromWeb(
      new Response(response.body, { status: response.status, statusText: response.statusText, headers })
    )
  }
  const body = await response.text()
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    if (name !== "content-length" && name !== "content-type" && name !== "set-cookie") headers[name] = value
  })
  const answer = HttpServerResponse.text(Buffer.byteLength(body, "utf8") <= maxBytes ? body : tooLarge(maxBytes), {
    status: response.status,
    statusText: response.statusText,
    headers,
    contentType
  })
  const set = [...response.headers.getSetCookie(), ...cookies]
  return set.length === 0 ? answer : HttpServerResponse.mergeCookies(answer, Cookies.fromSetCookie(set))
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
      /**
       * The request each failure a runner threw came from, so that yoga's log line of it (its logger is one per
       * instance and is handed only the error) carries the request's id and trace. Not an AsyncLocalStorage: that
       * turns on Node's async hooks for every promise and microtask of the process (issue 18.4).
       */
      const thrownBy = new WeakMap<object, RequestTrace>()
      const traceOf = (error: unknown): RequestTrace | undefined => {
        for (let cause = error, depth = 0; typeof cause === "object" && cause !== null && depth < 8; depth++) {
          const trace = thrownBy.get(cause)
          if (trace !== undefined) return trace
          cause = (cause as { readonly originalError?: unknown }).originalError
        }
        return undefined
      }
      const runFork = <A, E>(error: unknown, effect: Effect.Effect<A, E, AppServices>) => {
        const trace = traceOf(error)
        return Effect.runForkWith(trace === undefined ? services : withRequest(services, trace))(effect)
      }

      const maxCost = options.maxCost ?? 5000
      const maxExecutionMs = options.maxExecutionMs ?? 5000
      const maxResponseBytes = options.maxResponseBytes ?? 2 * 1024 * 1024

      const runs = yield* Semaphore.make(options.maxConcurrentRuns ?? 6)

      const settle =
        (trace: RequestTrace) =>
        <A, E>(exit: Exit.Exit<A, E>): A => {
          if (Exit.isSuccess(exit)) return exit.value
          // A typed failure is thrown as itself, so the errors plugin can match its class; anything else is a
          // defect that yoga masks (and logs, with the request's trace: `thrownBy`).
          const failure = Cause.findErrorOption(exit.cause)
          const thrown = Option.isSome(failure) ? failure.value : Cause.squash(exit.cause)
          if (typeof thrown === "object" && thrown !== null) thrownBy.set(thrown, trace)
          throw thrown
        }

      /**
       * The runners of one request, in its span and with its log annotations. A mutation's use cases run to their
       * end (interrupting one midway could leave Meta and us apart); a query's reads take turns (at most
       * `maxConcurrentRuns` at once) and stop when the query runs out of time.
       */
      const runners = (trace: RequestTrace, signal: AbortSignal) => {
        const runExit = Effect.runPromiseExitWith(withRequest(services, trace))
        const settled = settle(trace)
        return {
          run: <A, E>(effect: Effect.Effect<A, E, AppServices>): Promise<A> => runExit(effect).then(settled),
          runRead: <A, E>(effect: Effect.Effect<A, E, AppServices>): Promise<A> =>
            runExit(runs.withPermit(effect), { signal }).then(settled)
        }
      }

      const logger: YogaLogger = {
        // yoga's debug lines ("Processing GraphQL Parameters") come on every request: not worth a fiber each.
        debug: () => undefined,
        info: (...args) => void runFork(args[0], Effect.logInfo("graphql", ...args)),
        warn: (...args) => void runFork(args[0], Effect.logWarning("graphql", ...args)),
        error: (...args) => void runFork(args[0], Effect.logError("graphql", ...args))
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
        plugins: [limits, buffered],
        // GraphiQL is served by the GET route below, never by yoga on the authenticated POST.
        graphiql: false,
        landingPage: false,
        // Same-origin API: no CORS headers (yoga would otherwise reflect any Origin, with credentials).
        cors: false,
        // Unexpected errors become "Unexpected error." in every mode (no `originalError` details in development).
        maskedErrors: { isDev: false },
        logging: logger
      })

      /** A request, read whole (see `webRequestOf`), answered by yoga for `actor`: the router's and the fast path's. */
      const execute = (webRequest: Request, secure: boolean, actor: Actor) =>
        Effect.gen(function* () {
          const trace: RequestTrace = {
            span: Option.getOrUndefined(yield* Effect.option(Effect.currentParentSpan)),
            annotations: yield* References.CurrentLogAnnotations
          }
          const cookies: Array<string> = []
          return yield* Effect.promise(async () => {
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
                secure,
                signal: timeout.signal
              }
              return await toResponse(await yoga.fetch(webRequest, context), maxResponseBytes, cookies)
            } finally {
              clearTimeout(timer)
            }
          })
        })

      yield* router.add(
        "POST",
        ENDPOINT,
        authenticated(jwt, (actor, request) =>
          Effect.flatMap(webRequestOf(request, yoga.fetchAPI.Request), (webRequest) =>
            execute(webRequest, isSecure(request, webRequest.url), actor)
          )
        )
      )

      if (options.fastPath !== undefined) {
        yield* graphqlFastPath({
          ...options.fastPath,
          endpoint: ENDPOINT,
          maxBodyBytes: BUFFERED_REQUEST_BYTES,
          jwt,
          request: (url, headers, body) => bufferedRequest(yoga.fetchAPI.Request, url, "POST", headers, body),
          execute,
          runFork: Effect.runForkWith(services)
        })
      }

      if (options.graphiql) {
        // The package's renderer inlines GraphiQL's script, styles and editor workers (about 9 MB, built on the
        // first request, see GraphiqlPage.ts): the page works with no internet, where yoga's own `renderGraphiQL`
        // loads them from unpkg.com.
        yield* router.add(
          "GET",
          ENDPOINT,
          Effect.map(graphiqlPage(ENDPOINT), (page) =>
            HttpServerResponse.uint8Array(page, { contentType: "text/html; charset=utf-8" })
          )
        )
      }
    })
  )
