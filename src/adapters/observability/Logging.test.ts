import { randomBytes } from "node:crypto"
import { Effect, Layer, Logger, References } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { afterEach, describe, expect, it, vi } from "vitest"
import { JsonErrors } from "../http/ErrorMiddleware.ts"
import {
  type AnsweredRequest,
  answeredTogether,
  formatPretty,
  type LogRecord,
  loggingLayer,
  makeJsonLogger,
  makeRecordLogger,
  parseLogLevel,
  REDACTED,
  RequestIdMiddleware,
  RequestLines,
  requestIdOf,
  servingRequest,
  stdoutLines,
  withRequestLineFields
} from "./Logging.ts"

const metaToken = () => `EAA${randomBytes(120).toString("hex")}`

/** Runs `effect` with a logger that keeps the records the JSON logger would write. */
const capture = <A, E>(effect: Effect.Effect<A, E>) => {
  const records: Array<LogRecord> = []
  const record = makeRecordLogger()
  const logger = Logger.make((options) => {
    records.push(record.log(options))
  })
  return Effect.runPromise(
    effect.pipe(Effect.provide(Logger.layer([logger])), Effect.provideService(References.MinimumLogLevel, "All"))
  ).then(() => records)
}

describe("the record logger", () => {
  it("redacts messages, annotations and causes", async () => {
    const token = metaToken()
    const records = await capture(
      Effect.gen(function* () {
        yield* Effect.logInfo(`exchanging ${token}`, { access_token: token, note: `code=AQ${"x".repeat(80)}` })
        yield* Effect.logError("failed", new Error(`Meta refused ${token}`)).pipe(
          Effect.annotateLogs({ authorization: `Bearer ${token}`, endpoint: "GET /debug_token", status: 400 })
        )
        yield* Effect.logWarning("cause").pipe(Effect.andThen(Effect.die(new Error(`boom ${token}`))), Effect.exit)
        yield* Effect.failCause(Effect.die(`defect ${token}`) as never).pipe(
          Effect.catchCause((cause) => Effect.logError("defect", cause))
        )
      })
    )
    const all = JSON.stringify(records)
    expect(all).not.toContain(token)
    expect(records[0]!.level).toBe("INFO")
    expect(records[0]!.message).toBe(`exchanging ${REDACTED}`)
    expect(records[0]!.details).toEqual([{ access_token: REDACTED, note: `code=${REDACTED}` }])
    expect(records[1]!.annotations).toEqual({ authorization: REDACTED, endpoint: "GET /debug_token", status: 400 })
    expect(records[1]!.time).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(records[1]!.fiber).toMatch(/^#\d+$/)
  })

  it("adds log spans, and the JSON logger adds tracer span names and writes one line each", async () => {
    const lines: Array<string> = []
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line))
    })
    try {
      const token = metaToken()
      await Effect.runPromise(
        Effect.logInfo(`multi\nline ${token}`).pipe(
          Effect.withLogSpan("work"),
          Effect.withSpan("Outer.inner"),
          Effect.withSpan("Outer"),
          Effect.provide(Logger.layer([makeJsonLogger()]))
        )
      )
      expect(lines).toHaveLength(1)
      expect(lines[0]).not.toContain("\n")
      expect(lines[0]).not.toContain(token)
      const parsed = JSON.parse(lines[0]!) as LogRecord
      expect(parsed.message).toBe(`multi\nline ${REDACTED}`)
      expect(parsed.spans).toEqual(["Outer", "Outer.inner"])
      expect(Object.keys(parsed.log_spans ?? {})).toEqual(["work"])
      expect(parsed.trace_id).toMatch(/^[0-9a-f]+$/)
    } finally {
      spy.mockRestore()
    }
  })

  it("formats a readable line", () => {
    const line = formatPretty({
      time: "2026-01-01T00:00:00.000Z",
      level: "INFO",
      message: "hello",
      details: [{ a: 1 }],
      fiber: "#3",
      annotations: { request_id: "abc" },
      spans: ["Outer"]
    })
    expect(line).toBe('2026-01-01T00:00:00.000Z INFO  (#3) hello {"a":1} request_id=abc span=Outer')
  })
})

