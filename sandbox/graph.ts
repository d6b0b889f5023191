import { createHmac, timingSafeEqual } from "node:crypto"
import type { IncomingHttpHeaders } from "node:http"
import {
  authenticate,
  type Caller,
  type Ctx,
  checkToken,
  deliverChange,
  nowSeconds,
  tokenFrom,
  wabaFor
} from "./context.ts"
import {
  accountNotRegistered,
  appNotSubscribedToObject,
  appSecretProofInvalid,
  appSecretProofMissing,
  appTokenRequired,
  callbackVerificationFailed,
  codeExpired,
  codeMalformed,
  codeRedirectMismatch,
  codeUsed,
  codeVerifierWithoutChallenge,
  dataAccessExpired,
  GraphError,
  inputTokenOfAnotherApp,
  invalidAppId,
  invalidClientSecret,
  invalidParam,
  messagingPermissionMissing,
  missingParam,
  nonexistingField,
  noValidCertificate,
  numberNotVerified,
  overrideBeforeSubscribe,
  permissionMissing,
  pinMismatch,
  tokenAppNotAuthorized,
  unsupportedRequest,
  userTokenRequired
} from "./errors.ts"
import { list, obj, type Params, str } from "./http.ts"
import { newAccessToken, newChallenge, newHex, newId, newWamid } from "./ids.ts"
import { mediaNode, uploadMedia } from "./media.ts"
import { MESSAGE_TYPES, type StatusName, statusChange } from "./payloads.ts"
import {
  type AdAccount,
  type Business,
  displayPhoneNumber,
  type Grant,
  MAX_PAGE_SIZE,
  numbersOfWaba,
  PAGE_SIZE,
  type PhoneNumber,
  type Token,
  type TokenKind,
  targetsOf,
  type Waba,
  waIdOf
} from "./state.ts"
import { checkTemplateSend, createTemplate, deleteTemplates, templateNode, templatesOf } from "./templates.ts"

export interface GraphResult {
  readonly status?: number
  readonly body: unknown
  /** Set for WABA endpoints: the owner business, for `X-Business-Use-Case-Usage`. */
  readonly businessId?: string
  /** Set for ad account endpoints: the account, for `X-Ad-Account-Usage`. */
  readonly adAccountId?: string
}

export interface GraphRequest {
  /** The version prefix the call used, e.g. "v24.0" (for `paging.next`). */
  readonly version?: string
  readonly method: string
  /** Path segments after the version prefix, e.g. ["123", "phone_numbers"]. */
  readonly segments: ReadonlyArray<string>
  readonly params: Params
  readonly headers: IncomingHttpHeaders
}

const SIXTY_DAYS_S = 60 * 24 * 3600
const SHORT_LIVED_S = 2 * 3600
const DATA_ACCESS_S = 90 * 24 * 3600

const pick = (
  full: Record<string, unknown>,
  params: Params,
  defaults: ReadonlyArray<string>,
  nodeType: string
): Record<string, unknown> => {
  const requested = list(params, "fields") ?? defaults
  const out: Record<string, unknown> = {}
  for (const field of requested) {
    if (!(field in full)) throw nonexistingField(field, nodeType)
    if (full[field] !== undefined) out[field] = full[field]
  }
  out["id"] = full["id"]
  return out
}

const cursorOf = (index: number) => Buffer.from(`sandbox-cursor:${index}`, "utf8").toString("base64url")
const indexOf = (cursor: string): number => {
  const match = /^sandbox-cursor:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"))
  if (match === null) throw invalidParam("Invalid parameter: the after cursor is not valid")
  return Number(match[1])
}

/**
 * One page of a Graph list, as Meta pages them: `limit` items (default PAGE_SIZE, at most MAX_PAGE_SIZE) from the
 * `after` cursor, `paging.cursors` around them, and `paging.next` (the same call from the next cursor) while more
 * remain. Unlike Meta's, the `next` URL carries no access token.
 */
const paged = (req: GraphRequest, data: ReadonlyArray<unknown>) => {
  const limitParam = str(req.params, "limit")
  const limit = limitParam === undefined ? PAGE_SIZE : Number(limitParam)
  if (!Number.isInteger(limit) || limit < 1) throw invalidParam("Param limit must be a positive integer")
  const size = Math.min(limit, MAX_PAGE_SIZE)
  const afterParam = str(req.params, "after")
  const start = afterParam === undefined || afterParam === "" ? 0 : indexOf(afterParam) + 1
  const page = data.slice(start, start + size)
  if (page.length === 0) return { data: [] }
  const last = start + page.length - 1
  const paging: Record<string, unknown> = { cursors: { before: cursorOf(start), after: cursorOf(last) } }
  if (last + 1 < data.length) {
    const host = req.headers.host ?? "127.0.0.1"
    const next = new URL(`http://${host}/${req.version ?? "v24.0"}/${req.segments.join("/")}`)
    for (const [name, value] of Object.entries(req.params)) {
      if (["access_token", "appsecret_proof", "after", "before"].includes(name) || typeof value !== "string") continue
      next.searchParams.set(name, value)
    }
    next.searchParams.set("limit", String(size))
    next.searchParams.set("after", cursorOf(last))
    paging["next"] = next.toString()
  }
  return { data: page, paging }
}

