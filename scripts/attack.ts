/**
 * `npm run attack`: issue 11's attacks against a started service. Starts the service in sandbox mode (a temp
 * `DATA_DIR`; PGlite, or `DATABASE_URL` when set), plus a production-mode instance (its own sandbox Meta in this
 * process and its own database: a fresh one on `DATABASE_URL`'s server, else PGlite over TCP) for the attacks that
 * need production mode or restarts; runs every attack a bounded number of tries; prints `| attack | tries | handled | wrong |` and exits 1 when any
 * attack has a wrong answer. Each attack is isolated (an exception makes that attack wrong, the others still run);
 * the whole run is bounded, and every process it started is stopped. `ATTACKS=1,8b` runs only those attacks.
 * What each attack sends and expects: docs/attacks.md.
 */
import { type ChildProcess, spawnSync } from "node:child_process"
import { createHmac, randomBytes, randomUUID } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { connect as tcpConnect } from "node:net"
import { networkInterfaces, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { type Started, startChild } from "./ChildProcess.ts"

const root = resolve(import.meta.dirname, "..")

// ---------------------------------------------------------------------------------------------------------------
// Pure parts (scripts/attack.test.ts)

/** One attack's tally: each try is one probe with an expected answer, counted handled or wrong. */
export interface AttackResult {
  readonly id: string
  readonly title: string
  readonly tries: number
  readonly handled: number
  readonly wrong: number
  /** Why a probe was wrong, or a measured figure. */
  readonly notes: ReadonlyArray<string>
  /** Set when the attack could not be run here (e.g. no non-loopback address): neither handled nor wrong. */
  readonly notApplicable?: string
}

/** Collects the probes of one attack. */
export class Tally {
  tries = 0
  handled = 0
  wrong = 0
  readonly notes: Array<string> = []
  notApplicable: string | undefined = undefined

  /** One probe: `ok` counts it handled, otherwise wrong with `what` as the note. */
  check(ok: boolean, what: string): boolean {
    this.tries++
    if (ok) this.handled++
    else {
      this.wrong++
      this.notes.push(what)
    }
    return ok
  }

  note(text: string): void {
    this.notes.push(text)
  }

  result(id: string, title: string): AttackResult {
    return {
      id,
      title,
      tries: this.tries,
      handled: this.handled,
      wrong: this.wrong,
      notes: this.notes,
      ...(this.notApplicable === undefined ? {} : { notApplicable: this.notApplicable })
    }
  }
}

/** An attack that threw (or ran out of time): one wrong try with the message, after what it had counted. */
export const crashed = (id: string, title: string, tally: Tally, error: unknown): AttackResult => {
  const message = error instanceof Error ? error.message : String(error)
  tally.check(
    false,
    `aborted: ${message
      .trim()
      .replace(/\s*\n\s*/g, " / ")
      .slice(0, 400)}`
  )
  return tally.result(id, title)
}

/** An attack is handled when it was run, had at least one try, and none was wrong. */
export const verdict = (result: AttackResult): "handled" | "wrong" | "n/a" => {
  if (result.notApplicable !== undefined && result.tries === 0) return "n/a"
  return result.wrong === 0 && result.tries > 0 ? "handled" : "wrong"
}

/** The process's exit code: 1 when any attack has a wrong answer (or ran no try without saying why). */
export const exitCode = (results: ReadonlyArray<AttackResult>): number =>
  results.some((result) => verdict(result) === "wrong") ? 1 : 0

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ")

/** Notes in their first order, a repeated one once with "(×N)". */
const collapse = (notes: ReadonlyArray<string>): ReadonlyArray<string> => {
  const counts = new Map<string, number>()
  for (const note of notes) counts.set(note, (counts.get(note) ?? 0) + 1)
  return [...counts].map(([note, count]) => (count === 1 ? note : `${note} (×${count})`))
}

/** The Markdown table `| attack | tries | handled | wrong |`, then one line per note. */
export const formatTable = (results: ReadonlyArray<AttackResult>): string => {
  const lines = ["| attack | tries | handled | wrong |", "| --- | ---: | ---: | ---: |"]
  for (const result of results) {
    const name = cell(`${result.id}. ${result.title}`)
    if (verdict(result) === "n/a") lines.push(`| ${name} | 0 | n/a | 0 |`)
    else lines.push(`| ${name} | ${result.tries} | ${result.handled} | ${result.wrong} |`)
  }
  const notes = results.flatMap((result) => [
    ...(result.notApplicable === undefined ? [] : [`- ${result.id}: n/a: ${result.notApplicable}`]),
    ...collapse(result.notes).map((note) => `- ${result.id}: ${note}`)
  ])
  return [...lines, ...(notes.length === 0 ? [] : ["", ...notes])].join("\n")
}

/** The `p`-th percentile (0-100) by nearest rank; `NaN` for no values. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

/**
 * `count` aliases of conversations → messages, each page `$n` long (the cost-bypass query); `defaultN` declares
 * `$n: Int = defaultN`, which the variables then override.
 */
export const aliasQuery = (count: number, defaultN?: number): string => {
  const fields = Array.from(
    { length: count },
    (_, index) =>
      `a${index}: conversations(first: $n) { edges { node { id messages(first: $n) { edges { node { id } } } } } }`
  )
  return `query($n: Int${defaultN === undefined ? "" : ` = ${defaultN}`}) { ${fields.join(" ")} }`
}

/** `{"a":{"a":…1…}}` nested `depth` deep (about 6 bytes a level). */
export const nestedJson = (depth: number): string => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url")

/** A compact JWS with the given header and claims, HS256-signed with `secret` (or unsigned for `alg: none`). */
export const signJwt = (secret: string, claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
  const head = base64url(JSON.stringify({ alg: "HS256", typ: "JWT", ...header }))
  const body = base64url(JSON.stringify(claims))
  if ((header["alg"] ?? "HS256") === "none") return `${head}.${body}.`
  return `${head}.${body}.${base64url(createHmac("sha256", secret).update(`${head}.${body}`).digest())}`
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/**
 * The same signature with its last base64url character changed in the bits that decode to nothing (a 32-byte
 * HMAC is 43 characters, 258 bits: the last character's two low bits are padding), so lenient decoders read the
 * same bytes from a different string.
 */
export const nonCanonical = (signature: string): string => {
  const last = signature.at(-1)!
  const index = ALPHABET.indexOf(last)
  const unusedBits = (signature.length * 6) % 8
  if (index < 0 || unusedBits === 0) throw new Error("the signature has no padding bits in its last character")
  return `${signature.slice(0, -1)}${ALPHABET[index ^ 1]!}`
}

/** A `messages` webhook like `samples/webhooks/inbound_text.json`, for one number, as Meta's JSON. */
export const inboundBody = (input: {
  readonly phoneNumberId: string
  readonly messages: ReadonlyArray<{
    readonly from: string
    readonly id: string
    readonly text: string
    readonly timestamp?: string
  }>
}): string =>
  JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "524126980791429",
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: input.phoneNumberId },
              contacts: [...new Set(input.messages.map((m) => m.from))].map((from) => ({
                profile: { name: `Contact ${from.slice(-4)}` },
                wa_id: from
              })),
              messages: input.messages.map((message) => ({
                from: message.from,
                id: message.id,
                timestamp: message.timestamp ?? String(Math.floor(Date.now() / 1000)),
                type: "text",
                text: { body: message.text }
              }))
            },
            field: "messages"
          }
        ]
      }
    ]
  })

