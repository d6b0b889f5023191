/**
 * The load generator, run by `run.ts` as a child process (its own event loop, never the service's): it receives
 * one `LoadSpec` over IPC, runs it and answers one `LoadResult`.
 *
 * - `graphql` and `webhook`: `concurrency` clients, each a loop of requests over an undici `Agent` holding one
 *   keep-alive connection per client. Webhook bodies are built and signed before the clock starts.
 * - `insert`: the raw ceiling, `concurrency` fibers each a loop of single-row INSERTs through `@effect/sql-pg`
 *   with the service's own pool settings (`layerServer`: 10 connections).
 *
 * Every loop stops at the end of the window or after `maxRequests` requests, whichever comes first.
 */
import { performance } from "node:perf_hooks"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Agent } from "undici"
import { layerServer } from "../src/adapters/persistence/Database.ts"
import {
  type ChildMessage,
  type LoadResult,
  type LoadSpec,
  sha256Hex,
  sign,
  summarize,
  webhookBody
} from "./protocol.ts"

class Recorder {
  readonly latencies: Float64Array
  measured = 0
  sent = 0
  errors = 0
  next = 0
  lastEnd = 0
  firstError: string | null = null
  readonly statuses: Record<string, number> = {}
  readonly begin: number
  readonly t0: number
  readonly t1: number
  readonly startedAt = Date.now()

  constructor(
    readonly spec: LoadSpec,
    readonly prepareMs: number
  ) {
    this.latencies = new Float64Array(spec.maxRequests)
    this.begin = performance.now()
    this.t0 = this.begin + spec.warmupMs
    this.t1 = this.t0 + spec.measureMs
    // The orchestrator times its CPU accounting from here.
    process.send?.({ type: "started" } satisfies ChildMessage)
  }

  /** The next request's index, or null when the window is over or the requests are spent. */
  take(): number | null {
    if (this.next >= this.spec.maxRequests || performance.now() >= this.t1) return null
    return this.next++
  }

  record(start: number, end: number, status: string, error?: unknown) {
    this.sent++
    this.statuses[status] = (this.statuses[status] ?? 0) + 1
    if (status !== "200") {
      this.errors++
      if (this.firstError === null) this.firstError = error === undefined ? `HTTP ${status}` : String(error)
    }
    if (start >= this.t0) {
      this.latencies[this.measured++] = end - start
      if (end > this.lastEnd) this.lastEnd = end
    }
  }

  result(): LoadResult {
    const samples = this.latencies.subarray(0, this.measured)
    const windowMs = this.measured === 0 ? 0 : this.lastEnd - this.t0
    return {
      name: this.spec.name,
      measured: this.measured,
      sent: this.sent,
      errors: this.errors,
      statuses: this.statuses,
      firstError: this.firstError,
      windowMs,
      rps: windowMs > 0 ? (this.measured * 1000) / windowMs : 0,
      ...summarize(samples),
      startedAt: this.startedAt,
      endedAt: Date.now(),
      exhausted: this.next >= this.spec.maxRequests,
      prepareMs: this.prepareMs
    }
  }
}

const runHttp = async (
  spec: LoadSpec & { readonly url: string },
  prepare: () => (index: number) => { readonly headers: Record<string, string>; readonly body: string }
): Promise<LoadResult> => {
  const prepareStart = performance.now()
  const requestFor = prepare()
  const url = new URL(spec.url)
  const agent = new Agent({
    connections: spec.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000
  })
  const recorder = new Recorder(spec, performance.now() - prepareStart)
  const client = async () => {
    for (let index = recorder.take(); index !== null; index = recorder.take()) {
      const { headers, body } = requestFor(index)
      const start = performance.now()
      try {
        const response = await agent.request({
          origin: url.origin,
          path: url.pathname,
          method: "POST",
          headers,
          body
        })
        await response.body.text()
        recorder.record(start, performance.now(), String(response.statusCode))
      } catch (error) {
        recorder.record(start, performance.now(), "exception", error)
      }
    }
  }
  await Promise.all(Array.from({ length: spec.concurrency }, client))
  await agent.close()
  return recorder.result()
}

const runInsert = async (spec: Extract<LoadSpec, { kind: "insert" }>): Promise<LoadResult> => {
  if (!/^[a-z_][a-z0-9_]*$/.test(spec.table)) throw new Error(`bad table name ${spec.table}`)
  const runtime = ManagedRuntime.make(layerServer(Redacted.make(spec.databaseUrl)))
  try {
    const prepareStart = performance.now()
    const rows = Array.from({ length: spec.maxRequests }, (_, n) => {
      const json = webhookBody(spec.bodies, n)
      return { json, sha: sha256Hex(json) }
    })
    // Open the pool's connections before the clock starts, as the service's pool is by then.
    await runtime.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* Effect.forEach(Array.from({ length: 10 }), () => sql`SELECT pg_sleep(0.05)`, {
          concurrency: "unbounded",
          discard: true
        })
      })
    )
    const recorder = new Recorder(spec, performance.now() - prepareStart)
    const program = Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const insert = (row: { readonly json: string; readonly sha: string }) => {
        const receivedAt = new Date()
        return sql`
          INSERT INTO ${sql(spec.table)} (provider, received_at, body_sha256, payload, next_attempt_at)
          VALUES (${"meta_whatsapp"}, ${receivedAt}, ${row.sha}, ${row.json}::jsonb, ${receivedAt}) RETURNING id`
      }
      const client = Effect.gen(function* () {
        for (let index = recorder.take(); index !== null; index = recorder.take()) {
          const start = performance.now()
          const exit = yield* Effect.exit(insert(rows[index]!))
          const end = performance.now()
          if (exit._tag === "Success") recorder.record(start, end, "200")
          else recorder.record(start, end, "exception", exit.cause)
        }
      })
      yield* Effect.forEach(Array.from({ length: spec.concurrency }), () => client, {
        concurrency: "unbounded",
        discard: true
      })
    })
    await runtime.runPromise(program)
    return recorder.result()
  } finally {
    await runtime.dispose()
  }
}

const run = (spec: LoadSpec): Promise<LoadResult> => {
  switch (spec.kind) {
    case "graphql":
      return runHttp(spec, () => {
        const request = {
          headers: { "content-type": "application/json", authorization: `Bearer ${spec.token}` },
          body: JSON.stringify({ query: spec.query })
        }
        return () => request
      })
    case "webhook":
      return runHttp(spec, () => {
        const prepared = Array.from({ length: spec.maxRequests }, (_, n) => {
          const body = webhookBody(spec.bodies, n)
          return {
            headers: { "content-type": "application/json", "x-hub-signature-256": sign(body, spec.bodies.secret) },
            body
          }
        })
        return (index) => prepared[index]!
      })
    case "insert":
      return runInsert(spec)
  }
}

const reply = (message: ChildMessage) =>
  new Promise<void>((done) => {
    if (process.send === undefined) {
      console.log(JSON.stringify(message))
      done()
    } else process.send(message, () => done())
  })

process.once("message", (spec: LoadSpec) => {
  run(spec)
    .then(
      (result) => reply({ type: "result", result }),
      (error: unknown) =>
        reply({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) })
    )
    .finally(() => process.exit(0))
})
