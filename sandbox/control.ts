import { randomBytes } from "node:crypto"
import { type Ctx, deliverEntries, type Fault, type FaultKind, nowSeconds, webhookTarget } from "./context.ts"
import { tokenInvalidated } from "./errors.ts"
import { releaseHeldStatuses } from "./graph.ts"
import { isRecord, obj, type Params, str } from "./http.ts"
import { newAccessToken, newHex, newId } from "./ids.ts"
import { addMedia } from "./media.ts"
import { sampleMedia } from "./mediaSamples.ts"
import { accountUpdateValue, type Change, type Entry, type InboundInput, inboundChange } from "./payloads.ts"
import {
  addPhoneNumber,
  displayPhoneNumber,
  numbersOfWaba,
  type PhoneNumber,
  type Token,
  targetsOf,
  type Waba,
  WHATSAPP_SCOPES,
  waIdOf
} from "./state.ts"
import {
  type SandboxTemplate,
  TEMPLATE_CATEGORIES,
  TEMPLATE_STATUSES,
  type TemplateStatus,
  templatesOf
} from "./templates.ts"

export interface ControlResult {
  readonly status?: number
  readonly body: unknown
}

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

const required = (params: Params, name: string): string => {
  const value = str(params, name)
  if (value === undefined || value === "") throw new ControlError(400, `${name} is required`)
  return value
}

const bool = (params: Params, name: string): boolean | undefined => {
  const value = params[name]
  if (typeof value === "boolean") return value
  if (value === "true") return true
  if (value === "false") return false
  return undefined
}

const numberOf = (ctx: Ctx, id: string): { number: PhoneNumber; waba: Waba } => {
  const number = ctx.state.numbers.get(id)
  const waba = number === undefined ? undefined : ctx.state.wabas.get(number.wabaId)
  if (number === undefined || waba === undefined) throw new ControlError(404, `unknown phone number ${id}`)
  return { number, waba }
}

const MEDIA_TYPES = ["image", "audio", "video", "document", "sticker"]

/**
 * An inbound image, audio, video, document or sticker carries a media id the sandbox can serve: `media.base64` and
 * `media.mimeType` give its content and declared type (default: a small file of the type), `media.caption` and
 * `media.filename` go into the message. The type-specific part of the message is replaced.
 */
const withMedia = (ctx: Ctx, number: PhoneNumber, params: Params): Record<string, unknown> | undefined => {
  const type = str(params, "type")
  if (type === undefined || !MEDIA_TYPES.includes(type) || obj(params, "message") !== undefined) return undefined
  const given = obj(params, "media") ?? {}
  const sample = sampleMedia(type)!
  const base64 = str(given, "base64")
  const bytes = base64 === undefined ? sample.bytes : Buffer.from(base64, "base64")
  const declared = str(given, "mimeType") ?? sample.mimeType
  const filename = str(given, "filename") ?? (type === "document" ? "invoice.pdf" : null)
  const stored = addMedia(ctx.state, {
    phoneNumberId: number.id,
    bytes,
    mimeType: declared,
    filename,
    nowMs: ctx.nowMs()
  })
  const caption = str(given, "caption") ?? str(params, "text")
  const part: Record<string, unknown> = {
    mime_type: declared,
    sha256: Buffer.from(stored.sha256, "hex").toString("base64"),
    id: stored.id,
    ...(caption !== undefined && ["image", "video", "document"].includes(type) ? { caption } : {}),
    ...(type === "document" && filename !== null ? { filename } : {}),
    ...(type === "audio" ? { voice: true } : {}),
    ...(type === "sticker" ? { animated: given["animated"] === true } : {})
  }
  return { type, [type]: part }
}

/** `from` is the number as a person types it; the webhook carries the `wa_id` WhatsApp gives it (Brazil, Mexico). */
const inboundInput = (params: Params): InboundInput => ({
  from: waIdOf(str(params, "from") ?? (str(params, "userId") === undefined ? "15550109876" : "")),
  text: str(params, "text"),
  type: str(params, "type"),
  name: str(params, "name"),
  userId: str(params, "userId"),
  message: obj(params, "message"),
  contextId: str(params, "contextId"),
  referral: referralOf(obj(params, "referral"))
})

const REFERRAL_SOURCES = ["ad", "post"]

/**
 * Meta's `referral` object of a message sent from a Click-to-WhatsApp ad or a post (`source_url`, `source_id`,
 * `source_type` "ad" | "post", `headline`, `body`, `media_type`, `image_url` | `video_url`, `thumbnail_url`,
 * `ctwa_clid`), from the control body's camelCase fields; what is not given gets a plausible value.
 */
const referralOf = (given: Params | undefined): Record<string, unknown> | undefined => {
  if (given === undefined) return undefined
  const sourceType = str(given, "sourceType") ?? "ad"
  if (!REFERRAL_SOURCES.includes(sourceType)) throw new ControlError(400, "referral.sourceType is ad or post")
  const mediaType = str(given, "mediaType") ?? "image"
  if (mediaType !== "image" && mediaType !== "video")
    throw new ControlError(400, "referral.mediaType is image or video")
  const sourceId = str(given, "sourceId") ?? newId()
  return {
    source_url: str(given, "sourceUrl") ?? `https://fb.me/${sourceId}`,
    source_id: sourceId,
    source_type: sourceType,
    headline: str(given, "headline") ?? "Spring sale",
    body: str(given, "body") ?? "Write to us on WhatsApp",
    media_type: mediaType,
    [mediaType === "image" ? "image_url" : "video_url"]: str(given, "mediaUrl") ?? "https://scontent.example/ad.jpg",
    thumbnail_url: str(given, "thumbnailUrl") ?? "https://scontent.example/ad-thumb.jpg",
    ...(sourceType === "ad" ? { ctwa_clid: str(given, "ctwaClid") ?? `ARA${newHex(40)}` } : {})
  }
}

