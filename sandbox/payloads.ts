import { isRecord } from "./http.ts"
import { newId, newWamid } from "./ids.ts"
import type { FailingRecipient, PhoneNumber } from "./state.ts"

/** Webhook payload builders with the shapes of Meta's `whatsapp_business_account` notifications. */

export interface Change {
  readonly field: string
  readonly value: Record<string, unknown>
}

export interface Entry {
  readonly id: string
  readonly time?: number
  readonly changes: ReadonlyArray<Change>
}

export const envelope = (entries: ReadonlyArray<Entry>) => ({
  object: "whatsapp_business_account",
  entry: entries.map((e) => ({
    id: e.id,
    ...(e.time === undefined ? {} : { time: e.time }),
    changes: e.changes.map((c) => ({ value: c.value, field: c.field }))
  }))
})

const metadata = (number: PhoneNumber) => ({ display_phone_number: number.digits, phone_number_id: number.id })

export interface InboundInput {
  readonly from: string
  readonly text?: string | undefined
  readonly type?: string | undefined
  readonly name?: string | undefined
  readonly userId?: string | undefined
  readonly message?: Record<string, unknown> | undefined
  readonly contextId?: string | undefined
  /** The Click-to-WhatsApp ad or post the customer tapped (Meta's `referral` object, wire names). */
  readonly referral?: Record<string, unknown> | undefined
}

const media = (mime: string, caption?: string) => ({
  ...(caption === undefined ? {} : { caption }),
  mime_type: mime,
  sha256: "q6cE4x0QWNtJBHm4d2oW3h6mXk2q5u9pYp3oTqYQZ9c=",
  id: newId(16)
})

/** The type-specific part of an inbound message. */
const messageBody = (type: string, text: string | undefined): Record<string, unknown> => {
  switch (type) {
    case "text":
      return { text: { body: text ?? "Hello" } }
    case "image":
      return { image: media("image/jpeg", text) }
    case "video":
      return { video: media("video/mp4", text) }
    case "audio":
      return { audio: { ...media("audio/ogg; codecs=opus"), voice: true } }
    case "document":
      return { document: { ...media("application/pdf", text), filename: "invoice.pdf" } }
    case "sticker":
      return { sticker: { ...media("image/webp"), animated: false } }
    case "location":
      return { location: { latitude: 38.7223, longitude: -9.1393, name: text ?? "Shop", address: "Rua Augusta 1" } }
    case "contacts":
      return {
        contacts: [
          { name: { formatted_name: text ?? "Ana Lima", first_name: "Ana" }, phones: [{ phone: "+1 555-010-9999" }] }
        ]
      }
    case "reaction":
      return { reaction: { message_id: newWamid(), emoji: text ?? "\u{1F44D}" } }
    case "button":
      return { button: { payload: "YES_PAYLOAD", text: text ?? "Yes" } }
    case "interactive":
      return { interactive: { type: "button_reply", button_reply: { id: "btn_yes", title: text ?? "Yes" } } }
    case "list_reply":
      return {
        interactive: {
          type: "list_reply",
          list_reply: { id: "row_1", title: text ?? "Option 1", description: "First" }
        }
      }
    default:
      return {
        errors: [
          {
            code: 131051,
            title: "Message type unknown",
            message: "Message type unknown",
            error_data: { details: "Message type is currently not supported." }
          }
        ]
      }
  }
}

/** The message types a customer and a business both send (Cloud API "Messages" reference). */
export const MESSAGE_TYPES = [
  "text",
  "image",
  "video",
  "audio",
  "document",
  "sticker",
  "location",
  "contacts",
  "reaction",
  "interactive"
]

