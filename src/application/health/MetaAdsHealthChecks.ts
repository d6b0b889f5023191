import { Context, type Duration, Effect, Layer } from "effect"
import { isRunnable } from "../../domain/AdAccountStatus.ts"
import type { ChannelConnection } from "../../domain/ChannelConnection.ts"
import { metaAdsDetails } from "../../domain/ConnectionDetails.ts"
import type { HealthStatus } from "../../domain/ConnectionHealth.ts"
import { ConnectionHealthRepository } from "../ports/ConnectionHealthRepository.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { ConnectSettings } from "../ports/ConnectSettings.ts"
import { type AccessToken, type AdAccount, MetaGraph, type MetaGraphError, type TokenInfo } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { storedToken } from "../StoredToken.ts"
import {
  type Found,
  found,
  healthAccess,
  healthWorker,
  type ProviderHealthChecks,
  recordChecks,
  tokenlessChecks,
  tokenUnasked
} from "./ConnectionHealthChecks.ts"

/** The permissions a Meta Ads connection asks for and must still carry (as `MetaAdsConnections.ADS_SCOPES`). */
export const META_ADS_SCOPES: ReadonlyArray<string> = ["ads_management", "ads_read", "business_management"]

const PROVIDER = "meta_ads" as const
/** The person's own ad accounts are listed under this group id: no Business Manager to read. */
const PERSONAL_GROUP_ID = "me"
const RECONNECT = "Reconnect Meta Ads."

/** `debug_token`: valid and issued to our app (`ads_token`), with the ads permissions still granted (`ads_scopes`). */
export const adsTokenChecks = (info: TokenInfo, appId: string): ReadonlyArray<Found> => {
  if (info.otherApp === true || (info.appId !== null && info.appId !== appId))
    return [found("ads_token", "failing", `The token was issued to another Meta app, not this one. ${RECONNECT}`)]
  if (!info.isValid)
    return [
      found(
        "ads_token",
        "failing",
        `Meta no longer accepts the token${info.error === null ? "" : ` (${info.error})`}. ${RECONNECT}`
      )
    ]
  const missing = META_ADS_SCOPES.filter((scope) => !info.scopes.includes(scope))
  return [
    found("ads_token", "ok", "The token is valid and issued to this app."),
    missing.length === 0
      ? found("ads_scopes", "ok", `The token carries ${META_ADS_SCOPES.join(", ")}.`)
      : found(
          "ads_scopes",
          "failing",
          `The token lacks the permission${missing.length === 1 ? "" : "s"} ${missing.join(", ")} (removed in the person's Facebook settings). ${RECONNECT} Grant every permission the dialog asks for.`
        )
  ]
}

const STATUS_WORDS: Record<string, { readonly status: HealthStatus; readonly words: string }> = {
  disabled: {
    status: "failing",
    words: "is disabled by Meta: no ad runs. Open the account in Meta Ads Manager to see why and request a review."
  },
  unsettled: {
    status: "warning",
    words: "has an unpaid balance: ads stop until it is paid. Pay it in Meta Billing."
  },
  pending_risk_review: { status: "warning", words: "is under Meta's risk review: ads wait until it ends." },
  pending_settlement: { status: "warning", words: "has a payment being settled: ads wait until it clears." },
  in_grace_period: { status: "warning", words: "is in a payment grace period: settle the balance in Meta Billing." },
  pending_closure: { status: "failing", words: "is being closed: choose another ad account." },
  closed: { status: "failing", words: "is closed: choose another ad account." },
  any_closed: { status: "failing", words: "is closed: choose another ad account." },
  unknown: { status: "warning", words: "is in a state this service does not know: check it in Meta Ads Manager." }
}

/** The selected ad account as Meta read it: runnable is ok; otherwise its state in words, with what to do. */
export const adAccountCheck = (account: AdAccount): Found => {
  const label = `The ad account ${account.name} (${account.id})`
  if (isRunnable(account.accountStatus)) return found("ad_account", "ok", `${label} reads and is active.`)
  const state = STATUS_WORDS[account.accountStatus ?? "unknown"] ?? STATUS_WORDS["unknown"]!
  return found("ad_account", state.status, `${label} ${state.words}`)
}

/**
 * A read Meta refused (the token, a permission, or Meta answered an error: the object "does not exist or cannot be
 * loaded due to missing permissions") fails the check; Meta not answering (unavailable, throttled) leaves it unknown.
 */
const refused = (error: MetaGraphError) =>
  error._tag === "MetaTokenInvalid" ||
  error._tag === "MetaPermissionMissing" ||
  (error._tag === "MetaUnavailable" && error.code !== undefined)