describe("loggingLayer", () => {
  afterEach(() => vi.restoreAllMocks())

  it("applies LOG_LEVEL and the known secrets", async () => {
    const lines: Array<string> = []
    const secret = randomBytes(16).toString("hex")
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* Effect.logDebug("hidden")
        yield* Effect.logWarning(`secret is ${secret}`)
      }).pipe(Effect.provide(loggingLayer("warn", "json", { secrets: [secret], write: (line) => lines.push(line) })))
    )
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`secret is ${REDACTED}`)
    const pretty: Array<string> = []
    await Effect.runPromise(
      Effect.logDebug(`shown ${secret}`).pipe(
        Effect.provide(loggingLayer("debug", "pretty", { write: (line) => pretty.push(line) }))
      )
    )
    expect(pretty).toHaveLength(1)
    expect(pretty[0]).toContain("DEBUG")
  })

  it("writes a tick's lines to stdout in one write, in order, at the next turn of the event loop", async () => {
    const writes: Array<string> = []
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk))
      return true
    })
    try {
      const write = stdoutLines()
      write("one")
      write("two")
      expect(writes).toEqual([])
      await new Promise((done) => setImmediate(done))
      write("three")
      await new Promise((done) => setImmediate(done))
      expect(writes).toEqual(["one\ntwo\n", "three\n"])
    } finally {
      spy.mockRestore()
    }
  })

  it("maps LOG_LEVEL values", () => {
    expect(parseLogLevel("debug")).toBe("Debug")
    expect(parseLogLevel("WARNING")).toBe("Warn")
    expect(parseLogLevel("warn")).toBe("Warn")
    expect(parseLogLevel("none")).toBe("None")
    expect(parseLogLevel("trace")).toBe("Trace")
    expect(parseLogLevel("nonsense")).toBe("Info")
  })
})

