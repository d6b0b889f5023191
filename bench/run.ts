/**
 * `npm run bench`: the service's two benchmarks against real PostgreSQL, each beside a reference point measured in
 * the same run on the same machine, printed as a table and written to `docs/benchmarks.md`.
 *
 * 1. GraphQL read (issue 4): `whatsappConnection` at 32 clients against the service (a subprocess in sandbox mode
 *    on a fresh database) and against a bare graphql-yoga server answering a constant (`bare-yoga.ts`, another
 *    subprocess). Goal: service / bare ≥ 0.5.
 * 2. Webhook intake (issue 5): signed `POST /webhooks/meta/whatsapp` at 64 clients, beside plain single-row
 *    INSERTs of the same payloads through the same driver and pool size at the same concurrency. Goals:
 *    intake / raw ≥ 1.5, intake p99 < 25 ms, service RSS < 250 MB throughout. Plus processing throughput: a fixed
 *    number of routed events posted at once, timed until the inbox is drained (polling the database).
 *
 * The load comes from `load.ts` in a child process. Every scenario is bounded in time and in request count; the
 * whole run takes about two minutes. Only 127.0.0.1 is ever a target.
 */
import { execFileSync, fork, spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { PgClient } from "@effect/sql-pg"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { type Started, startChild } from "../scripts/ChildProcess.ts"
import type { ChildMessage, LoadResult, LoadSpec, Timing } from "./protocol.ts"

const root = resolve(import.meta.dirname, "..")
const docPath = join(root, "docs", "benchmarks.md")

/**
 * `npm run bench -- --smoke` (run by `.ci/run`): every scenario for a moment (0.3 s warm-up, 1.5 s measured, the
 * processing scenario with 200 events). It fails on a request error or an event not processed, never on a timing,
 * and writes no `docs/benchmarks.md`.
 */
const SMOKE = process.argv.includes("--smoke")
const WARMUP_MS = SMOKE ? 300 : 2_000
const MEASURE_MS = SMOKE ? 1_500 : 8_000
const GRAPHQL_CLIENTS = 32
const WEBHOOK_CLIENTS = 64
/** Upper bounds on requests per scenario (warm-up included): far above what 10 s can use on this machine. */
const GRAPHQL_MAX_REQUESTS = 300_000
const WEBHOOK_MAX_REQUESTS = 120_000
/** The processing scenario: this many routed events posted at 64 clients, then timed until drained. */
const PROCESSING_EVENTS = SMOKE ? 200 : 3_000
const DRAIN_TIMEOUT_MS = 60_000
/** The service's pool size (`layerServer` default), used by the raw-insert ceiling too. */
const POOL_SIZE = 10

const GOALS = { graphqlRatio: 0.5, intakeRatio: 1.5, intakeP99Ms: 25, rssMb: 250 } as const

const QUERY = `query Bench {
  whatsappConnection {
    id status connected phoneNumberE164 displayName wabaId phoneNumberId tokenExpiresAt error pendingReason
    choices { id displayPhoneNumber verifiedName }
    updatedAt
  }
}`

const PHONE_NUMBER_ID = "100000000000001"
const WABA_ID = "200000000000001"

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))
const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a")
const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a")

const cleanups: Array<() => Promise<void>> = []
const cleanup = async () => {
  while (cleanups.length > 0) {
    const step = cleanups.pop()!
    await step().catch((error: unknown) => console.error(`[bench] cleanup step failed: ${String(error)}`))
  }
}

type Sql = ManagedRuntime.ManagedRuntime<SqlClient.SqlClient, unknown>

const connect = (url: string, maxConnections: number): Sql =>
  ManagedRuntime.make(
    PgClient.layer({
      url: Redacted.make(url),
      maxConnections,
      connectTimeout: "3 seconds",
      applicationName: "meta-channel-connections-bench"
    })
  )

const query = <A = Record<string, unknown>>(
  runtime: Sql,
  statement: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>
): Promise<ReadonlyArray<A>> =>
  runtime.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      return yield* statement(sql)
    }).pipe(Effect.timeout("30 seconds"))
  )