const recordInbound = (ctx: Ctx, number: PhoneNumber, input: InboundInput) => {
  if (input.from === "") return
  const key = `${number.id}:${input.from}`
  ctx.state.lastInbound.set(key, ctx.nowMs())
  // Meta names Click-to-WhatsApp ads (and Facebook Page call-to-action buttons) as free entry points; a post is not.
  if (input.referral?.["source_type"] === "ad") ctx.state.entryPoints.set(key, { referralAtMs: ctx.nowMs() })
}

/** `POST /_sandbox/inbound`: a signed `messages` webhook from a customer to a number. */
const inbound = async (ctx: Ctx, params: Params): Promise<ControlResult> => {
  const { number, waba } = numberOf(ctx, required(params, "phoneNumberId"))
  const media = withMedia(ctx, number, params)
  const input = inboundInput(media === undefined ? params : { ...params, message: media })
  const { change, wamid } = inboundChange(number, input, nowSeconds(ctx))
  recordInbound(ctx, number, input)
  const deliveryStatus = await deliverEntries(ctx, waba, "messages", [{ id: waba.id, changes: [change] }])
  const mediaId = media === undefined ? undefined : (media[String(media["type"])] as { id: string }).id
  return { body: { wamid, deliveryStatus, ...(mediaId === undefined ? {} : { mediaId }) } }
}

/** `POST /_sandbox/inbound-batch`: several inbound messages in one delivery per callback URL (entries per WABA). */
const inboundBatch = async (ctx: Ctx, params: Params): Promise<ControlResult> => {
  const items = params["items"]
  if (!Array.isArray(items) || items.length === 0) throw new ControlError(400, "items is required")
  const groups = new Map<string, { waba: Waba; entries: Map<string, Array<Change>> }>()
  const wamids: Array<string> = []
  for (const item of items) {
    if (!isRecord(item)) throw new ControlError(400, "items must be objects")
    const { number, waba } = numberOf(ctx, required(item, "phoneNumberId"))
    const input = inboundInput(item)
    const { change, wamid } = inboundChange(number, input, nowSeconds(ctx))
    recordInbound(ctx, number, input)
    wamids.push(wamid)
    const target = webhookTarget(ctx, waba, "messages")
    const key = "url" in target ? target.url : `skipped:${waba.id}`
    const group = groups.get(key) ?? { waba, entries: new Map<string, Array<Change>>() }
    const changes = group.entries.get(waba.id) ?? []
    changes.push(change)
    group.entries.set(waba.id, changes)
    groups.set(key, group)
  }
  const deliveryStatuses: Array<number | "failed" | "not_subscribed"> = []
  for (const group of groups.values()) {
    const entries: Array<Entry> = [...group.entries].map(([id, changes]) => ({ id, changes }))
    deliveryStatuses.push(await deliverEntries(ctx, group.waba, "messages", entries))
  }
  return { body: { wamids, deliveryStatuses } }
}

/** `POST /_sandbox/webhook`: signs and posts an arbitrary payload (e.g. a sample) to the app callback or `url`. */
const rawWebhook = async (ctx: Ctx, params: Params): Promise<ControlResult> => {
  const payload = params["payload"]
  if (!isRecord(payload)) throw new ControlError(400, "payload must be an object")
  const url = str(params, "url") ?? ctx.state.app.subscription?.callbackUrl
  if (url === undefined) throw new ControlError(409, "no url given and no app subscription")
  const deliveryStatus = await ctx.webhooks.deliver(url, str(params, "field") ?? "messages", payload)
  return { body: { deliveryStatus } }
}

const revokeForWaba = (ctx: Ctx, wabaId: string, revoked: { code: number; subcode: number; message: string }) => {
  let count = 0
  for (const token of ctx.state.tokens.values()) {
    const targets = [
      ...targetsOf(token, "whatsapp_business_management"),
      ...targetsOf(token, "whatsapp_business_messaging")
    ]
    if (targets.includes(wabaId) && token.revoked === null) {
      token.revoked = revoked
      count++
    }
  }
  return count
}

const invalidated = () => {
  const e = tokenInvalidated()
  return { code: e.code, subcode: e.subcode ?? 460, message: e.message }
}

/**
 * `POST /_sandbox/account-update`: an `account_update` webhook. PARTNER_APP_UNINSTALLED and PARTNER_REMOVED also do
 * what causes them at Meta: the business tokens for the WABA stop working and the app's WABA subscription goes.
 */
