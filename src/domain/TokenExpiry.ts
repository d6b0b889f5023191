import { Duration } from "effect"

/** How long before a token expires it counts as "expiring soon" (dashboards, GraphQL, the token-health report). */
export const EXPIRY_WARNING = Duration.days(7)

/** Whether a token expiring at `expiresAtMillis` (`null`: never) is within `EXPIRY_WARNING` of `nowMillis`. */
export const isExpiringSoon = (expiresAtMillis: number | null, nowMillis: number): boolean =>
  expiresAtMillis !== null && expiresAtMillis - nowMillis <= Duration.toMillis(EXPIRY_WARNING)

/**
 * How long before a renewable token (a 60-day business token) expires the token-health job renews it: twice the
 * warning window, so a renewal that fails is retried on every run for a week before the tenant is warned.
 */
export const RENEWAL_WINDOW = Duration.days(14)

/** Whether a token expiring at `expiresAtMillis` (`null`: never) is due for renewal at `nowMillis`. */
export const isDueForRenewal = (expiresAtMillis: number | null, nowMillis: number): boolean =>
  expiresAtMillis !== null && expiresAtMillis - nowMillis <= Duration.toMillis(RENEWAL_WINDOW)