/** An inbound `messages` change for one number. Returns the change and the message id. */
export const inboundChange = (number: PhoneNumber, input: InboundInput, nowSeconds: number) => {
  const requested = input.type ?? "text"
  const type = requested === "list_reply" ? "interactive" : requested
  const known = [...MESSAGE_TYPES, "button"]
  const wamid =
    input.message !== undefined && typeof input.message["id"] === "string" ? input.message["id"] : newWamid()
  const base = {
    ...(input.contextId === undefined ? {} : { context: { from: number.digits, id: input.contextId } }),
    from: input.from,
    id: wamid,
    timestamp: String(nowSeconds)
  }
  const message: Record<string, unknown> =
    input.message !== undefined
      ? { ...base, ...input.message }
      : known.includes(type)
        ? { ...base, type, ...messageBody(requested, input.text) }
        : { ...base, type: "unsupported", ...messageBody("unsupported", input.text) }
  if (input.referral !== undefined) message["referral"] = input.referral
  const contact: Record<string, unknown> = {
    profile: { name: input.name ?? "Sandbox Customer" },
    wa_id: input.from
  }
  if (input.userId !== undefined) contact["user_id"] = input.userId
  const change: Change = {
    field: "messages",
    value: { messaging_product: "whatsapp", metadata: metadata(number), contacts: [contact], messages: [message] }
  }
  return { change, wamid: String(message["id"]) }
}

export type StatusName = "sent" | "delivered" | "read" | "failed"

export const statusChange = (
  number: PhoneNumber,
  wamid: string,
  recipient: string,
  status: StatusName,
  nowSeconds: number,
  options: {
    readonly pricingCategory?: string
    readonly failure?: FailingRecipient
    /** The free entry point window this message went in: its id and when it closes (unix seconds). */
    readonly freeEntryPoint?: { readonly id: string; readonly expiresAtSeconds: number }
  } = {}
): Change => {
  const entry: Record<string, unknown> = { id: wamid, status, timestamp: String(nowSeconds), recipient_id: recipient }
  const fep = options.freeEntryPoint
  if ((status === "sent" || status === "delivered") && fep !== undefined) {
    // Meta: within a free entry point window every message is free; on v24.0+ `conversation` appears only then.
    entry["conversation"] = {
      id: fep.id,
      ...(status === "sent" ? { expiration_timestamp: String(fep.expiresAtSeconds) } : {}),
      origin: { type: "referral_conversion" }
    }
    entry["pricing"] = {
      billable: false,
      pricing_model: "PMP",
      type: "free_entry_point",
      category: "referral_conversion"
    }
  } else if (status === "sent" || status === "delivered") {
    const category = options.pricingCategory ?? "service"
    entry["pricing"] = {
      billable: category !== "service",
      pricing_model: "PMP",
      type: category === "service" ? "free_customer_service" : "regular",
      category
    }
  }
  if (status === "failed" && options.failure !== undefined) {
    entry["errors"] = [
      {
        code: options.failure.code,
        title: options.failure.title,
        message: options.failure.message,
        error_data: { details: options.failure.details },
        href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
      }
    ]
  }
  return {
    field: "messages",
    value: { messaging_product: "whatsapp", metadata: metadata(number), statuses: [entry] }
  }
}

export const accountUpdateValue = (
  event: string,
  info: { wabaId: string; ownerBusinessId: string; appId: string; partnerBusinessId: string },
  extra: Record<string, unknown>
): Record<string, unknown> => {
  const value: Record<string, unknown> = { event }
  if (event.startsWith("PARTNER_")) {
    value["waba_info"] = {
      waba_id: info.wabaId,
      owner_business_id: info.ownerBusinessId,
      ...(event === "PARTNER_APP_UNINSTALLED" || event === "PARTNER_APP_INSTALLED"
        ? { partner_app_id: info.appId }
        : {})
    }
  } else if (event === "DISABLED_UPDATE") {
    value["ban_info"] = { waba_ban_state: ["DISABLE"], waba_ban_date: "2026-01-01" }
  } else if (event === "ACCOUNT_RESTRICTION") {
    // Meta's shape: what is restricted and until when (`extra.restriction_info` replaces it).
    value["restriction_info"] = [
      { restriction_type: "RESTRICTED_ADD_PHONE_NUMBER_ACTION", expiration: "2027-01-05T13:59:20+0000" }
    ]
  } else if (event === "ACCOUNT_VIOLATION") {
    value["violation_info"] = { violation_type: "SCAM" }
  }
  for (const [key, v] of Object.entries(extra)) {
    const current = value[key]
    value[key] = isRecord(v) && isRecord(current) ? { ...current, ...v } : v
  }
  return value
}