const accountUpdate = async (ctx: Ctx, params: Params): Promise<ControlResult> => {
  const wabaId = required(params, "wabaId")
  const event = required(params, "event")
  const waba = ctx.state.wabas.get(wabaId)
  if (waba === undefined) throw new ControlError(404, `unknown WABA ${wabaId}`)
  const extra: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(params)) if (key !== "wabaId" && key !== "event") extra[key] = value
  const app = ctx.state.app
  const value = accountUpdateValue(
    event,
    { wabaId, ownerBusinessId: waba.businessId, appId: app.id, partnerBusinessId: app.partnerBusinessId },
    extra
  )
  if (event === "PARTNER_APP_UNINSTALLED" || event === "PARTNER_REMOVED") {
    revokeForWaba(ctx, wabaId, invalidated())
    waba.subscriptions.splice(0, waba.subscriptions.length, ...waba.subscriptions.filter((s) => s.appId !== app.id))
  }
  // What the event means at Meta from now on: a disabled WABA sends nothing until reinstated; a restriction that
  // blocks messaging refuses those sends until its expiration.
  if (event === "DISABLED_UPDATE") {
    const ban = (value["ban_info"] as { waba_ban_state?: unknown } | undefined)?.waba_ban_state
    const states = Array.isArray(ban) ? ban : [ban]
    if (states.includes("REINSTATE")) waba.disabled = false
    else if (states.includes("DISABLE")) waba.disabled = true
  } else if (event === "ACCOUNT_RESTRICTION" && Array.isArray(value["restriction_info"])) {
    waba.restrictions = (value["restriction_info"] as Array<{ restriction_type?: unknown; expiration?: unknown }>).map(
      (r) => {
        const text = String(r.expiration ?? "")
        const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"))
        return { type: String(r.restriction_type), untilMs: Number.isFinite(ms) ? ms : null }
      }
    )
  }
  const entryId = event.startsWith("PARTNER_") ? app.partnerBusinessId : wabaId
  const deliveryStatus = await deliverEntries(ctx, waba, "account_update", [
    { id: entryId, time: nowSeconds(ctx), changes: [{ field: "account_update", value }] }
  ])
  return { body: { deliveryStatus, entryId } }
}

/**
 * `POST /_sandbox/name-review`: Meta decides a number's display-name review and says so with a
 * `phone_number_name_update` webhook (entry.id = the WABA; the number by its display digits). APPROVED sets the
 * number's `name_status` to APPROVED, REJECTED to DECLINED (Meta's display-names page); DEFERRED leaves it.
 */
const nameReview = async (ctx: Ctx, params: Params): Promise<ControlResult> => {
  const { number, waba } = numberOf(ctx, required(params, "phoneNumberId"))
  const decision = required(params, "decision").toUpperCase()
  if (!["APPROVED", "REJECTED", "DEFERRED"].includes(decision))
    throw new ControlError(400, "decision must be APPROVED, REJECTED or DEFERRED")
  if (decision === "APPROVED") number.nameStatus = "APPROVED"
  else if (decision === "REJECTED") number.nameStatus = "DECLINED"
  const requestedName = str(params, "requestedName") ?? number.verifiedName
  const value = {
    display_phone_number: number.digits,
    decision,
    requested_verified_name: requestedName,
    rejection_reason: decision === "REJECTED" ? (str(params, "rejectionReason") ?? "NONE") : "NONE"
  }
  const deliveryStatus = await deliverEntries(ctx, waba, "phone_number_name_update", [
    { id: waba.id, time: nowSeconds(ctx), changes: [{ field: "phone_number_name_update", value }] }
  ])
  return { body: { deliveryStatus, nameStatus: number.nameStatus } }
}

const revokeToken = (ctx: Ctx, params: Params): ControlResult => {
  const all = bool(params, "all") === true
  let wabaId = str(params, "wabaId")
  const phoneNumberId = str(params, "phoneNumberId")
  if (phoneNumberId !== undefined) wabaId = numberOf(ctx, phoneNumberId).waba.id
  if (!all && wabaId === undefined) throw new ControlError(400, "give wabaId, phoneNumberId or all: true")
  let revoked = 0
  if (all) {
    for (const token of ctx.state.tokens.values()) {
      if (token.revoked === null) {
        token.revoked = invalidated()
        revoked++
      }
    }
  } else if (wabaId !== undefined) {
    revoked = revokeForWaba(ctx, wabaId, invalidated())
  }
  return { body: { revoked } }
}

/**
 * `POST /_sandbox/revoke-permission`: the person removes one permission from the app (Facebook settings > Business
 * integrations, or `DELETE /me/permissions/{permission}`): every token of theirs for the app loses it.
 */
const revokePermission = (ctx: Ctx, params: Params): ControlResult => {
  const permission = required(params, "permission")
  const userId = str(params, "userId") ?? ctx.state.seedUserId
  // With `wabaId`: the business removes the permission from the app's access to that WABA (Business settings >
  // Integrations): every token of the app targeting the WABA loses it, business integration tokens included.
  const wabaId = str(params, "wabaId")
  let changed = 0
  for (const token of ctx.state.tokens.values()) {
    const concerned =
      wabaId === undefined
        ? token.userId === userId && token.kind === "USER"
        : token.granular.some((g) => g.targetIds.includes(wabaId))
    if (!concerned || !token.scopes.includes(permission)) continue
    token.scopes = token.scopes.filter((s) => s !== permission)
    token.granular = token.granular.filter((g) => g.scope !== permission)
    changed++
  }
  return { body: { changed } }
}

/**
 * `POST /_sandbox/ad-account-status` (`{"adAccountId": "act_…" or the number, "accountStatus": 2}`): Meta changes an
 * ad account's `account_status` (1 active, 2 disabled, 3 unsettled, 7 pending risk review, 8 pending settlement,
 * 9 in grace period, 100 pending closure, 101 closed), as when it disables an account or a payment fails.
 */
const setAdAccountStatus = (ctx: Ctx, params: Params): ControlResult => {
  const id = required(params, "adAccountId").replace(/^act_/, "")
  const status = Number(params["accountStatus"])
  if (!Number.isInteger(status)) throw new ControlError(400, "accountStatus must be a whole number")
  const all = [
    ...[...ctx.state.businesses.values()].flatMap((b) => [...b.ownedAdAccounts, ...b.clientAdAccounts]),
    ...[...ctx.state.users.values()].flatMap((u) => u.personalAdAccounts)
  ].filter((account) => account.accountId === id)
  if (all.length === 0) throw new ControlError(404, `unknown ad account act_${id}`)
  for (const account of all) account.accountStatus = status
  return { body: { adAccountId: `act_${id}`, accountStatus: status } }
}

