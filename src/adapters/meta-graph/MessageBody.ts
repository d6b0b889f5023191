/**
 * Meta's message objects as stored (`body`: the webhook's message, or the send request for an outbound one): what a
 * person reads in them. Meta's wire format stays in this adapter; the GraphQL edge asks it for the text.
 */

/** The text a person reads for a message body, when it has one. */
export const messageText = (type: string, body: unknown): string | null => {
  if (typeof body !== "object" || body === null) return null
  const record = body as Record<string, unknown>
  const part = record[type]
  if (typeof part !== "object" || part === null) return null
  const fields = part as Record<string, unknown>
  if (typeof fields["body"] === "string") return fields["body"]
  if (typeof fields["caption"] === "string") return fields["caption"]
  if (typeof fields["text"] === "string") return fields["text"]
  if (typeof fields["emoji"] === "string") return fields["emoji"]
  const reply = (fields["button_reply"] ?? fields["list_reply"]) as Record<string, unknown> | undefined
  if (reply && typeof reply["title"] === "string") return reply["title"]
  return null
}