// ---------------------------------------------------------------- appsecret_proof

/** `hex(HMAC-SHA256(key = app secret, message = access token))` (Graph API, "Securing requests"). */
export const appSecretProof = (secret: string, token: string): string =>
  createHmac("sha256", secret).update(token, "utf8").digest("hex")

/**
 * Meta's "Require App Secret": a call with a user or system user token of the app must carry `appsecret_proof`
 * (100 "API calls from the server require an appsecret_proof argument"); a proof that is not the token's app's
 * HMAC is refused whatever the setting (100 "Invalid appsecret_proof provided in the API argument"). App tokens
 * carry the secret itself and need no proof. The proof is checked against the app's current secret.
 */
const checkAppSecretProof = (ctx: Ctx, caller: Caller, params: Params): void => {
  if (caller.kind !== "token") return
  const token = caller.token
  const own = token.appId === ctx.state.app.id
  const secret = own ? ctx.state.app.secret : ctx.state.otherApps.get(token.appId)?.secret
  const given = str(params, "appsecret_proof")
  if (given === undefined || given === "") {
    if (own && ctx.state.config.requireAppSecretProof) throw appSecretProofMissing()
    return
  }
  const expected = secret === undefined ? "" : appSecretProof(secret, token.token)
  const ok =
    expected.length === given.length && timingSafeEqual(Buffer.from(expected, "utf8"), Buffer.from(given, "utf8"))
  if (!ok) throw appSecretProofInvalid()
}

/** Authenticates a Graph call, then checks its `appsecret_proof`. */
const callerOf = (ctx: Ctx, req: GraphRequest): Caller => {
  const who = authenticate(ctx, tokenFrom(req.headers, req.params))
  checkAppSecretProof(ctx, who, req.params)
  return who
}

// ---------------------------------------------------------------- tokens

const issueToken = (
  ctx: Ctx,
  kind: TokenKind,
  userId: string,
  grant: Grant,
  clientBusinessId: string | null,
  expiresInSeconds: number,
  longLived: boolean,
  dataAccessExpiresAtMs?: number
): Token => {
  const now = ctx.nowMs()
  let subjectId = userId
  if (kind === "SYSTEM_USER") {
    const key = `${ctx.state.app.id}:${clientBusinessId ?? ""}`
    subjectId = ctx.state.systemUsers.get(key) ?? newId(15)
    ctx.state.systemUsers.set(key, subjectId)
  }
  const token: Token = {
    token: newAccessToken(),
    appId: ctx.state.app.id,
    kind,
    subjectId,
    userId,
    clientBusinessId,
    issuedAtMs: now,
    expiresAtMs: expiresInSeconds === 0 ? 0 : now + expiresInSeconds * 1000,
    longLived,
    dataAccessExpiresAtMs: kind === "USER" ? (dataAccessExpiresAtMs ?? now + DATA_ACCESS_S * 1000) : 0,
    scopes: [...grant.scopes],
    granular: grant.granular.map((g) => ({ scope: g.scope, targetIds: [...g.targetIds] })),
    revoked: null
  }
  ctx.state.tokens.set(token.token, token)
  return token
}

const tokenResponse = (token: Token, expiresIn: number) => ({
  access_token: token.token,
  token_type: "bearer",
  ...(expiresIn === 0 ? {} : { expires_in: expiresIn })
})

const checkClient = (ctx: Ctx, params: Params): void => {
  const clientId = str(params, "client_id")
  if (clientId === undefined || clientId !== ctx.state.app.id) throw invalidAppId()
  if (str(params, "client_secret") !== ctx.state.app.secret) throw invalidClientSecret()
}

