/**
 * The realistic intake peer (issue 18.3), run as its own process: plain `node:http`, the same checks as the service
 * (size limit, `X-Hub-Signature-256` HMAC compared in constant time, `JSON.parse`), and the same durable write: a
 * group commit that turns the deliveries waiting into one multi-row INSERT (raw bytes + jsonb from them) through
 * `@effect/sql-pg`, answering 200 only once the batch committed. No Effect router, no middleware, no logs.
 *
 *   PORT=… DATABASE_URL=… PEER_SECRET=… node --import tsx bench/intake-peer.ts
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { layerServer } from "../src/adapters/persistence/Database.ts"

const secret = process.env["PEER_SECRET"] ?? ""
const db = ManagedRuntime.make(layerServer(Redacted.make(process.env["DATABASE_URL"] ?? ""), {}).pipe(Layer.orDie))
await db.runPromise(
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe(
      "CREATE TABLE IF NOT EXISTS bench_peer_events (id bigserial PRIMARY KEY, received_at timestamptz NOT NULL, body_sha256 text NOT NULL, raw bytea NOT NULL, payload jsonb NOT NULL)"
    )
  )
)

interface Waiting {
  readonly raw: Buffer
  readonly done: (ok: boolean) => void
}
let queue: Array<Waiting> = []
let writing = 0
const WRITERS = 4
const flush = () => {
  if (writing >= WRITERS || queue.length === 0) return
  const batch = queue.slice(0, 500)
  queue = queue.slice(batch.length)
  writing++
  const now = new Date()
  db.runPromise(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`INSERT INTO bench_peer_events (received_at, body_sha256, raw, payload)
        SELECT v.received_at, v.sha, v.raw, convert_from(v.raw, 'UTF8')::jsonb
        FROM (VALUES ${sql.csv(
          batch.map(
            (w) =>
              sql`(${now}::timestamptz, ${createHash("sha256").update(w.raw).digest("hex")}::text, ${w.raw}::bytea)`
          )
        )}) AS v(received_at, sha, raw)`
    )
  )
    .then(
      () => {
        for (const w of batch) w.done(true)
      },
      () => {
        for (const w of batch) w.done(false)
      }
    )
    .finally(() => {
      writing--
      flush()
    })
  flush()
}

const server = createServer((request, response) => {
  if (request.method !== "POST" || request.url !== "/webhooks/meta/whatsapp") {
    response.writeHead(404).end()
    return
  }
  const chunks: Array<Buffer> = []
  let size = 0
  request.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size <= 4 * 1024 * 1024) chunks.push(chunk)
  })
  request.on("end", () => {
    if (size > 4 * 1024 * 1024) return void response.writeHead(413).end()
    const raw = Buffer.concat(chunks)
    const header = /^sha256=([0-9a-f]{64})$/.exec(String(request.headers["x-hub-signature-256"] ?? ""))
    const expected = createHmac("sha256", secret).update(raw).digest()
    if (header === null || !timingSafeEqual(expected, Buffer.from(header[1]!, "hex")))
      return void response.writeHead(401).end()
    try {
      JSON.parse(raw.toString("utf8"))
    } catch {
      return void response.writeHead(400).end()
    }
    queue.push({
      raw,
      done: (ok) => (ok ? response.writeHead(200).end("EVENT_RECEIVED") : response.writeHead(503).end())
    })
    flush()
  })
})
server.listen(Number(process.env["PORT"]), "127.0.0.1", () => console.log(`Peer listening on ${process.env["PORT"]}`))
process.on("SIGTERM", () => server.close(() => void db.dispose().then(() => process.exit(0))))