/** The value of an unlabelled Prometheus series (`name 3`), or `undefined`. */
export const metricValue = (text: string, name: string): number | undefined => {
  const match = new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, "m").exec(text)
  return match === null ? undefined : Number(match[1])
}

/** A GraphQL answer: its HTTP status and JSON body. */
export interface GraphqlAnswer {
  readonly status: number
  readonly body: {
    readonly data?: Record<string, unknown> | null
    readonly errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>
  }
}

/**
 * Whether a mutation's answer is a rate limit: a result-union member named `…RateLimited…`, an error with
 * `extensions.code` `RATE_LIMITED`, or HTTP 429; with its `retryAfterSeconds` when the answer carries it. `null`
 * for any other answer.
 */
export const rateLimitOf = (
  answer: GraphqlAnswer,
  field: string
): { readonly typename?: string; readonly retryAfterSeconds?: unknown } | null => {
  const data = answer.body.data?.[field] as { __typename?: unknown; retryAfterSeconds?: unknown } | null | undefined
  const typename = typeof data?.__typename === "string" ? data.__typename : ""
  if (/RateLimited/.test(typename)) {
    return { typename, ...(data?.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: data.retryAfterSeconds }) }
  }
  const error = (answer.body.errors ?? []).find((e) => e.extensions?.["code"] === "RATE_LIMITED")
  if (error !== undefined) {
    const seconds = error.extensions?.["retryAfterSeconds"]
    return seconds === undefined ? {} : { retryAfterSeconds: seconds }
  }
  return answer.status === 429 ? {} : null
}

/** What a page's answer lacks of CSP, framing protection, nosniff and a referrer policy (attack 8e). */
export const missingSecurityHeaders = (headers: Headers): ReadonlyArray<string> => {
  const header = (name: string) => headers.get(name) ?? ""
  const csp = header("content-security-policy")
  return [
    csp === "" ? "Content-Security-Policy" : null,
    header("x-frame-options").toUpperCase() !== "DENY" && !/frame-ancestors/i.test(csp)
      ? "X-Frame-Options DENY or frame-ancestors"
      : null,
    header("x-content-type-options").toLowerCase() !== "nosniff" ? "X-Content-Type-Options nosniff" : null,
    header("referrer-policy") === "" ? "Referrer-Policy" : null
  ].filter((name) => name !== null)
}

// ---------------------------------------------------------------------------------------------------------------
// Talking to the service

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))
const uid = () => randomBytes(6).toString("hex")
const waId = () => `1555${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`
const wamid = () => `wamid.attack${randomBytes(16).toString("hex")}`

/** `fetch` that never hangs the run: aborted after `timeoutMs`. */
const request = (url: string, init: RequestInit = {}, timeoutMs = 15_000) =>
  fetch(url, { redirect: "manual", ...init, signal: AbortSignal.timeout(timeoutMs) })

const timed = async <A>(run: () => Promise<A>): Promise<{ value: A; ms: number }> => {
  const started = performance.now()
  const value = await run()
  return { value, ms: performance.now() - started }
}

interface Api {
  readonly base: string
  readonly sandbox: string
  readonly appSecret: string
  readonly jwtSecret: string
  /** A bearer token for a tenant (a name) and role. */
  readonly session: (tenant: string, role?: "admin" | "marketing" | "member") => Promise<string>
}

const json = async (response: Response): Promise<Record<string, unknown>> => {
  const text = await response.text()
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    return { text }
  }
}

const call = (api: Api, token: string | null, method: string, path: string, body?: unknown, headers = {}) =>
  request(`${api.base}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })

const graphql = async (
  api: Api,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
  timeoutMs = 15_000
): Promise<GraphqlAnswer> => {
  const response = await request(
    `${api.base}/graphql`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }) })
    },
    timeoutMs
  )
  return { status: response.status, body: (await json(response)) as GraphqlAnswer["body"] }
}

const errorCodes = (answer: GraphqlAnswer): ReadonlyArray<string> =>
  (answer.body.errors ?? []).map((error) => String(error.extensions?.["code"] ?? ""))

const sandboxControl = async (api: Api, path: string, body?: unknown) =>
  json(
    await request(`${api.sandbox}/_sandbox/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  )

