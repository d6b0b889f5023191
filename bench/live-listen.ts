/**
 * What an instance pays for the live events of others while no page listens (issue 19.6 / 18, w8D): two builds of the
 * service (`--a`, `--b`: `dist/server/main.js` files, e.g. of an earlier commit and of this one) in interleaved
 * rounds, each on a fresh database with the webhook worker parked (so the service does nothing else), while
 * "another instance" commits `--events` live events as `writeOutbox` announces them (one `pg_notify` each on
 * `live_events`, realistic payloads, 100 per transaction). Prints the service's CPU (from `/proc/<pid>/stat`) per
 * 1,000 events over the window, and the same window's idle CPU before it.
 *
 *   DATABASE_URL=… npx tsx bench/live-listen.ts --a /tmp/old/dist/server/main.js --b dist/server/main.js [--rounds 3]
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { resolve } from "node:path"
import { parseArgs } from "node:util"
import pg from "pg"
import { freePort } from "../test/support/Browserless.ts"
import { benchServiceEnv, cpuMs } from "./protocol.ts"

const { values } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string", default: "dist/server/main.js" },
    rounds: { type: "string", default: "3" },
    events: { type: "string", default: "30000" }
  }
})
const serverUrl = process.env["DATABASE_URL"] ?? ""
if (serverUrl === "" || values.a === undefined) throw new Error("needs DATABASE_URL and --a")
const root = resolve(import.meta.dirname, "..")
const events = Number(values.events)

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

const round = async (main: string) => {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  const database = `${new URL(serverUrl).pathname.slice(1).toLowerCase()}_live_${randomBytes(4).toString("hex")}`
  await admin.query(`CREATE DATABASE ${database}`)
  const url = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString()
  const port = await freePort()
  const env = {
    ...benchServiceEnv({ port, secret: randomBytes(16).toString("hex"), databaseUrl: url, dataDir: "live-listen" }),
    WEBHOOK_WORKER_ENABLED: "false"
  }
  const child = spawn(process.execPath, ["--max-old-space-size=128", resolve(root, main)], {
    cwd: resolve(main, "../../.."),
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "ignore", "inherit"]
  })
  const publisher = new pg.Client({ connectionString: url })
  try {
    for (let attempt = 0; ; attempt++) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false
      )
      if (ready) break
      if (attempt > 300) throw new Error("service not ready")
      await sleep(100)
    }
    await publisher.connect()
    await sleep(1500)
    const idleStart = cpuMs(child.pid!)
    const idleAt = Date.now()
    await sleep(2000)
    const idlePerSecond = (cpuMs(child.pid!) - idleStart) / ((Date.now() - idleAt) / 1000)
    const start = cpuMs(child.pid!)
    const startAt = Date.now()
    const tenant = crypto.randomUUID()
    for (let sent = 0; sent < events; sent += 100) {
      await publisher.query(
        `SELECT pg_notify('live_events', json_build_object(
           'tenantId', $1::text, 'type', 'message.received', 'eventId', gen_random_uuid()::text,
           'conversationId', gen_random_uuid()::text, 'messageId', gen_random_uuid()::text, 'connectionId', NULL,
           'status', 'received', 'kind', 'text')::text)
         FROM generate_series(1, 100)`,
        [tenant]
      )
    }
    await sleep(1000)
    const seconds = (Date.now() - startAt) / 1000
    const cpu = cpuMs(child.pid!) - start
    return { perThousand: (cpu / events) * 1000, idle: idlePerSecond * seconds, seconds }
  } finally {
    await publisher.end().catch(() => undefined)
    child.kill("SIGINT")
    await new Promise((done) => child.once("exit", done))
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await admin.end()
  }
}

const results: Record<"a" | "b", Array<{ perThousand: number; idle: number; seconds: number }>> = { a: [], b: [] }
for (let r = 0; r < Number(values.rounds); r++) {
  for (const which of r % 2 === 0 ? (["a", "b"] as const) : (["b", "a"] as const)) {
    const result = await round(values[which]!)
    results[which].push(result)
    console.log(
      `round ${r + 1} ${which}: ${result.perThousand.toFixed(1)} ms CPU per 1,000 events ` +
        `(window ${result.seconds.toFixed(1)} s; idle CPU over the same time ${result.idle.toFixed(1)} ms)`
    )
  }
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
for (const which of ["a", "b"] as const) {
  const xs = results[which].map((r) => r.perThousand)
  console.log(
    `${which} (${values[which]}): median ${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}) ms per 1,000 events`
  )
}
