import type { MediaKind } from "./Media.ts"

/**
 * What a message is, once the provider's message object is read: a text, media (fetched into the media store), a
 * location, shared contacts, a reply chosen from buttons or a list, a reaction to another message, or something
 * else (kept as received, shown by its type).
 */
export type MessageContent =
  | { readonly _tag: "Text"; readonly text: string }
  | {
      readonly _tag: "Media"
      readonly kind: MediaKind
      readonly providerMediaId: string
      readonly declaredMimeType: string | null
      readonly caption: string | null
      readonly filename: string | null
      readonly animated: boolean
    }
  | {
      readonly _tag: "Location"
      readonly latitude: number
      readonly longitude: number
      readonly name: string | null
      readonly address: string | null
    }
  | {
      readonly _tag: "Contacts"
      readonly contacts: ReadonlyArray<{ readonly name: string; readonly phones: ReadonlyArray<string> }>
    }
  | { readonly _tag: "Reply"; readonly id: string | null; readonly title: string; readonly description: string | null }
  /** `emoji` null: the reaction was removed. */
  | { readonly _tag: "Reaction"; readonly targetProviderMessageId: string; readonly emoji: string | null }
  | { readonly _tag: "Other" }

/**
 * The ad or post a contact tapped to write to the business (a Click-to-WhatsApp entry), as the message that followed
 * carried it. `sourceType` is `ad` or `post` as the provider says (another value is kept as given).
 */
export interface AdReferral {
  readonly sourceType: string
  readonly sourceId: string | null
  readonly sourceUrl: string | null
  readonly headline: string | null
  readonly body: string | null
  readonly mediaType: string | null
  /** The click's id, for the advertiser's conversion reports. */
  readonly ctwaClid: string | null
}
