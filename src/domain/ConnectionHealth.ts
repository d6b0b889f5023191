/**
 * A connection's health: what each check last found, in words a person can act on. Pure: the checks are run by
 * `ConnectionHealthChecks` (application) and stored by `ConnectionHealthRepository`.
 */

/** `ok`: fine; `warning`: works, but needs attention; `failing`: blocks messaging or webhooks; `unknown`: not known. */
export type HealthStatus = "ok" | "warning" | "failing" | "unknown"

export const HEALTH_STATUSES: ReadonlyArray<HealthStatus> = ["ok", "warning", "failing", "unknown"]

/**
 * - `token`: valid, of our app, with both WhatsApp scopes;
 * - `waba_subscription`: our app is subscribed to the WABA's webhooks;
 * - `app_webhook`: the app's webhook callback is this service's;
 * - `number`: registered for Cloud API, ownership verified;
 * - `display_name`: the display name approved;
 * - `quality`: the number's quality rating;
 * - `messaging_limit`: the portfolio's messaging limit and the number's throughput;
 * - `webhooks`: webhooks arrive for the number;
 * - `account_review`: Meta's review of the WhatsApp Business Account (from `account_review_update`);
 * - `send`: the last test message ("Send a test message to my phone"): accepted by Meta, and not failed since.
 *
 * A Meta Ads connection's checks (names of their own, so that a metric's `check` label says the provider):
 * - `ads_token`: valid, of our app (`debug_token`);
 * - `ads_scopes`: the token still carries `ads_management`, `ads_read` and `business_management`;
 * - `ad_account`: the selected ad account reads (`GET /act_{id}`) and is in a state ads run in;
 * - `business_manager`: the selected Business Manager is among the person's (`GET /me/businesses`).
 */
export type HealthCheckName =
  | "token"
  | "waba_subscription"
  | "app_webhook"
  | "number"
  | "display_name"
  | "quality"
  | "messaging_limit"
  | "webhooks"
  | "account_review"
  | "send"
  | "ads_token"
  | "ads_scopes"
  | "ad_account"
  | "business_manager"

/** A WhatsApp connection's checks, in display order. */
export const WHATSAPP_CHECK_NAMES: ReadonlyArray<HealthCheckName> = [
  "token",
  "waba_subscription",
  "app_webhook",
  "number",
  "display_name",
  "quality",
  "messaging_limit",
  "webhooks",
  "account_review",
  "send"
]

/** A Meta Ads connection's checks, in display order. */
export const META_ADS_CHECK_NAMES: ReadonlyArray<HealthCheckName> = [
  "ads_token",
  "ads_scopes",
  "ad_account",
  "business_manager"
]

/** Every check name, in display order (WhatsApp's, then Meta Ads'). */
export const HEALTH_CHECK_NAMES: ReadonlyArray<HealthCheckName> = [...WHATSAPP_CHECK_NAMES, ...META_ADS_CHECK_NAMES]

/**
 * The checks that gate the connection: while one of them fails, it is not shown as Connected. WhatsApp: messaging
 * (token, subscription, callback, number); Meta Ads: reading the ads (token, permissions, the selected ad account).
 */
export const GATING_CHECKS: ReadonlyArray<HealthCheckName> = [
  "token",
  "waba_subscription",
  "app_webhook",
  "number",
  "ads_token",
  "ads_scopes",
  "ad_account"
]

export interface HealthCheck {
  readonly name: HealthCheckName
  readonly status: HealthStatus
  /** What is wrong and what to do (or what is fine), for a person. */
  readonly message: string
  readonly checkedAt: Date
}

export interface ConnectionHealth {
  /** In {@link HEALTH_CHECK_NAMES} order; empty before the first check. */
  readonly checks: ReadonlyArray<HealthCheck>
  /** When a webhook for the connection's number last arrived; null when none has since the table existed. */
  readonly lastWebhookAt: Date | null
}

const RANK: Record<HealthStatus, number> = { ok: 0, unknown: 1, warning: 2, failing: 3 }

/** The worst status of the checks (`failing` > `warning` > `unknown` > `ok`); `unknown` when there are none. */
export const overallHealth = (checks: ReadonlyArray<HealthCheck>): HealthStatus =>
  checks.length === 0
    ? "unknown"
    : checks.reduce<HealthStatus>((worst, check) => (RANK[check.status] > RANK[worst] ? check.status : worst), "ok")

/**
 * Whether the checks let messaging work: no gating check is `failing`. A check Meta could not answer (`unknown`)
 * does not take Connected away; a check that found a fault does.
 */
export const messagingHealthy = (checks: ReadonlyArray<HealthCheck>): boolean =>
  !checks.some((check) => GATING_CHECKS.includes(check.name) && check.status === "failing")

/** The newest check of each name, in display order. */
export const mergeChecks = (
  stored: ReadonlyArray<HealthCheck>,
  fresh: ReadonlyArray<HealthCheck>
): ReadonlyArray<HealthCheck> => {
  const byName = new Map<HealthCheckName, HealthCheck>()
  for (const check of [...stored, ...fresh]) byName.set(check.name, check)
  return HEALTH_CHECK_NAMES.flatMap((name) => {
    const check = byName.get(name)
    return check === undefined ? [] : [check]
  })
}
