/** Helpers for the sandbox's own tests: a sandbox on port 0 and a local webhook receiver. Not used at runtime. */
import { createHmac } from "node:crypto"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, beforeEach, expect } from "vitest"
import { type RunningSandbox, type SandboxOptions, startSandbox } from "./Sandbox.ts"

export const APP_ID = "1234567890123456"
export const APP_SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
export const VERIFY_TOKEN = "verify-me"
export const WA_REDIRECT = "http://127.0.0.1:3000/api/integrations/meta/whatsapp/callback"
export const ADS_REDIRECT = "http://127.0.0.1:3000/api/integrations/meta/ads/callback"
export const CONFIG_ID = "998877665544332"
/** The sandbox app's Meta Ads configuration (FLB, "User access token"). */
export const ADS_CONFIG_ID = "887766554433221"

export interface ReceivedWebhook {
  readonly body: string
  readonly signature: string | undefined
  readonly payload: unknown
}

export interface Receiver {
  readonly url: string
  readonly received: Array<ReceivedWebhook>
  /** Statuses to answer the next POSTs with (then 200). */
  readonly answers: Array<number>
  /** When false, the handshake answers 403. */
  echoChallenge: boolean
  close(): Promise<void>
}

export const startReceiver = async (): Promise<Receiver> => {
  const received: Array<ReceivedWebhook> = []
  const answers: Array<number> = []
  const state = { echoChallenge: true }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    if (req.method === "GET") {
      const ok = state.echoChallenge && url.searchParams.get("hub.verify_token") === VERIFY_TOKEN
      res.writeHead(ok ? 200 : 403, { "content-type": "text/plain" })
      res.end(ok ? (url.searchParams.get("hub.challenge") ?? "") : "forbidden")
      return
    }
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      const status = answers.shift() ?? 200
      if (status === 200) {
        const signature = req.headers["x-hub-signature-256"]
        received.push({
          body,
          signature: typeof signature === "string" ? signature : undefined,
          payload: JSON.parse(body)
        })
      }
      res.writeHead(status)
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/webhooks/meta/whatsapp`,
    received,
    answers,
    get echoChallenge() {
      return state.echoChallenge
    },
    set echoChallenge(value: boolean) {
      state.echoChallenge = value
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

export const expectedSignature = (body: string, secret = APP_SECRET): string =>
  `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`

export const start = (extra: Partial<SandboxOptions> = {}): Promise<RunningSandbox> =>
  startSandbox({
    app: {
      id: APP_ID,
      secret: APP_SECRET,
      redirectUris: [WA_REDIRECT, ADS_REDIRECT],
      configId: CONFIG_ID,
      adsConfigId: ADS_CONFIG_ID
    },
    verifyToken: VERIFY_TOKEN,
    webhookRetryDelaysMs: [20, 40, 80],
    quiet: true,
    ...extra
  })

export const dialogQuery = (extra: Record<string, string> = {}): URLSearchParams =>
  new URLSearchParams({
    client_id: APP_ID,
    redirect_uri: WA_REDIRECT,
    state: "state-123",
    response_type: "code",
    config_id: CONFIG_ID,
    override_default_response_type: "true",
    extras: JSON.stringify({ sessionInfoVersion: "3", version: "v4" }),
    ...extra
  })

/**
 * Edits a configuration's permissions (`POST /_sandbox/app/configuration`), as an operator editing it in the App
 * Dashboard: the way to get a token without one of them, since a configuration's permissions cannot be unticked.
 */
export const setConfiguration = async (
  sandbox: RunningSandbox,
  which: "whatsapp" | "ads",
  permissions: ReadonlyArray<string>
): Promise<void> => {
  const response = await fetch(`${sandbox.url}/_sandbox/app/configuration`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ which, permissions })
  })
  if (response.status !== 200) throw new Error(`configuration refused: ${await response.text()}`)
}

/** The Meta Ads login dialog: the Ads configuration, the ads redirect, no scope. */
export const adsDialogQuery = (extra: Record<string, string> = {}): URLSearchParams =>
  new URLSearchParams({
    client_id: APP_ID,
    redirect_uri: ADS_REDIRECT,
    state: "ads-state",
    response_type: "code",
    config_id: ADS_CONFIG_ID,
    ...extra
  })

/** Submits the dialog form like a script and returns the redirect's query parameters. */
export const submitDialog = async (
  sandbox: RunningSandbox,
  fields: Record<string, string> = { action: "approve" },
  query: URLSearchParams = dialogQuery()
): Promise<URLSearchParams> => {
  const response = await fetch(`${sandbox.url}/v24.0/dialog/oauth?${query}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual"
  })
  if (response.status !== 302) throw new Error(`dialog answered ${response.status}: ${await response.text()}`)
  const location = response.headers.get("location") ?? ""
  return new URL(location).searchParams
}

