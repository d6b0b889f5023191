import { Clock, Context, Effect, Layer, Option, Schema } from "effect"
import type { ChannelConnection } from "../domain/ChannelConnection.ts"
import {
  AdAccountNotGranted,
  Forbidden,
  MetaAdsNotConnected,
  MetaPermissionMissing,
  MetaTokenInvalid,
  NoAdAccountGranted
} from "../domain/Errors.ts"
import type { TenantId } from "../domain/Ids.ts"
import { isExpiringSoon } from "../domain/TokenExpiry.ts"
import { type Actor, canOperate } from "./Actor.ts"
import {
  type Authorized,
  type CallbackInput,
  type ConnectionSummary,
  debugTokenForConnect,
  expiryOf,
  makeOAuthFlow,
  NO_CONNECTION,
  type Resolved,
  type StartedConnect,
  type StateError,
  summaryOf
} from "./OAuthFlow.ts"
import type { AuditLog } from "./ports/AuditLog.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"
import { ConnectSettings } from "./ports/ConnectSettings.ts"
import { MetaGraph, type MetaGraphError } from "./ports/MetaGraph.ts"
import { TokenCipher } from "./ports/TokenCipher.ts"
import { recordTokenFailure } from "./TokenFailures.ts"

const PROVIDER = "meta_ads" as const

/**
 * The permissions the Marketing API connection asks for (Meta, "Marketing API > Authorization"):
 * - `ads_management`: manage the ad accounts' campaigns;
 * - `ads_read`: read their performance (Insights);
 * - `business_management`: list the person's Business Managers and their owned and client ad accounts.
 */
export const ADS_SCOPES = ["ads_management", "ads_read", "business_management"]

const StoredAdAccount = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  currency: Schema.NullOr(Schema.String),
  accountStatus: Schema.NullOr(Schema.Number)
})
export type StoredAdAccount = typeof StoredAdAccount.Type

const StoredBusiness = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  adAccounts: Schema.Array(StoredAdAccount)
})
export type StoredBusiness = typeof StoredBusiness.Type

const StoredUser = Schema.Struct({ id: Schema.String, name: Schema.NullOr(Schema.String) })
export type MetaUser = typeof StoredUser.Type

const decodeBusinesses = Schema.decodeUnknownOption(Schema.Array(StoredBusiness))
const decodeUser = Schema.decodeUnknownOption(StoredUser)

const businessesOf = (connection: ChannelConnection): ReadonlyArray<StoredBusiness> =>
  Option.getOrElse(decodeBusinesses(connection.metadata["businesses"]), () => [])
const selectedOf = (connection: ChannelConnection, key: "selected_business_id" | "selected_ad_account_id") => {
  const value = connection.metadata[key]
  return typeof value === "string" ? value : null
}
const adAccountCount = (businesses: ReadonlyArray<StoredBusiness>) =>
  businesses.reduce((count, business) => count + business.adAccounts.length, 0)

/** What people (and the UI) see of the Meta Ads connection: never the token. */
export interface MetaAdsView extends ConnectionSummary {
  /** The token expires within 7 days: the UI shows a banner. */
  readonly tokenExpiringSoon: boolean
  readonly selectedBusinessManagerId: string | null
  readonly selectedAdAccountId: string | null
  /** The Business Managers the login shared, each with its owned and client ad accounts. */
  readonly businessManagers: ReadonlyArray<StoredBusiness>
  /** The Meta user who connected. */
  readonly user: MetaUser | null
}

export const NOT_CONNECTED: MetaAdsView = {
  ...NO_CONNECTION,
  tokenExpiringSoon: false,
  selectedBusinessManagerId: null,
  selectedAdAccountId: null,
  businessManagers: [],
  user: null
}

/** The view of a connection at `now` (epoch ms). A disconnected one shows no accounts. */
export const viewOf = (connection: ChannelConnection, now: number): MetaAdsView => {
  const live = connection.status !== "revoked"
  const expiresAt = connection.tokenExpiresAt?.getTime() ?? null
  return {
    ...summaryOf(connection),
    tokenExpiringSoon: live && isExpiringSoon(expiresAt, now),
    selectedBusinessManagerId: live ? selectedOf(connection, "selected_business_id") : null,
    selectedAdAccountId: live ? selectedOf(connection, "selected_ad_account_id") : null,
    businessManagers: live ? businessesOf(connection) : [],
    user: Option.getOrNull(decodeUser(connection.metadata["user"]))
  }
}

