/**
 * What the bench orchestrator (`run.ts`) and its load generator (`load.ts`, a child process) say to each other,
 * and the helpers both use: Meta-shaped webhook bodies, their signature, percentiles.
 */
import { createHash, createHmac, randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** How long and how hard one scenario runs. Every loop is bounded by both `maxRequests` and time. */
export interface Timing {
  readonly concurrency: number
  /** Requests before this are not measured. */
  readonly warmupMs: number
  /** The measured window after the warm-up; no request starts after it. */
  readonly measureMs: number
  /** The most requests the scenario sends, warm-up included. */
  readonly maxRequests: number
  /**
   * Open loop: request i is sent at `i / rate` seconds from the start by the clock, whatever is still in flight,
   * and its latency runs from that scheduled time (no coordinated omission). Absent: closed loop, `concurrency`
   * clients each sending its next request when its last one is answered.
   */
  readonly rate?: number
  /** Open loop: how long after the window unanswered requests are waited for before they are abandoned. */
  readonly graceMs?: number
}

/** Webhook bodies: Meta `messages` deliveries, one inbound text each, with distinct message ids. */
export interface WebhookBodies {
  readonly secret: string
  readonly phoneNumberId: string
  /** Message ids are `wamid.<idPrefix>.<n>`: distinct within and across scenarios. */
  readonly idPrefix: string
}

export type LoadSpec =
  | (Timing & {
      readonly kind: "graphql"
      readonly name: string
      readonly urls: ReadonlyArray<string>
      readonly token: string
      readonly query: string
    })
  | (Timing & {
      readonly kind: "webhook"
      readonly name: string
      /** Targets, used round-robin (several service instances on one database). */
      readonly urls: ReadonlyArray<string>
      readonly bodies: WebhookBodies
    })
  | (Timing & {
      readonly kind: "ceiling"
      readonly name: string
      readonly databaseUrl: string
      readonly table: string
      /** `single`: one-row INSERTs; `multi`: `batch` rows per INSERT; `copy`: `batch` rows per `COPY ... FROM STDIN`. */
      readonly mode: "single" | "multi" | "copy"
      readonly batch: number
      readonly bodies: WebhookBodies
    })

export interface LoadResult {
  readonly name: string
  /** Requests started inside the measured window (their latencies are the samples). */
  readonly measured: number
  /** Requests sent in all, warm-up included. */
  readonly sent: number
  /**
   * Answers that arrived inside the measured window, whenever their request was sent: the work the server did in
   * the window the CPU is read over. In an open loop that falls behind it is below `measured`.
   */
  readonly answeredInWindow: number
  /** Failed requests (an exception, or an HTTP status other than 200) among all those sent. */
  readonly errors: number
  readonly statuses: Readonly<Record<string, number>>
  readonly firstError: string | null
  /** From the start of the window to the last measured completion (ms). */
  readonly windowMs: number
  readonly rps: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
  /** Epoch ms of the first request sent and of the last completion. */
  readonly startedAt: number
  readonly endedAt: number
  /** True when the scenario stopped because it ran out of requests (`maxRequests`) before the window ended. */
  readonly exhausted: boolean
  /** Open loop: requests still unanswered `graceMs` after the window, counted with their latency so far. */
  readonly abandoned: number
  /** Time spent preparing the bodies before the first request (ms), not part of any figure. */
  readonly prepareMs: number
}

export type ChildMessage =
  | { readonly type: "started" }
  | { readonly type: "result"; readonly result: LoadResult }
  | { readonly type: "error"; readonly message: string }

/** The bench's GraphQL query: the connection card's `whatsappConnection`, as the web page asks for it. */
export const WHATSAPP_CONNECTION_QUERY = `query Bench {
  whatsappConnection {
    id status connected phoneNumberE164 displayName wabaId phoneNumberId tokenExpiresAt error pendingReason
    choices { id displayPhoneNumber verifiedName }
    updatedAt
  }
}`

/** A process's CPU time so far (user + system, ms), from `/proc/<pid>/stat` (its own threads, not its children). */
export const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

export const sign = (body: string, secret: string) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`

export const sha256Hex = (body: string) => createHash("sha256").update(body).digest("hex")

/** A `messages` delivery as Meta sends it: one entry, one change, one contact, one inbound text. */
export const webhookBody = (bodies: WebhookBodies, n: number): string => {
  const from = `1555${String(1_000_000 + (n % 1000)).slice(1)}`
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "524126980791429",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550000000", phone_number_id: bodies.phoneNumberId },
              contacts: [{ profile: { name: `Bench Sender ${n % 1000}` }, wa_id: from }],
              messages: [
                {
                  from,
                  id: `wamid.${bodies.idPrefix}.${n}`,
                  timestamp: String(1767225600 + n),
                  type: "text",
                  text: { body: `Benchmark message number ${n}: hello from a load generator.` }
                }
              ]
            }
          }
        ]
      }
    ]
  })
}

export interface Summary {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/** Nearest-rank percentiles of the samples (ms). */
export const summarize = (samples: Float64Array): Summary => {
  if (samples.length === 0)
    return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN }
  const sorted = Float64Array.from(samples).sort()
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
  let total = 0
  for (const value of sorted) total += value
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]!, mean: total / sorted.length }
}

/**
 * The settings of a service the bench starts on `port`: fresh keys, no Meta Ads, and a Graph URL nothing listens on
 * (no connection holds a token, so no job asks Meta anything); `dataDir` names its temporary folder.
 */
export const benchServiceEnv = (options: {
  readonly port: number
  readonly secret: string
  readonly databaseUrl: string
  readonly dataDir: string
}): Record<string, string> => ({
  META_APP_ID: "1000000000001",
  META_APP_SECRET: options.secret,
  META_WEBHOOK_VERIFY_TOKEN: "bench",
  TOKEN_ENCRYPTION_KEY_BASE64: randomBytes(32).toString("base64"),
  AUTH_JWT_SECRET: randomBytes(32).toString("hex"),
  META_CONFIG_ID: "bench",
  META_ADS_ENABLED: "false",
  META_REDIRECT_URI: `http://127.0.0.1:${options.port}/callback`,
  META_GRAPH_BASE_URL: "http://127.0.0.1:9",
  APP_BASE_URL: `http://127.0.0.1:${options.port}`,
  PORT: String(options.port),
  DATA_DIR: mkdtempSync(join(tmpdir(), `${options.dataDir}-`)),
  DATABASE_URL: options.databaseUrl,
  LOG_LEVEL: "error"
})
