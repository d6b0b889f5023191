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
import { makeRedactor, redactValue } from "./Redaction.ts"

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
  const logger = Logger.make((entry) => emit(records.log(entry), entry.fiber))
  const sink: RequestLineSink = {
    logger,
    write: (fiber, line) => emit(requestLineRecord(fiber, line, text), fiber)
  }
  return Layer.mergeAll(
    Logger.layer([logger]),
    Layer.succeed(References.MinimumLogLevel, parseLogLevel(level)),
    Layer.succeed(RequestLines, sink)
  )
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
): LogRecord => {
  const annotations = redactValue({ ...fiber.getRef(References.CurrentLogAnnotations), ...line.annotations }, text)
  const outer = spanNames(fiber.context).names
  outer.push(line.span.name)
  const logSpans = fiber.getRef(References.CurrentLogSpans)
  const now = line.date.getTime()
  return {
    time: line.date.toISOString(),
    level: "INFO",
    message: text(line.message),
    fiber: `#${fiber.id}`,
    annotations: annotations as Record<string, unknown>,
    spans: outer,
    ...(logSpans.length > 0
      ? { log_spans: Object.fromEntries(logSpans.map(([label, at]) => [label, now - at] as const)) }
      : {}),
    trace_id: line.span.traceId
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
export const servingRequest = (method: string, url: string, requestIdHeader: string | undefined) => {
  const id = requestIdOf(requestIdHeader)
  const started = Date.now()
  const path = url.split("?")[0] ?? url
  const quiet = QUIET_PATHS.has(path)
  const message = (status: number | "failed") => `HTTP ${method} ${path} ${status}`
  const lineAnnotations = (status: number | "failed", fields: RequestLineFields | undefined) => ({
    ...fields,
    method,
    path,
    status,
    duration_ms: Date.now() - started
  })
  const served = (status: number | "failed", fields?: RequestLineFields) =>
    (quiet ? Effect.logDebug : Effect.logInfo)(message(status)).pipe(
      Effect.annotateLogs(lineAnnotations(status, fields))
    )
  const spanName = `http.server ${method}`
  const spanOptions = { kind: "server", attributes: { request_id: id } } as const
  /** `effect` with `request_id` on every line, in the request's `http.server <METHOD>` span. */
  const inRequest = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.annotateLogs(effect, "request_id", id).pipe(
      // No stack trace: it would point at this function for every request, and costs an Error per request.
      Effect.withSpan(spanName, spanOptions, { captureStackTrace: false })
    )
  /**
   * The request line written by `loggingLayer`'s sink, without a log call: the same record as `served` in
   * `inRequest` (the span is made and ended as `withSpan` would, but not provided to a fiber).
   */
  const written = (sink: RequestLineSink, status: number, fields: RequestLineFields | undefined) =>
    Effect.flatMap(Effect.makeSpan(spanName, spanOptions), (span) =>
      Effect.withFiber((fiber) => {
        const clock = fiber.getRef(Clock.Clock)
        sink.write(fiber, {
          message: message(status),
          annotations: { request_id: id, ...lineAnnotations(status, fields) },
          span,
          date: new Date(clock.currentTimeMillisUnsafe())
        })
        span.end(clock.currentTimeNanosUnsafe(), Exit.void)
        return Effect.void
      })
    )
  return {
    id,
    serve: <E, R>(
      handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
    ): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
      inRequest(
        handler.pipe(
          Effect.tap((response) => served(response.status, lineFields.get(response))),
          Effect.tapCause(() => served("failed"))
        )
      ),
    /**
     * For a request answered without an Effect of its own (the webhook fast path logs its requests one batch at a
     * time, issue 18.3): its `lines`, then its request line with `status` and `fields`, as `serve` would have
     * logged them. A request with no other line, logged at info through `loggingLayer`'s logger alone, has its line
     * written by the logger's sink (`RequestLines`), without a log call (issue 18.3, w8A).
     */
    answered: <R = never>(
      status: number,
      fields?: RequestLineFields,
      lines?: Effect.Effect<void, never, R>
    ): Effect.Effect<void, never, R> =>
      Effect.withFiber((fiber) => {
        const sink = fiber.getRef(RequestLines)
        const loggers = fiber.getRef(References.CurrentLoggers)
        if (lines !== undefined || quiet || sink === undefined || loggers.size !== 1 || !loggers.has(sink.logger))
          return inRequest(Effect.andThen(lines ?? Effect.void, served(status, fields)))
        return LogLevel.isGreaterThanOrEqualTo("Info", fiber.getRef(References.MinimumLogLevel))
          ? written(sink, status, fields)
          : Effect.void
      })
  }
}

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
