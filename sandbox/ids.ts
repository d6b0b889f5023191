import { randomBytes, randomInt } from "node:crypto"

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const URLSAFE = `${ALNUM}-_`

const randomFrom = (alphabet: string, length: number): string => {
  const bytes = randomBytes(length)
  let out = ""
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length]
  return out
}

/** A Meta-looking object id: a numeric string of 15 or 16 digits, never starting with 0. */
export const newId = (length: 15 | 16 = randomInt(0, 2) === 0 ? 15 : 16): string => {
  let out = String(randomInt(1, 10))
  while (out.length < length) out += String(randomInt(0, 10))
  return out
}

/** `EAA` followed by letters and digits only, as Meta's tokens (so a leak scan for `EAA[A-Za-z0-9]{20,}` finds them). */
export const newAccessToken = (): string => `EAA${randomFrom(ALNUM, 177)}`

/** An opaque OAuth code: Meta's start with `AQ` and carry `-`/`_`, so they can never be mistaken for tokens. */
export const newOAuthCode = (): string => `AQ${randomFrom(URLSAFE, 254)}`

/** `wamid.` + base64 of a random payload, like Meta's message ids. */
export const newWamid = (): string => `wamid.${randomBytes(30).toString("base64")}`

export const newFbtraceId = (): string => randomFrom(URLSAFE, 27)

export const newHex = (bytes: number): string => randomBytes(bytes).toString("hex")

export const newChallenge = (): string => String(randomInt(100_000_000, 2_000_000_000))