/** `TestConnection`: whether Meta accepts the token now (`GET /me`), and what the connection holds. */
export interface MetaAdsTest {
  readonly ok: boolean
  readonly user: MetaUser | null
  readonly tokenExpiresAt: Date | null
  readonly adAccountCount: number
  /** Why the test failed, for a person; null when it passed. */
  readonly error: string | null
}

/** The operators' view of the stored token (`debug_token`): never the token itself. */
export interface MetaAdsTokenDebug {
  readonly isValid: boolean
  readonly expiresAt: Date | null
  readonly scopes: ReadonlyArray<string>
  readonly error: string | null
}

export interface SelectAdAccountInput {
  readonly businessManagerId: string
  readonly adAccountId: string
}

type ResolveError = MetaGraphError | NoAdAccountGranted
/** What the Meta Ads callback can fail with. */
export type MetaAdsCallbackError = StateError | ResolveError

/** Connecting, selecting and disconnecting a tenant's Meta Ads account (Marketing API, provider `meta_ads`). */
export class MetaAdsConnections extends Context.Service<
  MetaAdsConnections,
  {
    /** `StartConnect` (admin and marketing): the dialog URL and its state, bound to the tenant, user and browser. */
    start(actor: Actor): Effect.Effect<StartedConnect, Forbidden>
    /** `CompleteConnect`: the OAuth callback. Nothing is persisted unless every Graph call succeeds. */
    complete(input: CallbackInput): Effect.Effect<ChannelConnection, MetaAdsCallbackError>
    /** `GetConnectionStatus` (any member of the tenant). */
    status(actor: Actor): Effect.Effect<MetaAdsView>
    /** Picks the Business Manager and ad account to use, among those the login shared (admin and marketing). */
    selectAdAccount(
      actor: Actor,
      input: SelectAdAccountInput
    ): Effect.Effect<MetaAdsView, Forbidden | MetaAdsNotConnected | AdAccountNotGranted>
    /** `Disconnect` (admin and marketing): permissions revoked at Meta where possible, then `revoked`. */
    disconnect(actor: Actor): Effect.Effect<MetaAdsView, Forbidden>
    /** `TestConnection` (any member): a token Meta refuses turns the connection to `error` (Reconnect). */
    testConnection(actor: Actor): Effect.Effect<MetaAdsTest>
    /** The token's validity, expiry and scopes from `debug_token` (operators only). */
    tokenDebug(
      actor: Actor
    ): Effect.Effect<MetaAdsTokenDebug, Forbidden | MetaAdsNotConnected | Exclude<MetaGraphError, MetaTokenInvalid>>
  }
