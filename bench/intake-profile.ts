/**
 * Intake's CPU per request and where it goes (issue 18.3): the built service (`dist/server/main.js`, production
 * mode, worker parked, `LOG_LEVEL=info` as `npm run bench` runs it) on a fresh database under `--cpu-prof`, and
 * `CLIENTS` keep-alive clients posting signed deliveries for `SECONDS` (closed loop, 1 s warm-up). Prints req/s,
 * the service's CPU ms per request (from `/proc/<pid>/stat`) and the profile's top (`cpu-profile-top.ts`).
 *
 * `--perf <file>` records the load window with `perf record -g` instead of V8's profiler (on-CPU time of every
 * thread, the kernel's included; the service runs with `--perf-basic-prof` so that JavaScript frames have names).
 * `--sandbox` runs it in sandbox mode instead. `--graphql` posts the bench's `whatsappConnection` query with a bearer JWT instead (the service only). `--main <file>` runs another build of the service (e.g. of an earlier commit, to compare). `--log-level error` runs the service without its info lines. `--peer` measures and profiles `bench/webhook-peer.ts` the same way instead. After the self-time summary, the
 * inclusive shares over the load window (`intake-profile-tree.ts`).
 *
 *   DATABASE_URL=… npx tsx bench/intake-profile.ts [--seconds 8] [--clients 64] [--no-profile] [--peer]
 */
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { SignJWT } from "jose"
import pg from "pg"
import { Agent } from "undici"
import { freePort } from "../test/support/Browserless.ts"
import { benchServiceEnv, cpuMs, sign, WHATSAPP_CONNECTION_QUERY, webhookBody } from "./protocol.ts"

/** The process's user and system CPU ms, and its main thread's ms on a core and waiting for one (`schedstat`). */
const cpuSplit = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  const [ran, waited] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").split(" ").map(Number)
  return {
    user: (Number(fields[11]) * 1000) / 100,
    system: (Number(fields[12]) * 1000) / 100,
    ran: ran! / 1e6,
    waited: waited! / 1e6
  }
}

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "8" },
    clients: { type: "string", default: "64" },
    "no-profile": { type: "boolean", default: false },
    peer: { type: "boolean", default: false },
    "log-level": { type: "string", default: "info" },
    main: { type: "string", default: "dist/server/main.js" },
    graphql: { type: "boolean", default: false },
    perf: { type: "string" },
    sandbox: { type: "boolean", default: false }
  }
})
const root = resolve(import.meta.dirname, "..")
const serverUrl = process.env["DATABASE_URL"] ?? ""
if (serverUrl === "") throw new Error("bench/intake-profile.ts needs DATABASE_URL")

