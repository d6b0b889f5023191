import { Schema } from "effect"
import { ConnectionId, PhoneNumberId, Provider, TenantId, WabaId } from "./Ids.ts"

export const ConnectionStatus = Schema.Literals(["pending", "active", "error", "revoked"])
export type ConnectionStatus = typeof ConnectionStatus.Type

/** The token as stored: key id, IV, ciphertext and tag; never the plaintext. */
export const EncryptedToken = Schema.NonEmptyString.pipe(Schema.brand("EncryptedToken"))
export type EncryptedToken = typeof EncryptedToken.Type

/** A tenant's link to one Meta asset (a WhatsApp number, or an ads account set). */
export class ChannelConnection extends Schema.Class<ChannelConnection>("ChannelConnection")({
  id: ConnectionId,
  tenantId: TenantId,
  provider: Provider,
  status: ConnectionStatus,
  wabaId: Schema.NullOr(WabaId),
  phoneNumberId: Schema.NullOr(PhoneNumberId),
  phoneNumberE164: Schema.NullOr(Schema.String),
  displayName: Schema.NullOr(Schema.String),
  accessTokenEnc: Schema.NullOr(EncryptedToken),
  tokenExpiresAt: Schema.NullOr(Schema.Date),
  scopes: Schema.Array(Schema.String),
  metadata: Schema.Record(Schema.String, Schema.Unknown),
  /** When the latest (re)connect started: webhook events older than this never act on the connection. */
  connectedAt: Schema.NullOr(Schema.Date),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}) {}

/** What can happen to a connection. */
export type ConnectionEvent =
  | { readonly _tag: "Connected" }
  | { readonly _tag: "ChoiceRequired" }
  | { readonly _tag: "TokenFailed" }
  | { readonly _tag: "AccountProblem" }
  | { readonly _tag: "Disconnected" }
  | { readonly _tag: "RevokedAtMeta" }

/**
 * The status a connection moves to on an event. Connecting again (the same start/callback flow) is always
 * allowed and is how `error` and `revoked` connections come back; a failure reported for a `revoked`
 * connection leaves it `revoked`, so a late health check never resurrects a disconnected number.
 */
export const nextStatus = (current: ConnectionStatus, event: ConnectionEvent): ConnectionStatus => {
  switch (event._tag) {
    case "Connected":
      return "active"
    case "ChoiceRequired":
      return "pending"
    case "TokenFailed":
    case "AccountProblem":
      return current === "revoked" ? "revoked" : "error"
    case "Disconnected":
    case "RevokedAtMeta":
      return "revoked"
  }
}

/** Messages may go out only through an active connection. */
export const canSend = (status: ConnectionStatus): boolean => status === "active"

/** Inbound webhooks are stored for every connection that has not been disconnected. */
export const acceptsInbound = (status: ConnectionStatus): boolean => status !== "revoked"

/** A connection that still holds a token (and so must be health-checked). */
export const holdsToken = (connection: ChannelConnection): boolean =>
  connection.accessTokenEnc !== null && connection.status !== "revoked"

/**
 * A restriction Meta put on a WABA (`account_update` `restriction_info[]`), as stored in the connection's
 * `metadata.restrictions`: `blocks` says which sends it refuses, `expires_at` (ISO) when it lifts (null: until Meta
 * says otherwise).
 */
export interface Restriction {
  readonly type: string
  readonly blocks: "nothing" | "business_initiated" | "replies" | "all"
  readonly expires_at: string | null
}

/**
 * What a restriction type blocks (Meta, `account_update` reference): adding numbers blocks no message; the two
 * messaging restrictions block the sends they name. A type this code does not know blocks every send (Meta refuses
 * them anyway, and a warning that under-states it would mislead).
 */
export const restrictionBlocks = (type: string): Restriction["blocks"] => {
  switch (type) {
    case "RESTRICTED_ADD_PHONE_NUMBER_ACTION":
      return "nothing"
    case "RESTRICTED_BIZ_INITIATED_MESSAGING":
      return "business_initiated"
    case "RESTRICTED_CUSTOMER_INITIATED_MESSAGING":
      return "replies"
    default:
      return "all"
  }
}

/** The restrictions of a connection still in force at `now`. */
export const activeRestrictions = (connection: ChannelConnection, now: Date): ReadonlyArray<Restriction> => {
  const stored = connection.metadata["restrictions"]
  if (!Array.isArray(stored)) return []
  return (stored as ReadonlyArray<Restriction>).filter(
    (r) => r.expires_at === null || new Date(r.expires_at).getTime() > now.getTime()
  )
}

/** `+15550101234` from Meta's display form (`+1 555-010-1234`, `15550101234`). */
export const toE164 = (displayPhoneNumber: string): string => `+${displayPhoneNumber.replace(/\D/g, "")}`
