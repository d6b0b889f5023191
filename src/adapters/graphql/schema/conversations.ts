import type { ObjectRef } from "@pothos/core"
import DataLoader from "dataloader"
import { Effect, Option } from "effect"
import { createGraphQLError } from "graphql-yoga"
import { Conversations } from "../../../application/messaging/Conversations.ts"
import { Messaging } from "../../../application/messaging/Messaging.ts"
import { isCursor, type Page } from "../../../application/ports/Page.ts"
import { type ConversationSummary, type LastMessage, UNREAD_CAP } from "../../../domain/Conversation.ts"
import { windowClosesAt } from "../../../domain/CustomerServiceWindow.ts"
import { ConversationNotFound } from "../../../domain/Errors.ts"
import type { ConversationId } from "../../../domain/Ids.ts"
import type { Message } from "../../../domain/Message.ts"
import { messageText } from "../../meta-graph/MessageBody.ts"
import { builder, type GraphqlContext } from "../builder.ts"
import { SEND_TEXT_ERRORS } from "./errors.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly conversations: Conversations
    readonly messaging: Messaging
  }
}

const MessageDirection = builder.enumType("MessageDirection", {
  values: { INBOUND: { value: "inbound" }, OUTBOUND: { value: "outbound" } } as const
})

export const MessageStatus = builder.enumType("MessageStatus", {
  values: {
    RECEIVED: { value: "received", description: "An inbound message." },
    PENDING: { value: "pending", description: "Stored, not yet accepted by Meta." },
    SENT: { value: "sent" },
    DELIVERED: { value: "delivered" },
    READ: { value: "read" },
    PLAYED: { value: "played", description: "A voice message was played." },
    FAILED: { value: "failed" }
  } as const
})

/** Meta's error on a failed message, in words: its message, title or code. */
const errorText = (error: unknown): string | null => {
  if (error === null || error === undefined) return null
  const first = Array.isArray(error) ? error[0] : error
  if (typeof first === "object" && first !== null) {
    const record = first as Record<string, unknown>
    const details = (record["error_data"] as Record<string, unknown> | undefined)?.["details"]
    const text = record["message"] ?? details ?? record["title"]
    if (typeof text === "string") return typeof record["code"] === "number" ? `${text} (${record["code"]})` : text
  }
  return JSON.stringify(error)
}

/**
 * `after` as the use cases take it (null, or "", for the first page). Anything but a cursor this API gave is the
 * caller's mistake, answered as a GraphQL error with `extensions.code = "BAD_USER_INPUT"` before any use case runs.
 */
export const afterCursor = (after: string | null | undefined): string | null => {
  if (after === null || after === undefined || after === "") return null
  if (isCursor(after)) return after
  throw createGraphQLError("after must be a cursor from this API (an edge's cursor or pageInfo.endCursor).", {
    extensions: { code: "BAD_USER_INPUT" }
  })
}

export const PageInfo = builder
  .objectRef<{ readonly hasNextPage: boolean; readonly endCursor: string | null }>("PageInfo")
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean("hasNextPage"),
      endCursor: t.exposeString("endCursor", { nullable: true })
    })
  })

export const MessageRef = builder.objectRef<Message>("Message").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    providerMessageId: t.exposeString("providerMessageId", { nullable: true, description: "Meta's wamid." }),
    direction: t.expose("direction", { type: MessageDirection }),
    type: t.exposeString("type", { description: "Meta's message type (text, image, reaction, ...)." }),
    text: t.string({
      nullable: true,
      description: "The text a person reads (body, caption, reply title, reaction), when there is one.",
      resolve: (message) => messageText(message.type, message.body)
    }),
    status: t.expose("status", { type: MessageStatus }),
    error: t.string({ nullable: true, resolve: (message) => errorText(message.error) }),
    timestamp: t.field({ type: "DateTime", resolve: (message) => message.sentAt })
  })
})

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never

/** A page of `node` as the Relay pair `{name}Connection { edges: [{name}Edge { cursor node }] pageInfo }`. */
export const connectionOf = <T>(name: string, node: ObjectRef<BuilderTypes, T>) => {
  const edge = builder.objectRef<Page<T>["items"][number]>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString("cursor"),
      node: t.expose("node", { type: node })
    })
  })
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({ type: [edge], resolve: (page) => [...page.items] }),
      pageInfo: t.field({ type: PageInfo, resolve: (page) => page })
    })
  })
}

