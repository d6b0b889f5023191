import { Context, type Effect } from "effect"
import type { ChannelConnection } from "../../../domain/ChannelConnection.ts"
import type { TokenUnreadable } from "../../../domain/Errors.ts"
import type { MetaGraphError } from "../../ports/MetaGraph.ts"

/**
 * What the connect use case asks of the synced templates: read a new connection's WABA templates from Meta into
 * the store (`Templates.syncs` implements it). A port, so connecting does not reach the template use case.
 * Answers how many templates the WABA has.
 */
export class TemplateSync extends Context.Service<
  TemplateSync,
  {
    syncConnection(connection: ChannelConnection): Effect.Effect<number, MetaGraphError | TokenUnreadable>
  }
>()("app/application/connect/TemplateSync") {}
