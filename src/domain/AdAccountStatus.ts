/**
 * What an ad account's state means for the person using it, as the domain names it (Meta's numeric `account_status`
 * is read by the Graph adapter only). `unknown` is a state Meta reported that we do not know.
 */
export const AD_ACCOUNT_STATUSES = [
  "active",
  "disabled",
  "unsettled",
  "pending_risk_review",
  "pending_settlement",
  "in_grace_period",
  "pending_closure",
  "closed",
  "any_active",
  "any_closed",
  "unknown"
] as const

export type AdAccountStatus = (typeof AD_ACCOUNT_STATUSES)[number]

export const isAdAccountStatus = (value: unknown): value is AdAccountStatus =>
  typeof value === "string" && (AD_ACCOUNT_STATUSES as ReadonlyArray<string>).includes(value)

/** Ads in the account can run (`active`, or Meta's aggregate "any active"). */
export const isRunnable = (status: AdAccountStatus | null): boolean => status === "active" || status === "any_active"
