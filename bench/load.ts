/**
 * The load generator, run by `run.ts` as a child process (its own event loop, never the service's): it receives
 * one `LoadSpec` over IPC, runs it and answers one `LoadResult`.
 *
 * - `graphql` and `webhook`: closed loop, `concurrency` clients, each a loop of requests over an undici `Agent`
 *   (one keep-alive connection per client), spread round-robin over `urls`; or open loop (`rate`): request i is
 *   sent at i / rate s by the clock, its latency measured from that scheduled time (no coordinated omission).
 *   Webhook bodies are built and signed before the clock starts.
 * - `ceiling`: the database's own ceiling through `pg`, `concurrency` connections each a loop of single-row
 *   INSERTs, multi-row INSERTs of `batch` rows, or `COPY ... FROM STDIN` of `batch` rows (pg-copy-streams).
 *
 * Every loop stops at the end of the window or after `maxRequests` requests, whichever comes first.
 */
import { performance } from "node:perf_hooks"
import { Readable } from "node:stream"
import { pipeline } from "node:stream/promises"
import pg from "pg"
import { from as copyFrom } from "pg-copy-streams"
import { Agent } from "undici"
import { type ChildMessage, type LoadResult, type LoadSpec, sha256Hex, sign, webhookBody } from "./protocol.ts"
import { Recorder } from "./recorder.ts"

const runHttp = async (
  spec: LoadSpec & { readonly urls: ReadonlyArray<string> },
  prepare: () => (index: number) => { readonly headers: Record<string, string>; readonly body: string }
): Promise<LoadResult> => {
  const prepareStart = performance.now()
  const requestFor = prepare()
  const targets = spec.urls.map((url) => new URL(url))
  const agent = new Agent({
    // Open loop: enough connections that the generator never waits for one (a wait would be the server's).
    connections: spec.rate === undefined ? Math.ceil(spec.concurrency / targets.length) : 512,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000
  })
  const recorder = new Recorder(spec, performance.now() - prepareStart)
  const send = async (index: number, start: number) => {
    if (spec.rate !== undefined) recorder.open.set(index, start)
    const { headers, body } = requestFor(index)
    const url = targets[index % targets.length]!
    try {
      const response = await agent.request({ origin: url.origin, path: url.pathname, method: "POST", headers, body })
      await response.body.text()
      recorder.record(start, performance.now(), String(response.statusCode))
    } catch (error) {
      recorder.record(start, performance.now(), "exception", error)
    }
    recorder.open.delete(index)
  }
  if (spec.rate === undefined) {
    const client = async () => {
      for (let index = recorder.take(); index !== null; index = recorder.take()) await send(index, performance.now())
    }
    await Promise.all(Array.from({ length: spec.concurrency }, client))
  } else {
    // Each request's start is its scheduled time, so a late answer (or a late send) counts against the server.
    const interval = 1000 / spec.rate
    const inFlight: Array<Promise<void>> = []
    for (;;) {
      const index = recorder.take()
      if (index === null) break
      const scheduled = recorder.begin + index * interval
      const wait = scheduled - performance.now()
      if (wait > 1) await new Promise((done) => setTimeout(done, wait))
      inFlight.push(send(index, scheduled))
      if (scheduled + interval > recorder.t1) break
    }
    // An overloaded server may never catch up: what is unanswered `graceMs` after the window is abandoned and
    // counted with its latency so far (a lower bound), not as an error.
    const settled = Promise.all(inFlight).then(() => true)
    const grace = new Promise<boolean>((done) => setTimeout(() => done(false), spec.graceMs ?? 5_000))
    if (!(await Promise.race([settled, grace]))) {
      recorder.abandonAll()
      await agent.destroy().catch(() => undefined)
      return recorder.result()
    }
  }
  await agent.close()
  return recorder.result()
}

/** The database's own ceiling: rows of the same payloads through `pg`, no HTTP, `concurrency` connections. */
const runCeiling = async (spec: Extract<LoadSpec, { kind: "ceiling" }>): Promise<LoadResult> => {
  if (!/^[a-z_][a-z0-9_]*$/.test(spec.table)) throw new Error(`bad table name ${spec.table}`)
  const pool = new pg.Pool({
    connectionString: spec.databaseUrl,
    max: spec.concurrency,
    application_name: "bench-ceiling"
  })
  try {
    const prepareStart = performance.now()
    const bodies = Array.from({ length: Math.min(spec.maxRequests * spec.batch, 200_000) }, (_, n) => {
      const json = webhookBody(spec.bodies, n)
      return { json, sha: sha256Hex(json) }
    })
    const rowOf = (index: number, k: number) => bodies[(index * spec.batch + k) % bodies.length]!
    await Promise.all(Array.from({ length: spec.concurrency }, () => pool.query("SELECT 1")))
    const recorder = new Recorder(spec, performance.now() - prepareStart)
    const statement = async (client: pg.PoolClient, index: number) => {
      if (spec.mode === "single") {
        const row = rowOf(index, 0)
        await client.query(
          `INSERT INTO ${spec.table} (provider, received_at, body_sha256, payload, next_attempt_at)
           VALUES ('meta_whatsapp', now(), $1, $2::jsonb, now())`,
          [row.sha, row.json]
        )
      } else if (spec.mode === "multi") {
        const values: Array<string> = []
        const tuples: Array<string> = []
        for (let k = 0; k < spec.batch; k++) {
          const row = rowOf(index, k)
          values.push(row.sha, row.json)
          tuples.push(`('meta_whatsapp', now(), $${2 * k + 1}, $${2 * k + 2}::jsonb, now())`)
        }
        await client.query(
          `INSERT INTO ${spec.table} (provider, received_at, body_sha256, payload, next_attempt_at) VALUES ${tuples.join(", ")}`,
          values
        )
      } else {
        const stream = client.query(
          copyFrom(`COPY ${spec.table} (provider, body_sha256, payload) FROM STDIN WITH (FORMAT text)`)
        )
        const lines: Array<string> = []
        for (let k = 0; k < spec.batch; k++) {
          const row = rowOf(index, k)
          lines.push(`meta_whatsapp\t${row.sha}\t${row.json.replace(/\\/g, "\\\\")}\n`)
        }
        await pipeline(Readable.from([lines.join("")]), stream)
      }
    }
    const worker = async () => {
      const client = await pool.connect()
      try {
        for (let index = recorder.take(); index !== null; index = recorder.take()) {
          const start = performance.now()
          try {
            await statement(client, index)
            recorder.record(start, performance.now(), "200")
          } catch (error) {
            recorder.record(start, performance.now(), "exception", error)
          }
        }
      } finally {
        client.release()
      }
    }
    await Promise.all(Array.from({ length: spec.concurrency }, worker))
    return recorder.result()
  } finally {
    await pool.end()
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
    case "ceiling":
      return runCeiling(spec)
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
