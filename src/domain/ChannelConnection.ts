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

/** Why a connection waits for a step (`pending`), as stored in `metadata.pending_reason`. */
export type PendingReason =
  | "choose_number"
  | "add_phone_number"
  | "display_name_review"
  | "pin_required"
  | "number_not_verified"
  | "choose_ad_account"

/** Why a connection is broken (`error`), as stored in `metadata.error.reason`. */
export type FailureReason = "token_invalid" | "missing_permissions" | "reinstate_unverified" | "account_event"

/** Why a connection ended (`revoked`). */
export type RevokeReason = "disconnect" | "replaced" | "revoked_at_meta"

/**
 * Every status change of a connection, with its reason. `Connected`: a connect (or reconnect) finished with nothing
 * left to do. `AwaitStep`: a connect that needs a step (a number to choose, a name in review, a PIN…).
 * `AccountSelected`: the Meta Ads account was chosen (a connection in `error` stays there until it reconnects).
 * `TokenAccepted`: Meta accepts a token it had refused; the connection returns where it was. `Fail`: the token,
 * a permission or the account broke. `Revoke`: disconnected here or at Meta, or replaced by another number.
 */
export type ConnectionTransition =
  | { readonly _tag: "Connected" }
  | { readonly _tag: "AwaitStep"; readonly reason: PendingReason }
  | { readonly _tag: "AccountSelected" }
  | { readonly _tag: "TokenAccepted"; readonly previous: "active" | "pending" }
  | { readonly _tag: "Fail"; readonly reason: FailureReason }
  | { readonly _tag: "Revoke"; readonly reason: RevokeReason }

/** What a transition writes: the status, and for `revoked` the erased token (a revoked row keeps no token). */
export type StatusChange =
  | { readonly status: "active" | "pending" | "error" }
  | { readonly status: "revoked"; readonly accessTokenEnc: null; readonly tokenExpiresAt: null }

const REVOKED: StatusChange = { status: "revoked", accessTokenEnc: null, tokenExpiresAt: null }

/**
 * The one place a connection's status is decided (`current` is null for a row being created). Spread the result
 * last into a write or patch, so that a revoked row never keeps a token. A failure or a selection reported for a
 * `revoked` connection leaves it `revoked` (with no token): a late health check or webhook never resurrects it.
 */
export const transition = (current: ConnectionStatus | null, event: ConnectionTransition): StatusChange => {
  switch (event._tag) {
    case "Connected":
      return { status: "active" }
    case "AwaitStep":
      return { status: "pending" }
    case "AccountSelected":
      return current === "revoked" ? REVOKED : { status: current === "error" ? "error" : "active" }
    case "TokenAccepted":
      return current === "revoked"
        ? REVOKED
        : { status: current === "error" || current === null ? event.previous : current }
    case "Fail":
      return current === "revoked" ? REVOKED : { status: "error" }
    case "Revoke":
      return REVOKED
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
