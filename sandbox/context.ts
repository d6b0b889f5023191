import type { IncomingHttpHeaders } from "node:http"
import {
  appSecretInvalid,
  GraphError,
  messagingPermissionMissing,
  permissionMissing,
  tokenExpired,
  tokenMissing,
  tokenUnparsable,
  unsupportedRequest
} from "./errors.ts"
import type { Params } from "./http.ts"
import { type Change, type Entry, envelope } from "./payloads.ts"
import { type State, type Token, targetsOf, type Waba } from "./state.ts"
import type { WebhookDispatcher } from "./webhooks.ts"

export type FaultKind = "http500" | "rateLimit" | "hang" | "graphError"

export interface Fault {
  readonly method: string | undefined
  readonly pattern: RegExp
  readonly kind: FaultKind
  readonly code: number | undefined
  readonly subcode: number | undefined
  readonly message: string | undefined
  readonly status: number | undefined
  /** null = until cleared. */
  remaining: number | null
}

export interface SkippedDelivery {
  readonly field: string
  readonly wabaId: string
  readonly reason: string
  readonly payload: unknown
}

/** Everything a handler needs: state, the movable clock, the webhook dispatcher and timers to clean up. */
export interface Ctx {
  state: State
  readonly nowMs: () => number
  readonly webhooks: WebhookDispatcher
  readonly faults: Array<Fault>
  readonly skipped: Array<SkippedDelivery>
  readonly codeTtlSeconds: number
  readonly log: (line: string) => void
  /** Runs `task` soon, unless the sandbox closes first. */
  readonly later: (task: () => Promise<void>, delayMs?: number) => void
  /** Graph calls per WABA owner business in the current hour, for the usage headers. */
  readonly usage: { app: number; byBusiness: Map<string, number>; windowStartMs: number }
}

export const nowSeconds = (ctx: Ctx): number => Math.floor(ctx.nowMs() / 1000)

export type Caller = { readonly kind: "app" } | { readonly kind: "token"; readonly token: Token }

export const tokenFrom = (headers: IncomingHttpHeaders, params: Params): string | undefined => {
  const header = headers.authorization
  if (header !== undefined) {
    const match = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header.trim())
    if (match?.[1] !== undefined) return match[1].trim()
  }
  const param = params["access_token"]
  return typeof param === "string" && param !== "" ? param : undefined
}

/** Checks the token of a Graph call, as Meta does on every call: 104 when missing, 190 when invalid or expired. */
export const authenticate = (ctx: Ctx, raw: string | undefined): Caller => {
  if (raw === undefined) throw tokenMissing()
  const app = ctx.state.app
  if (raw.includes("|")) {
    const [appId, secret] = raw.split("|", 2)
    if (appId !== app.id) throw tokenUnparsable()
    if (secret !== app.secret) throw appSecretInvalid()
    return { kind: "app" }
  }
  const token = ctx.state.tokens.get(raw)
  if (token === undefined) throw tokenUnparsable()
  return { kind: "token", token: checkToken(ctx, token) }
}

export const checkToken = (ctx: Ctx, token: Token): Token => {
  if (token.revoked !== null) throw new GraphError(token.revoked.code, token.revoked.message, token.revoked.subcode)
  if (token.expiresAtMs !== 0 && ctx.nowMs() >= token.expiresAtMs) throw tokenExpired(token.expiresAtMs, ctx.nowMs())
  return token
}

const WHATSAPP_ASSET_SCOPES = ["whatsapp_business_management", "whatsapp_business_messaging"]

/**
 * The WABA if the token can see it: 100/33 when it does not exist or no WhatsApp scope of the token targets it
 * (Meta does not tell the two apart), 200 (management) or 10 (messaging) when it is visible but the scope is missing.
 */
export const wabaFor = (
  ctx: Ctx,
  caller: Caller,
  wabaId: string,
  method: string,
  objectId: string,
  scope: "whatsapp_business_management" | "whatsapp_business_messaging"
): Waba => {
  const waba = ctx.state.wabas.get(wabaId)
  if (waba === undefined || caller.kind === "app") throw unsupportedRequest(method, objectId)
  const visible = WHATSAPP_ASSET_SCOPES.some((s) => targetsOf(caller.token, s).includes(wabaId))
  if (!visible) throw unsupportedRequest(method, objectId)
  if (!targetsOf(caller.token, scope).includes(wabaId) || !caller.token.scopes.includes(scope)) {
    throw scope === "whatsapp_business_messaging" ? messagingPermissionMissing() : permissionMissing(scope)
  }
  return waba
}

/** The webhook fields a WABA's (or number's) override callback receives; the others go to the app's callback. */
export const OVERRIDABLE_FIELDS: ReadonlySet<string> = new Set([
  "messages",
  "message_echoes",
  "calls",
  "consumer_profile",
  "messaging_handovers",
  "standby",
  "group_lifecycle_update",
  "group_participants_update",
  "group_settings_update",
  "group_status_update",
  "smb_message_echoes",
  "smb_app_state_sync",
  "history",
  "account_settings_update"
])

/** Where Meta would post a change for this WABA, or why it would not. */
export const webhookTarget = (
  ctx: Ctx,
  waba: Waba,
  field: string
): { readonly url: string } | { readonly skipped: string } => {
  const subscription = ctx.state.app.subscription
  if (subscription === null || subscription.object !== "whatsapp_business_account")
    return { skipped: "app has no whatsapp_business_account subscription" }
  if (!subscription.fields.includes(field)) return { skipped: `app subscription does not include field ${field}` }
  if (field === "account_update") return { url: subscription.callbackUrl }
  const wabaSub = waba.subscriptions.find((s) => s.appId === ctx.state.app.id)
  if (wabaSub === undefined) return { skipped: "app is not subscribed to the WABA (POST /{waba-id}/subscribed_apps)" }
  // Only some fields follow a WABA's override callback (messages among them); account-level ones (name, quality,
  // review, capability updates) always go to the app's callback (Meta's "Webhook overrides" page).
  return {
    url: OVERRIDABLE_FIELDS.has(field)
      ? (wabaSub.overrideCallbackUri ?? subscription.callbackUrl)
      : subscription.callbackUrl
  }
}

/** Delivers one envelope (possibly twice when duplicates are on); the answer is the first attempt's outcome. */
export const deliverEntries = async (
  ctx: Ctx,
  waba: Waba,
  field: string,
  entries: ReadonlyArray<Entry>
): Promise<number | "failed" | "not_subscribed"> => {
  const payload = envelope(entries)
  const target = webhookTarget(ctx, waba, field)
  if ("skipped" in target) {
    ctx.skipped.push({ field, wabaId: waba.id, reason: target.skipped, payload })
    ctx.log(`webhook ${field} for WABA ${waba.id} not sent: ${target.skipped}`)
    return "not_subscribed"
  }
  const first = await ctx.webhooks.deliver(target.url, field, payload)
  if (ctx.state.config.duplicateDeliveries) await ctx.webhooks.deliver(target.url, field, payload)
  return first
}

export const deliverChange = (ctx: Ctx, waba: Waba, change: Change) =>
  deliverEntries(ctx, waba, change.field, [{ id: waba.id, changes: [change] }])
