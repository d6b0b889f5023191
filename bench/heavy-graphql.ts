/**
 * `npx tsx bench/heavy-graphql.ts`: does the webhook path keep answering while the heaviest GraphQL query the
 * limits allow runs in a loop? (issue 11, item 1)
 *
 * Starts the service in sandbox mode (a subprocess, as `npm start` runs it) on PostgreSQL (`BENCH_DATABASE_URL`,
 * default the h1 database), seeds one tenant with 100 conversations of 50 messages, then:
 *   1. posts signed webhooks one at a time for 8 s alone (the baseline),
 *   2. does the same while 4 clients run the heaviest allowed query (a full conversations page with as many
 *      messages each as the cost limit allows) back to back,
 *   3. sends the attack (40 and 300 aliases of `conversations(first: $n)` with `{"n": 100}`) and times
 *      the refusals.
 * Prints webhook p50/p99 for 1 and 2, and the GraphQL figures. Bounded in time; only 127.0.0.1 is a target.
 */
import { execFileSync } from "node:child_process"
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { parse } from "graphql"
import { costError } from "../src/adapters/graphql/QueryLimits.ts"
import { startProcess, startStack } from "../test/support/Service.ts"
import { sign, summarize } from "./protocol.ts"

const DATABASE_URL = process.env["BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/h1"
const PHASE_MS = 8_000
const GRAPHQL_CLIENTS = Number(process.env["BENCH_GRAPHQL_CLIENTS"] ?? 4)
const MAX_COST = 5000

const log = (line: string) => console.log(`[heavy-graphql ${new Date().toISOString().slice(11, 19)}] ${line}`)
const fixed = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : "n/a")

const heavyQuery = (messages: number) => `query Heavy {
  conversations(first: 100) {
    edges { cursor node { id waId contactName lastMessageAt
      messages(first: ${messages}) { edges { cursor node { id direction type text status timestamp } }
        pageInfo { hasNextPage endCursor } } } }
    pageInfo { hasNextPage endCursor }
  }
}`

/** The most messages per conversation a full page may ask for within the cost limit. */
const heaviestAllowed = (): string => {
  let messages = 1
  while (costError(parse(heavyQuery(messages + 1)), undefined, {}, MAX_COST) === null) messages++
  return heavyQuery(messages)
}

const attack = (aliases: number) => {
  const page = (index: number) =>
    `c${index}: conversations(first: $n) { edges { node { id messages(first: $n) { edges { node { id text } } } } } }`
  return `query Attack($n: Int = 1) { ${Array.from({ length: aliases }, (_, index) => page(index)).join(" ")} }`
}

const psql = (sql: string) => execFileSync("psql", [DATABASE_URL, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])

