/**
 * Two builds of the service's intake side by side (issue 18.3): `--a` and `--b` (built `main.js` files, e.g. a copy
 * of `dist/server` from an earlier commit and `dist/server/main.js`), each in production mode on a fresh database of
 * its own, worker parked, `LOG_LEVEL=info`, both started at once and loaded one at a time, interleaved: every round
 * runs each scenario on a then b (b then a in odd rounds). Scenarios: open loop at each of `--rates` (req/s; the
 * bench's generator, `load.ts`: request i sent at i / rate s, latency from its scheduled time, 512 connections) and
 * closed loop with `--clients` keep-alive clients. Prints, per run: req/s, p50/p99 ms, abandoned, the service's CPU
 * ms/request and its PostgreSQL backends' (both from `/proc/<pid>/stat` over the measured window, divided by the
 * requests answered at the run's rate in that window), and the service's main thread's time on a core and runnable
 * but waiting for one (`/proc/<pid>/task/<pid>/schedstat`, ms per second: ran + waited near 1,000 is a thread that
 * is never idle, i.e. CPU-bound); then the medians and ranges over the rounds.
 *
 *   DATABASE_URL=… npx tsx bench/intake-ab.ts --a dist/base/server/main.js [--b dist/server/main.js]
 *     [--rates 2500,4000] [--clients 64] [--seconds 5] [--rounds 3] [--a-env K=V,K2=V2] [--b-env K=V]
 *
 * `--a-env` / `--b-env` add settings to one side's environment (an experiment's switch, read by a local build).
 */
import { type ChildProcess, fork, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { parseArgs } from "node:util"
import pg from "pg"
import { freePort } from "../test/support/Browserless.ts"
import { benchServiceEnv, type ChildMessage, cpuMs, type LoadResult, type LoadSpec } from "./protocol.ts"

const { values } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string", default: "dist/server/main.js" },
    rates: { type: "string", default: "2500,4000" },
    clients: { type: "string", default: "64" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    "a-env": { type: "string", default: "" },
    "b-env": { type: "string", default: "" }
  }
})
if (values.a === undefined) throw new Error("bench/intake-ab.ts needs --a <main.js>")
const root = resolve(import.meta.dirname, "..")
const serverUrl = process.env["DATABASE_URL"] ?? ""
if (serverUrl === "") throw new Error("bench/intake-ab.ts needs DATABASE_URL")
const WARMUP_MS = 1_000
const MEASURE_MS = Number(values.seconds) * 1000
const rates = values.rates.split(",").map(Number)

const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

interface Build {
  readonly label: string
  readonly database: string
  readonly url: string
  readonly origin: string
  readonly secret: string
  readonly child: ChildProcess
  readonly db: pg.Client
}

const settings = (list: string): Record<string, string> =>
  Object.fromEntries(
    list
      .split(",")
      .filter((pair) => pair.includes("="))
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)])
  )