const admin = new pg.Client({ connectionString: serverUrl })
await admin.connect()
const database = `${new URL(serverUrl).pathname.slice(1).toLowerCase()}_profile_${randomBytes(4).toString("hex")}`
await admin.query(`CREATE DATABASE ${database}`)
const url = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString()
const profileDir = mkdtempSync(join(tmpdir(), "intake-profile-"))
try {
  if (spawnSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: root, stdio: "inherit" }).status !== 0)
    throw new Error("build failed")
  const secret = randomBytes(16).toString("hex")
  const port = await freePort()
  const base = benchServiceEnv({ port, secret, databaseUrl: url, dataDir: "intake-profile" })
  const token = await new SignJWT({ tenant_id: crypto.randomUUID(), role: "admin" })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(new TextEncoder().encode(base["AUTH_JWT_SECRET"]))
  const graphqlBody = JSON.stringify({ query: WHATSAPP_CONNECTION_QUERY })
  if (values.sandbox) {
    // Sandbox mode, as `npm run bench` runs the service (the emulated Meta in the same process).
    for (const name of Object.keys(base)) if (name.startsWith("META_")) delete base[name]
  }
  const env = {
    ...base,
    LOG_LEVEL: values["log-level"],
    WEBHOOK_WORKER_ENABLED: "false"
  }
  const args = [
    ...(values["no-profile"] || values.perf !== undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]),
    ...(values.perf === undefined ? [] : ["--perf-basic-prof"]),
    "--max-old-space-size=128",
    values.main
  ]
  const child = values.peer
    ? spawn(process.execPath, [...args.slice(0, -2), "--import", "tsx", "bench/webhook-peer.ts"], {
        cwd: root,
        env: { ...process.env, PEER_DATABASE_URL: url, PEER_SECRET: secret },
        stdio: ["ignore", "pipe", "inherit"]
      })
    : spawn(process.execPath, args, {
        cwd: root,
        env: { PATH: process.env["PATH"] ?? "", ...env },
        stdio: ["ignore", "ignore", "inherit"]
      })
  const origin = values.peer
    ? await new Promise<string>((done) => {
        let output = ""
        child.stdout!.on("data", (d: Buffer) => {
          output += d.toString()
          const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)
          if (match !== null) done(match[1]!)
        })
      })
    : `http://127.0.0.1:${port}`
  for (let attempt = 0; !values.peer; attempt++) {
    const ready = await fetch(`${origin}/readyz`).then(
      (r) => r.status === 200,
      () => false
    )
    if (ready) break
    if (attempt > 300) throw new Error("service not ready")
    await new Promise((done) => setTimeout(done, 100))
  }
  const clients = Number(values.clients)
  const agent = new Agent({ connections: clients })
  const bodies = { secret, phoneNumberId: "106540352242922", idPrefix: randomBytes(4).toString("hex") }
  let next = 0
  let ok = 0
  let failed = 0
  const warm = performance.now() + 1000
  const until = warm + Number(values.seconds) * 1000
  let cpuAtWarm = 0
  let perf: ReturnType<typeof spawn> | undefined
  let splitAtWarm = cpuSplit(child.pid!)
  // The load window on the profile's clock (µs of the monotonic clock, as V8 stamps its samples).
  let windowFrom = 0
  const warmTimer = setTimeout(() => {
    cpuAtWarm = cpuMs(child.pid!)
    splitAtWarm = cpuSplit(child.pid!)
    windowFrom = Number(process.hrtime.bigint() / 1000n)
    // `--perf <file>`: on-CPU samples of every thread of the process (kernel included) over the load window.
    if (values.perf !== undefined)
      perf = spawn(
        "perf",
        ["record", "-F", "1999", "-g", "-p", String(child.pid), "-o", values.perf, "--", "sleep", values.seconds],
        { stdio: ["ignore", "ignore", "inherit"] }
      )
  }, 1000)
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const body = values.graphql ? graphqlBody : webhookBody(bodies, next++)
        const response = await agent.request({
          origin,
          path: values.graphql ? "/graphql" : "/webhooks/meta/whatsapp",
          method: "POST",
          headers: values.graphql
            ? { "content-type": "application/json", authorization: `Bearer ${token}` }
            : { "content-type": "application/json", "x-hub-signature-256": sign(body, secret) },
          body
        })
        await response.body.dump()
        if (performance.now() < warm) continue
        if (response.statusCode === 200) ok++
        else failed++
      }
    })
  )
  const cpu = cpuMs(child.pid!) - cpuAtWarm
  const split = cpuSplit(child.pid!)
  const windowTo = Number(process.hrtime.bigint() / 1000n)
  clearTimeout(warmTimer)
  if (perf !== undefined && perf.exitCode === null) await new Promise((done) => perf!.once("exit", done))
  await agent.close()
  child.kill(values.peer ? "SIGTERM" : "SIGINT")
  await new Promise((done) => child.once("exit", done))
  console.log(
    `${values.peer ? "peer" : "service"}: ${(ok / Number(values.seconds)).toFixed(0)} req/s, ${failed} failed, ` +
      `CPU ${(cpu / ok).toFixed(3)} ms/request (${clients} clients, ${values.seconds} s)`
  )
  const per = (ms: number) => (ms / ok).toFixed(3)
  console.log(
    `  user ${per(split.user - splitAtWarm.user)}, system ${per(split.system - splitAtWarm.system)} ms/request; ` +
      `main thread on a core ${per(split.ran - splitAtWarm.ran)}, runnable waiting for one ` +
      `${per(split.waited - splitAtWarm.waited)} ms/request (schedstat)`
  )
  const profile = readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile"))
  if (profile !== undefined) {
    console.log(`profile: ${join(profileDir, profile)}`)
    spawnSync(process.execPath, ["--import", "tsx", "bench/cpu-profile-top.ts", join(profileDir, profile), "40"], {
      cwd: root,
      stdio: "inherit"
    })
    // Inclusive shares over the load window only (`intake-profile-tree.ts`).
    console.log(`\nload window: --from ${windowFrom} --to ${windowTo}`)
    spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "bench/intake-profile-tree.ts",
        join(profileDir, profile),
        "--from",
        String(windowFrom),
        "--to",
        String(windowTo),
        "--top",
        "80"
      ],
      { cwd: root, stdio: "inherit" }
    )
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin.end()
}
