import { Context, type Effect } from "effect"

/** Reads a file's type from its first bytes (magic numbers), never from what it was declared as. */
export class ContentSniffer extends Context.Service<
  ContentSniffer,
  {
    /** The MIME type the bytes are, or null when not recognised. */
    detect(bytes: Uint8Array): Effect.Effect<string | null>
  }
>()("app/application/messaging/ports/ContentSniffer") {}