export interface GraphResponse {
  readonly status: number
  readonly body: Record<string, unknown>
  readonly headers: Headers
}

/** `appsecret_proof` for a token: hex HMAC-SHA256 keyed with the app secret. */
export const proofFor = (token: string, secret = APP_SECRET): string =>
  createHmac("sha256", secret).update(token, "utf8").digest("hex")

/**
 * A Graph call. A user or system user token gets its `appsecret_proof` (the sandbox app requires it), unless
 * `proof` says otherwise: `false` sends none, a string sends that one.
 */
export const graph = async (
  sandbox: RunningSandbox,
  method: string,
  path: string,
  options: {
    token?: string
    query?: Record<string, string>
    json?: unknown
    signal?: AbortSignal
    proof?: string | false
  } = {}
): Promise<GraphResponse> => {
  const query = new URLSearchParams(options.query ?? {})
  const token = options.token
  if (token !== undefined && !token.includes("|") && options.proof !== false && !query.has("appsecret_proof"))
    query.set("appsecret_proof", options.proof ?? proofFor(token, sandbox.ctx.state.app.secret))
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`
  if (options.json !== undefined) headers["content-type"] = "application/json"
  const init: RequestInit = { method, headers }
  if (options.json !== undefined) init.body = JSON.stringify(options.json)
  if (options.signal !== undefined) init.signal = options.signal
  const response = await fetch(`${sandbox.url}/v24.0${path}${query.size > 0 ? `?${query}` : ""}`, init)
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers
  }
}

export const appToken = `${APP_ID}|${APP_SECRET}`

export const exchange = (sandbox: RunningSandbox, code: string, redirectUri: string = WA_REDIRECT) =>
  graph(sandbox, "GET", "/oauth/access_token", {
    query: { client_id: APP_ID, client_secret: APP_SECRET, code, redirect_uri: redirectUri }
  })

/** Dialog approve + code exchange; returns the business token. */
export const connectWhatsApp = async (
  sandbox: RunningSandbox,
  fields: Record<string, string> = { action: "approve" }
): Promise<string> => {
  const params = await submitDialog(sandbox, fields)
  const response = await exchange(sandbox, params.get("code") ?? "")
  if (response.status !== 200) throw new Error(JSON.stringify(response.body))
  return String(response.body["access_token"])
}

export const graphError = (response: GraphResponse) => {
  const error = response.body["error"] as Record<string, unknown> | undefined
  if (error === undefined) throw new Error(`expected a Graph error, got ${JSON.stringify(response.body)}`)
  return error
}

/**
 * Calls a control endpoint, `/_sandbox/<path>`, with `body` as JSON (POST unless `method` says otherwise);
 * answers the HTTP status and the parsed answer.
 */
export const control = async (
  sandbox: RunningSandbox,
  path: string,
  body: unknown,
  method = "POST"
): Promise<{ readonly status: number; readonly body: Record<string, unknown> }> => {
  const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** A fresh sandbox and webhook receiver for each test of the file, closed after it: `use` receives them. */
export const sandboxEachTest = (use: (sandbox: RunningSandbox, receiver: Receiver) => void) => {
  let running: { readonly sandbox: RunningSandbox; readonly receiver: Receiver } | undefined
  beforeEach(async () => {
    const receiver = await startReceiver()
    running = { receiver, sandbox: await start() }
    use(running.sandbox, running.receiver)
  })
  afterEach(async () => {
    await running?.sandbox.close()
    await running?.receiver.close()
  })
}

/** A sandbox posting its webhooks to a receiver, WhatsApp connected (dialog + code exchange), the app subscribed. */
export interface ConnectedSandbox {
  readonly sandbox: RunningSandbox
  readonly receiver: Receiver
  /** The business token of the connect. */
  readonly token: string
  /** The seed WABA the dialog approved, and its registered number. */
  readonly wabaId: string
  readonly numberId: string
}

/** Before each test a new `ConnectedSandbox` (handed to `use`), closed after it. */
export const connectedEachTest = (use: (connected: ConnectedSandbox) => void) => {
  let running: ConnectedSandbox | undefined
  beforeEach(async () => {
    const receiver = await startReceiver()
    const sandbox = await start({ webhookCallbackUrl: receiver.url })
    running = { sandbox, receiver, token: "", wabaId: "", numberId: "" }
    const token = await connectWhatsApp(sandbox)
    const wabaId = sandbox.ctx.state.seedWabaId
    const numberId = sandbox.summary().numbers.find((n) => n.wabaId === wabaId && n.registered)!.id
    expect((await graph(sandbox, "POST", `/${wabaId}/subscribed_apps`, { token })).body).toEqual({ success: true })
    running = { sandbox, receiver, token, wabaId, numberId }
    use(running)
  })
  afterEach(async () => {
    await running?.sandbox.close()
    await running?.receiver.close()
  })
}