/** `GET|POST /oauth/access_token`: code exchange, `fb_exchange_token`, or `client_credentials`. */
const accessToken = (ctx: Ctx, params: Params): GraphResult => {
  checkClient(ctx, params)
  const grantType = str(params, "grant_type")
  if (grantType === "client_credentials") {
    return { body: { access_token: `${ctx.state.app.id}|${ctx.state.app.secret}`, token_type: "bearer" } }
  }
  if (grantType === "fb_exchange_token") {
    const raw = str(params, "fb_exchange_token")
    if (raw === undefined) throw missingParam("fb_exchange_token")
    const existing = ctx.state.tokens.get(raw)
    if (existing === undefined) throw codeMalformed()
    checkToken(ctx, existing)
    const grant: Grant = { scopes: existing.scopes, granular: existing.granular }
    // A 60-day business token (system user) is renewed with `set_token_expires_in_60_days=true`: a new 60-day token
    // of the same system user and grant (META_SPEC Corrections). Without the flag only user tokens are exchanged.
    if (existing.kind === "SYSTEM_USER" && str(params, "set_token_expires_in_60_days") === "true") {
      const token = issueToken(
        ctx,
        "SYSTEM_USER",
        existing.userId,
        grant,
        existing.clientBusinessId,
        SIXTY_DAYS_S,
        true
      )
      return { body: tokenResponse(token, SIXTY_DAYS_S) }
    }
    if (existing.kind !== "USER") throw invalidParam("fb_exchange_token must be a user access token")
    // A long-lived token is renewed the same way (Business Login FAQ: "can be renewed indefinitely"), but not past
    // its data access: after 90 days without a login the person must log in again.
    if (ctx.nowMs() >= existing.dataAccessExpiresAtMs) throw dataAccessExpired()
    const token = issueToken(
      ctx,
      "USER",
      existing.userId,
      grant,
      null,
      SIXTY_DAYS_S,
      true,
      existing.dataAccessExpiresAtMs
    )
    return { body: tokenResponse(token, SIXTY_DAYS_S) }
  }
  const codeValue = str(params, "code")
  if (codeValue === undefined || codeValue === "") throw missingParam("code")
  const code = ctx.state.codes.get(codeValue)
  if (code === undefined || code.appId !== ctx.state.app.id) throw codeMalformed()
  if (code.used) throw codeUsed()
  if (ctx.nowMs() - code.createdAtMs > ctx.codeTtlSeconds * 1000) throw codeExpired()
  // A popup (FB.login) code has no redirect URI: Meta's sample sends `redirect_uri=` and Chatwoot omits it; any
  // other value is a mismatch. A redirect dialog code needs the byte-identical redirect URI (an omitted one too).
  const redirectUri = str(params, "redirect_uri")
  if (code.popup === true ? (redirectUri ?? "") !== "" : redirectUri !== code.redirectUri) throw codeRedirectMismatch()
  // As Meta's Embedded Signup dialog: it ignores PKCE, so no code has a challenge a verifier could match.
  if (str(params, "code_verifier") !== undefined) throw codeVerifierWithoutChallenge()
  code.used = true
  if (code.kind === "SYSTEM_USER") {
    const businessId = targetsOf(code.grant, "business_management")[0]
    const wabaId = targetsOf(code.grant, "whatsapp_business_management")[0]
    const clientBusinessId =
      businessId ?? (wabaId === undefined ? null : (ctx.state.wabas.get(wabaId)?.businessId ?? null))
    const expiresIn = ctx.state.config.tokenExpiresIn60Days ? SIXTY_DAYS_S : 0
    const token = issueToken(ctx, "SYSTEM_USER", code.userId, code.grant, clientBusinessId, expiresIn, true)
    return { body: tokenResponse(token, expiresIn) }
  }
  const token = issueToken(ctx, "USER", code.userId, code.grant, null, SHORT_LIVED_S, false)
  return { body: tokenResponse(token, SHORT_LIVED_S) }
}

/** `GET /debug_token`: validity, expiry and granular scopes; an invalid input token is reported inside `data`. */
const debugToken = (ctx: Ctx, req: GraphRequest): GraphResult => {
  callerOf(ctx, req)
  const input = str(req.params, "input_token")
  if (input === undefined || input === "") throw missingParam("input_token")
  const app = ctx.state.app
  if (input === `${app.id}|${app.secret}`) {
    return { body: { data: { app_id: app.id, type: "APP", application: app.name, is_valid: true, scopes: [] } } }
  }
  const token = ctx.state.tokens.get(input)
  // Meta lets an app inspect only the tokens it issued.
  if (token !== undefined && token.appId !== app.id) throw inputTokenOfAnotherApp()
  if (token === undefined) {
    return {
      body: {
        data: {
          error: { code: 190, message: "Invalid OAuth access token - Cannot parse access token" },
          is_valid: false,
          scopes: []
        }
      }
    }
  }
  const data: Record<string, unknown> = {
    app_id: token.appId,
    type: token.kind,
    application: app.name,
    data_access_expires_at: token.kind === "USER" ? Math.floor(token.dataAccessExpiresAtMs / 1000) : 0,
    expires_at: token.expiresAtMs === 0 ? 0 : Math.floor(token.expiresAtMs / 1000),
    is_valid: true,
    issued_at: Math.floor(token.issuedAtMs / 1000),
    scopes: token.kind === "USER" ? [...token.scopes, "public_profile"] : [...token.scopes],
    granular_scopes: token.granular.map((g) =>
      token.kind === "SYSTEM_USER" && ctx.state.config.fullAccessSystemUsers
        ? { scope: g.scope }
        : { scope: g.scope, target_ids: [...g.targetIds] }
    ),
    user_id: token.subjectId
  }
  try {
    checkToken(ctx, token)
  } catch (error) {
    if (!(error instanceof GraphError)) throw error
    data["is_valid"] = false
    data["error"] = {
      code: error.code,
      message: error.message,
      ...(error.subcode === undefined ? {} : { subcode: error.subcode })
    }
  }
  return { body: { data } }
}

// ---------------------------------------------------------------- helpers on callers

const requireToken = (caller: Caller): Token => {
  if (caller.kind === "app") throw userTokenRequired()
  return caller.token
}

const requireScope = (token: Token, scope: string): void => {
  if (!token.scopes.includes(scope)) throw permissionMissing(scope)
}

const businessesOf = (ctx: Ctx, token: Token): Array<Business> => {
  const ids = token.kind === "USER" ? (ctx.state.users.get(token.userId)?.businessIds ?? []) : []
  const granted = targetsOf(token, "business_management")
  const all = new Set([...granted, ...(token.kind === "USER" ? ids : [])])
  return [...all].flatMap((id) => {
    const business = ctx.state.businesses.get(id)
    return business === undefined ? [] : [business]
  })
}