const MessageConnection = connectionOf("Message", MessageRef)

const PREVIEW_LABEL: Readonly<Record<string, string>> = {
  image: "Photo",
  video: "Video",
  audio: "Audio",
  voice: "Voice message",
  document: "Document",
  sticker: "Sticker",
  location: "Location",
  contacts: "Contact",
  reaction: "Reaction",
  interactive: "Reply",
  button: "Reply",
  template: "Template"
}

/** A message as one line of the inbox: its text, or what it is ("Photo", "Photo: caption", "Document", ...). */
export const messagePreview = (message: LastMessage): string => {
  const text = messageText(message.type, message.body)
  if (message.type === "text") return text ?? ""
  if (message.type === "reaction") return text === null ? "Removed a reaction" : `Reacted ${text}`
  const label = PREVIEW_LABEL[message.type] ?? "Message"
  return text === null || text === "" ? label : `${label}: ${text}`
}

const LastMessageRef = builder.objectRef<LastMessage>("LastMessage").implement({
  description: "A conversation's latest message, as the inbox previews it.",
  fields: (t) => ({
    type: t.exposeString("type"),
    direction: t.expose("direction", { type: MessageDirection }),
    preview: t.string({
      description: 'Its text, or what it is ("Photo", "Photo: caption", "Document", "Location", ...).',
      resolve: (message) => messagePreview(message)
    }),
    timestamp: t.field({ type: "DateTime", resolve: (message) => message.sentAt })
  })
})

const ConversationRef = builder.objectRef<ConversationSummary>("Conversation").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    waId: t.exposeString("waId", { description: "The contact's WhatsApp id (or business-scoped user id)." }),
    contactName: t.exposeString("contactName", { nullable: true }),
    lastMessageAt: t.expose("lastMessageAt", { type: "DateTime", nullable: true }),
    phoneNumberId: t.exposeString("phoneNumberId", {
      description: "The tenant's WhatsApp number id this conversation belongs to (one thread per contact and number)."
    }),
    displayPhoneNumber: t.exposeString("displayPhoneNumber", {
      nullable: true,
      description: "That number as people read it (E.164), when known."
    }),
    lastMessage: t.field({ type: LastMessageRef, nullable: true, resolve: (c) => c.lastMessage }),
    unreadCount: t.exposeInt("unreadCount", {
      description: `Inbound messages since the conversation was last opened (markConversationRead), at most ${UNREAD_CAP}.`
    }),
    lastReadAt: t.expose("lastReadAt", { type: "DateTime", nullable: true }),
    windowClosesAt: t.field({
      type: "DateTime",
      nullable: true,
      description:
        "When the 24-hour customer service window closes (or closed): 24 h after the contact's last message; null when they never wrote. Outside it only an approved template can be sent.",
      resolve: (conversation) => windowClosesAt(conversation.lastInboundAt)
    }),
    messages: t.field({
      type: MessageConnection,
      description: "Oldest first.",
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: (conversation, args, ctx) =>
        messagesLoader(ctx, args.first ?? null, afterCursor(args.after)).load(conversation.id as ConversationId)
    })
  })
})

/**
 * The `messages` of one request's conversations, asked for together: graphql-js resolves a list's items in one
 * pass, so a loader per request and page request gathers every conversation's `messages` and reads them at once
 * (`Conversations.messagesOf`: two statements for a page of 20 conversations instead of 40). The conversation of a
 * thread (`conversation(id)`) goes the same way, as a batch of one.
 */
