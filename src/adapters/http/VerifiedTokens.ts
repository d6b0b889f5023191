/**
 * The verdicts of recently verified bearer tokens (issue 18.4; docs/decisions.md "Issue 18.4: GraphQL per-request
 * cost"): a token whose signature and claims were checked is remembered for a short while, so that a client sending
 * the same token on every request costs one HMAC check per `ttlMillis`, not one per request. A token is immutable
 * and signed, so the same string gets the same verdict; what changes with time (the `exp`/`nbf`/`iat` window) is
 * checked again by the caller on each hit. Only successes are kept; at most `maxEntries` (the least recently used
 * go first), each for at most `ttlMillis` and never past the `until` it was given (its token's last valid moment).
 * A token longer than `MAX_TOKEN_LENGTH` is never kept (it is checked every time), so the memory held is bounded by
 * `maxEntries × MAX_TOKEN_LENGTH` characters whatever the tokens.
 */
export interface VerifiedTokens<A> {
  /** The value kept for `token`, if it was set less than `ttlMillis` ago and `now` is before its `until`. */
  get(token: string, now: number): A | undefined
  /** Remembers `value` for `token` from `now` until `until` at the latest. */
  set(token: string, value: A, now: number, until: number): void
  /** How many tokens are remembered (expired ones may still count until they are looked up or pushed out). */
  readonly size: number
}

/** The longest token kept: the service's own tokens are about 250 characters. */
export const MAX_TOKEN_LENGTH = 2048

/** A `VerifiedTokens` of at most `maxEntries` tokens (none when 0), each kept at most `ttlMillis`. */
export const makeVerifiedTokens = <A>(maxEntries: number, ttlMillis: number): VerifiedTokens<A> => {
  // A Map iterates in insertion order: a hit is moved to the end, so the first key is the least recently used.
  const entries = new Map<string, { readonly value: A; readonly until: number }>()
  return {
    get: (token, now) => {
      const entry = entries.get(token)
      if (entry === undefined) return undefined
      entries.delete(token)
      if (now >= entry.until) return undefined
      entries.set(token, entry)
      return entry.value
    },
    set: (token, value, now, until) => {
      if (maxEntries <= 0 || token.length > MAX_TOKEN_LENGTH) return
      entries.delete(token)
      const last = Math.min(until, now + ttlMillis)
      if (now >= last) return
      while (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
      entries.set(token, { value, until: last })
    },
    get size() {
      return entries.size
    }
  }
}