const AD_ACCOUNT_DEFAULTS = ["account_id"]

/** Reading ad accounts needs `ads_read` or `ads_management` (Marketing API, "Authorization"). */
const requireAdsRead = (token: Token): void => {
  if (!token.scopes.includes("ads_read") && !token.scopes.includes("ads_management"))
    throw permissionMissing("ads_read or ads_management")
}

/** `/me/adaccounts`: the person's own ad accounts and the business ones assigned to them. */
const adAccountsOfUser = (ctx: Ctx, userId: string): Array<AdAccount> => {
  const user = ctx.state.users.get(userId)
  if (user === undefined) return []
  const business = [...ctx.state.businesses.values()].flatMap((b) => [...b.ownedAdAccounts, ...b.clientAdAccounts])
  const assigned = user.assignedAdAccountIds.flatMap((id) => business.filter((a) => a.accountId === id).slice(0, 1))
  return [...user.personalAdAccounts, ...assigned]
}

/** The ad accounts a token may read: the person's and those of the businesses it reaches. */
const adAccountsVisibleTo = (ctx: Ctx, token: Token): Array<AdAccount> => [
  ...(token.kind === "USER" ? adAccountsOfUser(ctx, token.userId) : []),
  ...businessesOf(ctx, token).flatMap((b) => [...b.ownedAdAccounts, ...b.clientAdAccounts])
]

const adAccountNode = (account: AdAccount) => ({
  id: `act_${account.accountId}`,
  account_id: account.accountId,
  name: account.name,
  currency: account.currency,
  account_status: account.accountStatus
})

const phoneNode = (number: PhoneNumber, appId: string) => ({
  id: number.id,
  verified_name: number.verifiedName,
  code_verification_status: number.codeVerificationStatus,
  display_phone_number: displayPhoneNumber(number.digits),
  quality_rating: number.qualityRating,
  platform_type: number.registered ? "CLOUD_API" : "NOT_APPLICABLE",
  throughput: { level: number.registered ? "STANDARD" : "NOT_APPLICABLE" },
  name_status: number.nameStatus,
  status: number.registered ? "CONNECTED" : "PENDING",
  account_mode: "LIVE",
  is_official_business_account: false,
  messaging_limit_tier: "TIER_250",
  // The portfolio's limit (Meta's messaging-limits page; `messaging_limit_tier` is deprecated).
  whatsapp_business_manager_messaging_limit: number.messagingLimit,
  last_onboarded_time: new Date(number.lastOnboardedAtMs).toISOString().replace(/\.\d{3}Z$/, "+0000"),
  webhook_configuration: { application: appId }
})

const PHONE_DEFAULT_FIELDS = [
  "verified_name",
  "code_verification_status",
  "display_phone_number",
  "quality_rating",
  "platform_type",
  "throughput"
]

// ---------------------------------------------------------------- webhook verification handshake

/** Meta's GET handshake: the callback must answer 200 with exactly `hub.challenge`, or the POST fails with 2200. */
const verifyCallback = async (callbackUrl: string, verifyToken: string): Promise<void> => {
  let url: URL
  try {
    url = new URL(callbackUrl)
  } catch {
    throw invalidParam("Invalid parameter: callback_url must be a valid URL")
  }
  const challenge = newChallenge()
  url.searchParams.set("hub.mode", "subscribe")
  url.searchParams.set("hub.challenge", challenge)
  url.searchParams.set("hub.verify_token", verifyToken)
  let status: number
  let text: string
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) })
    status = response.status
    text = await response.text()
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause)
    throw callbackVerificationFailed(`curl_errno = 7; curl_error = Couldn't connect to server (${message})`)
  }
  if (status !== 200) throw callbackVerificationFailed(`HTTP Status Code = ${status}; HTTP Message = Error`)
  if (text !== challenge) {
    throw callbackVerificationFailed(
      `HTTP Status Code = 200; HTTP Message = OK; Response does not match challenge, expected value="${challenge}", received="${text.slice(0, 50)}"`
    )
  }
}

// ---------------------------------------------------------------- edges

const appSubscriptions = async (ctx: Ctx, caller: Caller, req: GraphRequest): Promise<GraphResult> => {
  if (caller.kind !== "app") throw appTokenRequired()
  const app = ctx.state.app
  if (req.method === "GET") {
    const s = app.subscription
    return {
      body: {
        data:
          s === null
            ? []
            : [
                {
                  object: s.object,
                  callback_url: s.callbackUrl,
                  active: true,
                  fields: s.fields.map((name) => ({ name, version: "v24.0" }))
                }
              ]
      }
    }
  }
  if (req.method === "DELETE") {
    app.subscription = null
    return { body: { success: true } }
  }
  const object = str(req.params, "object")
  if (object === undefined) throw missingParam("object")
  if (!["whatsapp_business_account", "page", "user", "permissions", "application", "instagram"].includes(object))
    throw invalidParam(
      `Param object must be one of {application, instagram, page, permissions, user, whatsapp_business_account}`
    )
  const callbackUrl = str(req.params, "callback_url")
  if (callbackUrl === undefined) throw missingParam("callback_url")
  const fields = list(req.params, "fields")
  if (fields === undefined || fields.length === 0) throw missingParam("fields")
  const verifyToken = str(req.params, "verify_token") ?? ""
  await verifyCallback(callbackUrl, verifyToken)
  app.subscription = { object, callbackUrl, verifyToken, fields }
  return { body: { success: true } }
}

