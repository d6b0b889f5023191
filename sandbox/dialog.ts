import type { Ctx } from "./context.ts"
import { escapeHtml } from "./http.ts"
import { newOAuthCode } from "./ids.ts"
import {
  addPhoneNumber,
  addWaba,
  displayPhoneNumber,
  type Grant,
  type GranularScope,
  numbersOfWaba,
  type TokenKind
} from "./state.ts"

/** The outcome of the dialog: an HTML page (Meta's error page or the consent form) or a redirect. */
export type DialogResult =
  | { readonly kind: "page"; readonly status: number; readonly html: string }
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "json"; readonly body: unknown }

export interface DialogRequest {
  /** The dialog's query parameters (the original ones, also on the POST's action URL). */
  readonly query: URLSearchParams
  /** The submitted form fields (POST only). */
  readonly form?: URLSearchParams
  /** The dialog's own path, e.g. "/v24.0/dialog/oauth". */
  readonly path: string
  /** The POST asked for JSON (`Accept: application/json`): a scripted popup dialog gets what the page would post. */
  readonly wantsJson?: boolean
}

interface Validated {
  readonly redirectUri: string
  readonly state: string | null
  readonly scopes: ReadonlyArray<string>
  readonly tokenKind: TokenKind
  /** Opened by the JS SDK (`display=popup`, no redirect_uri): the opener's origin, where the results are posted. */
  readonly popupOrigin: string | null
  /** `extras.featureType` (`whatsapp_business_app_onboarding` = Coexistence). */
  readonly featureType: string | null
}

/** The screen the consent form stands for, as Meta names it in a CANCEL session-info event. */
export const POPUP_STEP = "WABA_PHONE_PROFILE_PICKER"

const featureTypeOf = (query: URLSearchParams): string | null => {
  try {
    const extras = JSON.parse(query.get("extras") ?? "{}") as { featureType?: unknown }
    return typeof extras.featureType === "string" && extras.featureType !== "" ? extras.featureType : null
  } catch {
    return null
  }
}

const originOf = (uri: string): string | null => {
  try {
    return new URL(uri).origin
  } catch {
    return null
  }
}

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
  `<meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1c1e21}` +
  `fieldset{margin:1rem 0;border:1px solid #ccd0d5;border-radius:6px}label{display:block;margin:.3rem 0}` +
  `button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem;border-radius:6px;border:1px solid #1877f2}` +
  `#approve{background:#1877f2;color:#fff}.error{border:1px solid #fa383e;padding:1rem;border-radius:6px}</style>` +
  `</head><body>${body}</body></html>`

/** Meta's dialog error page: shown instead of redirecting when the app or the redirect URI cannot be trusted. */
const errorPage = (title: string, message: string): DialogResult => ({
  kind: "page",
  status: 400,
  html: page(
    "Error",
    `<div class="error" id="dialog-error"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></div>`
  )
})

const validate = (ctx: Ctx, query: URLSearchParams): Validated | DialogResult => {
  const app = ctx.state.app
  const clientId = query.get("client_id")
  if (clientId === null || clientId !== app.id) {
    return errorPage("Invalid App ID", "The provided app ID does not look like a valid app ID.")
  }
  // The JS SDK opens the dialog as a popup without a redirect URI; Meta returns the results to the opener only when
  // its domain is an allowed one (FLB "Allowed domains"): here, the origin of one of the app's redirect URIs.
  const popupOrigin =
    query.get("display") === "popup" && query.get("redirect_uri") === null ? query.get("origin") : null
  if (popupOrigin !== null && !app.redirectUris.some((uri) => originOf(uri) === popupOrigin)) {
    return errorPage(
      "Can't load URL",
      "The domain of this URL isn't included in the app's domains. To be able to load this URL, add all domains and subdomains of your app to the App Domains field in your app settings."
    )
  }
  const redirectUri = popupOrigin !== null ? "" : query.get("redirect_uri")
  if (redirectUri === null || (popupOrigin === null && !app.redirectUris.includes(redirectUri))) {
    return errorPage(
      "URL Blocked",
      "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. Make sure Client and Web OAuth Login are on and add all your app domains as Valid OAuth Redirect URIs."
    )
  }
  const configId = query.get("config_id")
  const responseType = query.get("response_type") ?? "code"
  // A Business app uses Facebook Login for Business: every login names a configuration; `scope` alone is refused
  // with Meta's "app isn't available" page (META_SPEC Corrections, "Meta Ads on a Business app").
  if (configId === null || configId === "") {
    return errorPage(
      "It looks like this app isn't available",
      "This app needs at least one supported permission. (Facebook Login for Business: the login must carry a config_id.)"
    )
  }
  const ads = configId === app.adsConfigId
  if (!ads && app.configId !== undefined && configId !== app.configId) {
    return errorPage("Invalid Configuration", `The configuration ID ${configId} does not belong to this app.`)
  }
  if (responseType !== "code") {
    return errorPage(
      "Something went wrong",
      ads
        ? "The sandbox supports response_type=code only."
        : "Business System User Access Token is set up with incorrect response_type. Use response_type=code."
    )
  }
  // With a config_id, the configuration's permissions replace `scope` (FLB: "config_id has replaced scope"): the Ads
  // configuration issues user tokens, the Embedded Signup one business integration system user tokens.
  const scopes = ads ? app.configurationScopes.ads : app.configurationScopes.whatsapp
  const kind: TokenKind = ads ? "USER" : "SYSTEM_USER"
  return {
    redirectUri,
    state: query.get("state"),
    scopes,
    tokenKind: kind,
    popupOrigin,
    featureType: featureTypeOf(query)
  }
}