const withDatabase = async <A>(url: string, use: (runtime: Sql) => Promise<A>): Promise<A> => {
  const runtime = connect(url, 1)
  try {
    return await use(runtime)
  } finally {
    await runtime.dispose()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

const isLocal = (url: URL) => ["127.0.0.1", "localhost", "[::1]", ""].includes(url.hostname)

const probe = (url: string) =>
  withDatabase(url, (db) => query(db, (sql) => sql`SELECT 1 AS ok`)).then(
    () => null,
    (error: unknown) => String(error)
  )

/** Reaches PostgreSQL at `url`, starting the local cluster when it is down; fails with a clear message otherwise. */
const ensurePostgres = async (url: string) => {
  const first = await probe(url)
  if (first === null) return
  const target = new URL(url)
  let versions: Array<string> = []
  try {
    versions = execFileSync("ls", ["/etc/postgresql"], { encoding: "utf8" }).split(/\s+/).filter(Boolean)
  } catch {
    versions = []
  }
  if (!isLocal(target) || versions.length === 0) {
    throw new Error(
      `PostgreSQL is not reachable at ${target.host} (${first}). Start it, or set DATABASE_URL to a reachable server.`
    )
  }
  log(`PostgreSQL is down; starting it: pg_ctlcluster --skip-systemctl-redirect ${versions[0]} main start`)
  try {
    execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", versions[0]!, "main", "start"], { stdio: "inherit" })
  } catch (error) {
    throw new Error(`PostgreSQL is down and could not be started (${String(error)}).`)
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await probe(url)) === null) return
    await sleep(500)
  }
  throw new Error(`PostgreSQL was started but is still not reachable at ${target.host}.`)
}

// ---------------------------------------------------------------------------------------------------------------
// Subprocesses

/**
 * `npm start`'s `node` arguments (package.json's `exec node ...`): the built bundle with its heap cap. `prestart`'s
 * staleness check runs first, so the service measured is the one `npm start` runs.
 */
const builtStart = (): ReadonlyArray<string> => {
  const build = spawnSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: root, stdio: "inherit" })
  if (build.status !== 0) throw new Error("npm run build failed")
  const start = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> })
    .scripts["start"]
  const match = /^exec node (.+)$/.exec(start ?? "")
  if (match === null) throw new Error(`npm start is not "exec node ...": ${start}`)
  return match[1]!.split(/\s+/)
}

/**
 * Starts `node --import tsx <script>` (or `node <args>` when `script` is an array) and resolves once its output
 * matches `ready`; `listening`'s first group is its URL (read from the first line that names it, before the output's
 * head may be dropped).
 */
const startProcess = (
  script: string | ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  listening: RegExp,
  ready: RegExp,
  timeoutMs = 60_000
): Promise<Started> => {
  let url: string | null = null
  return startChild({
    args: typeof script === "string" ? ["--import", "tsx", script] : [...script],
    cwd: root,
    env,
    label: typeof script === "string" ? script : script.join(" "),
    timeoutMs,
    ready: (output) => {
      url ??= listening.exec(output)?.[1] ?? null
      return url !== null && ready.test(output) ? url : null
    }
  })
}

/** The service's environment: sandbox mode on `databaseUrl`, nothing inherited that would change its mode. */
const serviceEnv = (databaseUrl: string, dataDir: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(env)) {
    if (/^(META_|TOKEN_ENCRYPTION|AUTH_JWT|REDIS_URL|APP_BASE_URL|SANDBOX_PORT|PORT$)/.test(name)) delete env[name]
  }
  return { ...env, PORT: "0", DATABASE_URL: databaseUrl, DATA_DIR: dataDir, LOG_LEVEL: "info" }
}

/** Runs one scenario in a fresh load-generator process; `onStarted` hears when its clock starts. */
const runLoad = (spec: LoadSpec, onStarted?: (pid: number) => void): Promise<LoadResult> =>
  new Promise((resolvePromise, reject) => {
    const child = fork(join(import.meta.dirname, "load.ts"), [], {
      cwd: root,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    let answer: ChildMessage | null = null
    const limit = spec.warmupMs + spec.measureMs + 90_000
    const timer = setTimeout(() => child.kill("SIGKILL"), limit)
    child.on("message", (message: ChildMessage) => {
      if (message.type === "started") onStarted?.(child.pid!)
      else answer = message
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      if (answer?.type === "result") resolvePromise(answer.result)
      else if (answer?.type === "error") reject(new Error(`load generator failed (${spec.name}):\n${answer.message}`))
      else reject(new Error(`load generator exited (${code}) without a result (${spec.name})`))
    })
    child.send(spec)
  })

// ---------------------------------------------------------------------------------------------------------------
// CPU accounting over a measured window: who used the machine's cores (service, load generator, PostgreSQL, and
// everything else, e.g. other jobs on a shared machine, which make the figures noisy).

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
  } catch {
    return 100
  }
})()

interface CpuSnapshot {
  readonly at: number
  readonly busy: number
  readonly processes: ReadonlyMap<number, { readonly comm: string; readonly ppid: number; readonly ticks: number }>
}

const cpuSnapshot = (): CpuSnapshot => {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const busy = fields.slice(0, 8).reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0)
  const processes = new Map<number, { comm: string; ppid: number; ticks: number }>()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      const close = stat.lastIndexOf(")")
      const comm = stat.slice(stat.indexOf("(") + 1, close)
      const rest = stat.slice(close + 2).split(" ")
      // After the command: state(3) ppid(4) ... utime(14) stime(15), so index 11 and 12 here.
      processes.set(Number(entry), { comm, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) })
    } catch {
      // Gone meanwhile.
    }
  }
  return { at: performance.now(), busy, processes }
}