export const adAccountReadFailed = (accountId: string, error: MetaGraphError): Found =>
  refused(error)
    ? found(
        "ad_account",
        "failing",
        `Meta refuses to show the ad account ${accountId} to this login (${error.message}): the person lost access to it. Ask the Business Manager's admin to assign the account again, or choose another one.`
      )
    : found("ad_account", "unknown", `Meta could not be asked about the ad account (${error.message}).`)

export const businessReadFailed = (businessId: string, error: MetaGraphError): Found =>
  refused(error)
    ? found(
        "business_manager",
        "failing",
        `Meta refuses to show the Business Manager ${businessId} to this login (${error.message}): the person was removed from it, or lost its permission. Ask its admin to add them again, then Reconnect Meta Ads.`
      )
    : found("business_manager", "unknown", `Meta could not be asked about the Business Manager (${error.message}).`)

/**
 * Runs a Meta Ads connection's health checks against Meta and stores them, as `ConnectionHealthChecks` does for
 * WhatsApp: on demand ("Check now"), right after a connect or an ad-account choice, and from the health job.
 * Never changes the connection's status (Test connection and token renewal do that).
 */
export class MetaAdsHealthChecks extends Context.Service<MetaAdsHealthChecks, ProviderHealthChecks>()(
  "app/application/MetaAdsHealthChecks"
) {
  static readonly layer = Layer.effect(
    MetaAdsHealthChecks,
    Effect.gen(function* () {
      const connections = yield* ConnectionRepository
      const health = yield* ConnectionHealthRepository
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const settings = yield* ConnectSettings

      const metaChecks = (connection: ChannelConnection, token: AccessToken) =>
        Effect.gen(function* () {
          const checks: Array<Found> = []
          const info = yield* graph.debugToken(token).pipe(Effect.result)
          if (info._tag === "Success") checks.push(...adsTokenChecks(info.success, settings.appId))
          else {
            const why = tokenUnasked(info.failure)
            checks.push(found("ads_token", "unknown", why), found("ads_scopes", "unknown", why))
          }
          const details = metaAdsDetails(connection)
          const accountId = details.selected_ad_account_id ?? null
          if (accountId === null)
            checks.push(
              found(
                "ad_account",
                "warning",
                "No ad account is chosen yet: choose the Business Manager and ad account to use."
              )
            )
          else {
            const account = yield* graph.getAdAccount(token, accountId).pipe(Effect.result)
            checks.push(
              account._tag === "Success"
                ? adAccountCheck(account.success)
                : adAccountReadFailed(accountId, account.failure)
            )
          }
          const businessId = details.selected_business_id ?? null
          if (businessId === null)
            checks.push(found("business_manager", "unknown", "No Business Manager is chosen yet."))
          else if (businessId === PERSONAL_GROUP_ID)
            checks.push(
              found("business_manager", "ok", "The ad account is the person's own: no Business Manager to read.")
            )
          else {
            const read = yield* graph.listBusinesses(token).pipe(Effect.result)
            checks.push(
              read._tag === "Failure"
                ? businessReadFailed(businessId, read.failure)
                : read.success.some((business) => business.id === businessId)
                  ? found("business_manager", "ok", `The Business Manager ${businessId} reads with this login.`)
                  : found(
                      "business_manager",
                      "failing",
                      `The Business Manager ${businessId} is no longer among the person's businesses: they were removed from it. Ask its admin to add them again, or Reconnect Meta Ads with someone who is in it.`
                    )
            )
          }
          return checks
        })

      const run = Effect.fn("MetaAdsHealthChecks.run")(function* (connection: ChannelConnection) {
        const token = yield* storedToken(cipher, connection, "Meta Ads health").pipe(Effect.result)
        const checks: ReadonlyArray<Found> =
          token._tag === "Success"
            ? yield* metaChecks(connection, token.success)
            : tokenlessChecks(["ads_token", "ads_scopes", "ad_account", "business_manager"], token.failure, RECONNECT)
        return yield* recordChecks(health, "Meta Ads connection health", connection, checks)
      })

      return MetaAdsHealthChecks.of({
        run,
        ...healthAccess("MetaAdsHealthChecks", PROVIDER, connections, health, run)
      })
    })
  )

  /** The Meta Ads part of the health job: each due connection once per `interval`, spread over it. */
  static readonly worker = (interval: Duration.Input) => healthWorker(MetaAdsHealthChecks, "meta_ads_health", interval)
}