const messageLoaders = new WeakMap<GraphqlContext, Map<string, DataLoader<ConversationId, Page<Message>>>>()
const messagesLoader = (
  ctx: GraphqlContext,
  first: number | null,
  after: string | null
): DataLoader<ConversationId, Page<Message>> => {
  const loaders = messageLoaders.get(ctx) ?? new Map<string, DataLoader<ConversationId, Page<Message>>>()
  messageLoaders.set(ctx, loaders)
  const key = `${first}|${after}`
  const existing = loaders.get(key)
  if (existing !== undefined) return existing
  const loader = new DataLoader<ConversationId, Page<Message>>(
    (ids) =>
      ctx
        .run(Effect.flatMap(Conversations, (conversations) => conversations.messagesOf(ctx.actor, ids, first, after)))
        // A conversation that is not the tenant's is a defect here, as it was one by one (the parent listed it).
        .then((pages) => pages.map((page) => (Option.isSome(page) ? page.value : new ConversationNotFound({})))),
    // Batching only: a context can outlive one execution (a subscription's events), and each must read afresh.
    { cache: false }
  )
  loaders.set(key, loader)
  return loader
}

const ConversationEdge = builder.objectRef<Page<ConversationSummary>["items"][number]>("ConversationEdge").implement({
  fields: (t) => ({
    cursor: t.exposeString("cursor"),
    node: t.expose("node", { type: ConversationRef })
  })
})

const ConversationConnection = builder.objectRef<Page<ConversationSummary>>("ConversationConnection").implement({
  fields: (t) => ({
    edges: t.field({ type: [ConversationEdge], resolve: (page) => [...page.items] }),
    pageInfo: t.field({ type: PageInfo, resolve: (page) => page }),
    numberCount: t.int({
      description:
        "How many WhatsApp numbers the tenant has had (0 on an empty page): when more than one, show each conversation's number.",
      resolve: (page) => page.items[0]?.node.numberCount ?? 0
    })
  })
})

builder.queryField("conversations", (t) =>
  t.field({
    type: ConversationConnection,
    description:
      "The tenant's conversations, most recent activity first (last message, else creation), each with its last message, unread count and number.",
    args: {
      first: t.arg.int(),
      after: t.arg.string(),
      search: t.arg.string({ description: "Only contacts whose name (any case) or number starts with this." })
    },
    resolve: (_root, args, ctx) => {
      const after = afterCursor(args.after)
      return ctx.run(
        Effect.flatMap(Conversations, (conversations) =>
          conversations.list(ctx.actor, args.first ?? null, after, args.search ?? null)
        )
      )
    }
  })
)

builder.queryField("conversation", (t) =>
  t.field({
    type: ConversationRef,
    nullable: true,
    description: "One of the tenant's conversations; null when there is none with this id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      ctx.run(
        Effect.flatMap(Conversations, (conversations) =>
          conversations.find(ctx.actor, String(args.id) as ConversationId)
        ).pipe(Effect.catchTag("ConversationNotFound", () => Effect.succeed(null)))
      )
  })
)

builder.mutationField("markConversationRead", (t) =>
  t.field({
    type: ConversationRef,
    description: "The conversation was opened: its messages so far are read (unreadCount 0).",
    args: { id: t.arg.id({ required: true }) },
    errors: { types: [ConversationNotFound], dataField: { name: "conversation" } },
    resolve: (_root, args, ctx) =>
      ctx.run(
        Effect.flatMap(Conversations, (conversations) =>
          conversations.markRead(ctx.actor, String(args.id) as ConversationId)
        )
      )
  })
)

const SendTextInput = builder.inputType("SendTextInput", {
  fields: (t) => ({
    to: t.string({ required: true, description: "The recipient's phone number with country code." }),
    text: t.string({ required: true }),
    idempotencyKey: t.string({ description: "A retried request with the same key never sends twice." }),
    conversationId: t.id({
      description:
        "Replying in this conversation: refused (ConversationOnOtherNumberError) when it belongs to a number that is no longer connected."
    })
  })
})

builder.mutationField("sendWhatsAppText", (t) =>
  t.field({
    type: MessageRef,
    args: { input: t.arg({ type: SendTextInput, required: true }) },
    errors: { types: SEND_TEXT_ERRORS, dataField: { name: "message" } },
    resolve: (_root, { input }, ctx) =>
      ctx.run(
        Effect.flatMap(Messaging, (messaging) =>
          messaging.sendText(ctx.actor, {
            to: input.to,
            text: input.text,
            idempotencyKey: input.idempotencyKey ?? null,
            conversationId:
              input.conversationId === null || input.conversationId === undefined
                ? null
                : (String(input.conversationId) as ConversationId)
          })
        )
      )
  })
)