const subscribedApps = async (ctx: Ctx, caller: Caller, req: GraphRequest, wabaId: string): Promise<GraphResult> => {
  const waba = wabaFor(ctx, caller, wabaId, req.method, wabaId, "whatsapp_business_management")
  const app = ctx.state.app
  const existing = waba.subscriptions.find((s) => s.appId === app.id)
  if (req.method === "GET") {
    return {
      businessId: waba.businessId,
      body: {
        data: waba.subscriptions.map((s) => ({
          whatsapp_business_api_data: {
            id: s.appId,
            link: `https://www.facebook.com/games/?app_id=${s.appId}`,
            name: app.name
          },
          ...(s.overrideCallbackUri === null ? {} : { override_callback_uri: s.overrideCallbackUri })
        }))
      }
    }
  }
  if (req.method === "DELETE") {
    waba.subscriptions.splice(0, waba.subscriptions.length, ...waba.subscriptions.filter((s) => s.appId !== app.id))
    return { businessId: waba.businessId, body: { success: true } }
  }
  if (app.subscription === null || app.subscription.object !== "whatsapp_business_account")
    throw appNotSubscribedToObject()
  const override = str(req.params, "override_callback_uri")
  if (override !== undefined && override !== "") {
    if (existing === undefined) throw overrideBeforeSubscribe()
    if (override.length > 200) throw invalidParam("Param override_callback_uri must be at most 200 characters long.")
    const verifyToken = str(req.params, "verify_token")
    if (verifyToken === undefined) throw missingParam("verify_token")
    await verifyCallback(override, verifyToken)
    existing.overrideCallbackUri = override
  } else if (existing === undefined) {
    waba.subscriptions.push({ appId: app.id, overrideCallbackUri: null })
  } else {
    existing.overrideCallbackUri = null
  }
  return { businessId: waba.businessId, body: { success: true } }
}

const register = (ctx: Ctx, caller: Caller, req: GraphRequest, number: PhoneNumber): GraphResult => {
  const waba = wabaFor(ctx, caller, number.wabaId, "POST", number.id, "whatsapp_business_management")
  if (str(req.params, "messaging_product") !== "whatsapp") throw missingParam("messaging_product")
  const pin = str(req.params, "pin")
  if (pin === undefined) throw missingParam("pin")
  if (!/^\d{6}$/.test(pin)) throw invalidParam("Param pin must be 6 characters long.")
  // An unverified number (ES v3+ may finish with one) cannot register until its owner verifies it.
  if (number.codeVerificationStatus !== "VERIFIED") throw numberNotVerified()
  if (["EXPIRED", "NONE", "DECLINED"].includes(number.nameStatus)) throw noValidCertificate()
  // The two-step verification PIN, set by a register here or before (another provider, WhatsApp Manager), holds
  // whether or not the number is registered now.
  if (number.pin !== null && number.pin !== pin) throw pinMismatch()
  number.registered = true
  number.pin = pin
  return { businessId: waba.businessId, body: { success: true } }
}

const TEMPLATE_DEFAULT_FIELDS = ["name", "language", "category", "status", "components", "parameter_format"]

/**
 * `/{waba-id}/message_templates`: GET lists them (paged, `fields`), POST creates one (PENDING), DELETE removes a
 * name (every language) or, with `hsm_id`, one template.
 */
const messageTemplates = (ctx: Ctx, caller: Caller, req: GraphRequest, waba: Waba): GraphResult => {
  wabaFor(ctx, caller, waba.id, req.method, waba.id, "whatsapp_business_management")
  if (req.method === "GET") {
    const data = templatesOf(waba).map((t) =>
      pick(templateNode(t), req.params, TEMPLATE_DEFAULT_FIELDS, "MessageTemplate")
    )
    return { businessId: waba.businessId, body: paged(req, data) }
  }
  if (req.method === "POST") {
    const created = createTemplate(waba, req.params)
    return { businessId: waba.businessId, body: { id: created.id, status: created.status, category: created.category } }
  }
  if (req.method === "DELETE") {
    deleteTemplates(waba, str(req.params, "name"), str(req.params, "hsm_id"))
    return { businessId: waba.businessId, body: { success: true } }
  }
  throw unsupportedRequest(req.method, waba.id)
}

const TEXT_LIKE = [...MESSAGE_TYPES, "template"]
const MEDIA_TYPES = ["image", "audio", "video", "document", "sticker"]