const withParams = (redirectUri: string, params: ReadonlyArray<readonly [string, string]>): string => {
  const search = new URLSearchParams(params.map(([k, v]) => [k, v])).toString()
  // Meta appends "#_=_" to the redirect; browsers keep it client-side, servers never see it.
  return `${redirectUri}${redirectUri.includes("?") ? "&" : "?"}${search}#_=_`
}

const SCOPE_LABELS: Readonly<Record<string, string>> = {
  whatsapp_business_management: "Manage your WhatsApp accounts",
  whatsapp_business_messaging: "Send and receive WhatsApp messages",
  business_management: "Manage your business",
  ads_management: "Manage your ads",
  ads_read: "Read your ads performance"
}

const consentPage = (ctx: Ctx, request: DialogRequest, v: Validated): DialogResult => {
  const user = ctx.state.users.get(ctx.state.seedUserId)!
  const action = `${request.path}?${request.query.toString()}`
  const scopeBoxes = v.scopes
    .map(
      (s) =>
        `<label for="scope-${s}"><input type="checkbox" id="scope-${s}" name="granted" value="${escapeHtml(s)}" checked disabled> ` +
        `${escapeHtml(SCOPE_LABELS[s] ?? s)} <code>${escapeHtml(s)}</code></label>`
    )
    .join("")
  let assets = ""
  if (v.tokenKind === "SYSTEM_USER") {
    const wabas = [...ctx.state.wabas.values()].filter((w) => user.businessIds.includes(w.businessId))
    const wabaRadios = wabas
      .map(
        (w, i) =>
          `<label for="waba-${w.id}"><input type="radio" id="waba-${w.id}" name="waba" value="${w.id}"${i === 0 ? " checked" : ""}> ` +
          `${escapeHtml(w.name)} (${w.id})</label>`
      )
      .join("")
    const phoneOptions = wabas
      .flatMap((w) =>
        numbersOfWaba(ctx.state, w.id).map(
          (n) =>
            `<option value="${n.id}">${escapeHtml(displayPhoneNumber(n.digits))} · ${escapeHtml(n.verifiedName)} · ${n.nameStatus} (${escapeHtml(w.name)})</option>`
        )
      )
      .join("")
    assets =
      `<fieldset><legend>WhatsApp Business Account</legend>${wabaRadios}` +
      `<label for="waba-new"><input type="radio" id="waba-new" name="waba" value="new"${wabas.length === 0 ? " checked" : ""}> Create a new WhatsApp Business Account</label></fieldset>` +
      `<fieldset><legend>Phone number</legend><label for="phone">Number to connect</label>` +
      `<select id="phone" name="phone">${phoneOptions}<option value="new">Add a new phone number</option>` +
      (v.popupOrigin === null ? "" : `<option value="none">Share the account only, add a number later</option>`) +
      `</select></fieldset>`
  }
  const body =
    `<h1>${escapeHtml(ctx.state.app.name)} is requesting access</h1>` +
    `<p>Logged in as <strong id="user-name">${escapeHtml(user.name)}</strong>.</p>` +
    `<form id="oauth-form" method="post" action="${escapeHtml(action)}">${assets}` +
    `<fieldset><legend>Permissions</legend><p>This configuration asks for all of these; they are granted together.</p>${scopeBoxes}</fieldset>` +
    `<button type="submit" id="approve" name="action" value="approve">Continue</button>` +
    `<button type="submit" id="cancel" name="action" value="cancel">Cancel</button></form>` +
    (v.popupOrigin === null ? "" : abandonScript(v.popupOrigin))
  return { kind: "page", status: 200, html: page(`Log in with Facebook · ${ctx.state.app.name}`, body) }
}