/** Posts `body` to the webhook endpoint signed with the app secret (or as given). */
const postWebhook = async (api: Api, body: string, signature?: string) => {
  const sig = signature ?? `sha256=${createHmac("sha256", api.appSecret).update(body).digest("hex")}`
  const { value, ms } = await timed(async () => {
    const response = await request(`${api.base}/webhooks/meta/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": sig },
      body
    })
    await response.arrayBuffer()
    return response.status
  })
  return { status: value, ms }
}

interface Connected {
  readonly location: string
  readonly callbackUrl: string
  readonly cookie: string
  readonly authUrl: string
}

/** Start → the sandbox dialog (scripted POST, docs/curl.md) → the callback; returns where the browser was sent. */
const connectWhatsApp = async (
  api: Api,
  token: string,
  dialog: Record<string, string> = { action: "approve", waba: "new", phone: "new" },
  headers: Record<string, string> = {}
): Promise<Connected> => {
  const started = await call(api, token, "POST", "/api/integrations/meta/whatsapp/start", undefined, headers)
  if (started.status !== 200)
    throw new Error(`start answered ${started.status}: ${(await started.text()).slice(0, 200)}`)
  const { authUrl } = (await started.json()) as { authUrl: string }
  const cookie = (started.headers.get("set-cookie") ?? "").split(";")[0]!
  const callbackUrl = await dialogCode(authUrl, dialog)
  const back = await request(callbackUrl, { headers: { cookie, ...headers } })
  return { location: back.headers.get("location") ?? `(status ${back.status})`, callbackUrl, cookie, authUrl }
}

/** Answers the sandbox dialog; returns the callback URL Meta redirects to (with the code). */
const dialogCode = async (authUrl: string, dialog: Record<string, string>): Promise<string> => {
  const page = await request(authUrl)
  if (page.status !== 200) throw new Error(`dialog page answered ${page.status}`)
  await page.arrayBuffer()
  const answered = await request(authUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(dialog).toString()
  })
  const location = answered.headers.get("location")
  if (answered.status !== 302 || location === null) throw new Error(`dialog submit answered ${answered.status}`)
  return location
}

const CONNECTION = "{ whatsappConnection { status connected wabaId phoneNumberId } }"

const whatsappConnection = async (api: Api, token: string) => {
  const answer = await graphql(api, token, CONNECTION)
  const connection = answer.body.data?.["whatsappConnection"] as
    | { status: string; connected: boolean; wabaId: string | null; phoneNumberId: string | null }
    | undefined
  if (connection === undefined) throw new Error(`whatsappConnection: ${JSON.stringify(answer.body).slice(0, 200)}`)
  return connection
}

/** A tenant with a freshly connected new WABA and number. */
const connectedTenant = async (api: Api, name: string) => {
  const admin = await api.session(name, "admin")
  const connected = await connectWhatsApp(api, admin)
  if (!connected.location.includes("whatsapp=connected")) throw new Error(`connect: ${connected.location}`)
  const connection = await whatsappConnection(api, admin)
  return { admin, phoneNumberId: connection.phoneNumberId!, wabaId: connection.wabaId! }
}

interface ConversationRow {
  readonly waId: string
  readonly messages: ReadonlyArray<{ providerMessageId: string | null; status: string; text: string | null }>
}

const conversations = async (api: Api, token: string, first = 20): Promise<ReadonlyArray<ConversationRow>> => {
  const answer = await graphql(
    api,
    token,
    `{ conversations(first: ${first}) { edges { node { waId messages(first: 5) { edges { node { providerMessageId status text } } } } } } }`
  )
  const page = answer.body.data?.["conversations"] as
    | {
        edges: Array<{
          node: { waId: string; messages: { edges: Array<{ node: ConversationRow["messages"][number] }> } }
        }>
      }
    | undefined
  if (page === undefined) throw new Error(`conversations: ${JSON.stringify(answer.body).slice(0, 300)}`)
  return page.edges.map((edge) => ({ waId: edge.node.waId, messages: edge.node.messages.edges.map((m) => m.node) }))
}

const metrics = async (api: Api) => (await request(`${api.base}/metrics`)).text()

// ---------------------------------------------------------------------------------------------------------------
// Starting and stopping what the attacks run against

const children = new Set<ChildProcess>()

/** Spawns `args` under this Node and resolves once its output matches `ready` (the first group: its URL). */
const spawnUntil = (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60_000
): Promise<Started> => {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CLEARED.includes(name)))
  return startChild({
    args,
    cwd: root,
    env: { ...inherited, ...env },
    timeoutMs,
    killAfterMs: 8_000,
    ready: (output) => {
      const match = ready.exec(output)
      return match === null ? null : (match[1] ?? "")
    },
    onSpawn: (child) => children.add(child),
    onExit: (child) => children.delete(child)
  })
}

const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    import("node:net").then(({ createServer }) => {
      const server = createServer()
      server.once("error", reject)
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        server.close(() => resolvePort(port))
      })
    }, reject)
  })

const waitReady = async (base: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const status = await request(`${base}/readyz`, {}, 2_000).then(
      (response) => response.status,
      () => 0
    )
    if (status === 200) return
    await sleep(100)
  }
  throw new Error(`${base}/readyz did not answer 200 in ${timeoutMs} ms`)
}

/** Settings the runner's own environment must not leak into a service it starts (e.g. zsh's `HOST`). */
const CLEARED: ReadonlyArray<string> = [
  "META_APP_ID",
  "META_APP_SECRET",
  "META_REDIRECT_URI",
  "META_WEBHOOK_VERIFY_TOKEN",
  "META_CONFIG_ID",
  "META_ADS_CONFIG_ID",
  "META_ADS_ENABLED",
  "META_GRAPH_BASE_URL",
  "META_DIALOG_BASE_URL",
  "META_SDK_URL",
  "APP_BASE_URL",
  "TOKEN_ENCRYPTION_KEY_BASE64",
  "TOKEN_ENCRYPTION_PREVIOUS_KEYS_BASE64",
  "AUTH_JWT_SECRET",
  "HOST",
  "TRUSTED_PROXIES",
  "REDIS_URL",
  "LOG_FORMAT",
  "TOKEN_HEALTH_INTERVAL_SECONDS",
  "CONNECTION_HEALTH_INTERVAL_SECONDS"
]

/** Each service the runner started, with its output (warnings and errors): shown when an attack goes wrong. */
const serviceLogs: Array<{ readonly label: string; readonly output: () => string }> = []

const startMain = async (label: string, env: Record<string, string>) => {
  const started = await spawnUntil(
    ["--import", "tsx", "src/main.ts"],
    { LOG_LEVEL: "warn", ...env },
    /Service listening on (http:\/\/[^\s]+?:\d+)/
  )
  serviceLogs.push({
    label: `${label} #${serviceLogs.filter((log) => log.label.startsWith(label)).length + 1}`,
    output: started.output
  })
  return started
}

/**
 * The last lines each service wrote (its log level is `warn`: warnings and errors only; the service never logs a
 * token, a code or a secret). Printed when an attack is wrong, so that a flake in CI leaves its cause in the log.
 */
export const serviceLogTail = (
  logs: ReadonlyArray<{ readonly label: string; readonly output: () => string }>,
  lines = 40
): string =>
  logs
    .map(({ label, output }) => {
      const kept = output().trimEnd().split("\n").slice(-lines)
      return `-- ${label}: last ${kept.length} line(s) of its output\n${kept.join("\n")}`
    })
    .join("\n")

/** The sandbox-mode service (as `npm start`), with a fresh data directory and `DATABASE_URL` when set. */
const startSandboxStack = async () => {
  const [port, sandboxPort] = [await freePort(), await freePort()]
  const dataDir = mkdtempSync(join(tmpdir(), "attack-"))
  const service = await startMain("sandbox-mode service", {
    DATA_DIR: dataDir,
    PORT: String(port),
    SANDBOX_PORT: String(sandboxPort),
    DATABASE_URL: process.env["DATABASE_URL"] ?? "",
    REDIS_URL: ""
  })
  const base = `http://127.0.0.1:${port}`
  await waitReady(base)
  const secrets = JSON.parse(readFileSync(join(dataDir, "sandbox-secrets.json"), "utf8")) as Record<string, string>
  const api: Api = {
    base,
    sandbox: `http://127.0.0.1:${sandboxPort}`,
    appSecret: secrets["META_APP_SECRET"]!,
    jwtSecret: secrets["AUTH_JWT_SECRET"]!,
    session: async (tenant, role = "admin") => {
      const response = await call(api, null, "POST", "/api/dev/session", { tenant, role })
      if (response.status !== 200) throw new Error(`dev session: ${response.status}`)
      return ((await response.json()) as { token: string }).token
    }
  }
  return { api, service, port, printedUrl: service.url }
}

interface ProductionDatabase {
  readonly url: string
  readonly stop: () => Promise<void>
}

/**
 * The production-mode instance's database, which outlives the instance's restarts. With `DATABASE_URL` (CI): a
 * fresh database on that server, dropped at the end. Without it: an embedded PGlite served over TCP by
 * pglite-socket. Its multiplexer puts the service's connections onto PGlite's one, and interleaves the
 * extended-protocol messages (Parse/Bind/Execute) of concurrent connections outside a transaction, so a query can
 * run another's portal ("portal does not exist", "Unexpected DataRow", a uuid of 73 bytes: attack 7's flake, seen in
 * the services' output). A wrong answer on that fallback is the harness's; run with `DATABASE_URL` to be sure.
 */
const productionDatabase = async (dbPort: number): Promise<ProductionDatabase> => {
  const server = process.env["DATABASE_URL"]
  if (server !== undefined && server !== "") {
    const { default: pg } = await import("pg")
    const name = `attack_prod_${randomBytes(6).toString("hex")}`
    const admin = async (statement: string) => {
      const client = new pg.Client({ connectionString: server })
      await client.connect()
      try {
        await client.query(statement)
      } finally {
        await client.end()
      }
    }
    await admin(`CREATE DATABASE ${name}`)
    const url = new URL(server)
    url.pathname = `/${name}`
    return { url: url.toString(), stop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
  }
  console.log(
    "   (no DATABASE_URL: the production-mode instance uses PGlite over pglite-socket, see productionDatabase)"
  )
  const started = await spawnUntil(
    [
      "node_modules/@electric-sql/pglite-socket/dist/scripts/server.js",
      "--port",
      String(dbPort),
      "--max-connections",
      "10"
    ],
    {},
    /PGLiteSocketServer listening()/
  )
  return { url: `postgres://postgres:postgres@127.0.0.1:${dbPort}/postgres`, stop: started.stop }
}

/** A tenant id for a name in production mode, where there is no dev session: any stable UUID. */
const tenantIds = new Map<string, string>()

/**
 * A production-mode instance (META_APP_ID set): its Meta is a sandbox started in this process (so that it keeps
 * its state across the service's restarts), its database an embedded PGlite served over TCP by its own process.
 */
const startProductionStack = async () => {
  const { startSandbox } = await import("../sandbox/Sandbox.ts")
  const [port, dbPort] = [await freePort(), await freePort()]
  const base = `http://127.0.0.1:${port}`
  const appId = `7${String(Math.floor(Math.random() * 1e14)).padStart(14, "0")}`
  const appSecret = randomBytes(16).toString("hex")
  const verifyToken = randomBytes(16).toString("hex")
  const jwtSecret = randomBytes(32).toString("hex")
  const redirectUri = `${base}/api/integrations/meta/whatsapp/callback`
  const sandbox = await startSandbox({
    port: 0,
    app: {
      id: appId,
      secret: appSecret,
      redirectUris: [redirectUri, `${base}/api/integrations/meta/ads/callback`],
      configId: "attack-config"
    },
    // A configured production app: its webhooks already point at this service.
    webhookCallbackUrl: `${base}/webhooks/meta/whatsapp`,
    verifyToken,
    quiet: true
  })
  let database: ProductionDatabase
  try {
    database = await productionDatabase(dbPort)
  } catch (error) {
    await sandbox.close()
    throw error
  }
  const dataDir = mkdtempSync(join(tmpdir(), "attack-prod-"))
  const env = (key: string): Record<string, string> => ({
    META_APP_ID: appId,
    META_APP_SECRET: appSecret,
    META_WEBHOOK_VERIFY_TOKEN: verifyToken,
    META_REDIRECT_URI: redirectUri,
    META_CONFIG_ID: "attack-config",
    // The sandbox app's Meta Ads configuration (its default).
    META_ADS_CONFIG_ID: "sandbox-meta-ads",
    META_GRAPH_BASE_URL: sandbox.url,
    META_DIALOG_BASE_URL: sandbox.url,
    META_SDK_URL: `${sandbox.url}/sdk.js`,
    APP_BASE_URL: base,
    HOST: "127.0.0.1",
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    REDIS_URL: "",
    TOKEN_ENCRYPTION_KEY_BASE64: key,
    TOKEN_ENCRYPTION_PREVIOUS_KEYS_BASE64: "",
    AUTH_JWT_SECRET: jwtSecret,
    TOKEN_HEALTH_INTERVAL_SECONDS: "2",
    CONNECTION_HEALTH_INTERVAL_SECONDS: "60"
  })
  const api: Api = {
    base,
    sandbox: sandbox.url,
    appSecret,
    jwtSecret,
    session: async (tenant, role = "admin") => {
      const tenantId = tenantIds.get(tenant) ?? randomUUID()
      tenantIds.set(tenant, tenantId)
      const now = Math.floor(Date.now() / 1000)
      return signJwt(jwtSecret, { sub: `${role}@${tenant}`, tenant_id: tenantId, role, iat: now, exp: now + 3600 })
    }
  }
  let service: Started | undefined
  /** The token encryption key the service first started with (its connections' tokens are under it). */
  const key = randomBytes(32).toString("base64")
  /** (Re)starts the service with `withKey` as its token encryption key. */
  const start = async (withKey: string) => {
    await service?.stop()
    service = undefined
    service = await startMain("production-mode service", env(withKey))
    await waitReady(base)
  }
  const stop = async () => {
    await service?.stop().catch(() => undefined)
    await database.stop().catch(() => undefined)
    await sandbox.close().catch(() => undefined)
  }
  try {
    await start(key)
  } catch (error) {
    await stop()
    throw error
  }
  return { api, key, start, stop }
}

// ---------------------------------------------------------------------------------------------------------------
// The attacks

type Context = {
  readonly api: Api
  readonly port: number
  readonly printedUrl: string
  readonly production: () => Promise<Awaited<ReturnType<typeof startProductionStack>>>
  readonly deadline: number
}

/** Where the p50/p99 of webhooks under GraphQL load is reported. */
const figures: Array<string> = []

const attack1 = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const name = `attack1-${uid()}`
  const tenant = await connectedTenant(api, name)
  // Data for the queries: 25 conversations of 4 messages in the connected tenant.
  const seed = Array.from({ length: 25 }, () => waId()).flatMap((from) =>
    Array.from({ length: 4 }, (_, index) => ({ from, id: wamid(), text: `seed ${index}` }))
  )
  const seeded = await postWebhook(api, inboundBody({ phoneNumberId: tenant.phoneNumberId, messages: seed }))
  if (seeded.status !== 200) tally.note(`seeding the queries' data: webhook answered ${seeded.status}`)
  await sleep(1_500)

  // A member of that tenant (the same tenant name): the refusal must come before any resolver runs.
  const member = await api.session(name, "member")
  const probes: ReadonlyArray<[number, number | undefined]> = [
    [40, undefined],
    [120, undefined],
    [300, undefined],
    [40, 1],
    [300, 1]
  ]
  for (const [aliases, defaultN] of probes) {
    const declared = defaultN === undefined ? "$n: Int" : `$n: Int = ${defaultN}`
    const answered = await timed(() => graphql(api, member, aliasQuery(aliases, defaultN), { n: 100 }, 10_000)).catch(
      () => undefined
    )
    if (answered === undefined) {
      tally.check(false, `${aliases} aliases, ${declared}, variables {"n":100}: no answer within 10 s`)
      continue
    }
    const { value, ms } = answered
    const refused = value.status === 400 || errorCodes(value).includes("QUERY_TOO_COMPLEX")
    tally.check(
      refused && ms < 2_000,
      `${aliases} aliases, ${declared}, variables {"n":100}: HTTP ${value.status}, codes [${errorCodes(value).join(",")}] in ${Math.round(ms)} ms (expected QUERY_TOO_COMPLEX or 400 within 2 s)`
    )
  }

  const heavyToken = tenant.admin
  const heavyOf = (page: number) =>
    `{ conversations(first: ${page}) { edges { node { id waId contactName messages(first: ${page}) { edges { node { id text status timestamp } } } } } } }`
  let heavy: string | undefined
  for (const page of [25, 20, 15, 10, 5]) {
    const answer = await graphql(api, heavyToken, heavyOf(page))
    if (answer.status === 200 && (answer.body.errors ?? []).length === 0) {
      heavy = heavyOf(page)
      tally.note(`heaviest allowed query: conversations(first: ${page}) × messages(first: ${page})`)
      break
    }
  }
  if (heavy === undefined) {
    tally.check(false, "no conversations × messages query of page 5 to 25 is allowed: nothing to load the service with")
    return
  }
  let loading = true
  let heavyRuns = 0
  const load = async () => {
    while (loading) {
      await graphql(api, heavyToken, heavy!, undefined, 30_000).catch(() => undefined)
      heavyRuns++
    }
  }
  const loaders = [load(), load()]
  const latencies: Array<number> = []
  const failures: Array<string> = []
  const until = Date.now() + 8_000
  while (Date.now() < until) {
    const body = inboundBody({
      phoneNumberId: tenant.phoneNumberId,
      messages: [{ from: waId(), id: wamid(), text: "under load" }]
    })
    const sent = await postWebhook(api, body).catch((error: Error) => ({ status: 0, ms: 15_000, error }))
    latencies.push(sent.ms)
    if (sent.status !== 200 || sent.ms > 5_000) failures.push(`${sent.status} in ${Math.round(sent.ms)} ms`)
  }
  loading = false
  await Promise.all(loaders)
  const figure = `webhooks while the heaviest allowed query runs in 2 loops (${heavyRuns} runs): n=${latencies.length}, p50 ${Math.round(percentile(latencies, 50))} ms, p99 ${Math.round(percentile(latencies, 99))} ms`
  figures.push(figure)
  tally.check(failures.length === 0, `webhooks under load failed or took > 5 s: ${failures.slice(0, 5).join("; ")}`)
}

const attack2 = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const first = await api.session(`attack2-a-${uid()}`, "admin")
  const a = await connectWhatsApp(api, first)
  if (!a.location.includes("whatsapp=connected")) throw new Error(`connecting number A: ${a.location}`)
  const numberA = await whatsappConnection(api, first)
  const b = await connectWhatsApp(api, first)
  if (!b.location.includes("whatsapp=connected")) throw new Error(`connecting number B: ${b.location}`)
  const disconnected = await call(api, first, "POST", "/api/integrations/meta/whatsapp/disconnect")
  if (disconnected.status !== 200) tally.note(`disconnect answered ${disconnected.status}`)
  const status = await json(await call(api, first, "GET", "/api/integrations/meta/whatsapp/status"))
  tally.check(
    status["connected"] === false,
    `after disconnect the status is ${JSON.stringify(status)} (expected not connected)`
  )

  // Through the sandbox (Meta sends only while the app is subscribed to A's WABA), and signed straight to the
  // service (as a delivery already on its way would arrive): neither may reach the first tenant.
  const [viaMeta, direct] = [waId(), waId()]
  const inbound = await sandboxControl(api, "inbound", {
    phoneNumberId: numberA.phoneNumberId,
    from: viaMeta,
    text: "to A after disconnect"
  })
  const posted = await postWebhook(
    api,
    inboundBody({
      phoneNumberId: numberA.phoneNumberId!,
      messages: [{ from: direct, id: wamid(), text: "to A after disconnect, signed" }]
    })
  )
  await sleep(2_500)
  const firstConversations = await conversations(api, first)
  tally.check(
    !firstConversations.some((conversation) => conversation.waId === viaMeta),
    `a message to number A (sandbox inbound, delivery ${JSON.stringify(inbound["deliveryStatus"])}) after disconnect was stored for the first tenant`
  )
  tally.check(
    !firstConversations.some((conversation) => conversation.waId === direct),
    `a signed webhook to number A (answered ${posted.status}) after disconnect was stored for the first tenant`
  )

  const second = await api.session(`attack2-b-${uid()}`, "admin")
  const taken = await connectWhatsApp(api, second, {
    action: "approve",
    waba: numberA.wabaId!,
    phone: numberA.phoneNumberId!
  })
  tally.check(
    taken.location.includes("whatsapp=connected"),
    `a second tenant connecting number A was sent to ${taken.location}`
  )
  if (!taken.location.includes("whatsapp=connected")) return
  // Now A is the second tenant's: a message to A reaches it (within 10 s), and the first tenant still has none.
  const later = waId()
  await sandboxControl(api, "inbound", { phoneNumberId: numberA.phoneNumberId, from: later, text: "to A, now B's" })
  let reached = false
  for (let attempt = 0; attempt < 20 && !reached; attempt++) {
    await sleep(500)
    reached = (await conversations(api, second)).some((conversation) => conversation.waId === later)
  }
  tally.check(reached, "a message to number A did not reach the second tenant that connected it (within 10 s)")
  const leaked = (await conversations(api, first)).filter((c) => [viaMeta, direct, later].includes(c.waId))
  tally.check(
    leaked.length === 0,
    `${leaked.length} message(s) to number A reached the first tenant after it disconnected`
  )
}