/**
 * `POST /_sandbox/business-access` (`{"businessId", "member": false, "userId"?}`): the Business Manager's admin
 * removes the person (default the seed user) from it (`member: true` adds them back): their tokens no longer reach
 * the business, nor its ad accounts (`GET /{business}/…` and `GET /act_{id}` answer "does not exist or cannot be
 * loaded due to missing permissions").
 */
const setBusinessAccess = (ctx: Ctx, params: Params): ControlResult => {
  const businessId = required(params, "businessId")
  if (!ctx.state.businesses.has(businessId)) throw new ControlError(404, `unknown business ${businessId}`)
  const member = bool(params, "member")
  if (member === undefined) throw new ControlError(400, "member must be true or false")
  const userId = str(params, "userId") ?? ctx.state.seedUserId
  const user = ctx.state.users.get(userId)
  if (user === undefined) throw new ControlError(404, `unknown user ${userId}`)
  const others = user.businessIds.filter((id) => id !== businessId)
  ctx.state.users.set(userId, { ...user, businessIds: member ? [...others, businessId] : others })
  for (const token of ctx.state.tokens.values()) {
    if (token.userId !== userId || token.kind !== "USER") continue
    token.granular = token.granular.map((g) =>
      g.scope !== "business_management"
        ? g
        : {
            ...g,
            targetIds: member
              ? [...g.targetIds.filter((id) => id !== businessId), businessId]
              : g.targetIds.filter((id) => id !== businessId)
          }
    )
  }
  return { body: { userId, businessId, member } }
}

/** `POST /_sandbox/app/configuration`: the permissions a FLB configuration grants (`which`: whatsapp or ads). */
const setConfiguration = (ctx: Ctx, params: Params): ControlResult => {
  const which = str(params, "which")
  if (which !== "whatsapp" && which !== "ads") throw new ControlError(400, "which must be whatsapp or ads")
  const permissions = params["permissions"]
  if (!Array.isArray(permissions) || permissions.some((p) => typeof p !== "string"))
    throw new ControlError(400, "permissions must be a list of permission names")
  ctx.state.app.configurationScopes[which] = [...new Set(permissions as Array<string>)]
  return { body: ctx.state.app.configurationScopes }
}

const FAULT_KINDS: ReadonlyArray<FaultKind> = ["http500", "rateLimit", "hang", "graphError"]

const addFault = (ctx: Ctx, params: Params): ControlResult => {
  const path = required(params, "path")
  const kind = FAULT_KINDS.find((k) => k === str(params, "kind"))
  if (kind === undefined) throw new ControlError(400, `kind must be one of ${FAULT_KINDS.join(", ")}`)
  let pattern: RegExp
  try {
    pattern = new RegExp(path)
  } catch {
    pattern = new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
  }
  const num = (name: string) => {
    const v = params[name]
    return typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : undefined
  }
  const times = num("times") ?? 1
  const fault: Fault = {
    method: str(params, "method")?.toUpperCase(),
    pattern,
    kind,
    code: num("code"),
    subcode: num("subcode"),
    message: str(params, "message"),
    status: num("status"),
    remaining: times === 0 ? null : times
  }
  ctx.faults.push(fault)
  return { body: { faults: ctx.faults.length } }
}

const seedPhoneNumber = (ctx: Ctx, params: Params): ControlResult => {
  const wabaId = str(params, "wabaId") ?? ctx.state.seedWabaId
  if (!ctx.state.wabas.has(wabaId)) throw new ControlError(404, `unknown WABA ${wabaId}`)
  const number = addPhoneNumber(ctx.state, wabaId, ctx.nowMs() - 3_600_000, {
    verifiedName: str(params, "verifiedName") ?? "Sandbox Seeded",
    nameStatus: str(params, "nameStatus") ?? "APPROVED",
    registered: bool(params, "registered") ?? false,
    ...(bool(params, "verified") === false ? { verified: false } : {}),
    ...(params["pin"] === undefined ? {} : { pin: sixDigits(params, "pin") })
  })
  return { body: numberSummary(number) }
}

const sixDigits = (params: Params, name: string): string => {
  const value = required(params, name)
  if (!/^\d{6}$/.test(value)) throw new ControlError(400, `${name} must be 6 digits`)
  return value
}

/**
 * `POST /_sandbox/numbers/{id}/pin` (`{"pin": "123456"}`, or `{"pin": null}` to turn it off): the number's two-step
 * verification PIN, as its owner sets it in WhatsApp Manager; a register with another PIN then answers 133005.
 * `POST /_sandbox/numbers/{id}/verify`: the owner verified the number (`code_verification_status` VERIFIED).
 */
const numberControl = (ctx: Ctx, path: string, params: Params): ControlResult | undefined => {
  const match = /^\/_sandbox\/numbers\/([^/]+)\/(pin|verify)$/.exec(path)
  if (match === null) return undefined
  const { number } = numberOf(ctx, decodeURIComponent(match[1]!))
  if (match[2] === "pin") number.pin = params["pin"] === null ? null : sixDigits(params, "pin")
  else number.codeVerificationStatus = "VERIFIED"
  return { body: numberSummary(number) }
}

