import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { Ctx, Fault } from "./context.ts"
import { ControlError, type ControlHooks, handleControl, summary } from "./control.ts"
import { type DialogResult, showDialog, submitDialog } from "./dialog.ts"
import { GraphError, RATE_LIMIT_MESSAGES, unexpected } from "./errors.ts"
import { handleGraph } from "./graph.ts"
import { type Params, parseBody, readBody, redirect, sendHtml, sendJson } from "./http.ts"
import { ATTACHMENTS_PATH, download, multipartParams } from "./media.ts"
import { loadState, saveState } from "./persistence.ts"
import { sdkScript } from "./sdk.ts"
import { type AppSubscription, createState, type State } from "./state.ts"
import { WebhookDispatcher } from "./webhooks.ts"

export interface SandboxOptions {
  /** 0 = a random free port (default). */
  readonly port?: number
  /** Default "127.0.0.1". */
  readonly host?: string
  readonly app: {
    readonly id: string
    readonly secret: string
    readonly redirectUris: ReadonlyArray<string>
    readonly configId?: string
    /** The Meta Ads configuration; default "sandbox-meta-ads". */
    readonly adsConfigId?: string
  }
  /** Pre-seeds the app-level subscription, as if configured in the App Dashboard. */
  readonly webhookCallbackUrl?: string
  readonly verifyToken?: string
  /** Millisecond clock; default Date.now. The sandbox adds its movable offset (`advanceClock`). */
  readonly now?: () => number
  /** Lifetime of OAuth codes; default 30 (Meta's Embedded Signup codes). */
  readonly codeTtlSeconds?: number
  /** Delays between webhook retries; default [200, 1000, 5000, 15000]. */
  readonly webhookRetryDelaysMs?: ReadonlyArray<number>
  /** How long a webhook POST may take before it counts as failed; default 10000. */
  readonly webhookTimeoutMs?: number
  readonly quiet?: boolean
  /**
   * A JSON file the state is saved to (shortly after each request and on close) and loaded from on start, so a
   * restarted sandbox still knows the tokens, WABAs and numbers it issued. Default: in memory only.
   */
  readonly stateFile?: string
  /** Where the sandbox's lines (`[sandbox] …`) are printed; default `console.log`. */
  readonly print?: (line: string) => void
}

export interface RunningSandbox {
  /** "http://127.0.0.1:PORT", no trailing slash. */
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
  /** Moves the sandbox clock forward (codes and tokens expire against it). */
  readonly advanceClock: (seconds: number) => void
  /** Back to the seed (keeps the app and the pre-seeded subscription). */
  readonly reset: () => void
  /** The live context: state, webhook log, faults. */
  readonly ctx: Ctx
  readonly summary: () => ReturnType<typeof summary>
  /** Resolves when every webhook delivery has succeeded or given up. */
  readonly webhooksIdle: (timeoutMs?: number) => Promise<void>
}

export const ALL_WEBHOOK_FIELDS = [
  "messages",
  "account_update",
  "account_review_update",
  "phone_number_quality_update",
  "phone_number_name_update",
  "business_capability_update",
  "message_template_status_update",
  "message_template_quality_update",
  "template_category_update",
  "account_alerts",
  "security",
  "user_preferences"
]

const VERSION = /^\/v\d+\.\d+(?=\/|$)/