/** Mutations whose REST twin is rate limited: the GraphQL loop must hit the same limit. */
const RATE_LIMITED = [
  { mutation: "startWhatsAppConnect", rest: "/api/integrations/meta/whatsapp/start" },
  { mutation: "disconnectWhatsApp", rest: "/api/integrations/meta/whatsapp/disconnect" },
  { mutation: "startMetaAdsConnect", rest: "/api/integrations/meta/ads/start" }
] as const

const attack3 = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const LOOP = 60
  for (const { mutation, rest } of RATE_LIMITED) {
    const restToken = await api.session(`attack3-rest-${uid()}`, "admin")
    let restAllowed = 0
    let restLimited = 0
    for (let index = 0; index < LOOP; index++) {
      const response = await call(api, restToken, "POST", rest)
      await response.arrayBuffer()
      if (response.status === 429) restLimited++
      else restAllowed++
    }
    const token = await api.session(`attack3-gql-${uid()}`, "admin")
    let allowed = 0
    let limited = 0
    let retryAfter: unknown
    for (let index = 0; index < LOOP; index++) {
      const answer = await graphql(api, token, `mutation { ${mutation} { __typename } }`)
      const seen = rateLimitOf(answer, mutation)
      if (seen === null) {
        allowed++
        continue
      }
      limited++
      if (retryAfter === undefined && seen.typename !== undefined) {
        // A union member: ask again for its retryAfterSeconds (this call is over the limit too).
        const again = await graphql(
          api,
          token,
          `mutation { ${mutation} { __typename ... on ${seen.typename} { retryAfterSeconds } } }`
        )
        retryAfter = rateLimitOf(again, mutation)?.retryAfterSeconds
      } else retryAfter ??= seen.retryAfterSeconds
    }
    const budget = restLimited > 0 ? restAllowed : undefined
    tally.check(
      limited > 0 && typeof retryAfter === "number" && (budget === undefined || allowed <= budget),
      `${mutation} ×${LOOP}: ${allowed} answered, ${limited} rate limited (retryAfterSeconds ${JSON.stringify(retryAfter)}); REST ${rest} ×${LOOP}: ${restAllowed} answered, ${restLimited} got 429`
    )
  }
}