const main = async () => {
  // The service in a process of its own, so the load generator does not share its event loop.
  const stack = await startStack("heavy-graphql", { DATABASE_URL, LOG_LEVEL: "warn" }, startProcess)
  try {
    const base = stack.service.url
    const session = (await (
      await fetch(`${base}/api/dev/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ tenant: `bench-heavy-${Date.now()}`, role: "member" })
      })
    ).json()) as { token: string; tenantId: string }
    const secrets = JSON.parse(readFileSync(join(stack.dataDir, "sandbox-secrets.json"), "utf8")) as Record<
      string,
      string
    >
    const appSecret = secrets["META_APP_SECRET"]!

    log("seeding 100 conversations × 50 messages")
    const tenant = session.tenantId
    psql(`
      INSERT INTO tenants (id) VALUES ('${tenant}') ON CONFLICT DO NOTHING;
      WITH c AS (
        INSERT INTO channel_connections (tenant_id, provider, status) VALUES ('${tenant}', 'meta_whatsapp', 'revoked')
        RETURNING id)
      INSERT INTO conversations (tenant_id, connection_id, phone_number_id, wa_id, contact_name, last_message_at)
        SELECT '${tenant}', c.id, '109000000000999', (15550000000 + n)::text, 'Contact ' || n, now() - n * interval '1 minute'
        FROM c, generate_series(1, 100) AS n;
      INSERT INTO messages (tenant_id, conversation_id, direction, type, body, status, sent_at)
        SELECT '${tenant}', conversations.id, 'inbound', 'text',
               jsonb_build_object('text', jsonb_build_object('body', repeat('hello ', 40) || m)), 'received',
               now() - m * interval '1 second'
        FROM conversations, generate_series(1, 50) AS m WHERE tenant_id = '${tenant}';`)

    const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
      const started = performance.now()
      const response = await fetch(`${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${session.token}` },
        body: JSON.stringify({ query, variables })
      })
      const text = await response.text()
      return { ms: performance.now() - started, bytes: text.length, body: JSON.parse(text) as { errors?: unknown[] } }
    }

    let sequence = 0
    const webhooksFor = async (until: number) => {
      const samples: Array<number> = []
      let failures = 0
      while (performance.now() < until) {
        const n = sequence++
        const body = JSON.stringify({
          object: "whatsapp_business_account",
          entry: [
            {
              id: "524126980791429",
              changes: [
                {
                  field: "messages",
                  value: {
                    messaging_product: "whatsapp",
                    metadata: { display_phone_number: "15550000000", phone_number_id: "109000000000998" },
                    contacts: [{ profile: { name: "Bench" }, wa_id: "15551230000" }],
                    messages: [
                      {
                        from: "15551230000",
                        id: `wamid.heavy.${Date.now()}.${n}`,
                        timestamp: String(1767225600 + n),
                        type: "text",
                        text: { body: `heavy bench ${n}` }
                      }
                    ]
                  }
                }
              ]
            }
          ]
        })
        const started = performance.now()
        const response = await fetch(`${base}/webhooks/meta/whatsapp`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-hub-signature-256": sign(body, appSecret) },
          body
        })
        await response.arrayBuffer()
        samples.push(performance.now() - started)
        if (response.status !== 200) failures++
      }
      return { summary: summarize(Float64Array.from(samples)), count: samples.length, failures }
    }

    const query = heaviestAllowed()
    const probe = await graphql(query)
    log(
      `heaviest allowed query: ${probe.bytes} bytes, ${fixed(probe.ms)} ms, errors: ${JSON.stringify(probe.body.errors ?? null)}`
    )

    await webhooksFor(performance.now() + 1_000) // warm-up
    log("phase 1: webhooks alone")
    const alone = await webhooksFor(performance.now() + PHASE_MS)

    log(`phase 2: webhooks while ${GRAPHQL_CLIENTS} clients run the heavy query`)
    const until = performance.now() + PHASE_MS
    const graphqlSamples: Array<number> = []
    const clients = Array.from({ length: GRAPHQL_CLIENTS }, async () => {
      while (performance.now() < until) graphqlSamples.push((await graphql(query)).ms)
    })
    const loaded = await webhooksFor(until)
    await Promise.all(clients)
    const heavy = summarize(Float64Array.from(graphqlSamples))

    const refused = await Promise.all([40, 300].map((aliases) => graphql(attack(aliases), { n: 100 })))

    console.log("")
    console.log("| webhook POST (sequential)        | count | failures | p50 ms | p99 ms | max ms |")
    console.log("|----------------------------------|------:|---------:|-------:|-------:|-------:|")
    for (const [name, run] of [
      ["alone", alone],
      [`with ${GRAPHQL_CLIENTS} heavy GraphQL clients`, loaded]
    ] as const) {
      console.log(
        `| ${name.padEnd(32)} | ${run.count} | ${run.failures} | ${fixed(run.summary.p50)} | ${fixed(run.summary.p99)} | ${fixed(run.summary.max)} |`
      )
    }
    console.log("")
    console.log(
      `heavy query: ${graphqlSamples.length} runs, p50 ${fixed(heavy.p50)} ms, p99 ${fixed(heavy.p99)} ms, ${probe.bytes} bytes`
    )
    for (const [index, aliases] of [40, 300].entries()) {
      const answer = refused[index]!
      const error = JSON.stringify(answer.body.errors?.[0] ?? null).slice(0, 140)
      console.log(`attack (${aliases} aliases, {"n": 100}): answered in ${fixed(answer.ms)} ms with ${error}`)
    }
  } finally {
    await stack.service.stop()
    rmSync(stack.dataDir, { recursive: true, force: true })
  }
}

await main()