const sendMessage = (ctx: Ctx, caller: Caller, req: GraphRequest, number: PhoneNumber): GraphResult => {
  const waba = wabaFor(ctx, caller, number.wabaId, "POST", number.id, "whatsapp_business_messaging")
  const token = requireToken(caller)
  if (!token.scopes.includes("whatsapp_business_messaging")) throw messagingPermissionMissing()
  if (str(req.params, "messaging_product") !== "whatsapp") throw missingParam("messaging_product")
  const to = str(req.params, "to")
  if (to === undefined || to === "") throw missingParam("to")
  const digits = to.replace(/\D/g, "")
  if (digits.length < 7 || digits.length > 15) throw new GraphError(131009, "(#131009) Parameter value is not valid")
  const waId = waIdOf(digits)
  const type = str(req.params, "type") ?? "text"
  if (!TEXT_LIKE.includes(type)) throw invalidParam(`Param type must be one of {${TEXT_LIKE.join(", ")}}`)
  if (type === "text") {
    const body = obj(req.params, "text")?.["body"]
    if (typeof body !== "string" || body === "") throw missingParam("text['body']")
    if (body.length > 4096) throw invalidParam("Param text['body'] must be at most 4096 characters long.")
  } else if (obj(req.params, type) === undefined) {
    throw missingParam(type)
  }
  if (type === "template") checkTemplateSend(waba, obj(req.params, "template")!)
  // Media by id must be media this number uploaded (Meta: "media ID ... uploaded to the same phone number").
  const mediaId = MEDIA_TYPES.includes(type) ? obj(req.params, type)?.["id"] : undefined
  if (MEDIA_TYPES.includes(type)) {
    const link = obj(req.params, type)?.["link"]
    if (typeof mediaId !== "string" && typeof link !== "string") throw missingParam(`${type}['id'] or ${type}['link']`)
    if (typeof mediaId === "string" && ctx.state.media.get(mediaId)?.phoneNumberId !== number.id)
      throw invalidParam(`Param ${type}['id'] is not a valid media id of this phone number`)
  }
  if (!number.registered) throw accountNotRegistered()
  // A disabled WABA, or one restricted from this kind of send (templates start conversations; the rest are replies).
  const blockedBy =
    type === "template" ? "RESTRICTED_BIZ_INITIATED_MESSAGING" : "RESTRICTED_CUSTOMER_INITIATED_MESSAGING"
  const restricted = (waba.restrictions ?? []).some(
    (r) => r.type === blockedBy && (r.untilMs === null || r.untilMs > ctx.nowMs())
  )
  if (waba.disabled === true || restricted) {
    throw new GraphError(131031, "(#131031) Business Account locked")
  }
  const wamid = newWamid()
  ctx.state.sentMessages.push({
    wamid,
    phoneNumberId: number.id,
    to: waId,
    type,
    atMs: ctx.nowMs(),
    tokenKind: token.kind,
    ...(typeof mediaId === "string" ? { mediaId } : {})
  })
  scheduleStatuses(ctx, number, wamid, waId, type)
  return {
    businessId: waba.businessId,
    body: {
      messaging_product: "whatsapp",
      contacts: [{ input: to, wa_id: waId }],
      messages: [{ id: wamid, ...(type === "template" ? { message_status: "accepted" } : {}) }]
    }
  }
}

const FREE_ENTRY_POINT_MS = 72 * 3600 * 1000

/**
 * The free entry point window a message to `waId` goes in, if any. Meta: a contact who writes from a Click-to-WhatsApp
 * ad opens one when the business replies within 24 hours; it lasts 72 hours from that reply, and every message sent
 * in it (templates too) is free. It is a price, not a permission: free-form sends still need the 24-hour window.
 */
const freeEntryPointOf = (ctx: Ctx, number: PhoneNumber, waId: string) => {
  const key = `${number.id}:${waId}`
  const entry = ctx.state.entryPoints.get(key)
  if (entry === undefined) return undefined
  const now = ctx.nowMs()
  if (entry.window === undefined) {
    if (now - entry.referralAtMs > 24 * 3600 * 1000) {
      ctx.state.entryPoints.delete(key)
      return undefined
    }
    entry.window = { id: newHex(16), closesAtMs: now + FREE_ENTRY_POINT_MS }
  }
  if (now >= entry.window.closesAtMs) {
    ctx.state.entryPoints.delete(key)
    return undefined
  }
  return { id: entry.window.id, expiresAtSeconds: Math.floor(entry.window.closesAtMs / 1000) }
}