const attack4 = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const tenant = await connectedTenant(api, `attack4-${uid()}`)
  const bomb = nestedJson(2_200)
  for (const burst of [4, 8]) {
    const answers = await Promise.all(
      Array.from({ length: burst }, () => postWebhook(api, bomb).catch(() => ({ status: 0, ms: 0 })))
    )
    for (const answer of answers) {
      tally.check(
        answer.status === 400,
        `a ${bomb.length}-byte nested body (burst of ${burst}) answered ${answer.status} (expected 400)`
      )
    }
  }
  const normal = await postWebhook(
    api,
    inboundBody({
      phoneNumberId: tenant.phoneNumberId,
      messages: [{ from: waId(), id: wamid(), text: "after the bombs" }]
    })
  ).catch(() => ({ status: 0, ms: 15_000 }))
  tally.check(
    normal.status === 200 && normal.ms < 2_000,
    `a normal webhook afterwards answered ${normal.status} in ${Math.round(normal.ms)} ms (expected 200 within 2 s)`
  )
  const ready = await request(`${api.base}/readyz`, {}, 5_000).then(
    (response) => response.status,
    () => 0
  )
  tally.check(ready === 200, `/readyz afterwards answered ${ready}`)
}

const attack5 = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const tenant = await connectedTenant(api, `attack5-${uid()}`)
  const ids = { nul: wamid(), surrogate: wamid(), crowd: wamid() }
  const poison = (text: string, id = wamid()) =>
    inboundBody({ phoneNumberId: tenant.phoneNumberId, messages: [{ from: waId(), id, text }] })
  const nul = poison("before\u0000after", ids.nul)
  const surrogate = poison("lone \ud800 surrogate", ids.surrogate)
  if (!nul.includes("\\u0000") || !surrogate.includes("\\ud800"))
    throw new Error("the poison payloads lost their escapes")
  const a = await postWebhook(api, nul)
  tally.check(a.status === 200, `a text with \\u0000 answered ${a.status} (expected 200)`)
  const b = await postWebhook(api, surrogate)
  tally.check(b.status === 200, `a text with an unpaired \\ud800 answered ${b.status} (expected 200)`)
  const bodies = [
    ...Array.from({ length: 40 }, () => poison("a normal message")),
    poison("poison \u0000 in a crowd", ids.crowd)
  ]
  const answers = await Promise.all(bodies.map((body) => postWebhook(api, body).catch(() => ({ status: 0, ms: 0 }))))
  const ok = answers.filter((answer) => answer.status === 200).length
  tally.check(
    ok === 41,
    `40 normal deliveries sent with one poison delivery: ${ok} of 41 got 200 (statuses ${[...new Set(answers.map((x) => x.status))].join(",")})`
  )
  // Stored: the three poison messages reach the conversations (their text may be cleaned), within 10 s.
  const wanted = Object.values(ids)
  let found: ReadonlyArray<string> = []
  for (let attempt = 0; attempt < 20 && found.length < wanted.length; attempt++) {
    await sleep(500)
    const stored = new Set(
      (await conversations(api, tenant.admin, 50).catch(() => []))
        .flatMap((conversation) => conversation.messages)
        .map((message) => message.providerMessageId)
    )
    found = wanted.filter((id) => stored.has(id))
  }
  tally.check(
    found.length === wanted.length,
    `${found.length} of the ${wanted.length} poison messages are stored (visible in conversations) after 10 s`
  )
}

