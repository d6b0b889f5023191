/**
 * Two builds of the service's webhook intake side by side (issue 18.3): `--a` and `--b` (built `main.js` files, e.g.
 * a copy of `dist/server` from an earlier commit and `dist/server/main.js`; the same file twice is an A/A, to see
 * the noise), each started once in production mode on a fresh database of its own with the worker parked and
 * `LOG_LEVEL=info` (as `intake-profile.ts`). Each round loads one, then the other (the order alternates round by
 * round, so a drift of the machine's load hits both alike) with `--clients` keep-alive clients posting signed
 * deliveries for `--seconds` (1 s warm-up, closed loop). `--peer` adds `bench/webhook-peer.ts` to every round.
 * Prints req/s and the CPU ms per request (from `/proc/<pid>/stat`) of each run, the ratio b / a of each round, and
 * their median and range. `--a-flags` / `--b-flags`: node flags for one side (e.g. a V8 heap setting, same build twice).
 *
 *   DATABASE_URL=… npx tsx bench/intake-closed-ab.ts --a dist/base/server/main.js --b dist/server/main.js [--rounds 5]
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import pg from "pg"
import { Agent } from "undici"
import { freePort } from "../test/support/Browserless.ts"
import { benchServiceEnv, cpuMs, sign, webhookBody } from "./protocol.ts"

const { values } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string", default: "dist/server/main.js" },
    seconds: { type: "string", default: "5" },
    clients: { type: "string", default: "64" },
    rounds: { type: "string", default: "3" },
    peer: { type: "boolean", default: false },
    "a-flags": { type: "string", default: "" },
    "b-flags": { type: "string", default: "" }
  }
})
if (values.a === undefined) throw new Error("bench/intake-ab.ts needs --a <main.js>")
const root = resolve(import.meta.dirname, "..")
const serverUrl = process.env["DATABASE_URL"] ?? ""
if (serverUrl === "") throw new Error("bench/intake-ab.ts needs DATABASE_URL")

interface Instance {
  readonly label: string
  readonly child: ChildProcess
  readonly origin: string
  readonly secret: string
}

const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
const databases: Array<string> = []
const instances: Array<Instance> = []

const freshDatabase = async () => {
  const database = `${new URL(serverUrl).pathname.slice(1).toLowerCase()}_iab_${randomBytes(4).toString("hex")}`
  await admin.query(`CREATE DATABASE ${database}`)
  databases.push(database)
  return Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString()
}

const start = async (label: string, main: string, flags: string): Promise<Instance> => {
  const url = await freshDatabase()
  const port = await freePort()
  const secret = randomBytes(16).toString("hex")
  const env = benchServiceEnv({ port, secret, databaseUrl: url, dataDir: "intake-ab" })
  const child = spawn(process.execPath, ["--max-old-space-size=128", ...flags.split(" ").filter(Boolean), main], {
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
  return { label, child, origin, secret }
}

const startPeer = async (): Promise<Instance> => {
  const url = await freshDatabase()
  const secret = randomBytes(16).toString("hex")
  const child = spawn(process.execPath, ["--import", "tsx", "bench/webhook-peer.ts"], {
    cwd: root,
    env: { ...process.env, PEER_DATABASE_URL: url, PEER_SECRET: secret },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const origin = await new Promise<string>((done) => {
    let output = ""
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString()
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)
      if (match !== null) done(match[1]!)
    })
  })
  return { label: "peer", child, origin, secret }
}

/** `--clients` closed-loop clients on `instance` for `--seconds` after a 1 s warm-up: req/s and CPU ms/request. */
const run = async (instance: Instance) => {
  const clients = Number(values.clients)
  const seconds = Number(values.seconds)
  const agent = new Agent({ connections: clients })
  const bodies = { secret: instance.secret, phoneNumberId: "106540352242922", idPrefix: randomBytes(4).toString("hex") }
  let next = 0
  let ok = 0
  let failed = 0
  const warm = performance.now() + 1000
  const until = warm + seconds * 1000
  let cpuAtWarm = 0
  const timer = setTimeout(() => {
    cpuAtWarm = cpuMs(instance.child.pid!)
  }, 1000)
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const body = webhookBody(bodies, next++)
        const response = await agent.request({
          origin: instance.origin,
          path: "/webhooks/meta/whatsapp",
          method: "POST",
          headers: { "content-type": "application/json", "x-hub-signature-256": sign(body, instance.secret) },
          body
        })
        await response.body.dump()
        if (performance.now() < warm) continue
        if (response.statusCode === 200) ok++
        else failed++
      }
    })
  )
  const cpu = cpuMs(instance.child.pid!) - cpuAtWarm
  clearTimeout(timer)
  await agent.close()
  return { rate: ok / seconds, cpu: cpu / ok, failed }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
const range = (xs: ReadonlyArray<number>, digits: number) => {
  const sorted = [...xs].sort((x, y) => x - y)
  return `${median(xs).toFixed(digits)} (${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)})`
}

try {
  const a = await start("a", values.a, values["a-flags"])
  const b = await start("b", values.b, values["b-flags"])
  instances.push(a, b)
  if (values.peer) instances.push(await startPeer())
  const figures = new Map<string, Array<{ rate: number; cpu: number }>>(instances.map((i) => [i.label, []]))
  const ratios: Array<number> = []
  const rateRatios: Array<number> = []
  for (let round = 1; round <= Number(values.rounds); round++) {
    const order = round % 2 === 1 ? instances : [...instances].reverse()
    const load = readFileSync("/proc/loadavg", "utf8").split(" ")[0]
    const results = new Map<string, Awaited<ReturnType<typeof run>>>()
    for (const instance of order) results.set(instance.label, await run(instance))
    const ra = results.get("a")!
    const rb = results.get("b")!
    ratios.push(rb.cpu / ra.cpu)
    rateRatios.push(rb.rate / ra.rate)
    for (const [label, result] of results) figures.get(label)!.push(result)
    console.log(
      `round ${round} (load ${load}; order ${order.map((i) => i.label).join(", ")}): ` +
        [...results]
          .map(
            ([label, r]) =>
              `${label} ${r.rate.toFixed(0)} req/s ${r.cpu.toFixed(4)} ms/req` +
              (r.failed > 0 ? ` (${r.failed} failed)` : "")
          )
          .join(", ") +
        `; b/a CPU ${ratios.at(-1)!.toFixed(3)}, req/s ${rateRatios.at(-1)!.toFixed(3)}`
    )
  }
  for (const [label, runs] of figures)
    console.log(
      `${label}: CPU ms/req ${range(
        runs.map((r) => r.cpu),
        4
      )}, req/s ${range(
        runs.map((r) => r.rate),
        0
      )}`
    )
  console.log(`b/a CPU per request: ${range(ratios, 3)}; b/a req/s: ${range(rateRatios, 3)}`)
  if (values.peer) {
    const peer = figures.get("peer")!
    const perRound = (label: string) => figures.get(label)!.map((r, i) => r.rate / peer[i]!.rate)
    console.log(`a/peer req/s: ${range(perRound("a"), 3)}; b/peer req/s: ${range(perRound("b"), 3)}`)
  }
} finally {
  for (const instance of instances) {
    instance.child.kill(instance.label === "peer" ? "SIGTERM" : "SIGINT")
    await new Promise((done) => instance.child.once("exit", done))
  }
  for (const database of databases) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin.end()
}