const start = async (label: string, main: string, extra: Record<string, string>): Promise<Build> => {
  const database = `${new URL(serverUrl).pathname.slice(1).toLowerCase()}_ab_${label}_${randomBytes(3).toString("hex")}`
  await admin.query(`CREATE DATABASE ${database}`)
  const url = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString()
  const secret = randomBytes(16).toString("hex")
  const port = await freePort()
  const env = {
    ...benchServiceEnv({ port, secret, databaseUrl: url, dataDir: `intake-ab-${label}` }),
    LOG_LEVEL: "info",
    WEBHOOK_WORKER_ENABLED: "false",
    ...extra
  }
  const child = spawn(process.execPath, ["--max-old-space-size=128", resolve(main)], {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "ignore", "inherit"]
  })
  const origin = `http://127.0.0.1:${port}`
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${origin}/readyz`).then(
      (r) => r.status === 200,
      () => false
    )
    if (ready) break
    if (attempt > 300) throw new Error(`service ${label} not ready`)
    await sleep(100)
  }
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  return { label, database, url, origin, secret, child, db }
}

/** The PostgreSQL backends serving `database` (the service's pool and its listener), by pid. */
const backends = async (database: string): Promise<Array<number>> =>
  (
    await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database]
    )
  ).rows.map((row) => row.pid)
const cpuOf = (pids: ReadonlyArray<number>) => {
  let total = 0
  for (const pid of pids) {
    try {
      total += cpuMs(pid)
    } catch {
      // A backend that ended: its time is lost to both readings alike.
    }
  }
  return total
}

interface Run {
  readonly result: LoadResult
  readonly serviceMs: number
  readonly postgresMs: number
  /** The main thread's time on a core and runnable but waiting for one, ms per second of the window. */
  readonly ranMsPerS: number
  readonly waitedMsPerS: number
}

/** A thread's time on a core and waiting in the run queue so far (ms), from `/proc/<pid>/task/<tid>/schedstat`. */
const schedstat = (pid: number) => {
  const [ran, waited] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ").map(Number)
  return { ran: ran! / 1e6, waited: waited! / 1e6 }
}

let prefixes = 0
const load = (build: Build, rate: number | null): Promise<Run> =>
  new Promise((done, fail) => {
    const idPrefix = `${build.label}${prefixes++}${randomBytes(2).toString("hex")}`
    const spec: LoadSpec = {
      kind: "webhook",
      name: idPrefix,
      urls: [`${build.origin}/webhooks/meta/whatsapp`],
      bodies: { secret: build.secret, phoneNumberId: "106540352242922", idPrefix },
      concurrency: Number(values.clients),
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      maxRequests: rate === null ? 200_000 : Math.ceil((rate * (WARMUP_MS + MEASURE_MS)) / 1000) + 10,
      ...(rate === null ? {} : { rate, graceMs: 5_000 })
    }
    const child = fork(resolve(import.meta.dirname, "load.ts"), [], {
      cwd: root,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    let first: {
      service: number
      postgres: number
      pids: Array<number>
      sched: { ran: number; waited: number }
    } | null = null
    let window: Promise<Omit<Run, "result">> | null = null
    const timers: Array<NodeJS.Timeout> = []
    child.on("message", (message: ChildMessage) => {
      if (message.type === "started") {
        timers.push(
          setTimeout(async () => {
            const pids = await backends(build.database)
            first = {
              service: cpuMs(build.child.pid!),
              postgres: cpuOf(pids),
              pids,
              sched: schedstat(build.child.pid!)
            }
          }, WARMUP_MS),
          setTimeout(() => {
            const at = first
            if (at === null) return
            const serviceMs = cpuMs(build.child.pid!) - at.service
            const sched = schedstat(build.child.pid!)
            window = backends(build.database).then((pids) => ({
              serviceMs,
              postgresMs: cpuOf([...new Set([...at.pids, ...pids])]) - at.postgres,
              ranMsPerS: ((sched.ran - at.sched.ran) * 1000) / MEASURE_MS,
              waitedMsPerS: ((sched.waited - at.sched.waited) * 1000) / MEASURE_MS
            }))
          }, WARMUP_MS + MEASURE_MS)
        )
      } else if (message.type === "result") {
        for (const timer of timers) clearTimeout(timer)
        const missing = {
          serviceMs: Number.NaN,
          postgresMs: Number.NaN,
          ranMsPerS: Number.NaN,
          waitedMsPerS: Number.NaN
        }
        void (window ?? Promise.resolve(missing)).then((measured) => done({ result: message.result, ...measured }))
      } else fail(new Error(message.message))
    })
    child.once("error", fail)
    child.send(spec)
  })

/** Waits until the build's inbox stops growing, then empties it, so the next run starts as the first. */
const settle = async (build: Build) => {
  let last = -1
  for (let i = 0; i < 30; i++) {
    const count = Number((await build.db.query("SELECT count(*)::int AS n FROM webhook_events")).rows[0].n)
    if (count === last) break
    last = count
    await sleep(500)
  }
  await build.db.query("DELETE FROM webhook_events")
  await build.db.query("VACUUM webhook_events")
}

const a = await start("a", values.a, settings(values["a-env"]))
const b = await start("b", values.b, settings(values["b-env"]))
type Figures = {
  rps: number
  p50: number
  p99: number
  abandoned: number
  cpu: number
  pgCpu: number
  ran: number
  waited: number
}
const figures = new Map<string, Array<Figures>>()
try {
  const scenarios: Array<number | null> = [...rates, null]
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const rate of scenarios) {
      for (const build of round % 2 === 0 ? [a, b] : [b, a]) {
        const run = await load(build, rate)
        const answered = run.result.measured - run.result.abandoned
        const row: Figures = {
          rps: run.result.rps,
          p50: run.result.p50,
          p99: run.result.p99,
          abandoned: run.result.abandoned,
          cpu: run.serviceMs / Math.max(1, (run.result.rps * MEASURE_MS) / 1000),
          pgCpu: run.postgresMs / Math.max(1, (run.result.rps * MEASURE_MS) / 1000),
          ran: run.ranMsPerS,
          waited: run.waitedMsPerS
        }
        const key = `${build.label} ${rate === null ? `closed ${values.clients}` : `open ${rate}`}`
        figures.set(key, [...(figures.get(key) ?? []), row])
        console.log(
          `round ${round + 1} ${key}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, ` +
            `abandoned ${row.abandoned}, errors ${run.result.errors}, answered ${answered}, ` +
            `CPU ${row.cpu.toFixed(3)} ms/req, PostgreSQL ${row.pgCpu.toFixed(3)} ms/req, ` +
            `main thread ran ${row.ran.toFixed(0)} / waited for a core ${row.waited.toFixed(0)} ms per s`
        )
        await settle(build)
      }
    }
  }
  const median = (xs: ReadonlyArray<number>) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
  const range = (xs: ReadonlyArray<number>, digits: number) =>
    `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`
  console.log("\nmedian (min–max) over rounds:")
  for (const [key, rows] of figures)
    console.log(
      `${key}: ${range(
        rows.map((r) => r.rps),
        0
      )} req/s, p50 ${range(
        rows.map((r) => r.p50),
        1
      )} ms, p99 ${range(
        rows.map((r) => r.p99),
        1
      )} ms, CPU ${range(
        rows.map((r) => r.cpu),
        3
      )} ms/req, PostgreSQL ${range(
        rows.map((r) => r.pgCpu),
        3
      )} ms/req, main thread ran ${range(
        rows.map((r) => r.ran),
        0
      )} waited ${range(
        rows.map((r) => r.waited),
        0
      )} ms/s`
    )
} finally {
  for (const build of [a, b]) {
    build.child.kill("SIGINT")
    await new Promise((done) => build.child.once("exit", done))
    await build.db.end()
    await admin.query(`DROP DATABASE IF EXISTS ${build.database} WITH (FORCE)`)
  }
  await admin.end()
}