/** Attack 6 watches for up to a minute: it runs beside the others. */
const ATTACK6_WINDOW_MS = 60_000

const attack6 = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const tenant = await connectedTenant(api, `attack6-${uid()}`)
  const failedBefore = metricValue(await metrics(api), "webhook_events_failed") ?? 0
  const id = wamid()
  const body = inboundBody({
    phoneNumberId: tenant.phoneNumberId,
    messages: [{ from: waId(), id, text: "from the far future", timestamp: "99999999999999" }]
  })
  const sent = await postWebhook(api, body)
  tally.check(sent.status === 200, `the delivery answered ${sent.status} (expected 200)`)
  const until = Math.min(Date.now() + ATTACK6_WINDOW_MS, ctx.deadline - 5_000)
  let outcome: string | undefined
  while (Date.now() < until && outcome === undefined) {
    const stored = (await conversations(api, tenant.admin).catch(() => [])).some((conversation) =>
      conversation.messages.some((message) => message.providerMessageId === id)
    )
    if (stored) outcome = "processed (the message is stored)"
    else {
      const text = await metrics(api)
      const failed = metricValue(text, "webhook_events_failed") ?? 0
      if (failed > failedBefore) outcome = `parked as failed (webhook_events_failed ${failedBefore} → ${failed})`
    }
    if (outcome === undefined) await sleep(1_000)
  }
  if (outcome !== undefined) tally.note(`the event was ${outcome}`)
  tally.check(
    outcome !== undefined,
    `the event was neither processed nor failed within ${Math.round(ATTACK6_WINDOW_MS / 1000)} s (still pending, retried)`
  )
}

const attack7 = async (ctx: Context, tally: Tally) => {
  const production = await ctx.production()
  const { api } = production
  const rightKey = production.key
  const admin = await api.session(`attack7-${uid()}`, "admin")
  const connected = await connectWhatsApp(api, admin)
  if (!connected.location.includes("whatsapp=connected")) throw new Error(`connect: ${connected.location}`)
  const send = async (text: string) => {
    const response = await call(api, admin, "POST", "/api/integrations/meta/whatsapp/messages", {
      to: "+15550109999",
      text
    })
    return { status: response.status, body: await json(response) }
  }
  // Free text goes only within 24 hours of the contact's last message (the sandbox enforces Meta's window): the
  // contact writes first, and the send waits until the service has stored it.
  const number = await whatsappConnection(api, admin)
  await sandboxControl(api, "inbound", { phoneNumberId: number.phoneNumberId, from: "15550109999", text: "hello" })
  for (let tries = 0; tries < 50; tries++) {
    // A failed read is tried again (it answered INTERNAL_SERVER_ERROR once under CI load; see the session-4 note).
    const listed = await conversations(api, admin).catch(() => [])
    if (listed.some((conversation) => conversation.waId === "15550109999")) break
    await sleep(200)
  }
  const before = await send("before the restart")
  if (before.status !== 201)
    throw new Error(`a send before the restart answered ${before.status}: ${JSON.stringify(before.body).slice(0, 200)}`)

  await production.start(randomBytes(32).toString("base64"))
  // The token health check runs 2 s after start (TOKEN_HEALTH_INTERVAL_SECONDS=2), then every 2 s.
  await sleep(5_000)
  const status = await json(await call(api, admin, "GET", "/api/integrations/meta/whatsapp/status"))
  tally.check(
    status["status"] === "active",
    `with another key, after token health ran, the status is ${JSON.stringify(status["status"])} (expected active)`
  )
  const wrongKey = await send("with the wrong key")
  const code = (wrongKey.body["error"] as { code?: unknown } | undefined)?.code
  tally.check(
    wrongKey.status >= 400 && wrongKey.status !== 500 && typeof code === "string",
    `a send with the wrong key answered ${wrongKey.status} ${JSON.stringify(wrongKey.body).slice(0, 160)} (expected a typed 4xx/5xx error, not 500)`
  )
  await sleep(1_000)
  const pending = (await conversations(api, admin).catch(() => []))
    .flatMap((conversation) => conversation.messages)
    .filter((message) => message.status === "PENDING")
  tally.check(pending.length === 0, `${pending.length} message(s) stuck PENDING after the failed send`)

  await production.start(rightKey)
  const after = await send("with the right key again")
  tally.check(
    after.status === 201,
    `with the right key again a send answered ${after.status} ${JSON.stringify(after.body).slice(0, 160)} (expected 201)`
  )
}

const attack8a = async (ctx: Context, tally: Tally) => {
  const host = new URL(ctx.printedUrl).hostname
  tally.check(
    host === "127.0.0.1" || host === "localhost",
    `the service printed ${ctx.printedUrl} (expected 127.0.0.1)`
  )
  const addresses = Object.values(networkInterfaces())
    .flat()
    // IPv4, and IPv6 but link-local (which needs a zone to be reached at all).
    .filter((address) => address !== undefined && !address.internal && !address.address.startsWith("fe80:"))
    .map((address) => address!.address)
  if (addresses.length === 0) {
    tally.notApplicable = "the machine has no non-loopback address"
    return
  }
  for (const address of addresses.slice(0, 3)) {
    const reached = await new Promise<boolean>((done) => {
      const socket = tcpConnect({ host: address, port: ctx.port, timeout: 2_000 })
      socket.once("connect", () => {
        socket.destroy()
        done(true)
      })
      socket.once("error", () => done(false))
      socket.once("timeout", () => {
        socket.destroy()
        done(false)
      })
    })
    tally.check(
      !reached,
      `the sandbox-mode service accepted a connection on ${address}:${ctx.port} (expected 127.0.0.1 only)`
    )
  }
}

