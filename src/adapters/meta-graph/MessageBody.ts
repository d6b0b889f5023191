import { isMediaKind } from "../../domain/Media.ts"
import type { AdReferral, MessageContent } from "../../domain/MessageContent.ts"

/**
 * Meta's message objects as stored (`body`: the webhook's message, or the send request for an outbound one): what a
 * person reads in them. Meta's wire format stays in this adapter; the webhook decoder and the GraphQL edge ask it.
 */

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null)

/** The text a person reads for a message body, when it has one. */
export const messageText = (type: string, body: unknown): string | null => {
  const fields = record(record(body)?.[type])
  if (fields === null) return null
  if (typeof fields["body"] === "string") return fields["body"]
  if (typeof fields["caption"] === "string") return fields["caption"]
  if (typeof fields["text"] === "string") return fields["text"]
  if (typeof fields["emoji"] === "string") return fields["emoji"]
  const reply = (fields["button_reply"] ?? fields["list_reply"]) as Record<string, unknown> | undefined
  if (reply && typeof reply["title"] === "string") return reply["title"]
  return null
}

/**
 * What a message object is (Cloud API webhook reference, "messages"): `image|audio|video|document|sticker:{id,
 * mime_type, sha256[, caption][, filename][, animated]}`, `location:{latitude, longitude[, name][, address]}`,
 * `contacts:[{name:{formatted_name}, phones:[{phone}]}]`, `interactive:{type:"button_reply"|"list_reply", …:{id,
 * title[, description]}}`, `button:{payload, text}` (a template's quick reply), `reaction:{message_id, emoji}`
 * (no emoji: removed).
 */
export const messageContent = (type: string, body: unknown): MessageContent => {
  const message = record(body) ?? {}
  const part = record(message[type])
  if (type === "text") return { _tag: "Text", text: text(part?.["body"]) ?? "" }
  if (isMediaKind(type)) {
    if (part === null) return { _tag: "Other" }
    return {
      _tag: "Media",
      kind: type,
      // Empty for an outbound message stored before its upload.
      providerMediaId: text(part["id"]) ?? "",
      declaredMimeType: text(part["mime_type"]),
      caption: text(part["caption"]),
      filename: text(part["filename"]),
      animated: part["animated"] === true
    }
  }
  if (type === "location" && part !== null) {
    const latitude = Number(part["latitude"])
    const longitude = Number(part["longitude"])
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return { _tag: "Other" }
    return { _tag: "Location", latitude, longitude, name: text(part["name"]), address: text(part["address"]) }
  }
  if (type === "contacts" && Array.isArray(message["contacts"])) {
    return {
      _tag: "Contacts",
      contacts: (message["contacts"] as Array<unknown>).map((c) => {
        const contact = record(c) ?? {}
        const name = record(contact["name"])
        const phones = Array.isArray(contact["phones"]) ? (contact["phones"] as Array<unknown>) : []
        return {
          name: text(name?.["formatted_name"]) ?? text(name?.["first_name"]) ?? "Contact",
          phones: phones.flatMap((p) => {
            const phone = text(record(p)?.["phone"]) ?? text(record(p)?.["wa_id"])
            return phone === null ? [] : [phone]
          })
        }
      })
    }
  }
  if (type === "interactive" && part !== null) {
    const reply = record(part["button_reply"]) ?? record(part["list_reply"])
    const title = text(reply?.["title"])
    if (reply !== null && title !== null)
      return { _tag: "Reply", id: text(reply["id"]), title, description: text(reply["description"]) }
    return { _tag: "Other" }
  }
  if (type === "button" && part !== null) {
    const title = text(part["text"]) ?? text(part["payload"])
    return title === null ? { _tag: "Other" } : { _tag: "Reply", id: text(part["payload"]), title, description: null }
  }
  if (type === "reaction" && part !== null) {
    const target = text(part["message_id"])
    if (target === null) return { _tag: "Other" }
    return { _tag: "Reaction", targetProviderMessageId: target, emoji: text(part["emoji"]) }
  }
  return { _tag: "Other" }
}

/**
 * The `referral` object of a message sent from a Click-to-WhatsApp ad or a post (Cloud API webhook reference,
 * "messages"; META_SPEC 4.4): `source_url, source_id, source_type ("ad" | "post"), headline, body, media_type,
 * image_url | video_url, thumbnail_url, ctwa_clid`. Null when the message has none.
 */
export const adReferralOf = (body: unknown): AdReferral | null => {
  const referral = record(record(body)?.["referral"])
  if (referral === null) return null
  return {
    sourceType: text(referral["source_type"]) ?? "unknown",
    sourceId: text(referral["source_id"]),
    sourceUrl: text(referral["source_url"]),
    headline: text(referral["headline"]),
    body: text(referral["body"]),
    mediaType: text(referral["media_type"]),
    ctwaClid: text(referral["ctwa_clid"])
  }
}
