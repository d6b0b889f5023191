const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" })
const date = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" })
const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" })

const parse = (iso: string | null | undefined): Date | null => {
  if (iso === null || iso === undefined) return null
  const value = new Date(iso)
  return Number.isNaN(value.getTime()) ? null : value
}

export const formatDateTime = (iso: string | null | undefined): string => {
  const value = parse(iso)
  return value === null ? "" : dateTime.format(value)
}

export const formatDate = (iso: string | null | undefined): string => {
  const value = parse(iso)
  return value === null ? "" : date.format(value)
}

/** Today's messages show the time only; older ones the date and time. */
export const formatMessageTime = (iso: string, now: Date = new Date()): string => {
  const value = parse(iso)
  if (value === null) return ""
  return value.toDateString() === now.toDateString() ? time.format(value) : dateTime.format(value)
}

export const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000

/** The token expires within 7 days (or already has). */
export const expiresSoon = (iso: string | null | undefined, now: number = Date.now()): boolean => {
  const value = parse(iso)
  return value !== null && value.getTime() - now <= SEVEN_DAYS_MS
}
