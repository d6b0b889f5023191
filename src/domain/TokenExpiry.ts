import { Duration } from "effect"

/** How long before a token expires it counts as "expiring soon" (dashboards, GraphQL, the token-health report). */
export const EXPIRY_WARNING = Duration.days(7)

/** Whether a token expiring at `expiresAtMillis` (`null`: never) is within `EXPIRY_WARNING` of `nowMillis`. */
export const isExpiringSoon = (expiresAtMillis: number | null, nowMillis: number): boolean =>
  expiresAtMillis !== null && expiresAtMillis - nowMillis <= Duration.toMillis(EXPIRY_WARNING)