describe("request ids", () => {
  it("keeps a sane caller id and replaces anything else", () => {
    expect(requestIdOf("abc-123_x.y")).toBe("abc-123_x.y")
    for (const bad of [undefined, "", "a".repeat(65), "has space", "semi;colon", "new\nline"]) {
      const id = requestIdOf(bad)
      expect(id).not.toBe(bad)
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  for (const order of ["RequestId first", "JsonErrors first"] as const) {
    it(`annotates every log line of a request and answers the id (${order})`, async () => {
      const records: Array<LogRecord> = []
      const record = makeRecordLogger()
      const collector = Logger.make((options) => {
        records.push(record.log(options))
      })
      const Routes = HttpRouter.use(
        Effect.fn(function* (router) {
          yield* router.add("GET", "/ok", Effect.logInfo("handling").pipe(Effect.as(HttpServerResponse.text("ok"))))
          yield* router.add("GET", "/boom", Effect.die(new Error("kaboom")))
        })
      )
      const middleware =
        order === "RequestId first" ? [RequestIdMiddleware, JsonErrors] : [JsonErrors, RequestIdMiddleware]
      const app = HttpRouter.toWebHandler(
        Layer.mergeAll(Routes, ...middleware).pipe(Layer.provideMerge(Logger.layer([collector]))),
        { disableLogger: true }
      )
      try {
        const ok = await app.handler(new Request("http://localhost/ok", { headers: { "x-request-id": "req-1" } }))
        expect(ok.status).toBe(200)
        expect(ok.headers.get("x-request-id")).toBe("req-1")
        const generated = await app.handler(new Request("http://localhost/ok", { headers: { "x-request-id": "x y" } }))
        const id = generated.headers.get("x-request-id")
        expect(id).toMatch(/^[0-9a-f-]{36}$/)
        const boom = await app.handler(new Request("http://localhost/boom", { headers: { "x-request-id": "req-3" } }))
        expect(boom.status).toBe(500)
        expect(boom.headers.get("x-request-id")).toBe("req-3")
        const missing = await app.handler(new Request("http://localhost/nowhere"))
        expect(missing.status).toBe(404)
        expect(missing.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
      } finally {
        await app.dispose()
      }
      const ids = records.map((r) => [r.message, r.annotations["request_id"]])
      expect(ids).toContainEqual(["handling", "req-1"])
      expect(ids).toContainEqual(["handling", expect.stringMatching(/^[0-9a-f-]{36}$/)])
      const unhandled = records.find((r) => r.message === "Unhandled error while serving a request")
      expect(unhandled).toBeDefined()
      // The error middleware's own line carries the id, whichever of the two was added first.
      expect(unhandled!.annotations["request_id"]).toBe("req-3")
    })
  }

  const fields = { event_id: "evt-1", provider: "meta_whatsapp", bytes: 42 }
  const webhookLine = (id: string) => servingRequest("POST", "/webhooks/meta/whatsapp", id)

  it("writes an answered request's line, without a log call, as the record serve logs (issue 18.3, w8A)", async () => {
    const lines: Array<string> = []
    const secret = randomBytes(16).toString("hex")
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* webhookLine("req-a").serve(
          Effect.succeed(withRequestLineFields(HttpServerResponse.text("EVENT_RECEIVED"), fields))
        )
        yield* webhookLine("req-a").answered(200, fields)
        // A secret in a field is redacted on both ways alike.
        yield* webhookLine("req-b").serve(
          Effect.succeed(withRequestLineFields(HttpServerResponse.text("x"), { ...fields, provider: secret }))
        )
        yield* webhookLine("req-b").answered(200, { ...fields, provider: secret })
      }).pipe(
        Effect.annotateLogs("outer", "kept"),
        Effect.withSpan("outer span"),
        Effect.provide(loggingLayer("info", "json", { secrets: [secret], write: (line) => lines.push(line) }))
      )
    )
    expect(lines).toHaveLength(4)
    const comparable = (line: string) =>
      line.replace(/"time":"[^"]+"/, '"time":"T"').replace(/"duration_ms":\d+/, '"duration_ms":0')
    expect(comparable(lines[1]!)).toBe(comparable(lines[0]!))
    expect(comparable(lines[3]!)).toBe(comparable(lines[2]!))
    const record = JSON.parse(lines[1]!) as LogRecord
    expect(record).toMatchObject({
      level: "INFO",
      message: "HTTP POST /webhooks/meta/whatsapp 200",
      annotations: { outer: "kept", request_id: "req-a", ...fields, method: "POST", status: 200 },
      spans: ["outer span", "http.server POST"]
    })
    expect(record.trace_id).toMatch(/^[0-9a-f]{32}$/)
    expect(lines[3]).toContain(`"provider":"${REDACTED}"`)
    expect(lines[3]).not.toContain(secret)
  })

  it("writes a batch's lines as answered of each, in the same order (answeredTogether, issue 18.3, w9B)", async () => {
    const secret = randomBytes(16).toString("hex")
    const batch = (prefix: string): Array<AnsweredRequest> => [
      { serving: webhookLine(`${prefix}-a`), status: 200, fields },
      { serving: webhookLine(`${prefix}-b`), status: 200, fields: { ...fields, provider: secret } },
      { serving: servingRequest("POST", `/webhooks/other?token=${secret}`, `${prefix}-c`), status: 401 }
    ]
    const withError = (prefix: string): Array<AnsweredRequest> => [
      ...batch(prefix),
      { serving: webhookLine(`${prefix}-d`), status: 503, lines: Effect.logError(`could not store ${secret}`) }
    ]
    /** The lines of `each` (answered one after the other) and of `together`, as written. */
    const linesOf = async (
      around: (effect: Effect.Effect<void>) => Effect.Effect<void>,
      requests: (prefix: string) => Array<AnsweredRequest>
    ) => {
      const lines: Array<string> = []
      const layer = loggingLayer("info", "json", { secrets: [secret], write: (line) => lines.push(line) })
      await Effect.runPromise(
        around(
          Effect.gen(function* () {
            for (const r of requests("x")) yield* r.serving.answered(r.status, r.fields, r.lines)
            yield* answeredTogether(requests("x"))
          })
        ).pipe(Effect.provide(layer))
      )
      const comparable = (line: string) =>
        line
          .replace(/"time":"[^"]+"/, '"time":"T"')
          .replace(/"duration_ms":\d+/, '"duration_ms":0')
          .replace(/"trace_id":"[0-9a-f]+"/, '"trace_id":"X"')
          .replace(/"log_spans":\{"batch":\d+\}/, '"log_spans":{"batch":0}')
      return {
        each: lines.slice(0, lines.length / 2).map(comparable),
        together: lines.slice(lines.length / 2).map(comparable)
      }
    }
    // Flat annotations of the fiber (one of them a secret by its name), an outer span and a log span.
    const flat = await linesOf(
      (effect) =>
        effect.pipe(
          Effect.withLogSpan("batch"),
          Effect.annotateLogs({ outer: "kept", count: 3, apiKey: "named-secret" }),
          Effect.withSpan("outer span")
        ),
      batch
    )
    expect(flat.together).toHaveLength(3)
    expect(flat.together).toEqual(flat.each)
    const first = JSON.parse(flat.together[0]!) as LogRecord
    expect(first).toMatchObject({
      annotations: { outer: "kept", count: 3, apiKey: REDACTED, request_id: "x-a", ...fields, status: 200 },
      spans: ["outer span", "http.server POST"]
    })
    expect(Object.keys(first.log_spans ?? {})).toEqual(["batch"])
    expect(flat.together.join("\n")).not.toContain(secret)
    // An annotation that is not flat (walked with each line), and a batch with a line of its own (the 503's error).
    const nested = await linesOf(
      (effect) => effect.pipe(Effect.annotateLogs("nested", { token: "x", list: [secret, 1] })),
      withError
    )
    expect(nested.together).toHaveLength(5)
    expect(nested.together).toEqual(nested.each)
    expect(nested.together.map((line) => (JSON.parse(line) as LogRecord).message)).toEqual([
      "HTTP POST /webhooks/meta/whatsapp 200",
      "HTTP POST /webhooks/meta/whatsapp 200",
      "HTTP POST /webhooks/other 401",
      `could not store ${REDACTED}`,
      "HTTP POST /webhooks/meta/whatsapp 503"
    ])
    expect(nested.together.join("\n")).not.toContain(secret)
  })

  it("writes an answered request's line through the sink only when it is the one logger, at info", async () => {
    const logged: Array<string> = []
    const written: Array<string> = []
    const logger = Logger.make((options) => {
      logged.push(String(options.message))
    })
    const sink = { logger, write: (_fiber: unknown, line: { readonly message: string }) => written.push(line.message) }
    const run = (
      effect: Effect.Effect<void>,
      loggers: ReadonlyArray<Logger.Logger<unknown, unknown>>,
      level = "Info"
    ) =>
      Effect.runPromise(
        effect.pipe(
          Effect.provide(Logger.layer(loggers)),
          Effect.provideService(RequestLines, sink),
          Effect.provideService(References.MinimumLogLevel, level as "Info")
        )
      )
    await run(webhookLine("r1").answered(200, fields), [logger])
    expect([written, logged]).toEqual([["HTTP POST /webhooks/meta/whatsapp 200"], []])
    // Another logger besides it, a line of its own (the 503's error), or a level above info: the log call.
    await run(webhookLine("r2").answered(200, fields), [logger, Logger.make(() => undefined)])
    await run(webhookLine("r3").answered(503, undefined, Effect.logError("could not store")), [logger])
    expect(written).toHaveLength(1)
    expect(logged).toEqual([
      "HTTP POST /webhooks/meta/whatsapp 200",
      "could not store",
      "HTTP POST /webhooks/meta/whatsapp 503"
    ])
    await run(webhookLine("r4").answered(200, fields), [logger], "Error")
    expect([written.length, logged.length]).toEqual([1, 3])
  })
})
