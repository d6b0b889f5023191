import { Effect } from "effect"
import { MediaFetcher } from "../../../application/messaging/MediaFetcher.ts"
import { MediaSending } from "../../../application/messaging/SendMedia.ts"
import { InvalidMessage } from "../../../domain/Errors.ts"
import type { MessageId } from "../../../domain/Ids.ts"
import type { MessageMedia } from "../../../domain/Media.ts"
import type { Message } from "../../../domain/Message.ts"
import type { AdReferral, MessageContent } from "../../../domain/MessageContent.ts"
import { decodeInlineMedia } from "../../http/MediaRoutes.ts"
import { adReferralOf, messageContent } from "../../meta-graph/MessageBody.ts"
import { builder } from "../builder.ts"
import { MessageRef } from "./conversations.ts"
import { SEND_ERRORS } from "./errors.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly mediaFetcher: MediaFetcher
    readonly mediaSending: MediaSending
  }
}

/** What a message is beyond its text: media, location, contacts, a reply, a reaction (issue 17.3). */

const MediaState = builder.enumType("MediaState", {
  values: {
    PENDING: { value: "pending", description: "Media not yet available: being fetched from WhatsApp." },
    AVAILABLE: { value: "available", description: "Stored: `url` serves it." },
    FAILED: { value: "failed", description: "Every fetch failed, or the content was refused (see `error`)." }
  } as const
})

interface MediaView {
  readonly message: Message
  readonly content: Extract<MessageContent, { _tag: "Media" }>
  readonly stored: MessageMedia | null
}

const MessageMediaRef = builder.objectRef<MediaView>("MessageMedia").implement({
  fields: (t) => ({
    kind: t.string({ description: "image, audio, video, document or sticker.", resolve: (m) => m.content.kind }),
    state: t.field({ type: MediaState, resolve: (m) => m.stored?.state ?? "pending" }),
    mimeType: t.string({
      nullable: true,
      description: "The type detected from the stored bytes (null until stored).",
      resolve: (m) => m.stored?.mimeType ?? null
    }),
    sizeBytes: t.int({ nullable: true, resolve: (m) => m.stored?.sizeBytes ?? null }),
    url: t.string({
      nullable: true,
      description:
        "Where the tenant reads it, with the same bearer token as the API (`GET /api/media/{messageId}`); null until available.",
      resolve: (m) => (m.stored?.state === "available" ? `/api/media/${m.message.id}` : null)
    }),
    caption: t.string({ nullable: true, resolve: (m) => m.stored?.caption ?? m.content.caption }),
    filename: t.string({ nullable: true, resolve: (m) => m.stored?.filename ?? m.content.filename }),
    error: t.string({
      nullable: true,
      description: "Why it is not available, once failed.",
      resolve: (m) => (m.stored?.state === "failed" ? (m.stored.lastError?.split(":")[0] ?? "failed") : null)
    })
  })
})

type Of<T extends MessageContent["_tag"]> = Extract<MessageContent, { _tag: T }>

const LocationRef = builder.objectRef<Of<"Location">>("MessageLocation").implement({
  fields: (t) => ({
    latitude: t.exposeFloat("latitude"),
    longitude: t.exposeFloat("longitude"),
    name: t.exposeString("name", { nullable: true }),
    address: t.exposeString("address", { nullable: true })
  })
})

const ContactRef = builder.objectRef<Of<"Contacts">["contacts"][number]>("MessageContact").implement({
  fields: (t) => ({
    name: t.exposeString("name"),
    phones: t.exposeStringList("phones")
  })
})

const ReplyRef = builder.objectRef<Of<"Reply">>("MessageReply").implement({
  description: "A choice from the business's buttons or list (or a template's quick reply).",
  fields: (t) => ({
    id: t.exposeString("id", { nullable: true }),
    title: t.exposeString("title"),
    description: t.exposeString("description", { nullable: true })
  })
})

