import { createHmac } from "node:crypto"
import { EventEmitter } from "node:events"
import { createServer, request, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Context, Layer, Logger, ManagedRuntime, Metric, Redacted, References, Stream, Tracer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebhookSettings } from "../../application/webhooks/ports/WebhookSettings.ts"
import { WebhookIntake } from "../../application/webhooks/WebhookIntake.ts"
import { MetaWebhookVerifier } from "../meta-graph/MetaWebhooks.ts"
import { type LogRecord, loggingLayer, makeRecordLogger, RequestIdMiddleware } from "../observability/Logging.ts"
import { webhookEventsReceived } from "../observability/Metrics.ts"
import { WebhookInboxMemory } from "../persistence/WebhookInboxMemory.ts"
import { JsonErrors } from "./ErrorMiddleware.ts"
import { FastPaths, prepareAnswer, readNodeBody, withFastPaths, writeAnswer, writePrepared } from "./NodeFastPath.ts"
import {
  MAX_WEBHOOK_BYTES,
  makeWebhookFastPath,
  WebhookIntakeRoute,
  type WebhookOutcome,
  webhookAnswer
} from "./WebhookRoutes.ts"

const SECRET = "fast-path-test-secret"
const sign = (body: string | Uint8Array) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`
const ok = JSON.stringify({ object: "whatsapp_business_account", entry: [] })

/** Each line, with the name and trace of the tracer span it was logged in. */
const records: Array<LogRecord & { readonly span?: string; readonly trace?: string }> = []
const record = makeRecordLogger()
const Collector = Layer.mergeAll(
  Logger.layer([
    Logger.make((options) => {
      const span = Context.getOrUndefined(options.fiber.context, Tracer.ParentSpan)
      records.push({
        ...record.log(options),
        ...(span?._tag === "Span" ? { span: span.name } : {}),
        ...(span === undefined ? {} : { trace: span.traceId })
      })
    })
  ]),
  Layer.succeed(References.MinimumLogLevel, "Info")
)
const Services = WebhookIntake.layer.pipe(
  Layer.provide(WebhookInboxMemory),
  Layer.provide(MetaWebhookVerifier),
  Layer.provide(Layer.succeed(WebhookSettings, { appSecret: Redacted.make(SECRET), verifyToken: Redacted.make("v") })),
  Layer.provideMerge(Collector),
  Layer.provideMerge(Layer.succeed(Metric.MetricRegistry, new Map()))
)

/** The router as main.ts builds it (request id, error answers, the route) ... */
const router = HttpRouter.toWebHandler(
  Layer.mergeAll(WebhookIntakeRoute, RequestIdMiddleware, JsonErrors).pipe(Layer.provideMerge(Services)),
  { disableLogger: true }
)
/** ... and the fast path main.ts puts in front of it, on a node:http server whose other requests get 404. */
const runtime = ManagedRuntime.make(Services)
let server: Server
let origin = ""
beforeAll(async () => {
  const paths = new FastPaths()
  paths.add(await runtime.runPromise(makeWebhookFastPath()))
  paths.open()
  server = withFastPaths(
    createServer((_request, response) => response.writeHead(404, { "x-fallthrough": "yes" }).end()),
    paths
  )
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((done) => server.close(done))
  await router.dispose()
  await runtime.dispose()
})

interface Case {
  readonly name: string
  readonly body: () => string | ReadableStream<Uint8Array>
  readonly headers: Record<string, string>
}

const chunked = (bytes: number): ReadableStream<Uint8Array> => {
  let left = bytes
  return new ReadableStream({
    pull(controller) {
      if (left <= 0) return controller.close()
      const size = Math.min(left, 256 * 1024)
      left -= size
      controller.enqueue(new Uint8Array(size).fill(0x20))
    }
  })
}

const CASES: ReadonlyArray<Case> = [
  { name: "signed JSON", body: () => ok, headers: { "x-hub-signature-256": sign(ok), "x-request-id": "fp-1" } },
  {
    name: "wrong signature",
    body: () => ok,
    headers: { "x-hub-signature-256": sign("other"), "x-request-id": "fp-2" }
  },
  { name: "no signature", body: () => ok, headers: { "x-request-id": "fp-3" } },
  { name: "signed, not JSON", body: () => "not json", headers: { "x-hub-signature-256": sign("not json") } },
  { name: "signed, not an object", body: () => "[1]", headers: { "x-hub-signature-256": sign("[1]") } },
  { name: "empty body", body: () => "", headers: { "x-hub-signature-256": sign("") } },
  {
    name: "larger than the limit, with Content-Length",
    body: () => " ".repeat(MAX_WEBHOOK_BYTES + 1),
    headers: { "x-hub-signature-256": sign("x") }
  },
  {
    name: "larger than the limit, chunked",
    body: () => chunked(MAX_WEBHOOK_BYTES + 1),
    headers: { "x-hub-signature-256": sign("x"), "x-request-id": "fp-chunked" }
  },
  { name: "an insane request id", body: () => ok, headers: { "x-hub-signature-256": sign(ok), "x-request-id": "a b" } }
]

const send = (url: string, c: Case, via: (request: Request) => Promise<Response>) =>
  via(
    new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...c.headers },
      body: c.body(),
      duplex: "half"
    } as RequestInit)
  )

/** What a client sees of an answer: everything but the date and a generated request id. */
const seen = async (response: Response, sentId: string | undefined) => {
  const id = response.headers.get("x-request-id")
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get("content-type"),
    cacheControl: response.headers.get("cache-control"),
    retryAfter: response.headers.get("retry-after"),
    requestId: sentId !== undefined && /^[A-Za-z0-9._-]{1,64}$/.test(sentId) ? id : /^[0-9a-f-]{36}$/.test(id ?? "")
  }
}

describe("POST /webhooks/meta/whatsapp on the node:http fast path", () => {
  for (const c of CASES) {
    it(`answers as the router's route does: ${c.name}`, async () => {
      const viaRoute = await seen(
        await send("http://localhost/webhooks/meta/whatsapp", c, (r) => router.handler(r)),
        c.headers["x-request-id"]
      )
      records.length = 0
      const viaFast = await seen(
        await send(`${origin}/webhooks/meta/whatsapp`, c, (r) => fetch(r)),
        c.headers["x-request-id"]
      )
      expect(viaFast).toEqual(viaRoute)
      // The request line, as the router's middleware logs it, with the request's id.
      const line = records.find((r) => r.message.startsWith("HTTP POST /webhooks/meta/whatsapp"))
      expect(line?.message).toBe(`HTTP POST /webhooks/meta/whatsapp ${viaRoute.status}`)
      expect(line?.annotations).toMatchObject({ method: "POST", path: "/webhooks/meta/whatsapp" })
      if (typeof viaRoute.requestId === "string") expect(line?.annotations["request_id"]).toBe(viaRoute.requestId)
      expect(line?.span).toBe("http.server POST")
    })
  }

  it("logs the accepted event under the request's id and span", async () => {
    records.length = 0
    const response = await fetch(`${origin}/webhooks/meta/whatsapp`, {
      method: "POST",
      headers: { "x-hub-signature-256": sign(ok), "x-request-id": "fp-accepted" },
      body: ok
    })
    expect(response.status).toBe(200)
    // The accepted event is on the request line (issue 18.3, w7A: one line per delivery).
    const accepted = records.find((r) => r.annotations["event_id"] !== undefined)
    expect(accepted?.message).toBe("HTTP POST /webhooks/meta/whatsapp 200")
    expect(accepted?.annotations["request_id"]).toBe("fp-accepted")
    const line = records.find((r) => r.message.startsWith("HTTP POST"))
    expect(line?.span).toBe("http.server POST")
    expect(accepted?.trace).toBeDefined()
    expect(accepted?.trace).toBe(line?.trace)
  })

  it("takes only POST to the exact path: a query, another method or path goes to the server's listeners", async () => {
    for (const [method, path] of [
      ["POST", "/webhooks/meta/whatsapp?x=1"],
      ["GET", "/webhooks/meta/whatsapp"],
      ["POST", "/webhooks/meta/whatsapp/"],
      ["POST", "/graphql"]
    ] as const) {
      const response = await fetch(`${origin}${path}`, { method, ...(method === "POST" ? { body: ok } : {}) })
      expect([method, path, response.status, response.headers.get("x-fallthrough")]).toEqual([method, path, 404, "yes"])
    }
  })

  it("takes nothing until the paths are open (the startup gate answers), nor once closed", async () => {
    const paths = new FastPaths()
    paths.add(await runtime.runPromise(makeWebhookFastPath()))
    const gated = withFastPaths(
      createServer((_request, response) => response.writeHead(503).end()),
      paths
    )
    await new Promise<void>((done) => gated.listen(0, "127.0.0.1", done))
    const url = `http://127.0.0.1:${(gated.address() as AddressInfo).port}/webhooks/meta/whatsapp`
    const post = () => fetch(url, { method: "POST", headers: { "x-hub-signature-256": sign(ok) }, body: ok })
    try {
      expect((await post()).status).toBe(503)
      paths.open()
      expect((await post()).status).toBe(200)
      paths.close()
      expect((await post()).status).toBe(503)
    } finally {
      gated.closeAllConnections()
      await new Promise((done) => gated.close(done))
    }
  })
})