/**
 * `POST /_sandbox/tokens`: a business token for a WABA (default the seed's) with the three WhatsApp scopes, as an
 * Embedded Signup of another app would issue it (`appId` default: a second app, created on first use), or of the
 * sandbox's own app when `appId` is its id. Returns the token: it stands for one pasted by an operator.
 */
const mintToken = (ctx: Ctx, params: Params): ControlResult => {
  const wabaId = str(params, "wabaId") ?? ctx.state.seedWabaId
  const waba = ctx.state.wabas.get(wabaId)
  if (waba === undefined) throw new ControlError(404, `unknown WABA ${wabaId}`)
  const appId = str(params, "appId") ?? ctx.state.otherApps.keys().next().value ?? newId(16)
  if (appId !== ctx.state.app.id && !ctx.state.otherApps.has(appId))
    ctx.state.otherApps.set(appId, { id: appId, secret: newHex(16) })
  const now = ctx.nowMs()
  const token: Token = {
    token: newAccessToken(),
    appId,
    kind: "SYSTEM_USER",
    subjectId: newId(15),
    userId: ctx.state.seedUserId,
    clientBusinessId: waba.businessId,
    issuedAtMs: now,
    expiresAtMs: 0,
    longLived: true,
    dataAccessExpiresAtMs: 0,
    scopes: [...WHATSAPP_SCOPES],
    granular: [
      { scope: "whatsapp_business_management", targetIds: [waba.id] },
      { scope: "whatsapp_business_messaging", targetIds: [waba.id] },
      { scope: "business_management", targetIds: [waba.businessId] }
    ],
    revoked: null
  }
  ctx.state.tokens.set(token.token, token)
  return { body: { accessToken: token.token, appId, wabaId: waba.id } }
}

/**
 * `POST /_sandbox/app/subscription`: the app-level `whatsapp_business_account` callback, as another environment
 * sharing the app (or a person in the App Dashboard) would set it; no handshake. `callbackUrl: null` removes it.
 */
const setAppSubscription = (ctx: Ctx, params: Params): ControlResult => {
  const app = ctx.state.app
  if (params["callbackUrl"] === null) {
    app.subscription = null
    return { body: { subscription: null } }
  }
  const callbackUrl = required(params, "callbackUrl")
  const fields = Array.isArray(params["fields"])
    ? params["fields"].map(String)
    : (app.subscription?.fields ?? ["messages", "account_update"])
  app.subscription = {
    object: "whatsapp_business_account",
    callbackUrl,
    verifyToken: str(params, "verifyToken") ?? app.subscription?.verifyToken ?? "",
    fields
  }
  return { body: { subscription: { callbackUrl, fields } } }
}

const numberSummary = (n: PhoneNumber) => ({
  id: n.id,
  wabaId: n.wabaId,
  digits: n.digits,
  displayPhoneNumber: displayPhoneNumber(n.digits),
  verifiedName: n.verifiedName,
  nameStatus: n.nameStatus,
  codeVerificationStatus: n.codeVerificationStatus,
  qualityRating: n.qualityRating,
  registered: n.registered,
  pinSet: n.pin !== null
})

/** `GET /_sandbox/state`: a summary for tests and people (never token values). */
export const summary = (ctx: Ctx) => {
  const s = ctx.state
  return {
    nowMs: ctx.nowMs(),
    app: {
      id: s.app.id,
      partnerBusinessId: s.app.partnerBusinessId,
      redirectUris: s.app.redirectUris,
      configId: s.app.configId ?? null,
      adsConfigId: s.app.adsConfigId,
      configurationScopes: s.app.configurationScopes,
      subscription:
        s.app.subscription === null
          ? null
          : {
              object: s.app.subscription.object,
              callbackUrl: s.app.subscription.callbackUrl,
              fields: s.app.subscription.fields
            }
    },
    config: s.config,
    seed: { userId: s.seedUserId, businessId: s.seedBusinessId, wabaId: s.seedWabaId },
    users: [...s.users.values()].map((u) => ({
      id: u.id,
      name: u.name,
      businessIds: u.businessIds,
      personalAdAccounts: u.personalAdAccounts.map((a) => `act_${a.accountId}`),
      assignedAdAccounts: u.assignedAdAccountIds.map((id) => `act_${id}`)
    })),
    businesses: [...s.businesses.values()].map((b) => ({
      id: b.id,
      name: b.name,
      ownedAdAccounts: b.ownedAdAccounts.map((a) => `act_${a.accountId}`),
      clientAdAccounts: b.clientAdAccounts.map((a) => `act_${a.accountId}`)
    })),
    wabas: [...s.wabas.values()].map((w) => ({
      id: w.id,
      name: w.name,
      businessId: w.businessId,
      subscribedApps: w.subscriptions.map((x) => ({ appId: x.appId, overrideCallbackUri: x.overrideCallbackUri })),
      phoneNumberIds: numbersOfWaba(s, w.id).map((n) => n.id)
    })),
    numbers: [...s.numbers.values()].map(numberSummary),
    tokens: [...s.tokens.values()].map((t) => ({
      kind: t.kind,
      userId: t.userId,
      scopes: t.scopes,
      wabaIds: targetsOf(t, "whatsapp_business_management"),
      expiresAt: t.expiresAtMs === 0 ? 0 : Math.floor(t.expiresAtMs / 1000),
      revoked: t.revoked !== null
    })),
    sentMessages: s.sentMessages,
    deliveries: ctx.webhooks.deliveries.map((d) => ({
      id: d.id,
      url: d.url,
      field: d.field,
      status: d.status,
      attempts: d.attempts,
      payload: d.payload
    })),
    skippedDeliveries: ctx.skipped,
    faults: ctx.faults.map((f) => ({
      method: f.method ?? null,
      path: f.pattern.source,
      kind: f.kind,
      remaining: f.remaining
    }))
  }
}