const ReactionRef = builder.objectRef<Of<"Reaction">>("MessageReaction").implement({
  description: "A reaction to another message: shown on that message, not as a message of its own.",
  fields: (t) => ({
    targetProviderMessageId: t.exposeString("targetProviderMessageId"),
    emoji: t.exposeString("emoji", { nullable: true, description: "Null: the reaction was removed." })
  })
})

const AdReferralRef = builder.objectRef<AdReferral>("AdReferral").implement({
  description:
    "The Click-to-WhatsApp ad or post the contact tapped before this message. It opens no longer window: free text still goes only within 24 hours of the contact's last message.",
  fields: (t) => ({
    sourceType: t.exposeString("sourceType", { description: "ad or post." }),
    sourceId: t.exposeString("sourceId", { nullable: true }),
    sourceUrl: t.exposeString("sourceUrl", { nullable: true }),
    headline: t.exposeString("headline", { nullable: true }),
    body: t.exposeString("body", { nullable: true }),
    mediaType: t.exposeString("mediaType", { nullable: true }),
    ctwaClid: t.exposeString("ctwaClid", { nullable: true, description: "The ad click's id (conversion reports)." })
  })
})

const contentOf = (message: Message) => messageContent(message.type, message.body)
const only = <T extends MessageContent["_tag"]>(message: Message, tag: T): Of<T> | null => {
  const content = contentOf(message)
  return content._tag === tag ? (content as Of<T>) : null
}

builder.objectFields(MessageRef, (t) => ({
  media: t.field({
    type: MessageMediaRef,
    nullable: true,
    description: "The image, audio, video, document or sticker of the message.",
    resolve: async (message, _args, ctx) => {
      const content = only(message, "Media")
      if (content === null) return null
      const stored = await ctx.run(
        Effect.flatMap(MediaFetcher, (media) => media.forMessages(ctx.actor.tenantId, [message.id as MessageId]))
      )
      return { message, content, stored: stored[0] ?? null }
    }
  }),
  location: t.field({ type: LocationRef, nullable: true, resolve: (message) => only(message, "Location") }),
  contacts: t.field({
    type: [ContactRef],
    nullable: true,
    resolve: (message) => only(message, "Contacts")?.contacts ?? null
  }),
  reply: t.field({ type: ReplyRef, nullable: true, resolve: (message) => only(message, "Reply") }),
  reaction: t.field({ type: ReactionRef, nullable: true, resolve: (message) => only(message, "Reaction") }),
  referral: t.field({
    type: AdReferralRef,
    nullable: true,
    resolve: (message) => (message.direction === "inbound" ? adReferralOf(message.body) : null)
  })
}))

const SendableMedia = builder.enumType("SendableMedia", {
  values: { IMAGE: { value: "image" }, DOCUMENT: { value: "document" } } as const
})

const SendMediaInput = builder.inputType("SendMediaInput", {
  fields: (t) => ({
    to: t.string({ required: true, description: "The recipient's phone number with country code." }),
    kind: t.field({ type: SendableMedia, required: true }),
    base64: t.string({ required: true, description: "The file, base64-encoded (at most 16 MB decoded)." }),
    filename: t.string(),
    caption: t.string(),
    idempotencyKey: t.string({ description: "A retried request with the same key never sends twice." })
  })
})

builder.mutationField("sendWhatsAppMedia", (t) =>
  t.field({
    type: MessageRef,
    description: "Sends an image (JPEG or PNG, 5 MB) or a document (100 MB; 16 MB here) through the connected number.",
    args: { input: t.arg({ type: SendMediaInput, required: true }) },
    errors: { types: SEND_ERRORS, dataField: { name: "message" } },
    resolve: (_root, { input }, ctx) => {
      const bytes = decodeInlineMedia(input.base64)
      return ctx.run(
        bytes instanceof InvalidMessage
          ? Effect.fail(bytes)
          : Effect.flatMap(MediaSending, (sending) =>
              sending.sendMedia(ctx.actor, {
                to: input.to,
                kind: input.kind,
                bytes,
                filename: input.filename ?? null,
                caption: input.caption ?? null,
                idempotencyKey: input.idempotencyKey ?? null
              })
            )
      )
    }
  })
)