/** The raw head and body a `node:http` client reads of an answer written by `write`, but the date. */
const rawAnswer = async (write: (response: ServerResponse) => void) => {
  const answering = createServer((_request, response) => write(response))
  await new Promise<void>((done) => answering.listen(0, "127.0.0.1", done))
  try {
    return await new Promise<{ status: number | undefined; headers: Array<string>; body: string }>((done, fail) => {
      const sent = request({ port: (answering.address() as AddressInfo).port, method: "POST" }, (response) => {
        let body = ""
        response.on("data", (chunk: Buffer) => {
          body += chunk.toString()
        })
        response.on("end", () => {
          const headers = response.rawHeaders.filter((_, i, all) => all[i - (i % 2)] !== "Date")
          done({ status: response.statusCode, headers, body })
        })
      })
      sent.on("error", fail)
      sent.end()
    })
  } finally {
    answering.closeAllConnections()
    await new Promise((done) => answering.close(done))
  }
}

describe("a prepared answer (the fast path's 200, issue 18.3, w9B)", () => {
  const accepted = webhookAnswer({ _tag: "Accepted", eventId: "evt-1", bytes: 2 } as WebhookOutcome)

  it("writes the same status, headers in the same order, and body as writeAnswer of the response", async () => {
    const prepared = prepareAnswer(accepted)
    const viaAnswer = await rawAnswer((response) => writeAnswer(response, accepted, "req-1"))
    const viaPrepared = await rawAnswer((response) => writePrepared(response, prepared, "req-1"))
    expect(viaPrepared).toEqual(viaAnswer)
    expect(viaPrepared.status).toBe(200)
    expect(viaPrepared.body).toBe("EVENT_RECEIVED")
    expect(viaPrepared.headers).toEqual(expect.arrayContaining(["cache-control", "no-store", "x-request-id", "req-1"]))
    // Each request its own id: the prepared head is not changed by writing it.
    const again = await rawAnswer((response) => writePrepared(response, prepared, "req-2"))
    expect(again.headers).toContain("req-2")
    expect(again.headers).not.toContain("req-1")
  })

  it("refuses what it could not write as writeAnswer does: a stream, cookies, an id of its own", () => {
    expect(() => prepareAnswer(HttpServerResponse.stream(Stream.empty))).toThrow(/prepareAnswer/)
    expect(() =>
      prepareAnswer(HttpServerResponse.text("x").pipe(HttpServerResponse.setCookieUnsafe("a", "b")))
    ).toThrow(/prepareAnswer/)
    expect(() => prepareAnswer(HttpServerResponse.text("x", { headers: { "x-request-id": "mine" } }))).toThrow(
      /prepareAnswer/
    )
  })
})

