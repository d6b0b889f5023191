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

/** `+15550101234` from Meta's display form (`+1 555-010-1234`, `15550101234`). */
export const toE164 = (displayPhoneNumber: string): string => `+${displayPhoneNumber.replace(/\D/g, "")}`
