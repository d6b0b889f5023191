import { Context, type Effect, type Option } from "effect"
import type { OAuthStateAlreadyUsed, OAuthStateExpired, OAuthStateNotFound } from "../../../domain/Errors.ts"
import type { Provider, TenantId, UserId } from "../../../domain/Ids.ts"
import type { OAuthState } from "../../../domain/OAuthState.ts"

export interface NewOAuthState {
  readonly tenantId: TenantId
  readonly userId: UserId
  readonly provider: Provider
  readonly nonce: string
  readonly expiresAt: Date
  readonly metadata: Readonly<Record<string, unknown>>
}

export class OAuthStateRepository extends Context.Service<
  OAuthStateRepository,
  {
    /**
     * Stores the state, then keeps at most `keepUnused` of the tenant's unused, unexpired states of that provider
     * (at `now`): the oldest beyond that number, which no one is likely to complete, are removed.
     */
    create(state: NewOAuthState, limit: { readonly keepUnused: number; readonly now: Date }): Effect.Effect<OAuthState>
    /**
     * Marks the state used in one atomic step (`used_at is null and expires_at > now`): of two concurrent
     * consumptions exactly one succeeds. Fails with the reason the state cannot be used.
     */
    consume(
      provider: Provider,
      nonce: string,
      now: Date
    ): Effect.Effect<OAuthState, OAuthStateNotFound | OAuthStateExpired | OAuthStateAlreadyUsed>
    /** The state of `nonce` as stored, used or not (read only: nothing is spent). */
    find(provider: Provider, nonce: string): Effect.Effect<Option.Option<OAuthState>>
    /** Removes states that expired before `before`; returns how many. */
    deleteExpired(before: Date): Effect.Effect<number>
  }
>()("app/application/ports/OAuthStateRepository") {}