describe("withFastPaths", () => {
  it("passes every other event to the server's listeners with all its arguments", () => {
    const server = withFastPaths(createServer(), new FastPaths())
    const heard: Array<unknown> = []
    server.on("custom" as never, (...args: Array<unknown>) => {
      heard.push(args)
    })
    expect(server.emit("custom", 1, "two", { three: 3 }, 4)).toBe(true)
    expect(server.emit("nobody listens")).toBe(false)
    expect(heard).toEqual([[1, "two", { three: 3 }, 4]])
  })
})

describe("the fast path's request lines through loggingLayer (issue 18.3, w9B)", () => {
  const lines: Array<string> = []
  const Logged = WebhookIntake.layer.pipe(
    Layer.provide(WebhookInboxMemory),
    Layer.provide(MetaWebhookVerifier),
    Layer.provide(
      Layer.succeed(WebhookSettings, { appSecret: Redacted.make(SECRET), verifyToken: Redacted.make("v") })
    ),
    Layer.provideMerge(loggingLayer("info", "json", { secrets: [SECRET], write: (line) => lines.push(line) })),
    Layer.provideMerge(Layer.succeed(Metric.MetricRegistry, new Map()))
  )

  it("writes one line per delivery of a batch, each with its own id, span, trace and event, in order", async () => {
    const logged = ManagedRuntime.make(Logged)
    const paths = new FastPaths()
    paths.add(await logged.runPromise(makeWebhookFastPath()))
    paths.open()
    const served = withFastPaths(
      createServer((_request, response) => response.writeHead(404).end()),
      paths
    )
    await new Promise<void>((done) => served.listen(0, "127.0.0.1", done))
    const url = `http://127.0.0.1:${(served.address() as AddressInfo).port}/webhooks/meta/whatsapp`
    try {
      lines.length = 0
      const ids = ["batch-1", "batch-2", "batch-3", "batch-4"]
      const answers = await Promise.all(
        ids.map((id, i) => {
          const body = JSON.stringify({ object: "whatsapp_business_account", entry: [], n: i })
          return fetch(url, {
            method: "POST",
            headers: { "x-hub-signature-256": sign(body), "x-request-id": id },
            body
          })
        })
      )
      expect(answers.map((a) => [a.status, a.headers.get("x-request-id")])).toEqual(ids.map((id) => [200, id]))
      await new Promise((done) => setImmediate(done))
      const records = lines.map((line) => JSON.parse(line) as LogRecord)
      expect(records.map((r) => r.annotations["request_id"]).sort()).toEqual(ids)
      for (const r of records) {
        expect(r).toMatchObject({
          level: "INFO",
          message: "HTTP POST /webhooks/meta/whatsapp 200",
          spans: ["http.server POST"]
        })
        // The record serve logs: request id, the stored event, then the line's own fields, in that order.
        expect(Object.keys(r.annotations)).toEqual([
          "request_id",
          "event_id",
          "provider",
          "bytes",
          "method",
          "path",
          "status",
          "duration_ms"
        ])
        expect(r.trace_id).toMatch(/^[0-9a-f]{32}$/)
      }
      expect(new Set(records.map((r) => r.trace_id)).size).toBe(ids.length)
      expect(new Set(records.map((r) => r.annotations["event_id"])).size).toBe(ids.length)
    } finally {
      served.closeAllConnections()
      await new Promise((done) => served.close(done))
      await logged.dispose()
    }
  })
})

