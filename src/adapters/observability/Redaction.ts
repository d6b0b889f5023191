/**
 * Redaction of secrets from anything that is logged: free text (`redact`) and structured values
 * (`redactValue`). Applied by the loggers of `Logging.ts` to every message, annotation and cause, so a token that
 * slips into a log call never reaches the output.
 */

export const REDACTED = "[redacted]"

/** A rule applies only to a text holding what every match of it holds (a cheap test before the scan). */
const holdsEquals = (text: string): boolean => text.includes("=")
const WHITESPACE = /\s/
const holdsWhitespace = (text: string): boolean => WHITESPACE.test(text)

/**
 * The patterns, in order, each with the cheap test a text passes when it can hold a match (a match of the rule
 * contains that literal): most log text holds none, and the rule's scan is skipped. Each replaces only the secret
 * part, so the line stays readable ("access_token=[redacted]", "Bearer [redacted]", "sha256=[redacted]").
 */
const TEXT_RULES: ReadonlyArray<readonly [RegExp, string, (text: string) => boolean]> = [
  // JWTs: header and payload are base64url JSON (so both start with "eyJ"), then a signature.
  [/\beyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, REDACTED, (text) => text.includes("eyJ")],
  // Authorization headers, whatever the scheme's token looks like (a match holds the whitespace after the scheme).
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`, holdsWhitespace],
  // Query or form values of secret parameters (also after "hub." and in "x=y" text).
  [
    /\b(access_token|client_secret|code|input_token|fb_exchange_token|appsecret_proof|verify_token|hub\.verify_token|refresh_token|id_token|password|secret|token|pin)=([^&\s"'<>,;]+)/gi,
    `$1=${REDACTED}`,
    holdsEquals
  ],
  // The same names as JSON members inside a string (a logged body or URL-encoded JSON).
  [
    /("(?:access_token|client_secret|code|input_token|fb_exchange_token|appsecret_proof|verify_token|refresh_token|id_token|password|secret|token|pin|authorization|signature)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${REDACTED}"`,
    (text) => text.includes('"')
  ],
  // Meta user, page and system-user tokens (anywhere: the leak scans look for them without a word boundary).
  [/EAA[A-Za-z0-9_-]{20,}/g, REDACTED, (text) => text.includes("EAA")],
  // App access tokens: "<app id>|<app secret or token>".
  [/\d{5,20}(\||%7C)[A-Za-z0-9_-]{16,}/gi, REDACTED, (text) => text.includes("|") || text.includes("%")],
  // Meta's OAuth codes: "AQ" and a long URL-safe tail.
  [/AQ[A-Za-z0-9_-]{60,}/g, REDACTED, (text) => text.includes("AQ")],
  // Webhook signatures (X-Hub-Signature-256 and the legacy SHA-1 one).
  [/\b(sha256|sha1)=[0-9a-fA-F]{16,}/gi, `$1=${REDACTED}`, holdsEquals],
  // Base64 of exactly 32 bytes (an AES-256 key as TOKEN_ENCRYPTION_KEY_BASE64 holds it): 43 characters and "=".
  [/(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])/g, REDACTED, holdsEquals]
]

/** Removes tokens, codes, secrets and signatures from free text. Idempotent; never throws. */
export const redact = (text: string): string => {
  let out = text
  for (const [pattern, replacement, mayMatch] of TEXT_RULES) if (mayMatch(out)) out = out.replace(pattern, replacement)
  return out
}

/**
 * Removes the given known values (configuration secrets: app secret, verify token, signing keys) wherever they
 * appear, then applies `redact`. Values shorter than 8 characters are ignored: they would match too much.
 */
export const makeRedactor = (secrets: ReadonlyArray<string> = []): ((text: string) => string) => {
  const known = [...new Set(secrets.filter((s) => s.length >= 8))].sort((a, b) => b.length - a.length)
  if (known.length === 0) return redact
  return (text) => {
    let out = text
    for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    return redact(out)
  }
}

const normalised = new Map<string, string>()
/** The key lower-cased without separators; memoised (log lines repeat a few keys; the map is capped). */
const normalise = (key: string) => {
  let k = normalised.get(key)
  if (k === undefined) {
    k = key.toLowerCase().replace(/[^a-z0-9]/g, "")
    if (normalised.size < 1000) normalised.set(key, k)
  }
  return k
}

/** Keys whose value is secret whatever its type. Matched against the key lower-cased without separators. */
const SECRET_KEY = /token|secret|password|passwd|signature|authorization|cookie|apikey|privatekey|credential/
/** Keys that contain a secret word but hold none: expiry times, kinds, counts, ids. */
const HARMLESS_SUFFIX = /(expiresat|expiresin|expiry|type|kind|count|status|id|at|valid)$/
/** Keys whose string value is an OAuth or verification code (a number under "code" is an error code: kept). */
const CODE_KEY = /^(code|oauthcode|authcode|verificationcode|pin)$/

/** Whether a value under this (structured) key must be redacted. */
export const isSecretKey = (key: string, value: unknown): boolean => {
  const k = normalise(key)
  if (CODE_KEY.test(k)) return typeof value === "string" || typeof value === "bigint"
  return SECRET_KEY.test(k) && !HARMLESS_SUFFIX.test(k)
}

const MAX_DEPTH = 8

/**
 * Redacts a structured value: strings through `text`, values under secret keys replaced, arrays and plain objects
 * walked (to depth 8, and cycles cut). Errors become `{ name, message }`. Returns a new value; never mutates.
 */
export const redactValue = (value: unknown, text: (s: string) => string = redact): unknown => {
  const seen = new WeakSet<object>()
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return text(v)
    if (v === null || typeof v !== "object") return typeof v === "bigint" ? v.toString() : v
    if (seen.has(v)) return "[circular]"
    if (depth >= MAX_DEPTH) return "[truncated]"
    seen.add(v)
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1))
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString()
    if (v instanceof Error) return { name: v.name, message: text(v.message) }
    if (v instanceof URL) return text(v.toString())
    if (v instanceof Map) return walk(Object.fromEntries(v), depth)
    if (v instanceof Set) return walk([...v], depth)
    const toJSON = (v as { readonly toJSON?: unknown }).toJSON
    if (typeof toJSON === "function") {
      const json: unknown = toJSON.call(v)
      if (json !== v) return walk(json, depth + 1)
    }
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(v)) {
      out[key] = isSecretKey(key, item) ? REDACTED : walk(item, depth + 1)
    }
    return out
  }
  return walk(value, 0)
}
