/**
 * Intake against its realistic peer (issue 18.3): the service (one process, production mode, worker running) and
 * `bench/intake-peer.ts` (node:http + HMAC + group commit), each on a fresh database, the same signed bodies from
 * `CLIENTS` keep-alive clients for `SECONDS` (closed loop), interleaved over `ROUNDS` (peer first, then service
 * first). Prints req/s per run and the service/peer ratio per round.
 *
 *   DATABASE_URL=… npx tsx bench/intake-compare.ts [--rounds 3] [--seconds 5] [--clients 32]
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Agent } from "undici"
import { layerServer } from "../src/adapters/persistence/Database.ts"
import { freePort } from "../test/support/Browserless.ts"
import { startProcess } from "../test/support/Service.ts"
import { benchServiceEnv, sign, webhookBody } from "./protocol.ts"

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    clients: { type: "string", default: "32" }
  }
})
const serverUrl = process.env["DATABASE_URL"] ?? ""
if (serverUrl === "") throw new Error("bench/intake-compare.ts needs DATABASE_URL")
const admin = ManagedRuntime.make(layerServer(Redacted.make(serverUrl), { maxConnections: 1 }).pipe(Layer.orDie))
const onAdmin = (statement: string) =>
  admin.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)))

const load = async (url: string, secret: string) => {
  const clients = Number(values.clients)
  const agent = new Agent({ connections: clients })
  const bodies = { secret, phoneNumberId: "106540352242922", idPrefix: randomBytes(4).toString("hex") }
  let next = 0
  let ok = 0
  let failed = 0
  const warm = performance.now() + 1000
  const until = warm + Number(values.seconds) * 1000
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const body = webhookBody(bodies, next++)
        const response = await agent.request({
          origin: url,
          path: "/webhooks/meta/whatsapp",
          method: "POST",
          headers: { "content-type": "application/json", "x-hub-signature-256": sign(body, secret) },
          body
        })
        await response.body.dump()
        if (performance.now() < warm) continue
        if (response.statusCode === 200) ok++
        else failed++
      }
    })
  )
  await agent.close()
  return { perSecond: ok / Number(values.seconds), failed }
}

const run = async (target: "peer" | "service") => {
  const database = `${new URL(serverUrl).pathname.slice(1)}_intake_${randomBytes(4).toString("hex")}`
  await onAdmin(`CREATE DATABASE ${database}`)
  const url = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString()
  const secret = randomBytes(16).toString("hex")
  const port = await freePort()
  try {
    if (target === "peer") {
      const child = spawn(process.execPath, ["--import", "tsx", "bench/intake-peer.ts"], {
        cwd: resolve(import.meta.dirname, ".."),
        env: { ...process.env, PORT: String(port), DATABASE_URL: url, PEER_SECRET: secret },
        stdio: ["ignore", "pipe", "inherit"]
      })
      await new Promise<void>((done) =>
        child.stdout.on("data", (d: Buffer) => d.toString().includes("listening") && done())
      )
      try {
        return await load(`http://127.0.0.1:${port}`, secret)
      } finally {
        child.kill("SIGTERM")
        await new Promise((done) => child.once("exit", done))
      }
    }
    const service = await startProcess(benchServiceEnv({ port, secret, databaseUrl: url, dataDir: "bench-intake" }))
    try {
      for (let attempt = 0; attempt < 300 && (await fetch(`${service.url}/readyz`)).status !== 200; attempt++)
        await new Promise((done) => setTimeout(done, 100))
      return await load(service.url, secret)
    } finally {
      await service.stop()
    }
  } finally {
    await onAdmin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  }
}

const ratios: Array<number> = []
for (let round = 1; round <= Number(values.rounds); round++) {
  const order: Array<"peer" | "service"> = round % 2 === 1 ? ["peer", "service"] : ["service", "peer"]
  const got: Record<string, { perSecond: number; failed: number }> = {}
  for (const target of order) got[target] = await run(target)
  const ratio = got["service"]!.perSecond / got["peer"]!.perSecond
  ratios.push(ratio)
  console.log(
    `round ${round}: peer ${got["peer"]!.perSecond.toFixed(0)} req/s (${got["peer"]!.failed} failed), ` +
      `service ${got["service"]!.perSecond.toFixed(0)} req/s (${got["service"]!.failed} failed), ratio ${ratio.toFixed(2)}`
  )
}
const sorted = [...ratios].sort((a, b) => a - b)
console.log(
  `service/peer: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}, range ${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)}`
)
await admin.dispose()
