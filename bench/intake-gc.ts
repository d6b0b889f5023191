/**
 * The GC's work per request of the built service's intake (issue 18.3, w10B): the service (`--main`, production
 * mode, worker parked) under `--trace-gc`, 64 closed-loop clients for `--seconds` after a 5 s warm-up. Prints, per
 * request over the window: what the scavenges freed (≈ what a request allocates and lets die young), what they
 * promoted (the growth of the heap from one scavenge to the next, summed, mark-compacts excluded: what requests
 * in flight keep across two scavenges), and mark-compacts per 10,000 requests. These counts depend on the code and
 * on how long requests stay in flight, far less on other jobs' CPU, so they compare builds on a shared machine.
 *
 *   DATABASE_URL=… npx tsx bench/intake-gc.ts [--main dist/server/main.js] [--seconds 15]
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import pg from "pg"
import { Agent } from "undici"
import { freePort } from "../test/support/Browserless.ts"
import { benchServiceEnv, sign, webhookBody } from "./protocol.ts"

const { values } = parseArgs({
  options: { main: { type: "string", default: "dist/server/main.js" }, seconds: { type: "string", default: "15" } }
})
const serverUrl = process.env["DATABASE_URL"] ?? ""
if (serverUrl === "") throw new Error("bench/intake-gc.ts needs DATABASE_URL")
const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
const database = `${new URL(serverUrl).pathname.slice(1).toLowerCase()}_gc_${randomBytes(4).toString("hex")}`
await admin.query(`CREATE DATABASE ${database}`)
try {
  const url = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString()
  const secret = randomBytes(16).toString("hex")
  const port = await freePort()
  const env = benchServiceEnv({ port, secret, databaseUrl: url, dataDir: "intake-gc" })
  let trace = ""
  let tracing = false
  const child = spawn(process.execPath, ["--max-old-space-size=128", "--trace-gc", values.main], {
    env: { PATH: process.env["PATH"] ?? "", ...env, LOG_LEVEL: "error", WEBHOOK_WORKER_ENABLED: "false" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  child.stdout!.on("data", (d: Buffer) => {
    if (tracing) trace += d.toString()
  })
  const origin = `http://127.0.0.1:${port}`
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${origin}/readyz`).then(
      (r) => r.status === 200,
      () => false
    )
    if (ready) break
    if (attempt > 300) throw new Error("service not ready")
    await new Promise((done) => setTimeout(done, 100))
  }
  const agent = new Agent({ connections: 64 })
  const warm = performance.now() + 5000
  const until = warm + Number(values.seconds) * 1000
  const timer = setTimeout(() => {
    tracing = true
  }, 5000)
  const bodies = { secret, phoneNumberId: "106540352242922", idPrefix: randomBytes(4).toString("hex") }
  let next = 0
  let counted = 0
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (performance.now() < until) {
        const body = webhookBody(bodies, next++)
        const response = await agent.request({
          origin,
          path: "/webhooks/meta/whatsapp",
          method: "POST",
          headers: { "content-type": "application/json", "x-hub-signature-256": sign(body, secret) },
          body
        })
        await response.body.dump()
        if (performance.now() >= warm) counted++
      }
    })
  )
  tracing = false
  clearTimeout(timer)
  await agent.close()
  child.kill("SIGINT")
  await new Promise((done) => child.once("exit", done))
  let previous: number | null = null
  let promoted = 0
  let freed = 0
  let scavenges = 0
  let compacts = 0
  for (const line of trace.split("\n")) {
    const match = /(Scavenge|Mark-Compact)[^0-9]*([\d.]+) \([\d.]+\) -> ([\d.]+) \(/.exec(line)
    if (match === null) continue
    const [before, after] = [Number(match[2]), Number(match[3])]
    if (match[1] === "Mark-Compact") {
      compacts++
      previous = null
      continue
    }
    scavenges++
    freed += before - after
    if (previous !== null) promoted += Math.max(0, after - previous)
    previous = after
  }
  const perRequest = (mb: number) => ((mb * 1024) / counted).toFixed(2)
  console.log(
    `${values.main}: ${counted} requests in ${values.seconds} s; ${scavenges} scavenges freed ${perRequest(freed)} ` +
      `KB/request, promoted about ${perRequest(promoted)} KB/request; ${compacts} mark-compacts ` +
      `(${((compacts * 10_000) / counted).toFixed(2)} per 10,000 requests)`
  )
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin.end()
}