export interface CpuUse {
  readonly seconds: number
  readonly service: number
  readonly load: number
  readonly postgres: number
  readonly other: number
  readonly total: number
}

/** Cores used between two snapshots, by role. */
const cpuUse = (
  a: CpuSnapshot,
  b: CpuSnapshot,
  roles: { readonly service: number; readonly load?: number }
): CpuUse => {
  const seconds = (b.at - a.at) / 1000
  const cores = (ticks: number) => ticks / CLOCK_TICKS / seconds
  const delta = (pid: number) => (b.processes.get(pid)?.ticks ?? 0) - (a.processes.get(pid)?.ticks ?? 0)
  // A process counts for a role when the role's process is it or one of its ancestors (e.g. esbuild under tsx).
  const roleOf = (pid: number): "service" | "load" | "postgres" | "other" => {
    if (b.processes.get(pid)?.comm === "postgres") return "postgres"
    for (let current = pid, depth = 0; current > 1 && depth < 20; depth++) {
      if (current === roles.service) return "service"
      if (current === roles.load) return "load"
      current = b.processes.get(current)?.ppid ?? 0
    }
    return "other"
  }
  const by = { service: 0, load: 0, postgres: 0, other: 0 }
  for (const pid of b.processes.keys()) by[roleOf(pid)] += delta(pid)
  const { service, load, postgres } = by
  const total = b.busy - a.busy
  return {
    seconds,
    service: cores(service),
    load: cores(load),
    postgres: cores(postgres),
    other: cores(Math.max(0, total - service - load - postgres)),
    total: cores(total)
  }
}

/** Runs a scenario with a warm-up and a window, and accounts the CPU over exactly that window. */
const runMeasured = async (
  spec: LoadSpec,
  server: number
): Promise<{ readonly result: LoadResult; readonly cpu: CpuUse | null }> => {
  let first: CpuSnapshot | null = null
  let cpu: CpuUse | null = null
  const timers: Array<NodeJS.Timeout> = []
  const result = await runLoad(spec, (pid) => {
    timers.push(
      setTimeout(() => {
        first = cpuSnapshot()
      }, spec.warmupMs),
      setTimeout(() => {
        if (first !== null) cpu = cpuUse(first, cpuSnapshot(), { service: server, load: pid })
      }, spec.warmupMs + spec.measureMs)
    )
  })
  for (const timer of timers) clearTimeout(timer)
  return { result, cpu }
}

// ---------------------------------------------------------------------------------------------------------------
// Resident memory of the service, every 100 ms

class RssSampler {
  private timer: NodeJS.Timeout | undefined
  phase = "startup"
  readonly peaks = new Map<string, number>()
  samples = 0

  constructor(private readonly pid: number) {}