const attack8b = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const now = Math.floor(Date.now() / 1000)
  const claims = { sub: `attack8b-${uid()}`, tenant_id: randomUUID(), role: "admin" }
  const status = async (token: string) =>
    await call(api, token, "GET", "/api/integrations/meta/whatsapp/status").then(async (response) => {
      await response.arrayBuffer()
      return response.status
    })
  const valid = signJwt(api.jwtSecret, { ...claims, iat: now, exp: now + 600 })
  const control = await status(valid)
  tally.check(
    control === 200,
    `control: a valid token answered ${control} (expected 200; the probes below mean nothing otherwise)`
  )
  const [head, body, signature] = valid.split(".") as [string, string, string]
  const probes: Array<[string, string]> = [
    ["without exp", signJwt(api.jwtSecret, { ...claims, iat: now })],
    ["with nbf in the future", signJwt(api.jwtSecret, { ...claims, iat: now, nbf: now + 3_600, exp: now + 7_200 })],
    ["with alg none", signJwt(api.jwtSecret, { ...claims, iat: now, exp: now + 600 }, { alg: "none" })],
    ["with a non-canonical signature", `${head}.${body}.${nonCanonical(signature)}`]
  ]
  for (const [what, token] of probes) {
    const answered = await status(token)
    tally.check(answered === 401, `a JWT ${what} answered ${answered} (expected 401)`)
  }
}

const attack8c = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const admin = await api.session(`attack8c-${uid()}`, "admin")
  const connected = await connectWhatsApp(api, admin, undefined, { "x-forwarded-for": "1.2.3.4" })
  if (!connected.location.includes("whatsapp=connected")) throw new Error(`connect: ${connected.location}`)
  const answer = await graphql(
    api,
    admin,
    "{ auditLog(first: 50) { __typename ... on AuditLogSuccess { entries { edges { node { action ip } } } } } }"
  )
  const entries = (
    (
      answer.body.data?.["auditLog"] as
        | { entries?: { edges: Array<{ node: { action: string; ip: string | null } }> } }
        | undefined
    )?.entries?.edges ?? []
  ).map((edge) => edge.node)
  if (entries.length === 0) throw new Error(`no audit entries: ${JSON.stringify(answer.body).slice(0, 200)}`)
  const spoofed = entries.filter((entry) => entry.ip?.includes("1.2.3.4"))
  tally.check(
    spoofed.length === 0,
    `X-Forwarded-For from an untrusted peer was recorded as the client ip (${spoofed.map((e) => e.action).join(", ")})`
  )
}

const attack8d = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const x = await api.session(`attack8d-x-${uid()}`, "admin")
  const y = await api.session(`attack8d-y-${uid()}`, "admin")
  const startedX = await call(api, x, "POST", "/api/integrations/meta/whatsapp/start")
  const { authUrl } = (await startedX.json()) as { authUrl: string }
  if (!new URL(authUrl).searchParams.has("code_challenge")) {
    const docs = existsSync(join(root, "docs/tokens.md")) ? readFileSync(join(root, "docs/tokens.md"), "utf8") : ""
    const documented = /PKCE|code_challenge/i.test(docs) && /residual/i.test(docs)
    if (documented)
      tally.note("documented: the dialog URL has no code_challenge; docs/tokens.md states the residual risk")
    tally.check(
      documented,
      "the dialog URL has no code_challenge, and docs/tokens.md does not document the residual risk (PKCE)"
    )
    return
  }
  tally.note("the dialog URL carries code_challenge: checking a swapped code")
  const stolen = new URL(await dialogCode(authUrl, { action: "approve", waba: "new", phone: "new" })).searchParams.get(
    "code"
  )
  const startedY = await call(api, y, "POST", "/api/integrations/meta/whatsapp/start")
  const { state } = (await startedY.json()) as { state: string }
  const cookie = (startedY.headers.get("set-cookie") ?? "").split(";")[0]!
  const back = await request(
    `${api.base}/api/integrations/meta/whatsapp/callback?code=${encodeURIComponent(stolen ?? "")}&state=${encodeURIComponent(state)}`,
    { headers: { cookie } }
  )
  const status = await json(await call(api, y, "GET", "/api/integrations/meta/whatsapp/status"))
  tally.check(
    status["connected"] !== true && !(back.headers.get("location") ?? "").includes("whatsapp=connected"),
    `tenant X's code with tenant Y's state connected Y (${back.headers.get("location")})`
  )
}

const attack8e = async (ctx: Context, tally: Tally) => {
  for (const path of ["/", "/settings/integrations"]) {
    const response = await request(`${ctx.api.base}${path}`)
    await response.arrayBuffer()
    const missing = missingSecurityHeaders(response.headers)
    tally.check(missing.length === 0, `GET ${path} (${response.status}) lacks ${missing.join(", ")}`)
  }
}

const attack8f = async (ctx: Context, tally: Tally) => {
  const { api } = await ctx.production()
  const token = await api.session(`attack8f-${uid()}`, "member")
  const introspection = await graphql(api, token, "{ __schema { types { name } } }")
  const schema = (introspection.body.data as { __schema?: unknown } | null | undefined)?.__schema
  tally.check(
    schema === undefined || schema === null,
    `production mode answered introspection (${introspection.status}, ${JSON.stringify(introspection.body).slice(0, 80)}…)`
  )
  const typo = await graphql(api, token, "{ viewr { userId } }")
  const messages = (typo.body.errors ?? []).map((error) => error.message).join(" ")
  tally.check(
    (typo.body.errors ?? []).length > 0 && !/Did you mean/i.test(messages),
    `a typo'd field in production mode answered: ${messages.slice(0, 160)}`
  )
}

const attack8g = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const token = await api.session(`attack8g-${uid()}`, "member")
  const outOfRange = Buffer.from("99999999999999999999:00000000-0000-4000-8000-000000000000").toString("base64url")
  for (const cursor of ["!!not-a-cursor!!", Buffer.from('{"x":1}').toString("base64url"), "Y29udjo=", outOfRange]) {
    const answer = await graphql(
      api,
      token,
      `{ conversations(first: 5, after: ${JSON.stringify(cursor)}) { edges { cursor } } }`
    )
    tally.check(
      errorCodes(answer).includes("BAD_USER_INPUT"),
      `conversations(after: ${JSON.stringify(cursor)}) answered ${
        (answer.body.errors ?? []).length > 0
          ? `codes [${errorCodes(answer).join(",")}]`
          : JSON.stringify(answer.body).slice(0, 120)
      } (expected the code BAD_USER_INPUT)`
    )
  }
}

const attack8h = async (ctx: Context, tally: Tally) => {
  const response = await request(`${ctx.api.base}/settings/integrations?whatsapp=error&reason=__proto__`)
  const html = await response.text()
  tally.check(
    response.status === 200 && /<html/i.test(html),
    `GET /settings/integrations?whatsapp=error&reason=__proto__ answered ${response.status} (expected the HTML page)`
  )
  // The page's rendering needs a browser; the lookup it renders is checked by calling the web app's own module.
  const reasons = (await import("../web/src/shared/reasons.ts")) as Record<string, unknown>
  for (const name of ["reasonMessage", "adsReasonMessage"]) {
    const lookup = reasons[name]
    if (typeof lookup !== "function") {
      tally.check(false, `web/src/shared/reasons.ts no longer exports ${name}`)
      continue
    }
    const bad = ["__proto__", "constructor", "toString", "hasOwnProperty"].filter((reason) => {
      const text: unknown = (lookup as (reason: string) => unknown)(reason)
      return typeof text !== "string" || text.includes("function") || text.includes("[object")
    })
    tally.check(
      bad.length === 0,
      `${name} answers something other than a message for ${bad.join(", ")} (inherited properties)`
    )
  }
}

