/**
 * The web app's one map from a reason (the callbacks' `reason=R`, a completion's `reason`, an unreadable Business
 * Manager's `kind`) to a sentence for a person. The cards render these; none writes its own.
 */

/** What the OAuth callback's `?whatsapp=error&reason=R` means, for a person. */
export const REASON_MESSAGES: Readonly<Record<string, string>> = {
  cancelled: "You cancelled the connection.",
  state_invalid:
    "We could not verify this connection attempt in this browser. Start again from this page, in the same browser.",
  state_expired: "The connection attempt took too long and expired. Try again.",
  state_used: "This connection link was already used. Start a new connection.",
  number_in_use: "This number is already connected to another workspace.",
  missing_permissions:
    "Not every permission WhatsApp needs was granted. Reconnect and keep all the requested permissions selected.",
  no_phone_number: "No WhatsApp phone number was shared with us. Reconnect and select a phone number.",
  session_mismatch:
    "The WhatsApp account or number chosen in Meta's window was not shared with us. Nothing was connected. Try again.",
  meta_error: "Meta did not respond as expected. Wait a few minutes, then try again."
}

const GENERIC = "The connection failed. Try again."

/**
 * The sentence of `reason` in `messages`, by own property only: the query string is the visitor's, and an
 * inherited key (`__proto__`, `constructor`) is no reason (it would render an object or a function).
 */
const messageOf = (
  messages: Readonly<Record<string, string>>,
  reason: string | null | undefined,
  fallback: string = GENERIC
): string => (reason != null && Object.hasOwn(messages, reason) ? messages[reason]! : fallback)

export const reasonMessage = (reason: string | null): string => messageOf(REASON_MESSAGES, reason)

/** What the Meta Ads callback's `?meta_ads=error&reason=R` means, for a person. */
export const ADS_REASON_MESSAGES: Readonly<Record<string, string>> = {
  cancelled: "Connection cancelled or failed. Try again.",
  state_invalid:
    "We could not verify this connection attempt in this browser. Start again from this page, in the same browser.",
  state_expired: "The connection attempt took too long and expired. Try again.",
  state_used: "This connection link was already used. Start a new connection.",
  missing_permissions:
    "Not every permission Meta Ads needs was granted. Reconnect and keep all the requested permissions selected.",
  no_ad_account:
    "No ad account was shared with us. Reconnect with a Meta user who can access at least one ad account in a Business Manager.",
  meta_error: "Meta did not respond as expected. Wait a few minutes, then try again."
}

export const adsReasonMessage = (reason: string | null): string => messageOf(ADS_REASON_MESSAGES, reason)

/** What a connected WhatsApp completion's `reason` adds (the popup flow). */
export const CONNECTED_MESSAGES: Readonly<Record<string, string>> = {
  coexistence: "WhatsApp is connected. The number stays on the WhatsApp Business app too (Coexistence)."
}

export const connectedMessage = (reason: string | null | undefined): string =>
  messageOf(CONNECTED_MESSAGES, reason, "WhatsApp is connected.")

/** What a pending WhatsApp completion's `reason` asks for next (the popup flow). */
export const PENDING_MESSAGES: Readonly<Record<string, string>> = {
  add_phone_number:
    "Your WhatsApp Business account is shared, but no phone number was added. Add and verify a number in WhatsApp Manager, then reconnect."
}

export const pendingMessage = (reason: string | null | undefined): string =>
  messageOf(PENDING_MESSAGES, reason, "Almost done: one more step below.")

/** What an unreadable Business Manager's `kind` means for a person, and what to do (Meta Ads). */
export const UNREADABLE_HINTS: Readonly<Record<string, string>> = {
  permission: "Meta did not let this login read its ad accounts. Ask its admin to give you access, then reconnect.",
  rate_limited: "Meta was limiting requests. Reconnect in a few minutes to try it again.",
  unavailable: "Meta did not answer for it. Reconnect later to try it again."
}

export const unreadableHint = (kind: string): string => messageOf(UNREADABLE_HINTS, kind, "")

/** Where an OAuth callback sent the browser back: `?{param}=connected|pending|error&reason=R`. */
export type ReturnFromMeta =
  | { readonly kind: "connected" }
  | { readonly kind: "pending" }
  | { readonly kind: "error"; readonly reason: string | null }

/** The outcome in the query string: `whatsapp` (the default) or `meta_ads` (the Meta Ads callback). */
export const readReturn = (search: string, param: "whatsapp" | "meta_ads" = "whatsapp"): ReturnFromMeta | null => {
  const params = new URLSearchParams(search)
  const outcome = params.get(param)
  if (outcome === "connected" || outcome === "pending") return { kind: outcome }
  if (outcome === "error") return { kind: "error", reason: params.get("reason") }
  return null
}

const RETURN_PARAMS = ["whatsapp", "meta_ads", "reason"]

/** Removes `whatsapp`, `meta_ads` and `reason` from the address bar (without a reload or a new history entry). */
export const cleanReturnQuery = (location: Location = window.location, history: History = window.history): void => {
  const params = new URLSearchParams(location.search)
  if (!RETURN_PARAMS.some((name) => params.has(name))) return
  for (const name of RETURN_PARAMS) params.delete(name)
  const search = params.toString()
  // Meta appends `#_=_` to its redirects: it means nothing here.
  const hash = location.hash === "#_=_" ? "" : location.hash
  history.replaceState(history.state, "", `${location.pathname}${search === "" ? "" : `?${search}`}${hash}`)
}

/** The service refused an attempt for now (HTTP 429 or a `RateLimited` answer). */
export const TOO_MANY_ATTEMPTS = "Too many attempts. Wait a minute, then try again."

/**
 * Why starting a connection failed, for a person: too many attempts (HTTP 429), the service's refusal (a GraphQL
 * error's message, when the card shows it), or the network.
 */
export const startFailureMessage = (rateLimited: boolean, refusal: string | null = null): string =>
  rateLimited
    ? "Too many connection attempts. Wait a minute, then try again."
    : (refusal ?? "Could not start the connection. Check your network and try again.")
