import { Clock, Context, Duration, Effect, Layer, Option } from "effect"
import { type ChannelConnection, transition } from "../../domain/ChannelConnection.ts"
import {
  businessesOf,
  type MetaUser,
  metaAdsDetails,
  type StoredBusinessView as StoredBusiness,
  type UnreadableBusiness
} from "../../domain/ConnectionDetails.ts"
import {
  AdAccountNotGranted,
  FeatureDisabled,
  Forbidden,
  MetaAdsNotConnected,
  MetaPermissionMissing,
  MetaTokenInvalid,
  NoAdAccountGranted
} from "../../domain/Errors.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { isExpiringSoon } from "../../domain/TokenExpiry.ts"
import { type Actor, canOperate } from "../Actor.ts"
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
} from "../connect/OAuthFlow.ts"
import { MetaAdsHealthChecks } from "../health/MetaAdsHealthChecks.ts"
import { recordTokenFailure } from "../health/TokenFailures.ts"
import type { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { ConnectSettings } from "../ports/ConnectSettings.ts"
import { JobLeases } from "../ports/JobLeases.ts"
import { type AdAccount, MetaGraph, type MetaGraphError } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"

const PROVIDER = "meta_ads" as const

/**
 * The permissions the Marketing API connection asks for (Meta, "Marketing API > Authorization"):
 * - `ads_management`: manage the ad accounts' campaigns;
 * - `ads_read`: read their performance (Insights);
 * - `business_management`: list the person's Business Managers and their owned and client ad accounts.
 */
export const ADS_SCOPES = ["ads_management", "ads_read", "business_management"]

/** An ad account as stored and shown: its state in the domain's words (`unknown` for anything else stored). */
export type StoredAdAccount = StoredBusiness["adAccounts"][number]

/** The group the person's own ad accounts (`/me/adaccounts`) are listed under; not a Business Manager. */
export const PERSONAL_GROUP_ID = "me"

export type { MetaUser, StoredBusiness, UnreadableBusiness }

const unreadableOf = (connection: ChannelConnection): ReadonlyArray<UnreadableBusiness> =>
  metaAdsDetails(connection).unreadable_businesses ?? []
const dataAccessExpiresAtOf = (connection: ChannelConnection): Date | null => {
  const value = metaAdsDetails(connection).data_access_expires_at
  return typeof value === "string" && !Number.isNaN(Date.parse(value)) ? new Date(value) : null
}
const selectedOf = (connection: ChannelConnection, key: "selected_business_id" | "selected_ad_account_id") =>
  metaAdsDetails(connection)[key] ?? null
const userOf = (connection: ChannelConnection): MetaUser | null => metaAdsDetails(connection).user ?? null
const PERSONAL_GROUP_NAME = "Your own ad accounts"

const stored = (account: AdAccount): StoredAdAccount => ({
  id: account.id,
  name: account.name,
  currency: account.currency,
  accountStatus: account.accountStatus
})

interface AccountGroup {
  readonly id: string
  readonly name: string
  readonly personal: boolean
}

const unreadableGroup = (group: AccountGroup, kind: UnreadableBusiness["kind"], reason: string) => ({
  group,
  accounts: [] as ReadonlyArray<AdAccount>,
  unreadable: { id: group.id, name: group.name, kind, reason } satisfies UnreadableBusiness
})

const adAccountCount = (businesses: ReadonlyArray<StoredBusiness>) =>
  businesses.reduce((count, business) => count + business.adAccounts.length, 0)

/**
 * The token's state for the banner: `valid`; `expiring` (the token or its data access ends within 7 days and
 * renewal has not extended it: reconnect soon); `expired` (either has ended: Reconnect); `none` (no token).
 */
export type MetaAdsTokenState = "valid" | "expiring" | "expired" | "none"

/** What people (and the UI) see of the Meta Ads connection: never the token. */
export interface MetaAdsView extends ConnectionSummary {
  /** The token (or its data access) expires within 7 days: the UI shows a banner. */
  readonly tokenExpiringSoon: boolean
  readonly tokenState: MetaAdsTokenState
  /** Until when Meta lets the app read the person's data (90 days from their login); null when unknown. */
  readonly dataAccessExpiresAt: Date | null
  /** The Business Managers whose ad accounts could not be read at the login (the others were). */
  readonly unreadableBusinesses: ReadonlyArray<UnreadableBusiness>
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
  tokenState: "none",
  dataAccessExpiresAt: null,
  unreadableBusinesses: [],
  selectedBusinessManagerId: null,
  selectedAdAccountId: null,
  businessManagers: [],
  user: null
}

/** The view of a connection at `now` (epoch ms). A disconnected one shows no accounts. */
export const viewOf = (connection: ChannelConnection, now: number): MetaAdsView => {
  const live = connection.status !== "revoked"
  const dataAccess = dataAccessExpiresAtOf(connection)
  // The earlier of the token's expiry and its data access: after either, the connection cannot read ads data.
  const ends = [connection.tokenExpiresAt?.getTime(), dataAccess?.getTime()].filter((t) => t !== undefined)
  const endsAt = ends.length === 0 ? null : Math.min(...ends)
  const tokenState: MetaAdsTokenState =
    !live || connection.accessTokenEnc === null
      ? "none"
      : endsAt !== null && endsAt <= now
        ? "expired"
        : isExpiringSoon(endsAt, now)
          ? "expiring"
          : "valid"
  return {
    ...summaryOf(connection),
    tokenExpiringSoon: tokenState === "expiring",
    tokenState,
    dataAccessExpiresAt: live ? dataAccess : null,
    unreadableBusinesses: live ? unreadableOf(connection) : [],
    selectedBusinessManagerId: live ? selectedOf(connection, "selected_business_id") : null,
    selectedAdAccountId: live ? selectedOf(connection, "selected_ad_account_id") : null,
    businessManagers: live ? businessesOf(connection) : [],
    user: userOf(connection)
  }
}

/** One check of `TestConnection`, in order: `token` (valid, ours), `permissions` (the ads scopes), `ad_account`. */
export interface MetaAdsCheck {
  readonly name: "token" | "permissions" | "ad_account"
  readonly ok: boolean
  /** What was found, for a person (the ad account's name and state, the missing permissions, Meta's answer). */
  readonly detail: string
}

/**
 * `TestConnection`: `debug_token` (valid, our app, the ads scopes still granted) and a read of the selected ad
 * account (`GET /act_{id}`), each reported; and what the connection holds.
 */
export interface MetaAdsTest {
  readonly ok: boolean
  readonly checks: ReadonlyArray<MetaAdsCheck>
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

/** One run of `renewTokens`. */
export interface MetaAdsRenewReport {
  readonly checked: number
  /** Exchanged for a fresh long-lived token before expiry. */
  readonly renewed: number
  /** Meta refused (expired, revoked, data access ended): the connection turned to `error` (Reconnect). */
  readonly failed: number
  /** Meta could not be asked now (unavailable, throttled): tried again on the next run. */
  readonly deferred: number
}

/**
 * How long before expiry a long-lived user token is renewed: well before the 7-day warning, so the tenant sees the
 * banner only when renewal did not work.
 */
export const RENEW_BEFORE = Duration.days(14)

type ResolveError = MetaGraphError | NoAdAccountGranted
/** What the Meta Ads callback can fail with. */
export type MetaAdsCallbackError = StateError | ResolveError

/** Connecting, selecting and disconnecting a tenant's Meta Ads account (Marketing API, provider `meta_ads`). */
export class MetaAdsConnections extends Context.Service<
  MetaAdsConnections,
  {
    /** `StartConnect` (admin and marketing): the dialog URL and its state, bound to the tenant, user and browser. */
    start(actor: Actor): Effect.Effect<StartedConnect, Forbidden | FeatureDisabled>
    /** `CompleteConnect`: the OAuth callback. Nothing is persisted unless every Graph call succeeds. */
    complete(input: CallbackInput): Effect.Effect<ChannelConnection, MetaAdsCallbackError>
    /** `GetConnectionStatus` (any member of the tenant). */
    status(actor: Actor): Effect.Effect<MetaAdsView>
    /** Picks the Business Manager and ad account to use, among those the login shared (admin and marketing). */
    selectAdAccount(
      actor: Actor,
      input: SelectAdAccountInput
    ): Effect.Effect<MetaAdsView, Forbidden | MetaAdsNotConnected | AdAccountNotGranted>
    /**
     * `Disconnect` (admin and marketing): the token erased and `revoked`; the Meta user's permissions are revoked at
     * Meta only when no other live Meta Ads connection of ours holds a token of the same Meta user.
     */
    disconnect(actor: Actor): Effect.Effect<MetaAdsView, Forbidden>
    /** `TestConnection` (any member): a token Meta refuses turns the connection to `error` (Reconnect). */
    testConnection(actor: Actor): Effect.Effect<MetaAdsTest>
    /**
     * Renews every live Meta Ads token within `RENEW_BEFORE` of its expiry (`fb_exchange_token`, Meta's renewal of
     * long-lived user tokens); a token Meta refuses turns its connection to `error`.
     */
    readonly renewTokens: Effect.Effect<MetaAdsRenewReport>
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
      // The health checks run right after a connect and an ad-account choice, in the background (the card shows
      // them on its next poll). Optional, so the use case's tests can leave them out.
      const health = yield* Effect.serviceOption(MetaAdsHealthChecks)
      const scope = yield* Effect.scope
      const checkSoon = (connection: ChannelConnection) =>
        Option.isNone(health)
          ? Effect.void
          : health.value.run(connection).pipe(
              Effect.catchCause((cause) =>
                Effect.logError(`Meta Ads health check after ${connection.id} changed failed`, cause)
              ),
              Effect.forkIn(scope),
              Effect.asVoid
            )

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
        // Each business on its own: one that cannot be read (permission, Meta unavailable after retries, throttled)
        // is recorded with why, and the login completes with the others. A refused token fails the login.
        const read = yield* Effect.forEach(
          [
            ...listed.map((business) => ({
              id: business.id,
              name: business.name,
              personal: false,
              accounts: graph.listAdAccounts(long.accessToken, business.id)
            })),
            {
              id: PERSONAL_GROUP_ID,
              name: PERSONAL_GROUP_NAME,
              personal: true,
              accounts: graph.listPersonalAdAccounts(long.accessToken)
            }
          ],
          (group) =>
            group.accounts.pipe(
              Effect.map((accounts) => ({ group, accounts, unreadable: null })),
              Effect.catchTags({
                MetaPermissionMissing: (error) => Effect.succeed(unreadableGroup(group, "permission", error.message)),
                MetaRateLimited: (error) => Effect.succeed(unreadableGroup(group, "rate_limited", error.message)),
                MetaUnavailable: (error) => Effect.succeed(unreadableGroup(group, "unavailable", error.message))
              })
            ),
          { concurrency: 4 }
        )
        // Deduplicated: an account is listed once, under the first business that has it (the person's own list last).
        const seen = new Set<string>()
        const businesses: Array<StoredBusiness> = []
        for (const { group, accounts } of read) {
          const fresh = accounts.filter((account) => !seen.has(account.id))
          for (const account of fresh) seen.add(account.id)
          if (fresh.length > 0) {
            businesses.push({ id: group.id, name: group.name, personal: group.personal, adAccounts: fresh.map(stored) })
          }
        }
        const unreadable = read.flatMap((r) => (r.unreadable === null ? [] : [r.unreadable]))
        if (businesses.length === 0) {
          if (unreadable.length > 0) {
            const first = unreadable[0]!
            yield* Effect.logWarning(`Meta Ads login: no ad account could be read (${unreadable.length} failed)`)
            if (first.kind === "permission") return yield* new MetaPermissionMissing({ permissions: ["ads_read"] })
          }
          return yield* new NoAdAccountGranted({})
        }

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
          ...transition(
            null,
            selection === null ? { _tag: "AwaitStep", reason: "choose_ad_account" } : { _tag: "Connected" }
          ),
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
            user: { id: info.userId ?? user.id, name: user.name },
            unreadable_businesses: unreadable,
            data_access_expires_at:
              info.dataAccessExpiresAt !== undefined && info.dataAccessExpiresAt > 0
                ? new Date(info.dataAccessExpiresAt * 1000).toISOString()
                : null,
            token_renewed_at: null,
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
            unreadable_business_managers: unreadable.map((u) => ({ id: u.id, kind: u.kind })),
            selected_ad_account_id: selection?.accountId ?? null
          }
        } satisfies Resolved
      })

      /** Whether another live Meta Ads connection of ours (any workspace) holds a token of the same Meta user. */
      const sharesMetaUser = (connection: ChannelConnection) =>
        Effect.map(connections.listHoldingTokens(), (rows) => {
          const userId = userOf(connection)?.id
          if (userId === undefined) return false
          return rows.some(
            (row) =>
              row.id !== connection.id &&
              row.provider === PROVIDER &&
              row.status !== "revoked" &&
              row.accessTokenEnc !== null &&
              userOf(row)?.id === userId
          )
        })

      const flow = yield* makeOAuthFlow({
        provider: PROVIDER,
        service: "MetaAdsConnections",
        redirectUri: settings.adsRedirectUri,
        // Facebook Login for Business with the Ads configuration ("User access token": ads_management, ads_read,
        // business_management): `config_id` and no `scope`, which a Business app refuses. A user token results,
        // exchanged for a long-lived one.
        dialogParameters: [["config_id", settings.adsConfigId ?? ""]],
        resolve,
        // `DELETE /me/permissions` de-authorises the Meta user for every workspace that connected with them: only
        // when no other live connection of ours holds that user's token; otherwise our token is erased, nothing more.
        atMetaOnDisconnect: (connection, token) =>
          Effect.map(sharesMetaUser(connection), (shared) =>
            shared ? [] : ([["permissions_revoked", graph.revokePermissions(token)]] as const)
          ),
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
        if (settings.adsConfigId === null) return yield* new FeatureDisabled({ action: "connect Meta Ads" })
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
            ...transition(connection.status, { _tag: "AccountSelected" }),
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
        yield* checkSoon(updated)
        return yield* view(Option.some(updated))
      })

      const disconnect = Effect.fn("MetaAdsConnections.disconnect")(function* (actor: Actor) {
        yield* requireManager(actor, "disconnect Meta Ads")
        return yield* Effect.flatMap(flow.disconnect(actor), view)
      })

      const testConnection = Effect.fn("MetaAdsConnections.testConnection")(function* (actor: Actor) {
        const found = yield* connected(actor.tenantId).pipe(Effect.result)
        if (found._tag === "Failure") {
          return {
            ok: false,
            checks: [],
            user: null,
            tokenExpiresAt: null,
            adAccountCount: 0,
            error: found.failure.message
          } satisfies MetaAdsTest
        }
        const connection = found.success
        const report = {
          user: userOf(connection),
          tokenExpiresAt: connection.tokenExpiresAt,
          adAccountCount: adAccountCount(businessesOf(connection))
        }
        const checks: Array<MetaAdsCheck> = []
        const outcome = yield* Effect.gen(function* () {
          const token = yield* flow.tokenOf(connection)
          // 1. The token itself: valid and issued to our app (debug_token; /me would still answer without ads).
          const info = yield* debugTokenForConnect(graph, token)
          if (!info.isValid || info.appId !== settings.appId) {
            const detail = info.isValid
              ? "the token was issued to another app"
              : (info.error ?? "the token is not valid")
            checks.push({ name: "token", ok: false, detail })
            return yield* new MetaTokenInvalid({ detail })
          }
          checks.push({
            name: "token",
            ok: true,
            detail: info.expiresAt > 0 ? `valid until ${new Date(info.expiresAt * 1000).toISOString()}` : "valid"
          })
          // 2. The ads permissions are still granted (a person can remove one in their Facebook settings).
          const missing = ADS_SCOPES.filter((scope) => !info.scopes.includes(scope))
          checks.push({
            name: "permissions",
            ok: missing.length === 0,
            detail: missing.length === 0 ? ADS_SCOPES.join(", ") : `missing: ${missing.join(", ")}`
          })
          if (missing.length > 0) return yield* new MetaPermissionMissing({ permissions: missing })
          // 3. The selected ad account can be read with the token, and is in a state ads can run in.
          const accountId = selectedOf(connection, "selected_ad_account_id")
          if (accountId === null) {
            checks.push({ name: "ad_account", ok: false, detail: "no ad account is selected yet" })
            return false
          }
          const read = yield* graph.getAdAccount(token, accountId).pipe(Effect.result)
          if (read._tag === "Failure") {
            checks.push({ name: "ad_account", ok: false, detail: read.failure.message })
            return yield* read.failure
          }
          const account = read.success
          checks.push({
            name: "ad_account",
            ok: account.accountStatus === "active",
            detail: `${account.name} (${account.currency ?? "no currency"}): ${account.accountStatus ?? "state unknown"}`
          })
          return account.accountStatus === "active"
        }).pipe(Effect.result)
        const failure = outcome._tag === "Failure" ? outcome.failure : null
        const ok = outcome._tag === "Success" && outcome.success && checks.every((check) => check.ok)
        yield* flow.auditBy(actor, "connection_tested", connection.id, {
          ok,
          checks: checks.map((check) => ({ name: check.name, ok: check.ok })),
          error: failure?._tag ?? null
        })
        // Meta refuses the token (expired, revoked): the connection turns to `error` and the UI offers Reconnect.
        if (failure?._tag === "MetaTokenInvalid") {
          yield* recordTokenFailure(connection, failure, "test_connection").pipe(Effect.provide(context))
        }
        if (failure?._tag === "MetaRateLimited") yield* countThrottle(connection)
        const error =
          failure !== null
            ? failure.message
            : ok
              ? null
              : (checks.find((check) => !check.ok)?.detail ?? "the connection test failed")
        return { ok, checks, ...report, error } satisfies MetaAdsTest
      })

      /** Counts a throttle on the tenant's connection (`throttled_calls`): per-tenant, without a metric label. */
      const countThrottle = (connection: ChannelConnection) => {
        const count = metaAdsDetails(connection).throttled_calls ?? 0
        return connections
          .update(connection.tenantId, connection.id, {
            metadata: { throttled_calls: count + 1 }
          })
          .pipe(Effect.ignore)
      }

      const renewTokens = Effect.gen(function* () {
        const report = { checked: 0, renewed: 0, failed: 0, deferred: 0 }
        const now = yield* Clock.currentTimeMillis
        const live = (yield* connections.listHoldingTokens()).filter(
          (c) => c.provider === PROVIDER && (c.status === "active" || c.status === "pending")
        )
        for (const connection of live) {
          const expiresAt = connection.tokenExpiresAt?.getTime()
          if (expiresAt === undefined || expiresAt - now > Duration.toMillis(RENEW_BEFORE)) continue
          // Meta extends a user token at most about once a day: a renewal that extended it is not repeated sooner.
          const details = metaAdsDetails(connection)
          const last = details.token_renewed_at
          const lastMs = typeof last === "string" ? Date.parse(last) : Number.NaN
          if (details.token_renewal_extended === true && now - lastMs < Duration.toMillis(Duration.days(1))) continue
          report.checked++
          const renewed = yield* Effect.gen(function* () {
            const token = yield* flow.tokenOf(connection)
            const next = yield* graph.exchangeLongLived(token)
            const info = yield* debugTokenForConnect(graph, next.accessToken)
            if (!info.isValid)
              return yield* new MetaTokenInvalid({ detail: info.error ?? "the renewed token is not valid" })
            return { next, info }
          }).pipe(Effect.result)
          if (renewed._tag === "Failure") {
            const error = renewed.failure
            if (error._tag === "MetaTokenInvalid") {
              report.failed++
              yield* recordTokenFailure(connection, error, "token_renewal").pipe(Effect.provide(context))
            } else {
              report.deferred++
              if (error._tag === "MetaRateLimited") yield* countThrottle(connection)
              yield* Effect.logWarning(`Meta Ads token renewal deferred for connection ${connection.id}: ${error._tag}`)
            }
            continue
          }
          const { next, info } = renewed.success
          const at = new Date(now)
          yield* connections
            .update(connection.tenantId, connection.id, {
              accessTokenEnc: yield* cipher.encrypt(next.accessToken, {
                tenantId: connection.tenantId,
                provider: PROVIDER
              }),
              tokenExpiresAt: expiryOf(info, next.expiresIn, at),
              metadata: {
                token_renewed_at: at.toISOString(),
                token_renewal_extended: (expiryOf(info, next.expiresIn, at)?.getTime() ?? 0) > expiresAt + 86_400_000,
                data_access_expires_at:
                  info.dataAccessExpiresAt !== undefined && info.dataAccessExpiresAt > 0
                    ? new Date(info.dataAccessExpiresAt * 1000).toISOString()
                    : (metaAdsDetails(connection).data_access_expires_at ?? null)
              }
            })
            .pipe(Effect.orDie)
          yield* flow.audit(connection.tenantId, null, "token_renewed", connection.id, {
            expires_at: expiryOf(info, next.expiresIn, at)?.toISOString() ?? null
          })
          report.renewed++
        }
        return report satisfies MetaAdsRenewReport
      }).pipe(Effect.withSpan("MetaAdsConnections.renewTokens"))

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
        complete: (input) => flow.complete(input).pipe(Effect.tap(checkSoon)),
        status,
        selectAdAccount,
        disconnect,
        testConnection,
        renewTokens,
        tokenDebug
      })
    })
  )

  /** Renews expiring Meta Ads tokens shortly after start, then every `interval`. */
  static readonly renewalWorker = (interval: Duration.Input) =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const ads = yield* MetaAdsConnections
        const leases = yield* JobLeases
        // Several instances run this job: one of them renews per interval (the round is one lease, held while it
        // runs and kept for most of the interval), so no token is exchanged twice at once.
        const rest = Math.floor(Duration.toMillis(Duration.fromInputUnsafe(interval)) * 0.9)
        const renewOnce = leases
          .run({ job: "meta_ads_renewal", key: "all", hold: "30 minutes", rest }, ads.renewTokens)
          .pipe(Effect.map(Option.getOrElse(() => ({ checked: 0, renewed: 0, failed: 0, deferred: 0 }))))
        const run = renewOnce.pipe(
          Effect.flatMap((report) =>
            report.checked === 0
              ? Effect.void
              : Effect.logInfo(
                  `Meta Ads token renewal: ${report.checked} due, ${report.renewed} renewed, ` +
                    `${report.failed} refused (Reconnect), ${report.deferred} deferred`
                )
          ),
          Effect.catchCause((cause) => Effect.logError("Meta Ads token renewal failed", cause))
        )
        const first = Duration.min(Duration.fromInputUnsafe(interval), Duration.seconds(10))
        yield* Effect.forkScoped(
          Effect.sleep(first).pipe(Effect.andThen(Effect.forever(run.pipe(Effect.andThen(Effect.sleep(interval))))))
        )
      })
    )
}