const attack8i = async (ctx: Context, tally: Tally) => {
  const { api } = ctx
  const admin = await api.session(`attack8i-${uid()}`, "admin")
  const connected = await connectWhatsApp(api, admin)
  if (!connected.location.includes("whatsapp=connected")) throw new Error(`connect: ${connected.location}`)
  const again = await request(connected.callbackUrl, { headers: { cookie: connected.cookie } })
  const location = again.headers.get("location") ?? ""
  tally.check(
    location.includes("reason=state_used"),
    `replaying the callback with the same cookie was sent to ${location || again.status}`
  )
}

interface Attack {
  readonly id: string
  readonly title: string
  readonly run: (ctx: Context, tally: Tally) => Promise<void>
  readonly timeoutMs: number
  /** Runs beside the others (it mostly waits). */
  readonly background?: boolean
}

export const ATTACKS: ReadonlyArray<Attack> = [
  { id: "1", title: "GraphQL cost bypass (aliases × first: $n)", run: attack1, timeoutMs: 45_000 },
  { id: "2", title: "disconnect retires every number", run: attack2, timeoutMs: 30_000 },
  { id: "3", title: "rate limits apply over GraphQL", run: attack3, timeoutMs: 40_000 },
  { id: "4", title: "deeply nested webhook bodies", run: attack4, timeoutMs: 30_000 },
  { id: "5", title: "poison text (\\u0000, lone surrogate)", run: attack5, timeoutMs: 30_000 },
  {
    id: "6",
    title: "no event retried forever (timestamp 99999999999999)",
    run: attack6,
    timeoutMs: ATTACK6_WINDOW_MS + 20_000,
    background: true
  },
  { id: "7", title: "wrong token encryption key after a restart", run: attack7, timeoutMs: 75_000 },
  { id: "8a", title: "sandbox mode listens on 127.0.0.1 only", run: attack8a, timeoutMs: 10_000 },
  {
    id: "8b",
    title: "JWT without exp / future nbf / alg none / non-canonical signature",
    run: attack8b,
    timeoutMs: 10_000
  },
  { id: "8c", title: "X-Forwarded-For from an untrusted peer", run: attack8c, timeoutMs: 15_000 },
  { id: "8d", title: "another login's code with this state (PKCE)", run: attack8d, timeoutMs: 15_000 },
  { id: "8e", title: "security headers on the pages", run: attack8e, timeoutMs: 10_000 },
  { id: "8f", title: "no introspection or suggestions in production", run: attack8f, timeoutMs: 45_000 },
  { id: "8g", title: "malformed after cursor", run: attack8g, timeoutMs: 10_000 },
  { id: "8h", title: "reason=__proto__ on the integrations page", run: attack8h, timeoutMs: 15_000 },
  { id: "8i", title: "replayed callback with the same cookie", run: attack8i, timeoutMs: 15_000 }
]

/** Runs one attack isolated: its exception or timeout makes it wrong, never the others. */
export const runIsolated = async (
  attack: Pick<Attack, "id" | "title" | "timeoutMs"> & { readonly run: (tally: Tally) => Promise<void> }
): Promise<AttackResult> => {
  const tally = new Tally()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      attack.run(tally),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${attack.timeoutMs} ms`)), attack.timeoutMs)
      })
    ])
    return tally.result(attack.id, attack.title)
  } catch (error) {
    return crashed(attack.id, attack.title, tally, error)
  } finally {
    clearTimeout(timer)
  }
}

const OVERALL_MS = 170_000

const main = async () => {
  const only = (process.env["ATTACKS"] ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "")
  const selected = ATTACKS.filter((attack) => only.length === 0 || only.includes(attack.id))
  const started = Date.now()
  const deadline = started + OVERALL_MS

  if (!existsSync(join(root, "web/dist/index.html")) && selected.some((a) => a.id === "8e" || a.id === "8h")) {
    console.log("== building the web app (8e and 8h read the pages)")
    spawnSync(
      process.execPath,
      ["node_modules/vite/bin/vite.js", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"],
      {
        cwd: root,
        stdio: "inherit",
        timeout: 90_000
      }
    )
  }

  const stops: Array<() => Promise<void>> = []
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined)
    for (const child of children) child.kill("SIGKILL")
  }
  const onSignal = () => {
    void stopAll().finally(() => process.exit(130))
  }
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)

  let results: Array<AttackResult> = []
  try {
    console.log("== starting the service (sandbox mode)")
    const stack = await startSandboxStack()
    stops.push(stack.service.stop)
    let production: Promise<Awaited<ReturnType<typeof startProductionStack>>> | undefined
    const ctx: Context = {
      api: stack.api,
      port: stack.port,
      printedUrl: stack.printedUrl,
      deadline,
      production: () => {
        production ??= startProductionStack().then((stackP) => {
          stops.push(stackP.stop)
          return stackP
        })
        return production
      }
    }
    const run = (attack: Attack) => {
      const remaining = deadline - Date.now()
      if (remaining < 2_000) {
        const tally = new Tally()
        return Promise.resolve(crashed(attack.id, attack.title, tally, new Error("not run: the overall time ran out")))
      }
      return runIsolated({
        id: attack.id,
        title: attack.title,
        timeoutMs: Math.min(attack.timeoutMs, remaining),
        run: (tally) => attack.run(ctx, tally)
      }).then((result) => {
        console.log(`   ${result.id}: ${verdict(result)} (${Math.round((Date.now() - started) / 1000)} s)`)
        return result
      })
    }
    // The production-mode instance (attacks 7 and 8f) starts while the first attacks run.
    if (selected.some((attack) => attack.id === "7" || attack.id === "8f")) void ctx.production().catch(() => undefined)
    console.log("== attacks")
    const background = selected.filter((attack) => attack.background === true).map(run)
    const foreground: Array<AttackResult> = []
    for (const attack of selected.filter((a) => a.background !== true)) foreground.push(await run(attack))
    const all = [...foreground, ...(await Promise.all(background))]
    results = selected.map((attack) => all.find((result) => result.id === attack.id)!)
  } catch (error) {
    console.error(`The service could not be started: ${error instanceof Error ? error.message : String(error)}`)
    results = selected.map((attack) =>
      crashed(attack.id, attack.title, new Tally(), new Error("the service did not start"))
    )
  } finally {
    await stopAll()
  }

  console.log(`\n${formatTable(results)}\n`)
  for (const figure of figures) console.log(figure)
  const wrong = results.filter((result) => verdict(result) === "wrong").map((result) => result.id)
  if (wrong.length > 0)
    console.log(`\n== the services' output, for the wrong answers\n${serviceLogTail(serviceLogs)}\n`)
  console.log(
    `${results.length - wrong.length} of ${results.length} attacks handled${wrong.length === 0 ? "" : `; wrong: ${wrong.join(", ")}`} (${Math.round((Date.now() - started) / 1000)} s)`
  )
  process.exit(exitCode(results))
}

if (import.meta.main) {
  // Whatever happens, no service outlives the runner.
  process.once("exit", () => {
    for (const child of children) child.kill("SIGKILL")
  })
  main().catch((error: unknown) => {
    console.error("The attack runner failed:", error)
    process.exit(1)
  })
}
