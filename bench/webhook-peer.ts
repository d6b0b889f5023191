/**
 * The webhook intake reference point (issue 18): what a plain `node:http` server does for the same request.
 * `POST /webhooks/meta/whatsapp`: reads the raw body, verifies `X-Hub-Signature-256` (HMAC-SHA256 with the app
 * secret, compared with `timingSafeEqual`), queues the raw body, and answers 200 once the row is committed. A
 * flusher group-commits the queue: one multi-row INSERT of up to 200 rows per statement through `pg`, up to
 * `POOL` statements in flight. No Effect, no router, no JSON parse.
 *
 * Environment: `PEER_DATABASE_URL`, `PEER_SECRET`. Prints `Webhook peer listening on http://127.0.0.1:<port>`.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { createServer, type ServerResponse } from "node:http"
import pg from "pg"

const POOL = 4
const BATCH = 200
const secret = process.env["PEER_SECRET"] ?? ""
const databaseUrl = process.env["PEER_DATABASE_URL"] ?? ""
if (secret === "" || databaseUrl === "") throw new Error("PEER_SECRET and PEER_DATABASE_URL are required")

const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL, application_name: "bench-webhook-peer" })
await pool.query(`CREATE TABLE IF NOT EXISTS bench_peer_events (
  id bigserial PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now(),
  body_sha256 text NOT NULL,
  payload bytea NOT NULL
)`)

interface Pending {
  readonly body: Buffer
  readonly response: ServerResponse
}
const queue: Array<Pending> = []
let inFlight = 0

const answer = (response: ServerResponse, status: number) => {
  response.writeHead(status, { "content-type": "text/plain", "content-length": status === 200 ? 2 : 0 })
  response.end(status === 200 ? "OK" : undefined)
}

const flush = () => {
  while (queue.length > 0 && inFlight < POOL) {
    const batch = queue.splice(0, BATCH)
    inFlight++
    const values: Array<unknown> = []
    const rows = batch.map((item, index) => {
      values.push(createHash("sha256").update(item.body).digest("hex"), item.body)
      return `($${index * 2 + 1}, $${index * 2 + 2})`
    })
    pool
      .query(`INSERT INTO bench_peer_events (body_sha256, payload) VALUES ${rows.join(", ")}`, values)
      .then(
        () => {
          for (const item of batch) answer(item.response, 200)
        },
        () => {
          for (const item of batch) answer(item.response, 500)
        }
      )
      .finally(() => {
        inFlight--
        flush()
      })
  }
}

const key = Buffer.from(secret, "utf8")
const server = createServer((request, response) => {
  if (request.method !== "POST" || request.url !== "/webhooks/meta/whatsapp") return answer(response, 404)
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    const body = Buffer.concat(chunks)
    const header = request.headers["x-hub-signature-256"]
    const given =
      typeof header === "string" && header.startsWith("sha256=") ? Buffer.from(header.slice(7), "hex") : null
    const expected = createHmac("sha256", key).update(body).digest()
    if (given === null || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return answer(response, 401)
    }
    queue.push({ body, response })
    flush()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  console.log(`Webhook peer listening on http://127.0.0.1:${port}`)
})
process.once("SIGTERM", () => {
  server.closeAllConnections()
  server.close(() => void pool.end().finally(() => process.exit(0)))
})
