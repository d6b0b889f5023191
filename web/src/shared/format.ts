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

/** Every one- and two-digit country calling code (ITU-T E.164); all others have three digits. */
const SHORT_CALLING_CODES = new Set([
  "1",
  "7",
  ...["20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49"],
  ...["51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66"],
  ...["81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"]
])

/**
 * The national number in groups of three (North America's 3-3-4 falls out of it): a group of two first when the
 * length leaves two over, a group of four last when it leaves one over.
 */
const groups = (national: string): Array<string> => {
  if (national.length <= 4) return [national]
  const head = national.length % 3 === 2 ? 2 : 0
  const tail = national.length % 3 === 1 ? 4 : 0
  const out = head === 0 ? [] : [national.slice(0, head)]
  for (let at = head; at < national.length - tail; at += 3) out.push(national.slice(at, at + 3))
  if (tail > 0) out.push(national.slice(-tail))
  return out
}

/**
 * The one way a phone number is shown: international, with spaces (`+1 555 010 1234`), whichever way it came (E.164
 * `+15550101234`, Meta's `+1 555-010-1234`, a `wa_id` without the plus). Anything without digits is shown as given.
 */
export const formatPhoneNumber = (raw: string | null | undefined): string => {
  if (raw === null || raw === undefined) return ""
  const digits = raw.replace(/\D/g, "")
  if (digits.length < 4) return raw
  const callingCode = [1, 2, 3]
    .map((n) => digits.slice(0, n))
    .find((code) => code.length === 3 || SHORT_CALLING_CODES.has(code))!
  return `+${callingCode} ${groups(digits.slice(callingCode.length)).join(" ")}`
}