  private sample() {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, "utf8")
      const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN)
      if (!Number.isFinite(kb)) return
      const mb = kb / 1024
      this.samples++
      this.peaks.set(this.phase, Math.max(this.peaks.get(this.phase) ?? 0, mb))
    } catch {
      // The process is gone.
    }
  }

  start() {
    this.sample()
    this.timer = setInterval(() => this.sample(), 100)
  }

  stop() {
    clearInterval(this.timer)
  }

  get peak() {
    return Math.max(0, ...this.peaks.values())
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Machine

interface Machine {
  readonly cpus: string
  readonly memory: string
  readonly cpuModel: string
  readonly node: string
  readonly postgres: string
}

const machine = (postgres: string): Machine => {
  let cpus = "?"
  try {
    cpus = execFileSync("nproc", { encoding: "utf8" }).trim()
  } catch {
    cpus = "?"
  }
  const meminfo = readFileSync("/proc/meminfo", "utf8")
  const totalKb = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0)
  const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? "unknown"
  return {
    cpus,
    memory: `${(totalKb / 1024 / 1024).toFixed(1)} GiB`,
    cpuModel,
    node: process.version,
    postgres
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The run

interface Figures {
  readonly date: string
  readonly machine: Machine
  readonly graphqlService: LoadResult
  readonly graphqlBare: LoadResult
  readonly graphqlAnswer: string
  readonly processing: {
    readonly posted: LoadResult
    readonly stored: number
    readonly drained: boolean
    readonly pendingLeft: number
    readonly seconds: number
    readonly eventsPerSecond: number
    readonly states: string
  }
  readonly raw: LoadResult
  readonly intake: LoadResult
  readonly backlogAfterIntake: number
  /** Per measured window: its label, the CPU used, and the requests (or events) it served. */
  readonly cpu: ReadonlyArray<readonly [string, CpuUse | null, number]>
  readonly rss: {
    readonly peak: number
    readonly byPhase: ReadonlyArray<readonly [string, number]>
    readonly samples: number
  }
}

const timing = (concurrency: number, maxRequests: number): Timing => ({
  concurrency,
  warmupMs: WARMUP_MS,
  measureMs: MEASURE_MS,
  maxRequests
})

const main = async (): Promise<Figures> => {
  const began = performance.now()
  const adminUrl = process.env["DATABASE_URL"]?.trim() || "postgres://postgres@127.0.0.1:5432/test"
  await ensurePostgres(adminUrl)

  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14)
  const databaseName = `bench_${stamp}`
  const benchUrl = new URL(adminUrl)
  benchUrl.pathname = `/${databaseName}`
  const postgresVersion = await withDatabase(adminUrl, async (db) => {
    await query(db, (sql) => sql.unsafe(`CREATE DATABASE "${databaseName}"`))
    const rows = await query(db, (sql) => sql`SHOW server_version`)
    return String(rows[0]?.["server_version"] ?? "unknown")
  })
  cleanups.push(() =>
    withDatabase(adminUrl, async (db) => {
      await query(db, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`))
      log(`dropped database ${databaseName}`)
    })
  )
  log(`created database ${databaseName} on PostgreSQL ${postgresVersion}`)

  const dataDir = mkdtempSync(join(tmpdir(), "bench-data-"))
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }))

  // The service, in sandbox mode on the fresh database; its migrations run at startup.
  const service = await startProcess(
    builtStart(),
    serviceEnv(benchUrl.toString(), dataDir),
    /Service listening on (http:\/\/[\d.]+:\d+)/,
    /Ready: database migrated/
  )
  cleanups.push(service.stop)
  const servicePid = service.child.pid!
  const rss = new RssSampler(servicePid)
  rss.start()
  cleanups.push(async () => rss.stop())
  log(`service listening on ${service.url} (pid ${service.child.pid})`)

  const db = connect(benchUrl.toString(), 2)
  cleanups.push(() => db.dispose())

  // A session for the tenant "bench", and a connected number for it, inserted directly: GraphQL answers ACTIVE
  // and webhooks to PHONE_NUMBER_ID route to it.
  const session = (await (
    await fetch(`${service.url}/api/dev/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant: "bench", role: "admin" })
    })
  ).json()) as { token: string; tenantId: string }
  await query(
    db,
    (sql) => sql`INSERT INTO tenants (id, name) VALUES (${session.tenantId}, 'bench') ON CONFLICT (id) DO NOTHING`
  )
  await query(
    db,
    (sql) => sql`
      INSERT INTO channel_connections
        (tenant_id, provider, status, waba_id, phone_number_id, phone_number_e164, display_name)
      VALUES (${session.tenantId}, 'meta_whatsapp', 'active', ${WABA_ID}, ${PHONE_NUMBER_ID}, '+15550000001', 'Bench')`
  )
  const secrets = JSON.parse(readFileSync(join(dataDir, "sandbox-secrets.json"), "utf8")) as Record<string, string>
  const secret = secrets["META_APP_SECRET"]
  if (secret === undefined) throw new Error("sandbox-secrets.json has no META_APP_SECRET")

  const bare = await startProcess(
    "bench/bare-yoga.ts",
    { ...process.env },
    /Bare yoga listening on (http:\/\/[\d.]+:\d+)/,
    /Bare yoga listening/
  )
  cleanups.push(bare.stop)

  // Both answer the same query shape before anything is timed.
  const ask = async (url: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ query: QUERY })
    })
    const text = await response.text()
    if (response.status !== 200 || !text.includes('"status":"ACTIVE"')) {
      throw new Error(`${url}/graphql answered ${response.status}: ${text}`)
    }
    return text
  }
  const graphqlAnswer = await ask(service.url)
  await ask(bare.url)

  // 1. GraphQL read
  rss.phase = "graphql"
  log(`GraphQL: service, ${GRAPHQL_CLIENTS} clients, ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s`)
  const graphqlService = await runMeasured(
    {
      kind: "graphql",
      name: "graphql-service",
      url: `${service.url}/graphql`,
      token: session.token,
      query: QUERY,
      ...timing(GRAPHQL_CLIENTS, GRAPHQL_MAX_REQUESTS)
    },
    servicePid
  )
  log(`GraphQL: bare yoga, same load`)
  const graphqlBare = await runMeasured(
    {
      kind: "graphql",
      name: "graphql-bare",
      url: `${bare.url}/graphql`,
      token: session.token,
      query: QUERY,
      ...timing(GRAPHQL_CLIENTS, GRAPHQL_MAX_REQUESTS)
    },
    bare.child.pid!
  )
  await bare.stop()

  const counts = async () => {
    const rows = await query(
      db,
      (sql) => sql`SELECT (SELECT count(*) FROM webhook_events WHERE state = 'pending')::int AS pending,
                          (SELECT count(*) FROM messages)::int AS messages`
    )
    return { pending: Number(rows[0]?.["pending"] ?? 0), messages: Number(rows[0]?.["messages"] ?? 0) }
  }

  // 2a. Processing: a fixed number of routed events posted at once, timed until the worker has drained the inbox.
  rss.phase = "processing"
  log(`processing: ${PROCESSING_EVENTS} routed events at ${WEBHOOK_CLIENTS} clients, then until drained`)
  const before = await counts()
  const processingStart = cpuSnapshot()
  let postingDone = false
  const posting = runLoad({
    kind: "webhook",
    name: "processing-post",
    url: `${service.url}/webhooks/meta/whatsapp`,
    bodies: { secret, phoneNumberId: PHONE_NUMBER_ID, idPrefix: "processing" },
    concurrency: WEBHOOK_CLIENTS,
    warmupMs: 0,
    measureMs: 60_000,
    maxRequests: PROCESSING_EVENTS
  }).finally(() => {
    postingDone = true
  })
  let drainedAt: number | null = null
  let last = before
  let postedAt = Number.POSITIVE_INFINITY
  for (;;) {
    await sleep(100)
    last = await counts()
    if (postingDone) {
      postedAt = Math.min(postedAt, Date.now())
      if (last.pending === 0) {
        drainedAt = Date.now()
        break
      }
      if (Date.now() - postedAt > DRAIN_TIMEOUT_MS) break
    }
  }
  const posted = await posting
  const processingCpu = cpuUse(processingStart, cpuSnapshot(), { service: servicePid })
  const processingSeconds = ((drainedAt ?? Date.now()) - posted.startedAt) / 1000
  const stored = last.messages - before.messages
  const states = (
    await query(db, (sql) => sql`SELECT state, count(*)::int AS n FROM webhook_events GROUP BY state ORDER BY state`)
  )
    .map((row) => `${String(row["state"])} ${String(row["n"])}`)
    .join(", ")

  // 2b. The raw ceiling: single-row INSERTs of the same payloads, same driver, same pool size, same concurrency.
  rss.phase = "raw-insert"
  await query(db, (sql) => sql`CREATE TABLE bench_raw_events (LIKE webhook_events INCLUDING ALL)`)
  log(`raw ceiling: single-row INSERTs, pool ${POOL_SIZE}, ${WEBHOOK_CLIENTS} clients`)
  const raw = await runMeasured(
    {
      kind: "insert",
      name: "raw-insert",
      databaseUrl: benchUrl.toString(),
      table: "bench_raw_events",
      bodies: { secret, phoneNumberId: PHONE_NUMBER_ID, idPrefix: "raw" },
      ...timing(WEBHOOK_CLIENTS, WEBHOOK_MAX_REQUESTS)
    },
    servicePid
  )

  // 2c. Intake: signed deliveries with distinct message ids; the worker routes them meanwhile, as it would.
  rss.phase = "intake"
  log(`intake: signed webhooks, ${WEBHOOK_CLIENTS} clients`)
  const intake = await runMeasured(
    {
      kind: "webhook",
      name: "intake",
      url: `${service.url}/webhooks/meta/whatsapp`,
      bodies: { secret, phoneNumberId: PHONE_NUMBER_ID, idPrefix: "intake" },
      ...timing(WEBHOOK_CLIENTS, WEBHOOK_MAX_REQUESTS)
    },
    servicePid
  )
  const backlogAfterIntake = (await counts()).pending
  rss.phase = "after"
  await sleep(300)
  rss.stop()

  log(`done measuring in ${fixed((performance.now() - began) / 1000)} s`)
  return {
    date: new Date().toISOString(),
    machine: machine(postgresVersion),
    graphqlService: graphqlService.result,
    graphqlBare: graphqlBare.result,
    graphqlAnswer,
    processing: {
      posted,
      stored,
      drained: drainedAt !== null,
      pendingLeft: last.pending,
      seconds: processingSeconds,
      eventsPerSecond: processingSeconds > 0 ? stored / processingSeconds : 0,
      states
    },
    raw: raw.result,
    intake: intake.result,
    backlogAfterIntake,
    cpu: [
      ["GraphQL: service", graphqlService.cpu, graphqlService.result.measured],
      ["GraphQL: bare yoga", graphqlBare.cpu, graphqlBare.result.measured],
      ["processing (post + drain)", processingCpu, stored],
      ["raw single-row INSERT", raw.cpu, raw.result.measured],
      ["webhook intake", intake.cpu, intake.result.measured]
    ],
    rss: { peak: rss.peak, byPhase: [...rss.peaks.entries()], samples: rss.samples }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report

interface Goal {
  readonly name: string
  readonly figure: string
  readonly goal: string
  readonly met: boolean
}

const goalsOf = (f: Figures): ReadonlyArray<Goal> => {
  const graphqlRatio = f.graphqlService.rps / f.graphqlBare.rps
  const intakeRatio = f.intake.rps / f.raw.rps
  const failed =
    f.graphqlService.errors + f.graphqlBare.errors + f.intake.errors + f.raw.errors + f.processing.posted.errors
  return [
    {
      name: "GraphQL service/bare",
      figure: fixed(graphqlRatio, 2),
      goal: `≥ ${GOALS.graphqlRatio}`,
      met: graphqlRatio >= GOALS.graphqlRatio
    },
    {
      name: "intake/raw",
      figure: fixed(intakeRatio, 2),
      goal: `≥ ${GOALS.intakeRatio}`,
      met: intakeRatio >= GOALS.intakeRatio
    },
    {
      name: "intake p99",
      figure: `${fixed(f.intake.p99)} ms`,
      goal: `< ${GOALS.intakeP99Ms} ms`,
      met: f.intake.p99 < GOALS.intakeP99Ms
    },
    {
      name: "service peak RSS",
      figure: `${fixed(f.rss.peak)} MB`,
      goal: `< ${GOALS.rssMb} MB`,
      met: f.rss.peak < GOALS.rssMb
    },
    {
      name: "no failed requests",
      figure: String(failed),
      goal: "0",
      met: failed === 0
    }
  ]
}

const goalLine = (goal: Goal) => `${goal.name} = ${goal.figure} (goal ${goal.goal}): ${goal.met ? "MET" : "MISSED"}`

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

const markdown = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`)
  ].join("\n")

const LOAD_HEADER = ["scenario", "clients", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"]
const loadRow = (label: string, clients: number, r: LoadResult) => [
  label,
  String(clients),
  int(r.measured),
  int(r.rps),
  fixed(r.p50, 2),
  fixed(r.p90, 2),
  fixed(r.p99, 2),
  fixed(r.max, 1),
  r.errors === 0
    ? "0"
    : `${r.errors} (${Object.entries(r.statuses)
        .map(([s, n]) => `${s}: ${n}`)
        .join(", ")})`
]

const sections = (f: Figures) => {
  const graphqlRows = [
    loadRow("service whatsappConnection", GRAPHQL_CLIENTS, f.graphqlService),
    loadRow("bare graphql-yoga (constant)", GRAPHQL_CLIENTS, f.graphqlBare)
  ]
  const webhookRows = [
    loadRow("service webhook intake", WEBHOOK_CLIENTS, f.intake),
    loadRow(`raw single-row INSERT (pool ${POOL_SIZE})`, WEBHOOK_CLIENTS, f.raw)
  ]
  const p = f.processing
  const processingRows = [
    ["events posted (200)", int(p.posted.sent - p.posted.errors)],
    ["posting took", `${fixed(p.posted.windowMs / 1000, 2)} s (${int(p.posted.rps)} req/s)`],
    ["messages stored", int(p.stored)],
    [
      p.drained ? "drained after" : `NOT drained after`,
      `${fixed(p.seconds, 2)} s from the first post${p.drained ? "" : ` (${p.pendingLeft} still pending)`}`
    ],
    ["processing throughput", `${fixed(p.eventsPerSecond)} events/s`],
    ["inbox states at the end", p.states]
  ]
  const rssRows = [
    ...f.rss.byPhase.map(([phase, mb]) => [`peak during ${phase}`, `${fixed(mb)} MB`]),
    ["peak (whole run)", `${fixed(f.rss.peak)} MB (${f.rss.samples} samples, every 100 ms)`],
    ["pending after intake", `${int(f.backlogAfterIntake)} events (the worker had not caught up)`]
  ]
  const perRequest = (cores: number, use: CpuUse, requests: number) =>
    requests > 0 ? fixed((cores * use.seconds * 1000) / requests, 2) : "n/a"
  const cpuRows = f.cpu.map(([label, use, requests]) =>
    use === null
      ? [label, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"]
      : [
          label,
          fixed(use.service, 2),
          fixed(use.load, 2),
          fixed(use.postgres, 2),
          fixed(use.other, 2),
          fixed(use.total, 2),
          perRequest(use.service, use, requests),
          perRequest(use.postgres, use, requests)
        ]
  )
  return { graphqlRows, webhookRows, processingRows, rssRows, cpuRows }
}

const CPU_HEADER = [
  "window",
  "server",
  "load gen",
  "PostgreSQL",
  "other",
  "machine",
  "server CPU ms/req",
  "PostgreSQL CPU ms/req"
]
/** Cores used by processes outside the bench above which the figures are called noisy. */
const NOISE_CORES = 0.25

const noise = (f: Figures): string | null => {
  const noisy = f.cpu.filter(([, use]) => use !== null && use.other > NOISE_CORES)
  return noisy.length === 0
    ? null
    : `other processes used more than ${NOISE_CORES} cores during ${noisy
        .map(([label, use]) => `${label} (${fixed(use!.other, 2)})`)
        .join(", ")}: those figures are noisy; run again on a quiet machine to compare.`
}

const printReport = (f: Figures) => {
  const { graphqlRows, webhookRows, processingRows, rssRows, cpuRows } = sections(f)
  const goals = goalsOf(f)
  console.log("")
  console.log(`Benchmarks, ${f.date}`)
  console.log(
    `Machine: ${f.machine.cpus} CPUs (${f.machine.cpuModel}), ${f.machine.memory}; Node ${f.machine.node}; PostgreSQL ${f.machine.postgres}`
  )
  console.log(`\n1. GraphQL read (issue 4): ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s measured each`)
  console.log(table(LOAD_HEADER, graphqlRows))
  console.log(`\n2. Webhook intake (issue 5): ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s measured each`)
  console.log(table(LOAD_HEADER, webhookRows))
  console.log(
    `\n   Processing (${PROCESSING_EVENTS} routed events posted at ${WEBHOOK_CLIENTS} clients, polled every 100 ms)`
  )
  console.log(table(["", ""], processingRows).split("\n").slice(2).join("\n"))
  console.log("\n   Service resident memory (VmRSS)")
  console.log(table(["", ""], rssRows).split("\n").slice(2).join("\n"))
  console.log("\nCPU used in each measured window (cores; the machine has " + f.machine.cpus + ")")
  console.log(table(CPU_HEADER, cpuRows))
  const warning = noise(f)
  if (warning !== null) console.log(`WARNING: ${warning}`)
  console.log("\nGoals")
  for (const goal of goals) console.log(`  ${goalLine(goal)}`)
  console.log("")
}

const HISTORY_START = "<!-- history:start -->"
const HISTORY_END = "<!-- history:end -->"
const HISTORY_HEADER = [
  "date (UTC)",
  "GraphQL svc req/s",
  "bare req/s",
  "svc/bare",
  "intake req/s",
  "intake p50/p99 ms",
  "raw req/s",
  "intake/raw",
  "processing ev/s",
  "peak RSS MB",
  "max other cores"
]

const historyRow = (f: Figures) =>
  `| ${[
    f.date.slice(0, 16).replace("T", " "),
    int(f.graphqlService.rps),
    int(f.graphqlBare.rps),
    fixed(f.graphqlService.rps / f.graphqlBare.rps, 2),
    int(f.intake.rps),
    `${fixed(f.intake.p50, 1)} / ${fixed(f.intake.p99, 1)}`,
    int(f.raw.rps),
    fixed(f.intake.rps / f.raw.rps, 2),
    fixed(f.processing.eventsPerSecond, 0),
    fixed(f.rss.peak, 0),
    fixed(Math.max(0, ...f.cpu.map(([, use]) => use?.other ?? 0)), 2)
  ].join(" | ")} |`

const previousHistory = (): ReadonlyArray<string> => {
  try {
    const text = readFileSync(docPath, "utf8")
    const start = text.indexOf(HISTORY_START)
    const end = text.indexOf(HISTORY_END)
    if (start < 0 || end < start) return []
    return text
      .slice(start + HISTORY_START.length, end)
      .split("\n")
      .filter((line) => /^\| \d{4}-/.test(line))
  } catch {
    return []
  }
}

const writeDoc = (f: Figures) => {
  const { graphqlRows, webhookRows, processingRows, rssRows, cpuRows } = sections(f)
  const goals = goalsOf(f)
  const warning = noise(f)
  const history = [...previousHistory(), historyRow(f)].slice(-30)
  const doc = `# Benchmarks

Written by \`npm run bench\` (\`bench/run.ts\`): each run rewrites this file with its figures and adds a line to
the history at the end. Figures from one machine are comparable with each other only: compare the ratios.

## How it measures

- **Service**: \`src/main.ts\` as a subprocess (\`node --import tsx\`, as \`npm start\`), sandbox mode, on a fresh
  PostgreSQL database \`bench_<timestamp>\` created for the run (from \`DATABASE_URL\`, default
  \`postgres://postgres@127.0.0.1:5432/test\`) and dropped after it. A tenant \`bench\` with an \`active\`
  WhatsApp connection is inserted directly, so GraphQL answers \`ACTIVE\` and webhooks route to it.
- **Load**: \`bench/load.ts\` in a child process of its own, ${GRAPHQL_CLIENTS} or ${WEBHOOK_CLIENTS} clients each
  looping over one keep-alive connection of an undici \`Agent\`; latency per request with \`performance.now()\`,
  nearest-rank percentiles of the requests started in the measured window; req/s = those requests over the time
  to the last one's answer. Each scenario: ${WARMUP_MS / 1000} s warm-up, ${MEASURE_MS / 1000} s measured, and a
  bound on its request count. Webhook bodies are built and signed (HMAC-SHA256 with the sandbox app secret)
  before the clock starts, each with a distinct message id.
- **GraphQL reference**: \`bench/bare-yoga.ts\`, a bare graphql-yoga on \`node:http\` in its own subprocess with
  the same \`WhatsAppConnection\` type, answering a constant (no auth, no database).
- **Raw insert ceiling**: single-row \`INSERT … RETURNING id\` of the same payloads into a table shaped like
  \`webhook_events\` (\`LIKE webhook_events INCLUDING ALL\`), through \`@effect/sql-pg\` with the service's pool
  settings (\`layerServer\`, ${POOL_SIZE} connections), ${WEBHOOK_CLIENTS} fibers.
- **Intake** runs after the raw ceiling, while the service's worker routes the events it receives (as in
  production). **Processing**: ${PROCESSING_EVENTS} routed events posted at ${WEBHOOK_CLIENTS} clients on an empty
  inbox; the throughput is the messages stored over the time from the first post until
  \`SELECT count(*) FROM webhook_events WHERE state = 'pending'\` is 0 (polled every 100 ms).
- **Memory**: \`VmRSS\` of the service process from \`/proc/<pid>/status\` every 100 ms, from startup to the end.
- Everything (service, PostgreSQL, load generator) shares the machine's ${f.machine.cpus} cores.

## Latest run

${f.date.slice(0, 19).replace("T", " ")} UTC. Machine: ${f.machine.cpus} CPUs (\`nproc\`), ${f.machine.cpuModel},
${f.machine.memory} memory; Node ${f.machine.node}; PostgreSQL ${f.machine.postgres}.

### Goals

${goals.map((goal) => `- \`${goalLine(goal)}\``).join("\n")}

