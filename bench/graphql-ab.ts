/**
 * Two builds of the service side by side (issue 18.4): `--a` and `--b` (built `main.js` files, e.g. a copy of
 * `dist/server` from an earlier commit and `dist/server/main.js`) run at the same time, each in production mode on
 * a fresh database of its own with the worker parked and `LOG_LEVEL=info` (as `intake-profile.ts --graphql`), and
 * `--clients` keep-alive clients each post the bench's `whatsappConnection` query to both for `--seconds` (1 s
 * warm-up), `--rounds` times. Both see the same machine at the same moment, so a loaded machine's swings hit them
 * alike: compare the CPU per request (from `/proc/<pid>/stat`) of one round, and the ratio b / a.
 *
 *   DATABASE_URL=… npx tsx bench/graphql-ab.ts --a dist/base/server/main.js --b dist/server/main.js [--rounds 3]
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { SignJWT } from "jose"
import pg from "pg"
import { Agent } from "undici"
import { freePort } from "../test/support/Browserless.ts"
import { benchServiceEnv, cpuMs, WHATSAPP_CONNECTION_QUERY } from "./protocol.ts"

const { values } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string", default: "dist/server/main.js" },
    seconds: { type: "string", default: "6" },
    clients: { type: "string", default: "16" },
    rounds: { type: "string", default: "3" }
  }
})
if (values.a === undefined) throw new Error("bench/graphql-ab.ts needs --a <main.js>")
const root = resolve(import.meta.dirname, "..")
const serverUrl = process.env["DATABASE_URL"] ?? ""
if (serverUrl === "") throw new Error("bench/graphql-ab.ts needs DATABASE_URL")

const QUERY = JSON.stringify({ query: WHATSAPP_CONNECTION_QUERY })

interface Instance {
  readonly label: string
  readonly child: ChildProcess
  readonly origin: string
  readonly token: string
}

const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
const databases: Array<string> = []
const instances: Array<Instance> = []

const start = async (label: string, main: string): Promise<Instance> => {
  const database = `${new URL(serverUrl).pathname.slice(1).toLowerCase()}_ab_${randomBytes(4).toString("hex")}`
  await admin.query(`CREATE DATABASE ${database}`)
  databases.push(database)
  const url = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString()
  const port = await freePort()
  const env = benchServiceEnv({
    port,
    secret: randomBytes(16).toString("hex"),
    databaseUrl: url,
    dataDir: "graphql-ab"
  })
  const child = spawn(process.execPath, ["--max-old-space-size=128", main], {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "", ...env, LOG_LEVEL: "info", WEBHOOK_WORKER_ENABLED: "false" },
    stdio: ["ignore", "ignore", "inherit"]
  })
  const origin = `http://127.0.0.1:${port}`
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${origin}/readyz`).then(
      (r) => r.status === 200,
      () => false
    )
    if (ready) break
    if (attempt > 300) throw new Error(`${label} not ready`)
    await new Promise((done) => setTimeout(done, 100))
  }
  const token = await new SignJWT({ tenant_id: crypto.randomUUID(), role: "admin" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(env["AUTH_JWT_SECRET"]))
  return { label, child, origin, token }
}

/** `clients` closed-loop clients on `instance` until `until`; answers the 200s counted after `warm`. */
const load = async (instance: Instance, clients: number, warm: number, until: number) => {
  const agent = new Agent({ connections: clients })
  let ok = 0
  let failed = 0
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const response = await agent.request({
          origin: instance.origin,
          path: "/graphql",
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${instance.token}` },
          body: QUERY
        })
        await response.body.dump()
        if (performance.now() < warm) continue
        if (response.statusCode === 200) ok++
        else failed++
      }
    })
  )
  await agent.close()
  return { ok, failed }
}

try {
  instances.push(await start("a", values.a), await start("b", values.b))
  const seconds = Number(values.seconds)
  const clients = Number(values.clients)
  const ratios: Array<number> = []
  for (let round = 1; round <= Number(values.rounds); round++) {
    const warm = performance.now() + 1000
    const until = warm + seconds * 1000
    const cpuAtWarm = new Map<string, number>()
    const timer = setTimeout(() => {
      for (const instance of instances) cpuAtWarm.set(instance.label, cpuMs(instance.child.pid!))
    }, 1000)
    const load_ = readFileSync("/proc/loadavg", "utf8").split(" ")[0]
    const results = await Promise.all(instances.map((instance) => load(instance, clients, warm, until)))
    clearTimeout(timer)
    const perRequest = instances.map(
      (instance, i) => (cpuMs(instance.child.pid!) - cpuAtWarm.get(instance.label)!) / results[i]!.ok
    )
    ratios.push(perRequest[1]! / perRequest[0]!)
    console.log(
      `round ${round} (load ${load_}): ` +
        instances
          .map(
            (instance, i) =>
              `${instance.label} ${(results[i]!.ok / seconds).toFixed(0)} req/s ${perRequest[i]!.toFixed(3)} ms/req` +
              (results[i]!.failed > 0 ? ` (${results[i]!.failed} failed)` : "")
          )
          .join(", ") +
        `, b/a CPU ${ratios.at(-1)!.toFixed(3)}`
    )
  }
  const sorted = [...ratios].sort((x, y) => x - y)
  console.log(
    `b/a CPU per request: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} (${sorted[0]!.toFixed(3)}–${sorted.at(-1)!.toFixed(3)})`
  )
} finally {
  for (const instance of instances) {
    instance.child.kill("SIGINT")
    await new Promise((done) => instance.child.once("exit", done))
  }
  for (const database of databases) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin.end()
}
