import { Option } from "effect"
import type { SessionInfo } from "../../application/connect/OAuthFlow.ts"

/** Meta's ids are digit strings; anything else is not a session-info id. */
const ID = /^\d{1,32}$/

const idOf = (data: Record<string, unknown>, key: string): string | null | undefined => {
  const value = data[key]
  if (value === undefined || value === null || value === "") return null
  return typeof value === "string" && ID.test(value) ? value : undefined
}

/**
 * The popup's message as an Embedded Signup event (an object or its JSON string `{type: "WA_EMBEDDED_SIGNUP",
 * event, data}`): its event name and data (`{}` when absent). `None` when it is not such an event.
 */
const embeddedSignupEvent = (
  raw: unknown
): Option.Option<{ readonly event: string; readonly data: Record<string, unknown> }> => {
  let value = raw
  if (typeof value === "string") {
    try {
      value = JSON.parse(value)
    } catch {
      return Option.none()
    }
  }
  if (typeof value !== "object" || value === null) return Option.none()
  const message = value as { type?: unknown; event?: unknown; data?: unknown }
  if (message.type !== "WA_EMBEDDED_SIGNUP" || typeof message.event !== "string") return Option.none()
  const data =
    typeof message.data === "object" && message.data !== null ? (message.data as Record<string, unknown>) : {}
  return Option.some({ event: message.event, data })
}

/**
 * Decodes the Embedded Signup session-info event the page received from Meta's popup (META_SPEC 1.5): an object or
 * its JSON string `{type: "WA_EMBEDDED_SIGNUP", event, data}`. `None` when it is not such an event, or an id is not
 * an id. CANCEL and ERROR carry no assets: they decode to `null` (the code is what decides then).
 */
export const decodeSessionInfo = (raw: unknown): Option.Option<SessionInfo | null> => {
  const signup = embeddedSignupEvent(raw)
  if (Option.isNone(signup)) return Option.none()
  const { event, data } = signup.value
  if (event === "CANCEL" || event === "ERROR") return Option.some(null)
  const wabaId = idOf(data, "waba_id")
  const phoneNumberId = idOf(data, "phone_number_id")
  const businessId = idOf(data, "business_id")
  if (wabaId === undefined || phoneNumberId === undefined || businessId === undefined) return Option.none()
  const kind =
    event === "FINISH_ONLY_WABA"
      ? "only_waba"
      : event === "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING"
        ? "coexistence"
        : "finish"
  // A finish without a WABA names nothing: the token's grant decides, as after a redirect.
  if (wabaId === null) return Option.some(null)
  return Option.some({ kind, wabaId, phoneNumberId: kind === "only_waba" ? null : phoneNumberId, businessId })
}

/**
 * The person's cancel as the popup reported it (`CANCEL`, META_SPEC 1.5): the step they left at (`current_step`), or
 * Meta's error code when they reported an error. `None` when the event is not a cancel.
 */
export const decodeCancel = (raw: unknown): Option.Option<{ readonly step: string }> => {
  const signup = embeddedSignupEvent(raw)
  if (Option.isNone(signup) || signup.value.event !== "CANCEL") return Option.none()
  const data = signup.value.data
  const word = (key: string) => {
    const found = data[key]
    return typeof found === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(found)
      ? found
      : typeof found === "number"
        ? String(found)
        : null
  }
  return Option.some({ step: word("current_step") ?? word("error_code") ?? "closed" })
}