### 1. GraphQL read (issue 4)

${markdown(LOAD_HEADER, graphqlRows)}

Service / bare: **${fixed(f.graphqlService.rps / f.graphqlBare.rps, 2)}** (goal ≥ ${GOALS.graphqlRatio}).

### 2. Webhook intake (issue 5)

${markdown(LOAD_HEADER, webhookRows)}

Intake / raw single-row inserts: **${fixed(f.intake.rps / f.raw.rps, 2)}** (goal ≥ ${GOALS.intakeRatio}); intake p99
${fixed(f.intake.p99)} ms (goal < ${GOALS.intakeP99Ms} ms).

Processing:

${markdown(["", ""], processingRows)}

Service resident memory:

${markdown(["", ""], rssRows)}

### CPU in each measured window

Cores used over each measured window (from \`/proc/stat\` and \`/proc/<pid>/stat\`): the server under test
(the service, or the bare yoga; in the raw-insert window the service is idle and the inserts run in the load
generator), the load generator, PostgreSQL, and everything else on the machine ("other": jobs that are no part of
the bench). CPU ms per request is the server's (or PostgreSQL's) CPU time over the window divided by the requests
measured in it: unlike req/s, it holds up fairly well when other jobs share the cores.

${markdown(CPU_HEADER, cpuRows)}
${warning === null ? "" : `\n**Warning**: ${warning}\n`}
## History

${HISTORY_START}
${markdown(HISTORY_HEADER, []).trimEnd()}
${history.join("\n")}
${HISTORY_END}
`
  writeFileSync(docPath, doc)
  log(`wrote ${docPath}`)
}