/** After a send: `sent`, `delivered`, `read` (or one `failed`), each its own signed delivery, in order unless shuffled. */
const scheduleStatuses = (ctx: Ctx, number: PhoneNumber, wamid: string, waId: string, type: string): void => {
  const waba = ctx.state.wabas.get(number.wabaId)
  if (waba === undefined) return
  let failure = ctx.state.failingRecipients.get(waId)
  const lastInbound = ctx.state.lastInbound.get(`${number.id}:${waId}`)
  if (
    failure === undefined &&
    type !== "template" &&
    ctx.state.config.enforceServiceWindow &&
    (lastInbound === undefined || ctx.nowMs() - lastInbound > 24 * 3600 * 1000)
  ) {
    failure = {
      code: 131047,
      title: "Re-engagement message",
      message: "Re-engagement message",
      details:
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
    }
  }
  const all: Array<StatusName> = failure === undefined ? ["sent", "delivered", "read"] : ["failed"]
  const category = type === "template" ? "utility" : "service"
  const freeEntryPoint = failure === undefined ? freeEntryPointOf(ctx, number, waId) : undefined
  const hold = ctx.state.config.holdStatuses && failure === undefined
  const steps = hold ? all.filter((status) => status === "sent" || status === "failed") : all
  if (hold) {
    for (const status of ["delivered", "read"] as const) {
      ctx.state.heldStatuses.push({ phoneNumberId: number.id, wamid, waId, status, pricingCategory: category })
    }
  }
  if (ctx.state.config.outOfOrderDeliveries) steps.reverse()
  ctx.later(async () => {
    for (const status of steps) {
      const change = statusChange(number, wamid, waId, status, nowSeconds(ctx), {
        pricingCategory: category,
        ...(failure === undefined ? {} : { failure }),
        ...(freeEntryPoint === undefined ? {} : { freeEntryPoint })
      })
      await deliverChange(ctx, waba, change)
    }
  })
}

/**
 * Delivers the held statuses (of `wamid`, or all), oldest first, each its own signed delivery; how many were
 * released.
 */
export const releaseHeldStatuses = async (ctx: Ctx, wamid: string | undefined): Promise<number> => {
  const held = ctx.state.heldStatuses
  const chosen = held.filter((entry) => wamid === undefined || entry.wamid === wamid)
  for (const entry of chosen) held.splice(held.indexOf(entry), 1)
  for (const entry of chosen) {
    const number = ctx.state.numbers.get(entry.phoneNumberId)
    const waba = number === undefined ? undefined : ctx.state.wabas.get(number.wabaId)
    if (number === undefined || waba === undefined) continue
    const change = statusChange(number, entry.wamid, entry.waId, entry.status, nowSeconds(ctx), {
      pricingCategory: entry.pricingCategory
    })
    await deliverChange(ctx, waba, change)
  }
  return chosen.length
}

// ---------------------------------------------------------------- router