/** Session-info events (META_SPEC 1.5) and the SDK's own answer, posted to the opener at its exact origin. */
const postToOpener = (origin: string, messages: ReadonlyArray<unknown>): string =>
  `<script>(function(){var o=window.opener;if(o){` +
  messages.map((m) => `o.postMessage(${JSON.stringify(JSON.stringify(m))},${JSON.stringify(origin)});`).join("") +
  `}window.close();})();</script>`

/** Closing the popup before submitting: a CANCEL event naming the screen (Meta's "abandoned flow"). */
const abandonScript = (origin: string): string =>
  `<script>(function(){var done=false;var f=document.getElementById("oauth-form");` +
  `if(f)f.addEventListener("submit",function(){done=true;});` +
  `window.addEventListener("pagehide",function(){if(done||!window.opener)return;` +
  `window.opener.postMessage(${JSON.stringify(
    JSON.stringify({ type: "WA_EMBEDDED_SIGNUP", event: "CANCEL", version: 3, data: { current_step: POPUP_STEP } })
  )},${JSON.stringify(origin)});});})();</script>`

/** The SDK's private message to itself in the opener (Meta's SDK has its own channel): the code, or none. */
export const SDK_AUTH_MESSAGE = "SANDBOX_SDK_AUTH"

const popupResult = (
  request: DialogRequest,
  origin: string,
  sessionInfo: Record<string, unknown>,
  code: string | null
): DialogResult => {
  const auth = { type: SDK_AUTH_MESSAGE, code }
  if (request.wantsJson === true) {
    return {
      kind: "json",
      body: { sessionInfo, authResponse: code === null ? null : { code }, origin }
    }
  }
  return {
    kind: "page",
    status: 200,
    html: page(
      "Done",
      `<p id="popup-done">${code === null ? "Cancelled." : "All set. You can close this window."}</p>` +
        `<script type="application/json" id="session-info">${escapeHtml(JSON.stringify(sessionInfo))}</script>` +
        postToOpener(origin, [sessionInfo, auth])
    )
  }
}

/** `GET /{version}/dialog/oauth`: Meta's error page or the consent form. */
export const showDialog = (ctx: Ctx, request: DialogRequest): DialogResult => {
  const v = validate(ctx, request.query)
  if (!("tokenKind" in v)) return v
  return consentPage(ctx, request, v)
}

