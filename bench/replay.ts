/**
 * Replay of a busy tenant's day (issue 19.5, w10C): `WebhookEndpointStore.replay` of 20,000 events to one endpoint on
 * PostgreSQL, against the per-event replay it replaced (one SELECT of the range's ids, then one fan-out INSERT per
 * event, copied here as the baseline), interleaved A/B rounds. Per round: wall time, the statements that inserted
 * deliveries (the insert trigger's calls, `pg_stat_xact_user_functions`), the server backend's CPU (/proc) and this
 * process's CPU. Each replay runs in a transaction of its own (the statistics are per transaction), its deliveries
 * deleted after.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> npx tsx bench/replay.ts [events=20000] [rounds=5]
 */
import { readFileSync } from "node:fs"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { layerServer } from "../src/adapters/persistence/Database.ts"
import { MigrationsLive } from "../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../src/adapters/persistence/Persistence.ts"
import { WebhookEndpointStore } from "../src/application/outbound/ports/WebhookEndpointStore.ts"
import type { EncryptedToken } from "../src/domain/ChannelConnection.ts"
import type { TenantId } from "../src/domain/Ids.ts"

const url = process.env["DATABASE_URL"]
if (url === undefined || url === "") throw new Error("DATABASE_URL is required")
const eventCount = Number(process.argv[2] ?? 20_000)
const rounds = Number(process.argv[3] ?? 5)

/** The replay before w10C: the range's event ids, then one fan-out statement per event. */
const perEventReplay = (sql: SqlClient.SqlClient, tenantId: string, endpointId: string, from: Date, to: Date) =>
  Effect.gen(function* () {
    const rows = yield* sql`
      SELECT e.id FROM outbound_events e
      WHERE e.tenant_id = ${tenantId} AND e.occurred_at >= ${from} AND e.occurred_at < ${to}
        AND e.type <> 'webhook.test'
      ORDER BY e.occurred_at, e.id`
    let count = 0
    for (const row of rows) {
      const inserted = yield* sql`
        INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant_id, event_type, ordering_key)
        SELECT e.id, ep.id, e.tenant_id, e.type, e.ordering_key
        FROM outbound_events e JOIN webhook_endpoints ep ON ep.tenant_id = e.tenant_id
        WHERE e.id = ${row["id"] as string} AND ep.enabled
          AND (${endpointId}::uuid IS NULL OR ep.id = ${endpointId}::uuid)
          AND EXISTS (SELECT 1 FROM unnest(ep.events) p
                      WHERE p = e.type OR p = '*' OR (right(p, 2) = '.*' AND left(e.type, length(p) - 1) = left(p, -1)))
        RETURNING id`
      count += inserted.length
    }
    return count
  })

/** The insert trigger's calls (one per inserting statement) counted by this backend, not all flushed yet. */
const insertTriggerCalls = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql`SELECT COALESCE(sum(calls), 0)::int AS calls FROM pg_stat_xact_user_functions
        WHERE funcname = 'webhook_deliveries_notify'`,
    (rows) => Number(rows[0]!["calls"])
  )

/** utime + stime of a process, in milliseconds (clock ticks of 10 ms). */
const processCpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
const spread = (values: ReadonlyArray<number>) =>
  `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`

const program = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const store = yield* WebhookEndpointStore
  const tenant = crypto.randomUUID() as TenantId
  const endpoint = yield* store.create({
    id: crypto.randomUUID(),
    tenantId: tenant,
    url: "https://hooks.example.com/in",
    events: ["message.*"],
    secretEnc: "k1:secret" as EncryptedToken
  })
  const from = new Date(Date.parse("2026-03-01T00:00:00.000Z"))
  const to = new Date(from.getTime() + 86_400_000)
  // A day of the tenant's message events, an ordering key per message (statuses of a few thousand messages).
  yield* sql`
    INSERT INTO outbound_events (id, tenant_id, type, data, ordering_key, occurred_at)
    SELECT gen_random_uuid(), ${tenant}::uuid, CASE WHEN i % 3 = 0 THEN 'message.received' ELSE 'message.status' END,
           jsonb_build_object('providerMessageId', 'wamid.' || (i / 3), 'status', 'delivered'),
           'message:' || (i / 3), ${from}::timestamptz + (i * ${86_400_000 / eventCount}) * interval '1 millisecond'
    FROM generate_series(0, ${eventCount - 1}) AS i`
  yield* sql`ANALYZE outbound_events`
  const variants = {
    perEvent: () => perEventReplay(sql, tenant, endpoint.id, from, to),
    setBased: () => store.replay(tenant, endpoint.id, from, to)
  } as const
  const results: Record<
    keyof typeof variants,
    { ms: Array<number>; serverCpu: Array<number>; clientCpu: Array<number>; statements: Array<number> }
  > = {
    perEvent: { ms: [], serverCpu: [], clientCpu: [], statements: [] },
    setBased: { ms: [], serverCpu: [], clientCpu: [], statements: [] }
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (["perEvent", "setBased"] as const) : (["setBased", "perEvent"] as const)
    for (const name of order) {
      const measured = yield* Effect.gen(function* () {
        yield* sql`SET LOCAL track_functions = 'pl'`
        const pid = Number((yield* sql`SELECT pg_backend_pid() AS pid`)[0]!["pid"])
        const callsBefore = yield* insertTriggerCalls(sql)
        const serverBefore = processCpuMs(pid)
        const clientBefore = process.cpuUsage()
        const started = performance.now()
        const count = yield* variants[name]()
        const ms = performance.now() - started
        const client = process.cpuUsage(clientBefore)
        const serverCpu = processCpuMs(pid) - serverBefore
        const statements = (yield* insertTriggerCalls(sql)) - callsBefore
        return { count, ms, serverCpu, clientCpu: (client.user + client.system) / 1000, statements }
      }).pipe(sql.withTransaction)
      if (measured.count !== eventCount) throw new Error(`${name} queued ${measured.count} of ${eventCount}`)
      const r = results[name]
      r.ms.push(measured.ms)
      r.serverCpu.push(measured.serverCpu)
      r.clientCpu.push(measured.clientCpu)
      r.statements.push(measured.statements)
      yield* sql`DELETE FROM webhook_deliveries WHERE endpoint_id = ${endpoint.id}::uuid`
      yield* sql`VACUUM webhook_deliveries`
      console.log(
        `round ${round + 1} ${name}: ${measured.ms.toFixed(0)} ms, ${measured.statements} inserting statements`
      )
    }
  }
  console.log(`load average: ${readFileSync("/proc/loadavg", "utf8").trim()}`)
  console.log(`${eventCount} events, ${rounds} rounds each, median (min–max)`)
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name}: wall ${spread(r.ms)} ms, server CPU ${spread(r.serverCpu)} ms, client CPU ${spread(r.clientCpu)} ms, inserting statements ${spread(r.statements)}`
    )
  }
  yield* store.remove(tenant, endpoint.id)
  yield* sql`DELETE FROM outbound_events WHERE tenant_id = ${tenant}::uuid`
})

const layer = PersistencePg.pipe(
  Layer.provideMerge(MigrationsLive.pipe(Layer.orDie)),
  Layer.provideMerge(layerServer(Redacted.make(url), { maxConnections: 1 }).pipe(Layer.orDie))
)
Effect.runPromise(program.pipe(Effect.provide(layer), Effect.scoped)).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