export const startSandbox = async (options: SandboxOptions): Promise<RunningSandbox> => {
  const baseNow = options.now ?? Date.now
  let offsetMs = 0
  const nowMs = () => baseNow() + offsetMs
  const print = options.print ?? ((line: string) => console.log(line))
  const log = options.quiet === true ? () => {} : (line: string) => print(`[sandbox] ${line}`)
  const seedSubscription = (): AppSubscription | null =>
    options.webhookCallbackUrl === undefined
      ? null
      : {
          object: "whatsapp_business_account",
          callbackUrl: options.webhookCallbackUrl,
          verifyToken: options.verifyToken ?? "",
          fields: ALL_WEBHOOK_FIELDS
        }
  const seed = () => createState(options.app, nowMs(), seedSubscription())
  const timers = new Set<NodeJS.Timeout>()
  const hanging = new Set<ServerResponse>()
  let closed = false

  const initialState = (): State => {
    const fresh = seed()
    if (options.stateFile === undefined) return fresh
    const loaded = loadState(options.stateFile, fresh)
    if (loaded._tag === "Unreadable")
      log(`state file ${options.stateFile} unreadable (${loaded.reason}); starting fresh`)
    if (loaded._tag !== "Loaded") return fresh
    offsetMs = loaded.clockOffsetMs
    log(
      `state restored from ${options.stateFile}: ${loaded.state.wabas.size} WABAs, ${loaded.state.numbers.size} numbers, ${loaded.state.tokens.size} tokens`
    )
    return loaded.state
  }

  const ctx: Ctx = {
    state: initialState(),
    nowMs,
    webhooks: new WebhookDispatcher({
      secret: () => ctx.state.app.secret,
      retryDelaysMs: options.webhookRetryDelaysMs ?? [200, 1000, 5000, 15000],
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
      now: nowMs,
      log
    }),
    faults: [],
    skipped: [],
    codeTtlSeconds: options.codeTtlSeconds ?? 30,
    log,
    later: (task, delayMs = 0) => {
      if (closed) return
      const timer = setTimeout(() => {
        timers.delete(timer)
        task().catch((error: unknown) => log(`background task failed: ${String(error)}`))
      }, delayMs)
      timers.add(timer)
    },
    usage: { app: 0, byBusiness: new Map(), windowStartMs: nowMs() }
  }

  const hooks: ControlHooks = {
    advanceClock: (seconds) => {
      offsetMs += seconds * 1000
    },
    reset: () => {
      ctx.state = seed()
      ctx.faults.length = 0
      ctx.skipped.length = 0
      ctx.webhooks.reset()
    }
  }

  const usageHeaders = (businessId: string | undefined, throttled: boolean): Record<string, string> => {
    const u = ctx.usage
    if (nowMs() - u.windowStartMs > 3_600_000) {
      u.app = 0
      u.byBusiness.clear()
      u.windowStartMs = nowMs()
    }
    u.app++
    const pct = (calls: number) => (throttled ? 100 : Math.min(99, Math.floor(calls / 2)))
    const headers: Record<string, string> = {
      "x-app-usage": JSON.stringify({ call_count: pct(u.app), total_cputime: pct(u.app), total_time: pct(u.app) }),
      "x-fb-trace-id": "sandbox"
    }
    if (businessId !== undefined) {
      const calls = (u.byBusiness.get(businessId) ?? 0) + 1
      u.byBusiness.set(businessId, calls)
      headers["x-business-use-case-usage"] = JSON.stringify({
        [businessId]: [
          {
            type: "whatsapp_business_management",
            call_count: pct(calls),
            total_cputime: pct(calls),
            total_time: pct(calls),
            estimated_time_to_regain_access: throttled ? 5 : 0
          }
        ]
      })
    }
    return headers
  }

  /**
   * `X-Ad-Account-Usage` (Marketing API, "Rate Limiting"): the ad account's utilisation and, once throttled, how many
   * seconds until it resets.
   */
  const adAccountUsage = (throttled: boolean): Record<string, string> => ({
    "x-ad-account-usage": JSON.stringify({
      acc_id_util_pct: throttled ? 100 : 1,
      reset_time_duration: throttled ? 120 : 0,
      ads_api_access_tier: "standard_access"
    })
  })

  const matchFault = (method: string, path: string): Fault | undefined => {
    const fault = ctx.faults.find(
      (f) => (f.method === undefined || f.method === method) && f.pattern.test(path) && f.remaining !== 0
    )
    if (fault === undefined) return undefined
    if (fault.remaining !== null) {
      fault.remaining--
      if (fault.remaining === 0) ctx.faults.splice(ctx.faults.indexOf(fault), 1)
    }
    return fault
  }

  const sendGraphError = (res: ServerResponse, error: GraphError, businessId?: string) => {
    const throttled = error.code in RATE_LIMIT_MESSAGES
    // The Marketing API's throttles (17/2446079, 613, 80000-80014) speak of the ad account too.
    const adsThrottle =
      (error.code >= 80000 && error.code <= 80014 && error.code !== 80007 && error.code !== 80008) ||
      error.subcode === 2446079
    sendJson(res, error.status, error.body(), {
      ...usageHeaders(businessId ?? (throttled ? ctx.state.seedBusinessId : undefined), throttled),
      ...(adsThrottle ? adAccountUsage(true) : {}),
      "www-authenticate": `OAuth "Facebook Platform" "invalid_request" "${error.message.replace(/"/g, "'")}"`,
      ...error.headers
    })
  }

  /** Injected faults: answers the request itself, or never for "hang" (until the client aborts or close()). */
  const applyFault = (res: ServerResponse, fault: Fault): void => {
    switch (fault.kind) {
      case "hang":
        hanging.add(res)
        res.on("close", () => hanging.delete(res))
        return
      case "http500": {
        const e = unexpected()
        sendGraphError(
          res,
          new GraphError(fault.code ?? e.code, fault.message ?? e.message, fault.subcode, fault.status ?? 500)
        )
        return
      }
      case "rateLimit": {
        const code = fault.code ?? 4
        const message = fault.message ?? RATE_LIMIT_MESSAGES[code] ?? `(#${code}) Rate limit reached`
        sendGraphError(res, new GraphError(code, message, fault.subcode, fault.status ?? 400))
        return
      }
      case "graphError":
        sendGraphError(
          res,
          new GraphError(
            fault.code ?? 100,
            fault.message ?? "(#100) Injected error",
            fault.subcode,
            fault.status ?? 400
          )
        )
        return
    }
  }

  const sendDialog = (res: ServerResponse, result: DialogResult) => {
    if (result.kind === "redirect") redirect(res, result.location)
    else if (result.kind === "json") sendJson(res, 200, result.body)
    else sendHtml(res, result.status, result.html)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://sandbox.local")
    const method = (req.method ?? "GET").toUpperCase()
    // An upload may be a 100 MB document (Meta's limit); everything else is small.
    const body = await readBody(req, /\/media\/?$/.test(url.pathname) ? 110_000_000 : 5_000_000)

    if (url.pathname.startsWith("/_sandbox/")) {
      try {
        // Controls speak JSON whatever the content-type says (curl -d and fetch default to other types).
        const contentType = req.headers["content-type"] ?? ""
        const parsed = parseBody(contentType.includes("x-www-form-urlencoded") ? contentType : "application/json", body)
        const params: Params = { ...Object.fromEntries(url.searchParams), ...parsed }
        const result = await handleControl(ctx, hooks, method, url.pathname.replace(/\/$/, ""), params)
        sendJson(res, result.status ?? 200, result.body)
      } catch (error) {
        const status = error instanceof ControlError ? error.status : 400
        sendJson(res, status, { error: error instanceof Error ? error.message : String(error) })
      }
      return
    }

    if (method === "GET" && (url.pathname === "/sdk.js" || url.pathname === "/en_US/sdk.js")) {
      const origin = `http://${req.headers.host ?? "127.0.0.1"}`
      // Like Meta's CDN: loadable with `crossorigin="anonymous"` (CORS) from any page.
      res.writeHead(200, {
        "content-type": "application/javascript; charset=utf-8",
        "cache-control": "no-store",
        "access-control-allow-origin": "*"
      })
      res.end(sdkScript(origin, "v25.0"))
      return
    }

    const version = VERSION.exec(url.pathname)
    const path = version === null ? url.pathname : url.pathname.slice(version[0].length) || "/"
    const fault = matchFault(method, path)
    if (fault !== undefined) return applyFault(res, fault)

    // The lookaside host of media URLs (served here, unversioned, as Meta's is).
    if (version === null && url.pathname === ATTACHMENTS_PATH && method === "GET") {
      const answer = download(ctx, url.searchParams, req.headers)
      if (answer.status !== 200) return sendJson(res, answer.status, { error: { message: answer.message } })
      res.writeHead(200, { "content-type": answer.mimeType, "content-length": answer.bytes.length })
      res.end(answer.bytes)
      return
    }

    if (path === "/dialog/oauth" || path === "/dialog/oauth/") {
      if (version === null) return sendHtml(res, 404, "<h1>Page not found</h1>")
      if (method === "GET") return sendDialog(res, showDialog(ctx, { query: url.searchParams, path: url.pathname }))
      if (method === "POST") {
        const form = new URLSearchParams(body.toString("utf8"))
        const wantsJson = (req.headers.accept ?? "").includes("application/json")
        return sendDialog(res, submitDialog(ctx, { query: url.searchParams, form, path: url.pathname, wantsJson }))
      }
      return sendHtml(res, 405, "<h1>Method not allowed</h1>")
    }

    let params: Params
    try {
      const contentType = req.headers["content-type"] ?? ""
      params = {
        ...Object.fromEntries(url.searchParams),
        ...(contentType.startsWith("multipart/form-data")
          ? await multipartParams(contentType, body)
          : parseBody(contentType, body))
      }
    } catch {
      return sendGraphError(res, new GraphError(100, "(#100) Invalid JSON in request body"))
    }
    const segments = path.split("/").filter((s) => s !== "")
    try {
      const result = await handleGraph(ctx, {
        ...(version === null ? {} : { version: version[0].slice(1) }),
        method,
        segments,
        params,
        headers: req.headers
      })
      sendJson(res, result.status ?? 200, result.body, {
        ...usageHeaders(result.businessId, false),
        ...(result.adAccountId === undefined ? {} : adAccountUsage(false))
      })
    } catch (error) {
      if (error instanceof GraphError) return sendGraphError(res, error)
      throw error
    }
  }

  const save = () => {
    if (options.stateFile === undefined) return
    try {
      saveState(options.stateFile, ctx.state, offsetMs, nowMs())
    } catch (error) {
      log(`saving the state to ${options.stateFile} failed: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  // Any request may change the state (a GET /oauth/access_token issues a token): save shortly after the last one.
  let saveTimer: NodeJS.Timeout | undefined
  const saveSoon = () => {
    if (options.stateFile === undefined || closed) return
    if (saveTimer !== undefined) clearTimeout(saveTimer)
    saveTimer = setTimeout(() => {
      saveTimer = undefined
      save()
    }, 100)
  }

  const server = createServer((req, res) => {
    res.once("finish", saveSoon)
    handle(req, res).catch((error: unknown) => {
      log(
        `internal error on ${req.method} ${req.url?.split("?")[0]}: ${error instanceof Error ? error.message : String(error)}`
      )
      if (!res.headersSent) sendGraphError(res, unexpected())
      else res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = options.host ?? "127.0.0.1"
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`

  const close = async () => {
    if (closed) return
    closed = true
    if (saveTimer !== undefined) clearTimeout(saveTimer)
    save()
    for (const timer of timers) clearTimeout(timer)
    timers.clear()
    ctx.webhooks.close()
    for (const res of hanging) res.destroy()
    hanging.clear()
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  return {
    url,
    port: address.port,
    close,
    advanceClock: hooks.advanceClock,
    reset: hooks.reset,
    ctx,
    summary: () => summary(ctx),
    webhooksIdle: async (timeoutMs) => {
      const started = Date.now()
      // Status webhooks are scheduled with timers: wait for those to start, then for the deliveries.
      while (timers.size > 0 && Date.now() - started < (timeoutMs ?? 10_000)) await new Promise((r) => setTimeout(r, 5))
      await ctx.webhooks.idle(timeoutMs)
    }
  }
}
