import { Context, type Effect, type Option } from "effect"
import type { ChannelConnection, ConnectionStatus, EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { DetailsPatch } from "../../domain/ConnectionDetails.ts"
import type { ConnectionNotFound, NumberAlreadyConnected } from "../../domain/Errors.ts"
import type { ConnectionId, PhoneNumberId, Provider, TenantId, WabaId } from "../../domain/Ids.ts"

/** What a completed connect writes. */
export interface ConnectionWrite {
  readonly tenantId: TenantId
  readonly provider: Provider
  readonly status: ConnectionStatus
  readonly wabaId: WabaId | null
  readonly phoneNumberE164: string | null
  readonly displayName: string | null
  readonly accessTokenEnc: EncryptedToken | null
  readonly tokenExpiresAt: Date | null
  readonly scopes: ReadonlyArray<string>
  readonly metadata: DetailsPatch
  /** When this (re)connect started; the time of the write when absent. */
  readonly connectedAt?: Date
}

export interface ConnectionPatch {
  readonly status?: ConnectionStatus
  readonly accessTokenEnc?: EncryptedToken | null
  readonly tokenExpiresAt?: Date | null
  /** Merged into the stored metadata (top-level keys replaced; a `null` value removes the key). */
  readonly metadata?: DetailsPatch
}

/** Tenants' connections. Every read and write but webhook routing is scoped by tenant. */
export class ConnectionRepository extends Context.Service<
  ConnectionRepository,
  {
    /**
     * Connects a phone number to a tenant in one atomic statement under the ownership rule: a number held by
     * another tenant in any status but `revoked` fails with `NumberAlreadyConnected`; the same tenant
     * reconnecting updates its row (same id, history kept); a `revoked` row of another tenant is taken over.
     */
    claimNumber(
      phoneNumberId: PhoneNumberId,
      write: ConnectionWrite
    ): Effect.Effect<ChannelConnection, NumberAlreadyConnected>
    /**
     * Writes the tenant's connection of a provider that has no phone number (Meta Ads, or WhatsApp awaiting the
     * choice of a number): updates that row when there is one, else inserts it.
     */
    upsertUnnumbered(write: ConnectionWrite): Effect.Effect<ChannelConnection>
    findById(tenantId: TenantId, id: ConnectionId): Effect.Effect<Option.Option<ChannelConnection>>
    /**
     * The tenant's current connection of a provider: the most recently updated one that is not `revoked`, else the
     * most recently updated one (retiring older rows touches them after the new one is written).
     */
    findCurrent(tenantId: TenantId, provider: Provider): Effect.Effect<Option.Option<ChannelConnection>>
    /**
     * `findCurrent` for read-only views (the connection's status page and API): may answer a row up to about 2 s old
     * when another instance wrote it; a write through this repository, in this instance, is seen at once. Never
     * decide a write on it.
     */
    findCurrentRecent(tenantId: TenantId, provider: Provider): Effect.Effect<Option.Option<ChannelConnection>>
    listByTenant(tenantId: TenantId, provider: Provider): Effect.Effect<ReadonlyArray<ChannelConnection>>
    /** Webhook routing: the WhatsApp connection holding a number, whatever its tenant. */
    findByPhoneNumberId(phoneNumberId: PhoneNumberId): Effect.Effect<Option.Option<ChannelConnection>>
    findByWabaId(wabaId: WabaId): Effect.Effect<ReadonlyArray<ChannelConnection>>
    update(
      tenantId: TenantId,
      id: ConnectionId,
      patch: ConnectionPatch
    ): Effect.Effect<ChannelConnection, ConnectionNotFound>
    /** Every connection still holding a token (health checks, key rotation), across tenants. */
    listHoldingTokens(): Effect.Effect<ReadonlyArray<ChannelConnection>>
    /** Removes the tenant's rows of a provider that hold no phone number (a superseded pending choice). */
    deleteUnnumbered(tenantId: TenantId, provider: Provider): Effect.Effect<number>
    /** Replaces a ciphertext only if it is still `expected` (key rotation racing with a reconnect loses nothing). */
    replaceToken(id: ConnectionId, expected: EncryptedToken, next: EncryptedToken): Effect.Effect<boolean>
  }
>()("app/application/ports/ConnectionRepository") {}
