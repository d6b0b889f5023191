import { Effect, Option, Schema, Struct } from "effect"
import { type AdAccountStatus, isAdAccountStatus } from "./AdAccountStatus.ts"
import { type ChannelConnection, EncryptedToken } from "./ChannelConnection.ts"

/**
 * What a connection knows beyond its columns, per provider, as stored in its `metadata` (jsonb). Decoding is
 * lenient field by field, so every row stored so far reads: a key that is absent or holds a shape this code does not
 * know reads as absent (what the `typeof` checks it replaces did), and the others still read. Keys not listed here
 * (audit breadcrumbs such as `disconnected_at`, `account_event`) are kept in the column and not read by use cases.
 */

/** Why a connection is in `error`, for a person (`message`) and for the code (`reason`). */
const ErrorDetail = Schema.Struct({
  reason: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
  permissions: Schema.optionalKey(Schema.Array(Schema.String)),
  /** The provider's error code, when it gave one (stored for operators, never compared here). */
  code: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.Number, Schema.String]))),
  /** Where the failure was seen (`health_check`, `send`…). */
  at: Schema.optionalKey(Schema.String),
  /** Where the health job returns a connection whose token Meta accepts again (`active` when unknown). */
  previous_status: Schema.optionalKey(Schema.Unknown)
})
export type ErrorDetail = typeof ErrorDetail.Type

const common = {
  error: Schema.NullOr(ErrorDetail),
  pending_reason: Schema.String,
  /** What `debug_token` said the token is (`SYSTEM_USER`, `USER`…), kept for when Meta stops saying it. */
  token_type: Schema.String,
  token_expiring_soon: Schema.Boolean,
  /** `replaced`: retired because the tenant connected another number. */
  disconnected_because: Schema.String,
  connected_via: Schema.String
}

/** A number a pending WhatsApp connection offers to choose. */
export const NumberChoice = Schema.Struct({
  id: Schema.String,
  displayPhoneNumber: Schema.String,
  /** Absent in a choice whose number had no verified name when JSON dropped the key: read as null. */
  verifiedName: Schema.NullOr(Schema.String).pipe(Schema.withDecodingDefault(Effect.succeed(null)))
})
export type NumberChoice = typeof NumberChoice.Type

const whatsAppFields = {
  ...common,
  choices: Schema.Array(NumberChoice),
  coexistence: Schema.Boolean,
  /** The number's two-step PIN, encrypted; null once Meta refused it. */
  registration_pin_enc: Schema.NullOr(EncryptedToken),
  name_status: Schema.String,
  name_review: Schema.NullOr(
    Schema.Struct({
      decision: Schema.optionalKey(Schema.String),
      requested_name: Schema.optionalKey(Schema.NullOr(Schema.String)),
      rejection_reason: Schema.optionalKey(Schema.NullOr(Schema.String)),
      at: Schema.optionalKey(Schema.String),
      /** For a person, when Meta rejected the name. */
      message: Schema.optionalKey(Schema.String)
    })
  )
}

/** An ad account as stored; `accountStatus` is the domain's word, or Meta's number in rows older than the words. */
const StoredAdAccount = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  currency: Schema.NullOr(Schema.String),
  accountStatus: Schema.optional(Schema.Unknown)
})
const StoredBusiness = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  personal: Schema.optional(Schema.Boolean),
  adAccounts: Schema.Array(StoredAdAccount)
})
export const UnreadableBusiness = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  /** For a person: what Meta answered. */
  reason: Schema.String,
  kind: Schema.Literals(["permission", "rate_limited", "unavailable"])
})
export type UnreadableBusiness = typeof UnreadableBusiness.Type
export const MetaUser = Schema.Struct({ id: Schema.String, name: Schema.NullOr(Schema.String) })
export type MetaUser = typeof MetaUser.Type

const metaAdsFields = {
  ...common,
  businesses: Schema.Array(StoredBusiness),
  unreadable_businesses: Schema.Array(UnreadableBusiness),
  selected_business_id: Schema.NullOr(Schema.String),
  selected_ad_account_id: Schema.NullOr(Schema.String),
  user: MetaUser,
  data_access_expires_at: Schema.NullOr(Schema.String),
  token_renewed_at: Schema.NullOr(Schema.String),
  token_renewal_extended: Schema.Boolean,
  throttled_calls: Schema.Number
}