>()("app/application/MetaAdsConnections") {
  static readonly layer = Layer.effect(
    MetaAdsConnections,
    Effect.gen(function* () {
      const settings = yield* ConnectSettings
      const connections = yield* ConnectionRepository
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const context = yield* Effect.context<ConnectionRepository | AuditLog>()

      /** Admins and marketing connect, choose and disconnect; members only look. */
      const requireManager = (actor: Actor, action: string) =>
        actor.role === "admin" || actor.role === "marketing" ? Effect.void : Effect.fail(new Forbidden({ action }))

      /**
       * The Meta Ads step of the callback: code → short-lived user token → long-lived one (about 60 days);
       * verified (valid, ours, the ads scopes granted); the person's Business Managers and each one's owned and
       * client ad accounts; then one write. The selection is kept when the login shared it again, made when there is
       * exactly one Business Manager with one ad account, and otherwise left to the person (`pending`).
       */
      const resolve = Effect.fnUntraced(function* (authorized: Authorized) {
        const { tenantId, userId } = authorized
        const short = yield* graph.exchangeCode(authorized.code, settings.adsRedirectUri)
        const long = yield* graph.exchangeLongLived(short.accessToken)
        const info = yield* debugTokenForConnect(graph, long.accessToken)
        if (!info.isValid || info.appId !== settings.appId) {
          return yield* new MetaTokenInvalid({ detail: info.error ?? "the token is not valid for this app" })
        }
        const missing = ADS_SCOPES.filter((scope) => !info.scopes.includes(scope))
        if (missing.length > 0) return yield* new MetaPermissionMissing({ permissions: missing })
        const user = yield* graph.me(long.accessToken)
        const listed = yield* graph.listBusinesses(long.accessToken)
        const businesses = (yield* Effect.forEach(listed, (business) =>
          Effect.map(
            graph.listAdAccounts(long.accessToken, business.id),
            (accounts): StoredBusiness => ({
              id: business.id,
              name: business.name,
              adAccounts: accounts.map((account) => ({
                id: account.id,
                name: account.name,
                currency: account.currency,
                accountStatus: account.accountStatus
              }))
            })
          )
        )).filter((business) => business.adAccounts.length > 0)
        if (businesses.length === 0) return yield* new NoAdAccountGranted({})

        const previous = yield* connections.findCurrent(tenantId, PROVIDER)
        const kept = Option.flatMap(previous, (row) => {
          const businessId = selectedOf(row, "selected_business_id")
          const accountId = selectedOf(row, "selected_ad_account_id")
          const granted = businesses.some(
            (b) => b.id === businessId && b.adAccounts.some((account) => account.id === accountId)
          )
          return granted ? Option.some({ businessId: businessId!, accountId: accountId! }) : Option.none()
        })
        const only = businesses.length === 1 && businesses[0]!.adAccounts.length === 1 ? businesses[0]! : undefined
        const selection = Option.getOrElse(kept, () =>
          only === undefined ? null : { businessId: only.id, accountId: only.adAccounts[0]!.id }
        )
        const at = yield* Clock.currentTimeMillis
        const connection = yield* connections.upsertUnnumbered({
          tenantId,
          provider: PROVIDER,
          status: selection === null ? "pending" : "active",
          wabaId: null,
          phoneNumberE164: null,
          displayName: null,
          accessTokenEnc: yield* cipher.encrypt(long.accessToken, { tenantId, provider: PROVIDER }),
          tokenExpiresAt: expiryOf(info, long.expiresIn, new Date(at)),
          scopes: info.scopes,
          metadata: {
            businesses,
            selected_business_id: selection?.businessId ?? null,
            selected_ad_account_id: selection?.accountId ?? null,
            user: { id: user.id, name: user.name },
            ...(selection === null ? { pending_reason: "choose_ad_account" } : {}),
            connected_at: new Date(at).toISOString(),
            connected_by: userId
          }
        })
        return {
          connection,
          outcome: "connected",
          details: {
            status: connection.status,
            business_managers: businesses.length,
            ad_accounts: adAccountCount(businesses),
            selected_ad_account_id: selection?.accountId ?? null
          }
        } satisfies Resolved
      })

      const flow = yield* makeOAuthFlow({
        provider: PROVIDER,
        service: "MetaAdsConnections",
        auditName: "meta_ads",
        redirectUri: settings.adsRedirectUri,
        // Facebook Login with the Marketing API permissions: a user token, exchanged for a long-lived one.
        dialogParameters: [["scope", ADS_SCOPES.join(",")]],
        resolve,
        atMetaOnDisconnect: (_connection, token) =>
          Effect.succeed([["permissions_revoked", graph.revokePermissions(token)]] as const),
        transientMetadata: ["error", "pending_reason", "token_expiring_soon"]
      })

      const current = (tenantId: TenantId) => connections.findCurrent(tenantId, PROVIDER)
      const view = (connection: Option.Option<ChannelConnection>) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          Option.match(connection, { onNone: () => NOT_CONNECTED, onSome: (row) => viewOf(row, now) })
        )

      /** The connection that holds a token (pending, active or error), or why there is none. */
      const connected = (tenantId: TenantId) =>
        Effect.flatMap(current(tenantId), (row) =>
          Option.isSome(row) && row.value.status !== "revoked" && row.value.accessTokenEnc !== null
            ? Effect.succeed(row.value)
            : Effect.fail(
                new MetaAdsNotConnected({
                  status: Option.match(row, { onNone: () => "not_connected", onSome: (r) => r.status })
                })
              )
        )

      const start = Effect.fn("MetaAdsConnections.start")(function* (actor: Actor) {
        yield* requireManager(actor, "connect Meta Ads")
        return yield* flow.start(actor)
      })

      const status = (actor: Actor) => Effect.flatMap(current(actor.tenantId), view)

      const selectAdAccount = Effect.fn("MetaAdsConnections.selectAdAccount")(function* (
        actor: Actor,
        input: SelectAdAccountInput
      ) {
        yield* requireManager(actor, "choose the Meta ad account")
        const connection = yield* connected(actor.tenantId)
        const business = businessesOf(connection).find((b) => b.id === input.businessManagerId)
        if (business === undefined || !business.adAccounts.some((account) => account.id === input.adAccountId)) {
          return yield* new AdAccountNotGranted(input)
        }
        const updated = yield* connections
          .update(actor.tenantId, connection.id, {
            status: connection.status === "error" ? "error" : "active",
            metadata: {
              selected_business_id: business.id,
              selected_ad_account_id: input.adAccountId,
              pending_reason: null
            }
          })
          .pipe(Effect.orDie)
        yield* flow.auditBy(actor, "ad_account_selected", connection.id, {
          business_manager_id: business.id,
          ad_account_id: input.adAccountId
        })
        return yield* view(Option.some(updated))
      })

      const disconnect = Effect.fn("MetaAdsConnections.disconnect")(function* (actor: Actor) {
        yield* requireManager(actor, "disconnect Meta Ads")
        return yield* Effect.flatMap(flow.disconnect(actor), view)
      })

      const testConnection = Effect.fn("MetaAdsConnections.testConnection")(function* (actor: Actor) {
        const found = yield* connected(actor.tenantId).pipe(Effect.result)
        if (found._tag === "Failure") {
          return { ok: false, user: null, tokenExpiresAt: null, adAccountCount: 0, error: found.failure.message }
        }
        const connection = found.success
        const report = {
          tokenExpiresAt: connection.tokenExpiresAt,
          adAccountCount: adAccountCount(businessesOf(connection))
        }
        const me = yield* flow.tokenOf(connection).pipe(
          Effect.flatMap((token) => graph.me(token)),
          Effect.result
        )
        yield* flow.auditBy(actor, "connection_tested", connection.id, {
          ok: me._tag === "Success",
          error: me._tag === "Failure" ? me.failure._tag : null
        })
        if (me._tag === "Success") {
          return { ok: true, user: { id: me.success.id, name: me.success.name }, ...report, error: null }
        }
        // Meta refuses the token (expired, revoked): the connection turns to `error` and the UI offers Reconnect.
        if (me.failure._tag === "MetaTokenInvalid") {
          yield* recordTokenFailure(connection, me.failure, "test_connection").pipe(Effect.provide(context))
        }
        return { ok: false, user: null, ...report, error: me.failure.message }
      })

      const tokenDebug = Effect.fn("MetaAdsConnections.tokenDebug")(
        function* (actor: Actor) {
          if (!canOperate(actor)) return yield* new Forbidden({ action: "inspect the Meta Ads token" })
          const connection = yield* connected(actor.tenantId)
          yield* flow.auditBy(actor, "token_debug_viewed", connection.id, {})
          const info = yield* flow
            .tokenOf(connection)
            .pipe(Effect.flatMap((token) => debugTokenForConnect(graph, token)))
          return {
            isValid: info.isValid,
            expiresAt: info.expiresAt > 0 ? new Date(info.expiresAt * 1000) : null,
            scopes: info.scopes,
            error: info.error
          } satisfies MetaAdsTokenDebug
        },
        Effect.catchTags({
          MetaTokenInvalid: (error) =>
            Effect.succeed({
              isValid: false,
              expiresAt: null,
              scopes: [],
              error: error.detail
            } satisfies MetaAdsTokenDebug),
          // Our configuration fault: Meta was not asked, so nothing is known of the token itself.
          TokenUnreadable: (error) =>
            Effect.succeed({
              isValid: false,
              expiresAt: null,
              scopes: [],
              error: error.message
            } satisfies MetaAdsTokenDebug)
        })
      )

      return MetaAdsConnections.of({
        start,
        complete: flow.complete,
        status,
        selectAdAccount,
        disconnect,
        testConnection,
        tokenDebug
      })
    })
  )
}