const interrupted = () => {
  console.error("[bench] interrupted: cleaning up")
  void cleanup().finally(() => process.exit(130))
}
process.once("SIGINT", interrupted)
process.once("SIGTERM", interrupted)

/** What `--smoke` fails on: request errors, events lost or left unprocessed. Never a timing. */
const smokeFailures = (f: Figures): ReadonlyArray<string> => {
  const failures: Array<string> = []
  const loads: ReadonlyArray<readonly [string, LoadResult]> = [
    ["GraphQL service", f.graphqlService],
    ["GraphQL bare yoga", f.graphqlBare],
    ["processing posts", f.processing.posted],
    ["raw INSERT", f.raw],
    ["intake", f.intake]
  ]
  for (const [name, result] of loads) {
    if (result.errors > 0) failures.push(`${name}: ${result.errors} requests failed`)
    if (result.measured === 0) failures.push(`${name}: no request completed`)
  }
  if (!f.processing.drained) failures.push(`processing: ${f.processing.pendingLeft} events never processed`)
  if (f.processing.stored < f.processing.posted.measured)
    failures.push(`processing: ${f.processing.posted.measured} events posted, ${f.processing.stored} messages stored`)
  return failures
}

try {
  const figures = await main()
  await cleanup()
  printReport(figures)
  if (SMOKE) {
    const failures = smokeFailures(figures)
    for (const failure of failures) console.error(`[bench] smoke: ${failure}`)
    if (failures.length > 0) process.exitCode = 1
    else log("smoke: no errors, every event processed (timings are not judged in --smoke)")
  } else writeDoc(figures)
} catch (error) {
  console.error(`[bench] failed: ${error instanceof Error ? error.message : String(error)}`)
  await cleanup()
  process.exitCode = 1
}