/**
 * `POST /_sandbox/numbers/{id}/quality` (`{"rating": "RED", "event": "FLAGGED", "messagingLimit": "TIER_250"}`):
 * the number's `quality_rating` (and the portfolio's limit) change as Meta rates it, and Meta says so with a
 * `phone_number_quality_update` webhook (entry.id = the WABA; the number by its digits). `event` defaults to FLAGGED
 * for RED, UNFLAGGED otherwise.
 */
const numberQuality = async (ctx: Ctx, path: string, params: Params): Promise<ControlResult | undefined> => {
  const match = /^\/_sandbox\/numbers\/([^/]+)\/quality$/.exec(path)
  if (match === null) return undefined
  const { number, waba } = numberOf(ctx, decodeURIComponent(match[1]!))
  const rating = required(params, "rating").toUpperCase()
  if (!["GREEN", "YELLOW", "RED", "UNKNOWN"].includes(rating))
    throw new ControlError(400, "rating must be GREEN, YELLOW, RED or UNKNOWN")
  number.qualityRating = rating
  const oldLimit = number.messagingLimit
  const limit = str(params, "messagingLimit")
  if (limit !== undefined) number.messagingLimit = limit
  const event = str(params, "event") ?? (rating === "RED" ? "FLAGGED" : "UNFLAGGED")
  const value = {
    display_phone_number: number.digits,
    event,
    ...(limit !== undefined && limit !== oldLimit ? { old_limit: oldLimit } : {}),
    current_limit: number.messagingLimit
  }
  const deliveryStatus = await deliverEntries(ctx, waba, "phone_number_quality_update", [
    { id: waba.id, time: nowSeconds(ctx), changes: [{ field: "phone_number_quality_update", value }] }
  ])
  return { body: { deliveryStatus, qualityRating: number.qualityRating, messagingLimit: number.messagingLimit } }
}

/**
 * `POST /_sandbox/wabas/{id}/subscribed-apps` (`{"subscribed": false}`): our app's subscription to the WABA goes
 * (or comes back), as when someone removes it in WhatsApp Manager or another integration calls
 * `DELETE /{waba-id}/subscribed_apps`: Meta then posts the WABA's webhooks to nobody of ours.
 * `{"overrideCallbackUri": "https://…" | null}` sets (or removes) the WABA's override callback for our app, as another
 * integration's `POST /{waba-id}/subscribed_apps` with `override_callback_uri` would (no handshake here).
 */
const wabaSubscription = (ctx: Ctx, path: string, params: Params): ControlResult | undefined => {
  const match = /^\/_sandbox\/wabas\/([^/]+)\/subscribed-apps$/.exec(path)
  if (match === null) return undefined
  const waba = ctx.state.wabas.get(decodeURIComponent(match[1]!))
  if (waba === undefined) throw new ControlError(404, `unknown WABA ${match[1]}`)
  const appId = ctx.state.app.id
  const overrideGiven = Object.hasOwn(params, "overrideCallbackUri")
  const override = params["overrideCallbackUri"]
  if (overrideGiven && override !== null && (typeof override !== "string" || override === ""))
    throw new ControlError(400, "overrideCallbackUri must be a URL or null")
  const subscribed = bool(params, "subscribed") ?? (overrideGiven ? true : undefined)
  if (subscribed === undefined) throw new ControlError(400, "subscribed must be true or false")
  const others = waba.subscriptions.filter((s) => s.appId !== appId)
  const ours = waba.subscriptions.find((s) => s.appId === appId) ?? { appId, overrideCallbackUri: null }
  if (overrideGiven) ours.overrideCallbackUri = override as string | null
  waba.subscriptions.splice(0, waba.subscriptions.length, ...others, ...(subscribed ? [ours] : []))
  return {
    body: {
      wabaId: waba.id,
      subscribedApps: waba.subscriptions.map((s) => s.appId),
      overrideCallbackUri: subscribed ? ours.overrideCallbackUri : null
    }
  }
}

/**
 * `POST /_sandbox/account-review` (`{"wabaId", "decision": "APPROVED" | "REJECTED" | "PENDING" | "DEFERRED"}`): an
 * `account_review_update` webhook, Meta's decision on the WABA's review (entry.id = the WABA).
 * `POST /_sandbox/business-capability` (`{"wabaId", "maxDailyConversationsPerBusiness": 2000}`): a
 * `business_capability_update` webhook, the portfolio's new messaging limit (entry.id = the WABA).
 */
const wabaEvent = async (ctx: Ctx, field: string, params: Params): Promise<ControlResult> => {
  const wabaId = str(params, "wabaId") ?? ctx.state.seedWabaId
  const waba = ctx.state.wabas.get(wabaId)
  if (waba === undefined) throw new ControlError(404, `unknown WABA ${wabaId}`)
  let value: Record<string, unknown>
  if (field === "account_review_update") {
    const decision = required(params, "decision").toUpperCase()
    if (!["APPROVED", "REJECTED", "PENDING", "DEFERRED"].includes(decision))
      throw new ControlError(400, "decision must be APPROVED, REJECTED, PENDING or DEFERRED")
    value = { decision }
  } else {
    const limit = Number(params["maxDailyConversationsPerBusiness"] ?? 2000)
    if (!Number.isFinite(limit)) throw new ControlError(400, "maxDailyConversationsPerBusiness must be a number")
    value = { max_daily_conversations_per_business: limit, max_phone_numbers_per_business: 20 }
  }
  const deliveryStatus = await deliverEntries(ctx, waba, field, [
    { id: waba.id, time: nowSeconds(ctx), changes: [{ field, value }] }
  ])
  return { body: { deliveryStatus, value } }
}

