import { Effect, Layer } from "effect"
import { fileTypeFromBuffer } from "file-type"
import { ContentSniffer } from "../../application/messaging/ports/ContentSniffer.ts"

/** `file-type`: the type from the file's magic numbers (pure: it reads the bytes given, nothing else). */
export const ContentSnifferFileType = Layer.succeed(
  ContentSniffer,
  ContentSniffer.of({
    detect: (bytes) =>
      Effect.promise(() => fileTypeFromBuffer(bytes)).pipe(
        Effect.map((type) => type?.mime ?? null),
        Effect.catchCause(() => Effect.succeed(null))
      )
  })
)
