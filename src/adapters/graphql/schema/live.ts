import { Effect, Exit, Scope, Stream } from "effect"
import { type LiveEvent, LiveEvents } from "../../../application/ports/LiveEvents.ts"
import { builder, type GraphqlContext } from "../builder.ts"
import { MessageStatus } from "./conversations.ts"
import { ConnectionStatus } from "./whatsapp.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly liveEvents: LiveEvents
  }
}

const ConversationEventKind = builder.enumType("ConversationEventKind", {
  values: {
    MESSAGE_RECEIVED: { value: "message.received", description: "An inbound message was stored." },
    MESSAGE_STATUS: { value: "message.status", description: "Meta reported a status of a sent message." },
    MESSAGE_FAILED: { value: "message.failed", description: "A sent message failed (its error is on the message)." }
  } as const
})

const CONVERSATION_KINDS: ReadonlyArray<string> = ["message.received", "message.status", "message.failed"]
const CONNECTION_KINDS: ReadonlyArray<string> = [
  "connection.connected",
  "connection.disconnected",
  "connection.error",
  // A health check that moves the overall health (not the status): the cards refetch and show it.
  "connection.health_changed",
  "ads.connection.connected",
  "ads.connection.disconnected",
  "ads.connection.error"
]

const ConversationEventRef = builder.objectRef<LiveEvent>("ConversationEvent").implement({
  description: "Something happened in one of the tenant's conversations; refetch the conversation to show it.",
  fields: (t) => ({
    kind: t.field({ type: ConversationEventKind, resolve: (event) => event.type as "message.received" }),
    conversationId: t.exposeID("conversationId", {
      nullable: true,
      description: "Null when the message is not stored (a status for a message this service never sent)."
    }),
    messageId: t.exposeID("messageId", { nullable: true }),
    status: t.field({
      type: MessageStatus,
      nullable: true,
      description: "The status reported (RECEIVED for an inbound message).",
      resolve: (event) => event.status as "received" | null
    }),
    messageType: t.exposeString("kind", {
      nullable: true,
      description: "The message's type (text, image, …) when it is stored."
    })
  })
})

const ConnectionProvider = builder.enumType("ConnectionProvider", {
  values: { WHATSAPP: { value: "meta_whatsapp" }, META_ADS: { value: "meta_ads" } } as const
})

const ConnectionChangedRef = builder.objectRef<LiveEvent>("ConnectionChanged").implement({
  description:
    "One of the tenant's connections moved to another status (or, with status null, to another overall health); refetch it to show it.",
  fields: (t) => ({
    connectionId: t.exposeID("connectionId", { nullable: true }),
    provider: t.field({
      type: ConnectionProvider,
      nullable: true,
      resolve: (event) => event.kind as "meta_whatsapp" | null
    }),
    status: t.field({
      type: ConnectionStatus,
      nullable: true,
      resolve: (event) => event.status as "active" | null
    })
  })
})

/**
 * The actor's tenant's live events of `types`, subscribed before this resolves (so nothing committed after the
 * response starts is missed), until the client goes away (yoga then calls `return`, which closes the subscription).
 */
const liveEvents = async (ctx: GraphqlContext, types: ReadonlyArray<string>): Promise<AsyncIterable<LiveEvent>> => {
  const scope = Scope.makeUnsafe()
  const close = () => Effect.runPromise(Scope.close(scope, Exit.void))
  const stream = await ctx.run(
    Effect.gen(function* () {
      const live = yield* LiveEvents
      return yield* live.subscribe(ctx.actor.tenantId)
    }).pipe(Scope.provide(scope))
  )
  const inner = Stream.toAsyncIterable(stream.pipe(Stream.filter((event) => types.includes(event.type))))[
    Symbol.asyncIterator
  ]()
  const iterator: AsyncIterator<LiveEvent> = {
    next: () => inner.next(),
    return: async (value?: unknown) => {
      await close()
      await inner.return?.()
      return { done: true, value }
    }
  }
  return { [Symbol.asyncIterator]: () => iterator }
}

builder.subscriptionType({ authScopes: { authenticated: true } })

builder.subscriptionField("conversationEvents", (t) =>
  t.field({
    type: ConversationEventRef,
    description:
      "Messages received and statuses reported in the tenant's conversations, as they are committed (server-sent events).",
    subscribe: (_root, _args, ctx) => liveEvents(ctx, CONVERSATION_KINDS),
    resolve: (event) => event
  })
)

builder.subscriptionField("connectionChanged", (t) =>
  t.field({
    type: ConnectionChangedRef,
    description:
      "The tenant's connections moving between statuses (connected, disconnected, error), or their overall health moving (status null).",
    subscribe: (_root, _args, ctx) => liveEvents(ctx, CONNECTION_KINDS),
    resolve: (event) => event
  })
)