/**
 * `POST /_sandbox/templates/review` (`{"wabaId", "name", "language", "status": "APPROVED" | "REJECTED" | "PAUSED" |
 * "DISABLED" | "PENDING", "reason"}`): Meta's review moves a template, and says so with a
 * `message_template_status_update` webhook (entry.id = the WABA).
 */
/** The template a template control names (`wabaId`, `name`, `language`), with its WABA. */
const namedTemplate = (ctx: Ctx, params: Params) => {
  const wabaId = str(params, "wabaId") ?? ctx.state.seedWabaId
  const waba = ctx.state.wabas.get(wabaId)
  if (waba === undefined) throw new ControlError(404, `unknown WABA ${wabaId}`)
  const name = required(params, "name")
  const language = str(params, "language") ?? "en_US"
  const template = templatesOf(waba).find((t) => t.name === name && t.language === language)
  if (template === undefined) throw new ControlError(404, `no template ${name} in ${language}`)
  return { waba, template }
}

/** Delivers one WABA-level template webhook (`field`, `value` naming the template), as Meta does. */
const templateWebhook = async (
  ctx: Ctx,
  waba: Parameters<typeof templatesOf>[0],
  template: SandboxTemplate,
  field: string,
  fields: Record<string, unknown>
): Promise<ControlResult> => {
  const value: Record<string, unknown> = {
    ...fields,
    message_template_id: Number(template.id),
    message_template_name: template.name,
    message_template_language: template.language
  }
  const deliveryStatus = await deliverEntries(ctx, waba, field, [
    { id: waba.id, time: nowSeconds(ctx), changes: [{ field, value }] }
  ])
  return { body: { deliveryStatus, value } }
}

const reviewTemplate = async (ctx: Ctx, params: Params): Promise<ControlResult> => {
  const { waba, template } = namedTemplate(ctx, params)
  const status = required(params, "status").toUpperCase() as TemplateStatus
  if (!TEMPLATE_STATUSES.includes(status))
    throw new ControlError(400, `status must be one of ${TEMPLATE_STATUSES.join(", ")}`)
  const reason = str(params, "reason") ?? (status === "REJECTED" ? "INVALID_FORMAT" : "NONE")
  template.status = status
  template.rejectedReason = status === "REJECTED" ? reason : "NONE"
  return templateWebhook(ctx, waba, template, "message_template_status_update", {
    event: status,
    reason,
    message_template_category: template.category,
    ...(status === "DISABLED" ? { disable_info: { disable_date: new Date(ctx.nowMs()).toISOString() } } : {})
  })
}

const QUALITY_SCORES = ["GREEN", "YELLOW", "RED", "UNKNOWN"]

/**
 * `POST /_sandbox/templates/quality` (`{"wabaId", "name", "language", "score": "GREEN" | "YELLOW" | "RED" |
 * "UNKNOWN"}`): the template's quality score moves, with a `message_template_quality_update` webhook.
 */
const templateQuality = async (ctx: Ctx, params: Params): Promise<ControlResult> => {
  const { waba, template } = namedTemplate(ctx, params)
  const score = required(params, "score").toUpperCase()
  if (!QUALITY_SCORES.includes(score)) throw new ControlError(400, `score must be one of ${QUALITY_SCORES.join(", ")}`)
  const previous = template.quality ?? "UNKNOWN"
  template.quality = score
  return templateWebhook(ctx, waba, template, "message_template_quality_update", {
    previous_quality_score: previous,
    new_quality_score: score
  })
}

/**
 * `POST /_sandbox/templates/category` (`{"wabaId", "name", "language", "category"}`): Meta recategorises the
 * template (a completed change), with a `template_category_update` webhook.
 */
const templateCategory = async (ctx: Ctx, params: Params): Promise<ControlResult> => {
  const { waba, template } = namedTemplate(ctx, params)
  const category = required(params, "category").toUpperCase()
  if (!(TEMPLATE_CATEGORIES as ReadonlyArray<string>).includes(category))
    throw new ControlError(400, `category must be one of ${TEMPLATE_CATEGORIES.join(", ")}`)
  const previous = template.category
  template.category = category
  return templateWebhook(ctx, waba, template, "template_category_update", {
    previous_category: previous,
    new_category: category
  })
}

export interface ControlHooks {
  readonly advanceClock: (seconds: number) => void
  readonly reset: () => void
}

type ConfigFlag = {
  [K in keyof Ctx["state"]["config"]]: Ctx["state"]["config"][K] extends boolean ? K : never
}[keyof Ctx["state"]["config"]]

/** Sets each boolean of `ctx.state.config` whose parameter (`param → config key`) is given. */
const setFlags = (ctx: Ctx, params: Params, flags: Readonly<Record<string, ConfigFlag>>): void => {
  for (const [param, key] of Object.entries(flags)) {
    const value = bool(params, param)
    if (value !== undefined) ctx.state.config[key] = value
  }
}

const setRecipient = (ctx: Ctx, params: Params): ControlResult => {
  const waId = waIdOf(required(params, "waId"))
  const failWith = obj(params, "failWith")
  if (failWith === undefined) {
    ctx.state.failingRecipients.delete(waId)
    return { body: { waId, failWith: null } }
  }
  const code = Number(failWith["code"] ?? 131047)
  const title = String(failWith["title"] ?? "Re-engagement message")
  const message = String(failWith["message"] ?? title)
  const details = String(failWith["details"] ?? message)
  ctx.state.failingRecipients.set(waId, { code, title, message, details })
  return { body: { waId, failWith: { code, title, message, details } } }
}