/** `POST /{version}/dialog/oauth`: approve (a code) or cancel (access_denied), as a 302 to `redirect_uri`. */
export const submitDialog = (ctx: Ctx, request: DialogRequest): DialogResult => {
  const v = validate(ctx, request.query)
  if (!("tokenKind" in v)) return v
  const form = request.form ?? new URLSearchParams()
  const stateParam: Array<[string, string]> = v.state === null ? [] : [["state", v.state]]
  if (form.get("action") !== "approve") {
    if (v.popupOrigin !== null) {
      const cancel = { type: "WA_EMBEDDED_SIGNUP", event: "CANCEL", version: 3, data: { current_step: POPUP_STEP } }
      return popupResult(request, v.popupOrigin, cancel, null)
    }
    return {
      kind: "redirect",
      location: withParams(v.redirectUri, [
        ["error", "access_denied"],
        ["error_code", "200"],
        ["error_description", "Permissions error"],
        ["error_reason", "user_denied"],
        ...stateParam
      ])
    }
  }
  // With a configuration the person grants all of its permissions or cancels (Facebook Login for Business: "requires
  // your business client to grant all of the permissions that you specify in your configuration"); a form that
  // names fewer is ignored. Removing one later is `DELETE /me/permissions/{permission}` (`POST /_sandbox/revoke-permission`).
  const granted = v.scopes
  const user = ctx.state.users.get(ctx.state.seedUserId)!
  const now = ctx.nowMs()
  const granular: Array<GranularScope> = []
  let session: { waba_id: string; phone_number_id: string | null; business_id: string } | null = null
  if (v.tokenKind === "SYSTEM_USER") {
    const wabaChoice = form.get("waba") ?? ctx.state.seedWabaId
    // A new WABA always comes with a new number (the phone field is ignored then).
    const phoneChoice = wabaChoice === "new" ? "new" : form.get("phone")
    let waba = ctx.state.wabas.get(wabaChoice)
    if (wabaChoice === "new") {
      const count = ctx.state.wabas.size + 1
      waba = addWaba(ctx.state, user.businessIds[0]!, `Sandbox WABA ${count}`)
    }
    if (waba === undefined || !user.businessIds.includes(waba.businessId)) {
      return errorPage("Something went wrong", `WhatsApp Business Account ${wabaChoice} is not available to you.`)
    }
    let phoneNumberId: string | null = null
    if (phoneChoice === "new") {
      phoneNumberId = addPhoneNumber(ctx.state, waba.id, now, {
        verifiedName: "Sandbox New Number",
        nameStatus: "PENDING_REVIEW"
      }).id
    } else if (phoneChoice !== null && phoneChoice !== "" && phoneChoice !== "none") {
      const number = ctx.state.numbers.get(phoneChoice)
      if (number === undefined || number.wabaId !== waba.id) {
        return errorPage("Something went wrong", `Phone number ${phoneChoice} does not belong to ${waba.name}.`)
      }
      number.lastOnboardedAtMs = now
      phoneNumberId = number.id
    }
    session = { waba_id: waba.id, phone_number_id: phoneNumberId, business_id: waba.businessId }
    for (const scope of granted) {
      if (scope === "business_management") granular.push({ scope, targetIds: [waba.businessId] })
      else if (scope.startsWith("whatsapp_business_")) granular.push({ scope, targetIds: [waba.id] })
    }
  } else {
    const businesses = user.businessIds.flatMap((id) => {
      const b = ctx.state.businesses.get(id)
      return b === undefined ? [] : [b]
    })
    const accounts = businesses.flatMap((b) => [...b.ownedAdAccounts, ...b.clientAdAccounts].map((a) => a.accountId))
    for (const scope of granted) {
      if (scope === "business_management") granular.push({ scope, targetIds: businesses.map((b) => b.id) })
      else if (scope === "ads_management" || scope === "ads_read") granular.push({ scope, targetIds: accounts })
    }
  }
  const grant: Grant = { scopes: granted, granular }
  const code = newOAuthCode()
  ctx.state.codes.set(code, {
    code,
    appId: ctx.state.app.id,
    redirectUri: v.redirectUri,
    userId: user.id,
    kind: v.tokenKind,
    grant,
    createdAtMs: now,
    ...(v.popupOrigin === null ? {} : { popup: true }),
    used: false
  })
  if (v.popupOrigin !== null) {
    return popupResult(request, v.popupOrigin, sessionInfoOf(v, session), code)
  }
  return { kind: "redirect", location: withParams(v.redirectUri, [["code", code], ...stateParam]) }
}

/** The FINISH* event of META_SPEC 1.5: Coexistence names the WABA only; no number chosen = FINISH_ONLY_WABA. */
const sessionInfoOf = (
  v: Validated,
  session: { waba_id: string; phone_number_id: string | null; business_id: string } | null
): Record<string, unknown> => {
  if (session === null) return { type: "WA_EMBEDDED_SIGNUP", event: "FINISH", version: 3, data: {} }
  if (v.featureType === "whatsapp_business_app_onboarding") {
    return {
      type: "WA_EMBEDDED_SIGNUP",
      event: "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
      version: 3,
      data: { waba_id: session.waba_id }
    }
  }
  if (session.phone_number_id === null) {
    return {
      type: "WA_EMBEDDED_SIGNUP",
      event: "FINISH_ONLY_WABA",
      version: 3,
      data: { waba_id: session.waba_id, business_id: session.business_id }
    }
  }
  return { type: "WA_EMBEDDED_SIGNUP", event: "FINISH", version: 3, data: session }
}
