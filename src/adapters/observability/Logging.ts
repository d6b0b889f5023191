/**
 * Logs: one JSON object per line (or a readable line for people), every message, annotation and cause passed
 * through the redaction of `Redaction.ts`; and the request-id middleware that puts `request_id` on every line
 * logged while serving a request.
 */

import { randomUUID } from "node:crypto"
import { writeSync } from "node:fs"
import {
  Clock,
  Console,
  Context,
  Effect,
  Exit,
  type Fiber,
  Layer,
  Logger,
  LogLevel,
  Redacted,
  References,
  Tracer
} from "effect"
import { HttpEffect, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { isSecretKey, makeRedactor, REDACTED, redactValue } from "./Redaction.ts"

export { makeRedactor, REDACTED, redact, redactValue } from "./Redaction.ts"

export type LogFormat = "json" | "pretty"

/** One log entry, as the JSON logger writes it (one object per line). */
export interface LogRecord {
  readonly time: string
  readonly level: string
  /** Always a string: the first string of the log call (its other values go to `details`). */
  readonly message: string
  /** The values a log call passed after its message (`Effect.logInfo("text", value)`), redacted. */
  readonly details?: ReadonlyArray<unknown>
  readonly fiber: string
  readonly annotations: Readonly<Record<string, unknown>>
  /** Tracer spans from the outermost to the current one (e.g. `MetaGraphHttp.debugToken`). */
  readonly spans: ReadonlyArray<string>
  /** Log spans (`Effect.withLogSpan`): label → milliseconds since the span started. */
  readonly log_spans?: Readonly<Record<string, number>>
  readonly trace_id?: string
  readonly cause?: string
}

const MAX_SPANS = 16

const spanNames = (context: Context.Context<never>): { readonly names: Array<string>; readonly traceId?: string } => {
  const names: Array<string> = []
  let span: Tracer.AnySpan | undefined = Context.getOrUndefined(context, Tracer.ParentSpan)
  const traceId = span?.traceId
  while (span !== undefined && names.length < MAX_SPANS) {
    if (span._tag === "Span") {
      names.push(span.name)
      span = span.parent._tag === "Some" ? span.parent.value : undefined
    } else {
      span = undefined
    }
  }
  names.reverse()
  return traceId === undefined ? { names } : { names, traceId }
}

/**
 * The structured record of a log call with everything redacted: the base of both formats. `text` is the
 * redactor for strings (see `makeRedactor`).
 */
export const makeRecordLogger = (text: (s: string) => string = makeRedactor()): Logger.Logger<unknown, LogRecord> =>
  Logger.map(Logger.formatStructured, (entry): LogRecord => {
    // `formatStructured` has already turned values into JSON-friendly ones; redact them all.
    const annotations = redactValue(entry.annotations, text) as Record<string, unknown>
    const parts = redactValue(Array.isArray(entry.message) ? entry.message : [entry.message], text) as Array<unknown>
    const first = parts.findIndex((part) => typeof part === "string")
    const message = first === -1 ? "" : (parts[first] as string)
    const details = parts.filter((_, index) => index !== first)
    return {
      time: entry.timestamp,
      level: entry.level,
      message,
      ...(details.length > 0 ? { details } : {}),
      fiber: entry.fiberId,
      annotations,
      spans: [],
      ...(Object.keys(entry.spans).length > 0 ? { log_spans: entry.spans } : {}),
      ...(entry.cause === undefined ? {} : { cause: text(entry.cause) })
    }
  })

/** Adds the tracer spans (read from the fiber) to what `inner` produced. */
const withTracerSpans = (inner: Logger.Logger<unknown, LogRecord>): Logger.Logger<unknown, LogRecord> =>
  Logger.make((options) => {
    const record = inner.log(options)
    const { names, traceId } = spanNames(options.fiber.context)
    return { ...record, spans: names, ...(traceId === undefined ? {} : { trace_id: traceId }) }
  })

const withBigInts = (_key: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v)
/** JSON text of a record; a replacer (called for every key, so not on every line) only for a BigInt the walk left. */
const safeStringify = (value: unknown): string => {
  try {
    return JSON.stringify(value)
  } catch {
    try {
      return JSON.stringify(value, withBigInts)
    } catch {
      return JSON.stringify(String(value))
    }
  }
}

/** One JSON object per line on stdout. The serialised line is redacted once more as a last guard. */
export const makeJsonLogger = (text: (s: string) => string = makeRedactor()): Logger.Logger<unknown, void> =>
  Logger.withConsoleLog(Logger.map(withTracerSpans(makeRecordLogger(text)), (record) => text(safeStringify(record))))

const prettyValue = (value: unknown): string => (typeof value === "string" ? value : safeStringify(value))

/** `2026-01-01T00:00:00.000Z INFO (#12) message key=value …`, with the cause on the following lines. */
export const formatPretty = (record: LogRecord): string => {
  const message = [record.message, ...(record.details ?? []).map(prettyValue)].join(" ")
  const fields = Object.entries(record.annotations).map(([key, value]) => `${key}=${prettyValue(value)}`)
  if (record.spans.length > 0) fields.push(`span=${record.spans[record.spans.length - 1]}`)
  for (const [label, ms] of Object.entries(record.log_spans ?? {})) fields.push(`${label}=${ms}ms`)
  const line = `${record.time} ${record.level.padEnd(5)} (${record.fiber}) ${message}${fields.length > 0 ? ` ${fields.join(" ")}` : ""}`
  return record.cause === undefined ? line : `${line}\n${record.cause}`
}

/** A readable line per entry on stdout, redacted like the JSON one. */
export const makePrettyLogger = (text: (s: string) => string = makeRedactor()): Logger.Logger<unknown, void> =>
  Logger.withConsoleLog(Logger.map(withTracerSpans(makeRecordLogger(text)), (record) => text(formatPretty(record))))

/** `LOG_LEVEL` values (AppConfig accepts these) → Effect's levels. Unknown values fall back to Info. */
export const parseLogLevel = (level: string): LogLevel.LogLevel => {
  switch (level.trim().toLowerCase()) {
    case "all":
    case "trace":
      return "Trace"
    case "debug":
      return "Debug"
    case "warn":
    case "warning":
      return "Warn"
    case "error":
      return "Error"
    case "fatal":
      return "Fatal"
    case "none":
    case "off":
      return "None"
    default:
      return "Info"
  }
}

/**
 * Writes lines to stdout together: those of one tick in one write, at the next turn of the event loop. A write to
 * a pipe is a synchronous system call that also wakes the reader; at one line per processed webhook it was a
 * tenth of the worker's time (issue 18.2, w6C). What is still pending when the process exits is written then,
 * synchronously.
 */
export const stdoutLines = (): ((line: string) => void) => {
  let pending: Array<string> = []
  let scheduled = false
  const take = () => {
    const chunk = `${pending.join("\n")}\n`
    pending = []
    return chunk
  }
  const flush = () => {
    scheduled = false
    if (pending.length > 0) process.stdout.write(take())
  }
  process.once("exit", () => {
    try {
      if (pending.length > 0) writeSync(1, take())
    } catch {
      // stdout is gone (the reader closed the pipe): nothing is left to write to.
    }
  })
  return (line) => {
    pending.push(line)
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}

let stdout: ((line: string) => void) | undefined
/** The process's one batched stdout writer (see `stdoutLines`). */
const processStdout = (line: string) => {
  stdout ??= stdoutLines()
  stdout(line)
}

export interface LoggingOptions {
  /**
   * Configuration secrets removed by value wherever they appear (app secret, webhook verify token, JWT secret,
   * database URL): a safety net beyond the patterns.
   */
  readonly secrets?: ReadonlyArray<string | Redacted.Redacted<string>>
  /** Where each line goes; default stdout, a tick's lines in one write (`stdoutLines`). */
  readonly write?: (line: string) => void
}

/**
 * Replaces the default loggers with the redacting JSON (or pretty) logger and sets the minimum level. Provide it
 * to the whole program (outermost), so startup and shutdown lines are covered too.
 */
export const loggingLayer = (level: string, format: LogFormat, options: LoggingOptions = {}): Layer.Layer<never> => {
  const text = makeRedactor((options.secrets ?? []).map((s) => (Redacted.isRedacted(s) ? Redacted.value(s) : s)))
  const write = options.write ?? processStdout
  const format_ = format === "json" ? (record: LogRecord) => safeStringify(record) : formatPretty
  const records = withTracerSpans(makeRecordLogger(text))
  // The serialised line is redacted once more as a last guard, as `makeJsonLogger` / `makePrettyLogger` do.
  // A console other than the process's own (a test running the service in process) gets each line as it comes.
  const emit = (record: LogRecord, fiber: Fiber.Fiber<unknown, unknown>) => {
    const line = text(format_(record))
    const console = fiber.getRef(Console.Console)
    if (console === globalThis.console || options.write !== undefined) write(line)
    else console.log(line)
  }
  /** `emit` for many records of one fiber: its console read once. */
  const emitter = (fiber: Fiber.Fiber<unknown, unknown>): ((record: LogRecord) => void) => {
    const console = fiber.getRef(Console.Console)
    return console === globalThis.console || options.write !== undefined
      ? (record) => write(text(format_(record)))
      : (record) => console.log(text(format_(record)))
  }
  const logger = Logger.make((entry) => emit(records.log(entry), entry.fiber))
  const sink: RequestLineSink = {
    logger,
    write: (fiber, line) => emit(requestLineRecord(fiber, line, text), fiber),
    writeAll: (fiber, lines) => {
      const emit = emitter(fiber)
      // The lines of a batch repeat most of their strings (message, method, path, provider): each redacted once.
      const record = requestLineRecorder(fiber, remembered(text))
      for (const line of lines) emit(record(line))
    }
  }
  return Layer.mergeAll(
    Logger.layer([logger]),
    Layer.succeed(References.MinimumLogLevel, parseLogLevel(level)),
    Layer.succeed(RequestLines, sink)
  )
}

/** `text`, remembering its answers for short strings (it is a pure function): for one batch of lines. */
const remembered = (text: (s: string) => string): ((s: string) => string) => {
  const answers = new Map<string, string>()
  return (s) => {
    if (s.length > 100) return text(s)
    let answer = answers.get(s)
    if (answer === undefined) {
      answer = text(s)
      answers.set(s, answer)
    }
    return answer
  }
}

/** A request line as `servingRequest` says it, for `RequestLines` to write without a log call of its own. */
export interface RequestLine {
  readonly message: string
  /** The line's own annotations (`request_id` first), written after the fiber's. */
  readonly annotations: Readonly<Record<string, string | number>>
  /** The request's span, the innermost of the line's spans. */
  readonly span: Tracer.Span
  readonly date: Date
}

/**
 * `loggingLayer`'s logger, with a way to write an info request line without a log call: what costs a fast path
 * most per request is not the line but the log call around it (its span provided to a fiber, its annotations,
 * Effect's structured entry; issue 18.3, w8A). `write` makes exactly the record `logger` makes of the same line
 * logged in its span (`requestLineRecord`), redacted and written the same way.
 */
export interface RequestLineSink {
  readonly logger: Logger.Logger<unknown, void>
  readonly write: (fiber: Fiber.Fiber<unknown, unknown>, line: RequestLine) => void
  /**
   * `write` for each of `lines` in order, the fiber's part of the record (its annotations, spans and console) read
   * once (the webhook fast path's batch, `answeredTogether`); without it, `write` is called for each.
   */
  readonly writeAll?: (fiber: Fiber.Fiber<unknown, unknown>, lines: ReadonlyArray<RequestLine>) => void
}

/** The sink of `loggingLayer`, when it is the logger (see `servingRequest`'s `answered`). */
export const RequestLines = Context.Reference<RequestLineSink | undefined>("app/observability/RequestLines", {
  defaultValue: () => undefined
})

/**
 * The record `withTracerSpans(makeRecordLogger(text))` makes of `Effect.logInfo(line.message)` annotated with
 * `line.annotations`, run by `fiber` inside `line.span`: same fields in the same order, everything redacted alike.
 */
export const requestLineRecord = (
  fiber: Fiber.Fiber<unknown, unknown>,
  line: RequestLine,
  text: (s: string) => string
): LogRecord => requestLineRecorder(fiber, text)(line)

/** Flat values, as a request line's own annotations are: redacted value by value, no walk needed. */
const isFlat = (annotations: Readonly<Record<string, unknown>>): boolean => {
  for (const key in annotations) {
    const value = annotations[key]
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return false
  }
  return true
}

/**
 * `redactValue` of a flat record (strings, numbers and booleans only, see `isFlat`): the same result (each key
 * judged by `isSecretKey`, each string by `text`), without the walk's set and copies.
 */
const redactFlat = (
  annotations: Readonly<Record<string, string | number | boolean>>,
  text: (s: string) => string,
  into: Record<string, unknown>
): Record<string, unknown> => {
  for (const key in annotations) {
    const value = annotations[key]!
    into[key] = isSecretKey(key, value) ? REDACTED : typeof value === "string" ? text(value) : value
  }
  return into
}

/**
 * `requestLineRecord` for many lines of one `fiber`: what comes from the fiber (its annotations, outer span names,
 * log spans and id) is read once; each line's record is then the one `requestLineRecord` makes of it.
 */
export const requestLineRecorder = (
  fiber: Fiber.Fiber<unknown, unknown>,
  text: (s: string) => string
): ((line: RequestLine) => LogRecord) => {
  const fromFiber = fiber.getRef(References.CurrentLogAnnotations)
  // Flat fiber annotations (the usual case) are redacted once; anything else is walked with each line, as before.
  const flat = isFlat(fromFiber)
  const fiberPart = flat ? redactFlat(fromFiber as Record<string, string | number>, text, {}) : undefined
  const outer = spanNames(fiber.context).names
  const logSpans = fiber.getRef(References.CurrentLogSpans)
  const fiberId = `#${fiber.id}`
  return (line) => {
    const annotations =
      fiberPart !== undefined
        ? redactFlat(line.annotations, text, { ...fiberPart })
        : (redactValue({ ...fromFiber, ...line.annotations }, text) as Record<string, unknown>)
    const now = line.date.getTime()
    return {
      time: line.date.toISOString(),
      level: "INFO",
      message: text(line.message),
      fiber: fiberId,
      annotations,
      spans: [...outer, line.span.name],
      ...(logSpans.length > 0
        ? { log_spans: Object.fromEntries(logSpans.map(([label, at]) => [label, now - at] as const)) }
        : {}),
      trace_id: line.span.traceId
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Request ids

export const REQUEST_ID_HEADER = "x-request-id"
/** Polled paths whose request line is logged at debug, not info. */
const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"])
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/** The caller's `x-request-id` when it is sane (1-64 of `[A-Za-z0-9._-]`), else a new UUID. */
export const requestIdOf = (header: string | undefined): string =>
  header !== undefined && SANE_REQUEST_ID.test(header) ? header : randomUUID()

/** Annotations a handler adds to its request line (e.g. the webhook intake's `event_id`): ids and counts only. */
export type RequestLineFields = Readonly<Record<string, string | number>>

const lineFields = new WeakMap<HttpServerResponse.HttpServerResponse, RequestLineFields>()

/**
 * `response`, whose request line (`servingRequest`) will also carry `fields`: one line per request says what it
 * did (the webhook intake's accepted event, issue 18.3) instead of a second line.
 */
export const withRequestLineFields = (
  response: HttpServerResponse.HttpServerResponse,
  fields: RequestLineFields | undefined
): HttpServerResponse.HttpServerResponse => {
  if (fields !== undefined) lineFields.set(response, fields)
  return response
}

/**
 * One request as it is served, whichever HTTP stack carries it (the router's middleware below, or a `node:http`
 * fast path such as the webhook intake's): its id (the caller's sane `x-request-id` or a new one), and `serve`,
 * which runs the handler with `request_id` on every line, in a `http.server <METHOD>` span (the native tracer makes
 * none: each request gets its own `trace_id`), and logs the one request line when it is answered: method, path
 * without its query (which may hold a code or the verify token), status and duration; probes and scrapes at debug.
 * A handler that fails is logged as "failed": the error middleware answers it (404, 500, ...) after this line.
 */
export const servingRequest = (method: string, url: string, requestIdHeader: string | undefined): ServingRequest =>
  new ServingRequest(method, url, requestIdHeader)

/**
 * What `servingRequest` answers: a class rather than an object of closures, since the webhook fast path makes one
 * per delivery (issue 18.3, w9B); `serve` and `answered` are called as its methods.
 */
export class ServingRequest {
  readonly id: string
  readonly method: string
  readonly path: string
  /** A probe or scrape: its line is at debug. */
  readonly quiet: boolean
  readonly started = Date.now()
  constructor(method: string, url: string, requestIdHeader: string | undefined) {
    this.id = requestIdOf(requestIdHeader)
    this.method = method
    const query = url.indexOf("?")
    this.path = query === -1 ? url : url.slice(0, query)
    this.quiet = QUIET_PATHS.has(this.path)
  }
  /** The request line's message. */
  message(status: number | "failed"): string {
    return `HTTP ${this.method} ${this.path} ${status}`
  }
  /** The request line's own annotations (`fields` first), as `serve` logs them. */
  lineAnnotations(status: number | "failed", fields: RequestLineFields | undefined) {
    return { ...fields, method: this.method, path: this.path, status, duration_ms: Date.now() - this.started }
  }
  /** The request's span's name and options. */
  get spanName(): string {
    return `http.server ${this.method}`
  }
  get spanOptions() {
    return { kind: "server", attributes: { request_id: this.id } } as const
  }
  /** The request line as a log call. */
  private served(status: number | "failed", fields?: RequestLineFields): Effect.Effect<void> {
    return (this.quiet ? Effect.logDebug : Effect.logInfo)(this.message(status)).pipe(
      Effect.annotateLogs(this.lineAnnotations(status, fields))
    )
  }
  /** `effect` with `request_id` on every line, in the request's `http.server <METHOD>` span. */
  private inRequest<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.annotateLogs(effect, "request_id", this.id).pipe(
      // No stack trace: it would point at this function for every request, and costs an Error per request.
      Effect.withSpan(this.spanName, this.spanOptions, { captureStackTrace: false })
    )
  }
  /** The line `written` gives the sink for `status` and `fields` in `span`, at `date`. */
  requestLine(status: number, fields: RequestLineFields | undefined, span: Tracer.Span, date: Date): RequestLine {
    return {
      message: this.message(status),
      // `{ request_id, ...lineAnnotations(status, fields) }` in one object.
      annotations: {
        request_id: this.id,
        ...fields,
        method: this.method,
        path: this.path,
        status,
        duration_ms: Date.now() - this.started
      },
      span,
      date
    }
  }
  /**
   * The request line written by `loggingLayer`'s sink, without a log call: the same record as `served` in
   * `inRequest` (the span is made and ended as `withSpan` would, but not provided to a fiber).
   */
  private written(sink: RequestLineSink, status: number, fields: RequestLineFields | undefined): Effect.Effect<void> {
    return Effect.flatMap(Effect.makeSpan(this.spanName, this.spanOptions), (span) =>
      Effect.withFiber((fiber) => {
        const clock = fiber.getRef(Clock.Clock)
        sink.write(fiber, this.requestLine(status, fields, span, new Date(clock.currentTimeMillisUnsafe())))
        span.end(clock.currentTimeNanosUnsafe(), Exit.void)
        return Effect.void
      })
    )
  }
  serve<E, R>(
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> {
    return this.inRequest(
      handler.pipe(
        Effect.tap((response) => this.served(response.status, lineFields.get(response))),
        Effect.tapCause(() => this.served("failed"))
      )
    )
  }
  /**
   * For a request answered without an Effect of its own (the webhook fast path logs its requests one batch at a
   * time, issue 18.3; see `answeredTogether`): its `lines`, then its request line with `status` and `fields`, as
   * `serve` would have logged them. A request with no other line, logged at info through `loggingLayer`'s logger
   * alone, has its line written by the logger's sink (`RequestLines`), without a log call (issue 18.3, w8A).
   */
  answered<R = never>(
    status: number,
    fields?: RequestLineFields,
    lines?: Effect.Effect<void, never, R>
  ): Effect.Effect<void, never, R> {
    return Effect.withFiber((fiber) => {
      const sink = soleSink(fiber)
      if (lines !== undefined || this.quiet || sink === undefined)
        return this.inRequest(Effect.andThen(lines ?? Effect.void, this.served(status, fields)))
      return infoEnabled(fiber) ? this.written(sink, status, fields) : Effect.void
    })
  }
}

/** `loggingLayer`'s sink when its logger is the fiber's only logger (else the request line is a log call). */
const soleSink = (fiber: Fiber.Fiber<unknown, unknown>): RequestLineSink | undefined => {
  const sink = fiber.getRef(RequestLines)
  const loggers = fiber.getRef(References.CurrentLoggers)
  return sink !== undefined && loggers.size === 1 && loggers.has(sink.logger) ? sink : undefined
}

const infoEnabled = (fiber: Fiber.Fiber<unknown, unknown>) =>
  LogLevel.isGreaterThanOrEqualTo("Info", fiber.getRef(References.MinimumLogLevel))

/** A request answered in a batch (`answeredTogether`): what `ServingRequest.answered` is given for it. */
export interface AnsweredRequest<R = never> {
  readonly serving: ServingRequest
  readonly status: number
  readonly fields?: RequestLineFields | undefined
  readonly lines?: Effect.Effect<void, never, R> | undefined
}

/**
 * The request lines of requests answered together (the webhook fast path's batch, issue 18.3, w9B): the same
 * lines, in order, as `answered` of each one after the other. When each would be written by the sink (see
 * `answered`), the fiber is consulted once for all of them and the sink writes them in one call (`writeAll`);
 * otherwise (another logger, a line of its own such as the 503's error, a quiet path) it is `answered` of each.
 */
export const answeredTogether = <R>(requests: ReadonlyArray<AnsweredRequest<R>>): Effect.Effect<void, never, R> =>
  Effect.withFiber((fiber) => {
    const sink = soleSink(fiber)
    let single = sink !== undefined
    for (const request of requests) if (request.lines !== undefined || request.serving.quiet) single = false
    if (!single || sink === undefined)
      return Effect.forEach(requests, (r) => r.serving.answered(r.status, r.fields, r.lines), { discard: true })
    if (!infoEnabled(fiber)) return Effect.void
    return Effect.flatMap(
      Effect.forEach(requests, (r) => Effect.makeSpan(r.serving.spanName, r.serving.spanOptions)),
      (spans) =>
        Effect.withFiber((fiber) => {
          const clock = fiber.getRef(Clock.Clock)
          const lines = requests.map((r, i) =>
            r.serving.requestLine(r.status, r.fields, spans[i]!, new Date(clock.currentTimeMillisUnsafe()))
          )
          if (sink.writeAll !== undefined) sink.writeAll(fiber, lines)
          else for (const line of lines) sink.write(fiber, line)
          const end = clock.currentTimeNanosUnsafe()
          for (const span of spans) span.end(end, Exit.void)
          return Effect.void
        })
    )
  })

/**
 * Global middleware: takes or makes the request id, annotates every log line of the request with `request_id`,
 * and answers it in `x-request-id` (on every response, error responses included, through a pre-response handler).
 * The annotation lasts for the request's scope, so the error middleware's own lines carry the id too, whichever
 * global middleware was added first. The request line and span: `servingRequest`.
 */
export const RequestIdMiddleware = HttpRouter.middleware(
  (httpEffect) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const serving = servingRequest(request.method, request.url, request.headers[REQUEST_ID_HEADER])
      yield* HttpEffect.appendPreResponseHandler((_request, response) =>
        Effect.succeed(HttpServerResponse.setHeader(response, REQUEST_ID_HEADER, serving.id))
      )
      // Scoped to the request rather than to `httpEffect`: the lines an outer middleware (JsonErrors) logs after the
      // handler failed carry the id too, whatever order the global middleware were added in.
      yield* Effect.annotateLogsScoped("request_id", serving.id)
      return yield* serving.serve(httpEffect)
    }),
  { global: true }
)