describe("readNodeBody (issue 18.3, w10B: settled once, its listeners left in place)", () => {
  /** A request as `readNodeBody` reads it: its events, and `resume`. */
  const fakeRequest = () => {
    const request = new EventEmitter() as EventEmitter & { resumed: number; resume: () => void }
    request.resumed = 0
    request.resume = () => {
      request.resumed++
    }
    return request
  }
  type Heard = Array<Uint8Array | "too large" | Error>

  it("hears the body once, and nothing of an error or abort after its end", () => {
    const request = fakeRequest()
    const heard: Heard = []
    readNodeBody(request as never, 10, (body) => heard.push(body))
    request.emit("data", Buffer.from("ab"))
    request.emit("data", Buffer.from("cd"))
    request.emit("end")
    // Without a listener an `error` would throw here.
    expect(() => request.emit("error", new Error("late"))).not.toThrow()
    request.emit("aborted")
    request.emit("end")
    expect(heard.map((body) => (body instanceof Uint8Array ? Buffer.from(body).toString() : body))).toEqual(["abcd"])
  })

  it("answers too large once past the limit, drains the rest unread, and ignores its end", () => {
    const request = fakeRequest()
    const heard: Heard = []
    readNodeBody(request as never, 3, (body) => heard.push(body))
    request.emit("data", Buffer.from("ab"))
    request.emit("data", Buffer.from("cd"))
    request.emit("data", Buffer.from("ef"))
    request.emit("end")
    expect(heard).toEqual(["too large"])
    expect(request.resumed).toBe(1)
  })

  it("hears a client gone mid-body once; after stop, nothing", () => {
    const request = fakeRequest()
    const heard: Heard = []
    readNodeBody(request as never, 10, (body) => heard.push(body))
    request.emit("data", Buffer.from("ab"))
    request.emit("aborted")
    request.emit("error", new Error("reset"))
    request.emit("end")
    expect(heard).toHaveLength(1)
    expect((heard[0] as Error).message).toBe("the client closed the request")

    const stopped = fakeRequest()
    const none: Heard = []
    const stop = readNodeBody(stopped as never, 10, (body) => none.push(body))
    stopped.emit("data", Buffer.from("ab"))
    stop()
    stopped.emit("end")
    expect(() => stopped.emit("error", new Error("after stop"))).not.toThrow()
    expect(none).toEqual([])
  })
})

describe("the fast path's counts (issue 18.3, w10B: one update per result and batch, without an Effect each)", () => {
  const count = (result: string) =>
    runtime.runPromise(Metric.value(Metric.withAttributes(webhookEventsReceived, { result }))).then((s) => s.count)

  it("counts every delivery of a batch under its result, in the service's registry", async () => {
    const before = await Promise.all(["accepted", "invalid_signature", "invalid_payload"].map(count))
    const post = (body: string, signature: string) =>
      fetch(`${origin}/webhooks/meta/whatsapp`, { method: "POST", headers: { "x-hub-signature-256": signature }, body })
    const answers = await Promise.all([
      post(ok, sign(ok)),
      post(ok, sign(ok)),
      post(ok, sign(ok)),
      post(ok, sign("other")),
      post("not json", sign("not json"))
    ])
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 401, 400])
    const after = await Promise.all(["accepted", "invalid_signature", "invalid_payload"].map(count))
    expect(after.map((n, i) => Number(n) - Number(before[i]))).toEqual([3, 1, 1])
  })
})