/** As "Reset" of the app secret in the App Dashboard: the old secret (and app tokens made from it) stop working. */
const rotateSecret = (ctx: Ctx, params: Params): ControlResult => {
  const given = str(params, "secret")
  if (given !== undefined && !/^[0-9A-Za-z]{16,128}$/.test(given))
    throw new ControlError(400, "secret must be 16 to 128 letters and digits")
  ctx.state.app.secret = given ?? randomBytes(16).toString("hex")
  return { body: { appId: ctx.state.app.id, secret: ctx.state.app.secret } }
}

type ControlRoute = (ctx: Ctx, params: Params, hooks: ControlHooks) => ControlResult | Promise<ControlResult>

/** Every control endpoint by `METHOD path` (the per-number ones are matched by `numberControl`). */
const ROUTES: Readonly<Record<string, ControlRoute>> = {
  "POST /_sandbox/inbound": inbound,
  "POST /_sandbox/inbound-batch": inboundBatch,
  "POST /_sandbox/webhook": rawWebhook,
  "POST /_sandbox/account-update": accountUpdate,
  "POST /_sandbox/name-review": nameReview,
  "POST /_sandbox/revoke-token": revokeToken,
  "POST /_sandbox/revoke-permission": revokePermission,
  "POST /_sandbox/ad-account-status": setAdAccountStatus,
  "POST /_sandbox/business-access": setBusinessAccess,
  "POST /_sandbox/app/configuration": setConfiguration,
  "POST /_sandbox/faults": addFault,
  "DELETE /_sandbox/faults": (ctx) => {
    ctx.faults.length = 0
    return { body: { faults: 0 } }
  },
  "POST /_sandbox/clock": (ctx, params, hooks) => {
    const seconds = Number(params["advanceSeconds"] ?? 0)
    if (!Number.isFinite(seconds)) throw new ControlError(400, "advanceSeconds must be a number")
    hooks.advanceClock(seconds)
    return { body: { nowMs: ctx.nowMs() } }
  },
  "POST /_sandbox/config": (ctx, params) => {
    setFlags(ctx, params, {
      tokenExpiresIn60Days: "tokenExpiresIn60Days",
      enforceServiceWindow: "enforceServiceWindow",
      requireAppSecretProof: "requireAppSecretProof",
      fullAccessSystemUsers: "fullAccessSystemUsers",
      holdStatuses: "holdStatuses"
    })
    return { body: ctx.state.config }
  },
  "POST /_sandbox/recipients": setRecipient,
  "POST /_sandbox/statuses/release": async (ctx, params) => ({
    body: { released: await releaseHeldStatuses(ctx, str(params, "wamid")) }
  }),
  // The next `count` media downloads (the lookaside URL) answer 500, as a download failing at Meta.
  "POST /_sandbox/media/fail-next": (ctx, params) => {
    const count = Number(params["count"] ?? 1)
    if (!Number.isInteger(count) || count < 0) throw new ControlError(400, "count must be a whole number")
    ctx.state.mediaFailNext = count
    return { body: { failNext: count } }
  },
  // What the sandbox holds under a media id (uploads a business made, media customers sent).
  "GET /_sandbox/media": (ctx, params) => {
    const media = ctx.state.media.get(required(params, "id"))
    if (media === undefined) throw new ControlError(404, "unknown media id")
    return { body: { ...media, base64: undefined, bytesBase64: media.base64 } }
  },
  "POST /_sandbox/delivery": (ctx, params) => {
    setFlags(ctx, params, { duplicate: "duplicateDeliveries", outOfOrder: "outOfOrderDeliveries" })
    return {
      body: { duplicate: ctx.state.config.duplicateDeliveries, outOfOrder: ctx.state.config.outOfOrderDeliveries }
    }
  },
  "POST /_sandbox/app/rotate-secret": rotateSecret,
  "POST /_sandbox/seed/phone-number": seedPhoneNumber,
  "POST /_sandbox/tokens": mintToken,
  "POST /_sandbox/app/subscription": setAppSubscription,
  "GET /_sandbox/state": (ctx) => ({ body: summary(ctx) }),
  "POST /_sandbox/templates/review": reviewTemplate,
  "POST /_sandbox/templates/quality": templateQuality,
  "POST /_sandbox/templates/category": templateCategory,
  "POST /_sandbox/account-review": (ctx, params) => wabaEvent(ctx, "account_review_update", params),
  "POST /_sandbox/business-capability": (ctx, params) => wabaEvent(ctx, "business_capability_update", params),
  "POST /_sandbox/reset": (_ctx, _params, hooks) => {
    hooks.reset()
    return { body: { reset: true } }
  }
}

export const handleControl = async (
  ctx: Ctx,
  hooks: ControlHooks,
  method: string,
  path: string,
  params: Params
): Promise<ControlResult> => {
  const route = `${method} ${path}`
  const handler = Object.hasOwn(ROUTES, route) ? ROUTES[route] : undefined
  if (handler !== undefined) return handler(ctx, params, hooks)
  if (method === "POST") {
    const found =
      numberControl(ctx, path, params) ??
      (await numberQuality(ctx, path, params)) ??
      wabaSubscription(ctx, path, params)
    if (found !== undefined) return found
  }
  throw new ControlError(404, `no control endpoint ${route}`)
}