export const handleGraph = async (ctx: Ctx, req: GraphRequest): Promise<GraphResult> => {
  const [first, second, third] = req.segments
  const { method, params } = req
  if (first === "oauth" && second === "access_token" && (method === "GET" || method === "POST"))
    return accessToken(ctx, params)
  if (first === "debug_token" && second === undefined && method === "GET") return debugToken(ctx, req)
  if (first === undefined) throw unsupportedRequest(method, "")
  const caller = callerOf(ctx, req)

  if (first === "me") {
    const token = requireToken(caller)
    if (second === undefined && method === "GET") {
      const full: Record<string, unknown> = {
        id: token.subjectId,
        name:
          token.kind === "USER"
            ? (ctx.state.users.get(token.userId)?.name ?? "Sandbox User")
            : `${ctx.state.app.name} System User`,
        client_business_id: token.clientBusinessId ?? undefined
      }
      return { body: pick(full, params, ["name"], token.kind === "USER" ? "User" : "SystemUser") }
    }
    if (second === "permissions" && method === "DELETE") return revokePermissions(ctx, token, third)
    if (second === "permissions" && method === "GET") {
      return { body: { data: token.scopes.map((permission) => ({ permission, status: "granted" })) } }
    }
    if (second === "adaccounts" && method === "GET") {
      // Every ad account the person can use: their own and the business ones they are assigned to.
      requireAdsRead(token)
      const accounts = adAccountsOfUser(ctx, token.userId)
      return {
        body: paged(
          req,
          accounts.map((a) => pick(adAccountNode(a), params, AD_ACCOUNT_DEFAULTS, "AdAccount"))
        )
      }
    }
    if (second === "businesses" && method === "GET") {
      requireScope(token, "business_management")
      return {
        body: paged(
          req,
          businessesOf(ctx, token).map((b) => pick({ id: b.id, name: b.name }, params, ["name"], "Business"))
        )
      }
    }
    throw unsupportedRequest(method, "me")
  }

  if (first === ctx.state.app.id) {
    if (second === "subscriptions") return appSubscriptions(ctx, caller, req)
    if (second === undefined && method === "GET") {
      return {
        body: { id: ctx.state.app.id, name: ctx.state.app.name, link: "https://www.facebook.com/games/?app_id=" }
      }
    }
    throw unsupportedRequest(method, first)
  }

  const number = ctx.state.numbers.get(first)
  if (number !== undefined) {
    if (second === undefined && method === "GET") {
      const waba = wabaFor(ctx, caller, number.wabaId, method, number.id, "whatsapp_business_management")
      return {
        businessId: waba.businessId,
        body: pick(phoneNode(number, ctx.state.app.id), params, PHONE_DEFAULT_FIELDS, "WhatsAppBusinessPhoneNumber")
      }
    }
    if (second === "register" && method === "POST") return register(ctx, caller, req, number)
    if (second === "deregister" && method === "POST") {
      const waba = wabaFor(ctx, caller, number.wabaId, method, number.id, "whatsapp_business_management")
      number.registered = false
      return { businessId: waba.businessId, body: { success: true } }
    }
    if (second === "messages" && method === "POST") return sendMessage(ctx, caller, req, number)
    if (second === "media" && method === "POST") return uploadMedia(ctx, caller, params, number)
    throw unsupportedRequest(method, first)
  }

  const media = ctx.state.media.get(first)
  if (media !== undefined && second === undefined && (method === "GET" || method === "DELETE"))
    return mediaNode(ctx, caller, method, req.headers.host, params, media)

  const waba = ctx.state.wabas.get(first)
  if (waba !== undefined) {
    if (second === undefined && method === "GET") {
      wabaFor(ctx, caller, waba.id, method, waba.id, "whatsapp_business_management")
      const full = {
        id: waba.id,
        name: waba.name,
        currency: waba.currency,
        timezone_id: waba.timezoneId,
        message_template_namespace: `ns_${waba.id.slice(-8)}`,
        account_review_status: "APPROVED",
        owner_business_info: { id: waba.businessId, name: ctx.state.businesses.get(waba.businessId)?.name ?? "" }
      }
      return {
        businessId: waba.businessId,
        body: pick(
          full,
          params,
          ["name", "currency", "timezone_id", "message_template_namespace"],
          "WhatsAppBusinessAccount"
        )
      }
    }
    if (second === "phone_numbers" && method === "GET") {
      wabaFor(ctx, caller, waba.id, method, waba.id, "whatsapp_business_management")
      const data = numbersOfWaba(ctx.state, waba.id).map((n) =>
        pick(phoneNode(n, ctx.state.app.id), params, PHONE_DEFAULT_FIELDS, "WhatsAppBusinessPhoneNumber")
      )
      return { businessId: waba.businessId, body: paged(req, data) }
    }
    if (second === "subscribed_apps") return subscribedApps(ctx, caller, req, waba.id)
    if (second === "message_templates") return messageTemplates(ctx, caller, req, waba)
    throw unsupportedRequest(method, first)
  }

  if (first.startsWith("act_") && second === undefined && method === "GET") {
    const token = requireToken(caller)
    const accountId = first.slice("act_".length)
    const account = adAccountsVisibleTo(ctx, token).find((a) => a.accountId === accountId)
    // Meta hides ad accounts the token cannot use behind "does not exist ... missing permissions" (100/33).
    if (account === undefined) throw unsupportedRequest(method, first)
    requireAdsRead(token)
    return { adAccountId: first, body: pick(adAccountNode(account), params, AD_ACCOUNT_DEFAULTS, "AdAccount") }
  }

  const business = ctx.state.businesses.get(first)
  if (business !== undefined && method === "GET" && caller.kind === "token") {
    const token = caller.token
    if (!businessesOf(ctx, token).some((b) => b.id === business.id)) throw unsupportedRequest(method, first)
    if (second === undefined)
      return { body: pick({ id: business.id, name: business.name }, params, ["name"], "Business") }
    if (second === "owned_ad_accounts" || second === "client_ad_accounts") {
      requireAdsRead(token)
      const accounts = second === "owned_ad_accounts" ? business.ownedAdAccounts : business.clientAdAccounts
      return {
        body: paged(
          req,
          accounts.map((a) => pick(adAccountNode(a), params, AD_ACCOUNT_DEFAULTS, "AdAccount"))
        )
      }
    }
    throw unsupportedRequest(method, first)
  }

  if (caller.kind === "token" && first === caller.token.subjectId) {
    if (second === "permissions" && method === "DELETE") return revokePermissions(ctx, caller.token, third)
  }
  const user = ctx.state.users.get(first)
  if (user !== undefined && caller.kind === "app" && second === "permissions" && method === "DELETE") {
    for (const token of ctx.state.tokens.values()) {
      if (token.userId === user.id && token.revoked === null) token.revoked = revokedByApp(ctx)
    }
    return { body: { success: true } }
  }
  throw unsupportedRequest(method, first)
}

const revokedByApp = (ctx: Ctx) => {
  const error = tokenAppNotAuthorized(ctx.state.app.id)
  return { code: error.code, subcode: error.subcode ?? 458, message: error.message }
}

/**
 * `DELETE /me/permissions[/{permission}]` with a user token: without a permission, de-authorizes the app for this
 * person (every token of that grant then answers 190/458); with one, removes that scope. Refused (100/33) for a
 * system user's token.
 */
const revokePermissions = (ctx: Ctx, token: Token, permission: string | undefined): GraphResult => {
  // `/{user-id}/permissions` "must be made with a user access token or an app access token" (Graph reference):
  // a business system user's token (what Embedded Signup yields) is refused.
  if (token.kind === "SYSTEM_USER") throw unsupportedRequest("DELETE", "permissions")
  if (permission !== undefined) {
    token.scopes = token.scopes.filter((s) => s !== permission)
    token.granular = token.granular.filter((g) => g.scope !== permission)
    return { body: { success: true } }
  }
  for (const other of ctx.state.tokens.values()) {
    const sameGrant =
      other.appId === token.appId &&
      other.kind === token.kind &&
      (token.kind === "USER" ? other.userId === token.userId : other.subjectId === token.subjectId)
    if (sameGrant && other.revoked === null) other.revoked = revokedByApp(ctx)
  }
  return { body: { success: true } }
}
