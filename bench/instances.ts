/**
 * Several instances on one PostgreSQL (issue 18.7): for N = 1, 2, 4 service processes (`node --import tsx
 * src/main.ts`, production mode, one fresh database per N), signed webhooks are sent round-robin by `CLIENTS`
 * keep-alive clients for `SECONDS` (closed loop, from this process), and the inbox is watched until it drains.
 * Prints, per N and round: intake req/s (workers running), processing events/s (events / time from the first
 * request to an empty inbox), and the ratios to N = 1. Rounds interleave the N values.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/db npx tsx bench/instances.ts [--instances 1,2,4] [--rounds 3]
 *     [--seconds 8] [--clients 32]
 *
 * A later merge wires this into `npm run bench -- --instances N`.
 */
import { randomBytes } from "node:crypto"
import { performance } from "node:perf_hooks"
import { parseArgs } from "node:util"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Agent } from "undici"
import { layerServer } from "../src/adapters/persistence/Database.ts"
import { MigrationsLive } from "../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../src/adapters/persistence/Persistence.ts"
import { ConnectionRepository } from "../src/application/ports/ConnectionRepository.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../src/domain/Ids.ts"
import { freePort } from "../test/support/Browserless.ts"
import { type ServiceProcess, startProcess } from "../test/support/Service.ts"
import { benchServiceEnv, sign, webhookBody } from "./protocol.ts"

const { values } = parseArgs({
  options: {
    instances: { type: "string", default: "1,2,4" },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "8" },
    clients: { type: "string", default: "32" }
  }
})
const counts = values.instances.split(",").map(Number)
const rounds = Number(values.rounds)
const seconds = Number(values.seconds)
const clients = Number(values.clients)
const serverUrl = process.env["DATABASE_URL"] ?? ""
if (serverUrl === "") throw new Error("bench/instances.ts needs DATABASE_URL (a PostgreSQL server)")

const admin = ManagedRuntime.make(layerServer(Redacted.make(serverUrl), { maxConnections: 1 }).pipe(Layer.orDie))
const onAdmin = (statement: string) =>
  admin.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)))

interface Round {
  readonly instances: number
  readonly intakePerSecond: number
  readonly processedPerSecond: number
  readonly errors: number
}

const oneRound = async (n: number): Promise<Round> => {
  const database = `${new URL(serverUrl).pathname.slice(1)}_instances_${randomBytes(4).toString("hex")}`
  await onAdmin(`CREATE DATABASE ${database}`)
  const url = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString()
  const db = ManagedRuntime.make(
    PersistencePg.pipe(
      Layer.provideMerge(MigrationsLive.pipe(Layer.orDie)),
      Layer.provideMerge(layerServer(Redacted.make(url), { maxConnections: 2 }).pipe(Layer.orDie))
    )
  )
  const phoneNumberId = `1${Math.floor(Math.random() * 1e14)}`
  await db.runPromise(
    Effect.flatMap(ConnectionRepository, (repo) =>
      repo.claimNumber(phoneNumberId as PhoneNumberId, {
        tenantId: crypto.randomUUID() as TenantId,
        provider: "meta_whatsapp",
        status: "active",
        wabaId: "524126980791429" as WabaId,
        phoneNumberE164: "+15550000000",
        displayName: "Bench",
        accessTokenEnc: null,
        tokenExpiresAt: null,
        scopes: [],
        metadata: {}
      })
    )
  )
  const secret = randomBytes(16).toString("hex")
  const services: Array<ServiceProcess> = []
  try {
    for (let i = 0; i < n; i++) {
      const port = await freePort()
      services.push(
        await startProcess({
          ...benchServiceEnv({ port, secret, databaseUrl: url, dataDir: "bench-instances" }),
          // PROFILE_DIR=dir: each service writes a V8 CPU profile there when it stops (bench/cpu-profile-top.ts reads it).
          ...(process.env["PROFILE_DIR"]
            ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env["PROFILE_DIR"]}` }
            : {})
        })
      )
    }
    for (const service of services)
      for (let attempt = 0; attempt < 300 && (await fetch(`${service.url}/readyz`)).status !== 200; attempt++)
        await new Promise((done) => setTimeout(done, 100))
    const bodies = { secret, phoneNumberId, idPrefix: randomBytes(4).toString("hex") }
    const agents = services.map(() => new Agent({ connections: clients, pipelining: 1 }))
    let next = 0
    let accepted = 0
    let errors = 0
    // A warm-up second (JIT, pools) is sent and processed before the clock starts.
    const warm = performance.now() + 1000
    let counting = false
    let start = warm
    const until = warm + seconds * 1000
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        while (performance.now() < until) {
          const i = next++
          const target = (client + i) % n
          const body = webhookBody(bodies, i)
          const response = await agents[target]!.request({
            origin: services[target]!.url,
            path: "/webhooks/meta/whatsapp",
            method: "POST",
            headers: { "content-type": "application/json", "x-hub-signature-256": sign(body, secret) },
            body
          })
          await response.body.dump()
          if (!counting && performance.now() >= warm) {
            counting = true
            start = performance.now()
          }
          if (!counting) continue
          if (response.statusCode === 200) accepted++
          else errors++
        }
      })
    )
    const intakeSeconds = (performance.now() - start) / 1000
    for (;;) {
      const [row] = await db.runPromise(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ pending: number }>`SELECT count(*)::int AS pending FROM webhook_events WHERE state = 'pending'`
        )
      )
      if (row!.pending === 0) break
      await new Promise((done) => setTimeout(done, 100))
    }
    const drainedSeconds = (performance.now() - start) / 1000
    await Promise.all(agents.map((agent) => agent.close()))
    return {
      instances: n,
      intakePerSecond: accepted / intakeSeconds,
      processedPerSecond: accepted / drainedSeconds,
      errors
    }
  } finally {
    await Promise.all(services.map((service) => service.stop()))
    await db.dispose()
    await onAdmin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  }
}

const results: Array<Round> = []
for (let round = 1; round <= rounds; round++) {
  for (const n of round % 2 === 1 ? counts : [...counts].reverse()) {
    const result = await oneRound(n)
    results.push(result)
    console.log(
      `round ${round}, ${n} instance(s): intake ${result.intakePerSecond.toFixed(0)} req/s, ` +
        `processing ${result.processedPerSecond.toFixed(0)} events/s, ${result.errors} errors`
    )
  }
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const base = results.filter((r) => r.instances === counts[0])
console.log("\ninstances | intake req/s median (range) | processing events/s median (range) | vs first")
for (const n of counts) {
  const of = results.filter((r) => r.instances === n)
  const intake = of.map((r) => r.intakePerSecond)
  const processed = of.map((r) => r.processedPerSecond)
  console.log(
    `${n} | ${median(intake).toFixed(0)} (${Math.min(...intake).toFixed(0)}–${Math.max(...intake).toFixed(0)}) | ` +
      `${median(processed).toFixed(0)} (${Math.min(...processed).toFixed(0)}–${Math.max(...processed).toFixed(0)}) | ` +
      `intake ×${(median(intake) / median(base.map((r) => r.intakePerSecond))).toFixed(2)}, processing ×${(median(processed) / median(base.map((r) => r.processedPerSecond))).toFixed(2)}`
  )
}
await admin.dispose()