export const WhatsAppDetails = Schema.Struct(whatsAppFields).mapFields(Struct.map(Schema.optionalKey))
export type WhatsAppDetails = typeof WhatsAppDetails.Type
export const MetaAdsDetails = Schema.Struct(metaAdsFields).mapFields(Struct.map(Schema.optionalKey))
export type MetaAdsDetails = typeof MetaAdsDetails.Type

/**
 * A stored object one of whose optional keys has an unknown shape (an `error` whose `code` was an object) keeps the
 * keys that read: each key is kept only if the object still decodes with it.
 */
const salvage = (decode: (input: unknown) => Option.Option<unknown>, stored: unknown): Option.Option<unknown> => {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return Option.none()
  let kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(stored)) {
    const next = { ...kept, [key]: value }
    if (Option.isSome(decode(next))) kept = next
  }
  return decode(kept)
}

/** Decodes each key on its own: a stored value of an unknown shape reads as absent, the others still read. */
const lenient = <F extends Record<string, Schema.Top>, T>(fields: F) => {
  const decoders = Object.entries(fields).map(
    ([key, schema]) => [key, Schema.decodeUnknownOption(schema as Schema.Codec<unknown, unknown>)] as const
  )
  return (metadata: Readonly<Record<string, unknown>>): T => {
    const out: Record<string, unknown> = {}
    for (const [key, decode] of decoders) {
      if (metadata[key] === undefined) continue
      const value = Option.orElse(decode(metadata[key]), () => salvage(decode, metadata[key]))
      if (Option.isSome(value)) out[key] = value.value
    }
    return out as T
  }
}

const decodeWhatsApp = lenient<typeof whatsAppFields, WhatsAppDetails>(whatsAppFields)
const decodeMetaAds = lenient<typeof metaAdsFields, MetaAdsDetails>(metaAdsFields)

/** The details of a connection of either provider, tagged by it. */
export type ConnectionDetails =
  | ({ readonly provider: "meta_whatsapp" } & WhatsAppDetails)
  | ({ readonly provider: "meta_ads" } & MetaAdsDetails)

export const detailsOf = (connection: ChannelConnection): ConnectionDetails =>
  connection.provider === "meta_ads"
    ? { provider: "meta_ads", ...decodeMetaAds(connection.metadata) }
    : { provider: "meta_whatsapp", ...decodeWhatsApp(connection.metadata) }

export const whatsAppDetails = (connection: ChannelConnection): WhatsAppDetails => decodeWhatsApp(connection.metadata)
export const metaAdsDetails = (connection: ChannelConnection): MetaAdsDetails => decodeMetaAds(connection.metadata)

/** The error a connection records, when it records one. */
export const errorOf = (connection: ChannelConnection): ErrorDetail | null => detailsOf(connection).error ?? null

/** The status a connection in `error` had before its token failed (`active` when unknown). */
export const previousStatusOf = (connection: ChannelConnection): "active" | "pending" =>
  errorOf(connection)?.previous_status === "pending" ? "pending" : "active"

/** The business managers stored at the login, each ad account's state in the domain's words. */
export interface StoredBusinessView {
  readonly id: string
  readonly name: string
  readonly personal: boolean
  readonly adAccounts: ReadonlyArray<{
    readonly id: string
    readonly name: string
    readonly currency: string | null
    readonly accountStatus: AdAccountStatus | null
  }>
}
export const businessesOf = (connection: ChannelConnection): ReadonlyArray<StoredBusinessView> =>
  (metaAdsDetails(connection).businesses ?? []).map((business) => ({
    id: business.id,
    name: business.name,
    personal: business.personal === true,
    adAccounts: business.adAccounts.map((account) => ({
      id: account.id,
      name: account.name,
      currency: account.currency,
      // Rows written before the states had words hold Meta's number: shown as unknown until the next login.
      accountStatus:
        account.accountStatus === null || account.accountStatus === undefined
          ? null
          : isAdAccountStatus(account.accountStatus)
            ? account.accountStatus
            : "unknown"
    }))
  }))

/**
 * What a write may put in the `metadata` column: the keys the details know, each with its type (`null` removes it,
 * `ConnectionPatch` semantics), plus breadcrumbs no use case reads back (`disconnected_at`, `account_event`…).
 */
export type DetailsPatch = {
  readonly [K in keyof WhatsAppDetails | keyof MetaAdsDetails]?:
    | (K extends keyof WhatsAppDetails ? WhatsAppDetails[K] : never)
    | (K extends keyof MetaAdsDetails ? MetaAdsDetails[K] : never)
    | null
} & Readonly<Record<string, unknown>>
