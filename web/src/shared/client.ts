import { Client, type CombinedError, cacheExchange, fetchExchange, subscriptionExchange } from "urql"
import { attachLiveStatus, LiveStatus, sseForwarder } from "./sse.ts"

/**
 * The urql client of one session: every operation is a POST to `/graphql` with the bearer token; subscriptions
 * stream their events back as server-sent events (see sse.ts).
 */
export const makeClient = (token: string, fetchImpl?: typeof fetch): Client => {
  const status = new LiveStatus()
  const headers = () => ({ authorization: `Bearer ${token}` })
  const forwardSubscription = sseForwarder({
    url: "/graphql",
    headers,
    status,
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl })
  })
  const client = new Client({
    url: "/graphql",
    exchanges: [cacheExchange, subscriptionExchange({ forwardSubscription }), fetchExchange],
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    // The service serves GraphiQL on GET /graphql; operations are POSTed.
    preferGetMethod: false,
    fetchOptions: () => ({
      // The start mutation's response sets the HttpOnly state cookie for the OAuth callback.
      credentials: "same-origin",
      headers: headers()
    })
  })
  return attachLiveStatus(client, status)
}

/** The HTTP status of a failed operation's response, if it got one. */
export const httpStatus = (error: CombinedError | undefined): number | undefined =>
  (error?.response as { status?: number } | undefined)?.status

/** The token was refused (expired, or signed with another secret): the session is over. */
export const isUnauthorized = (error: CombinedError | undefined): boolean => httpStatus(error) === 401

/** The service limits this person's attempts (HTTP 429). */
export const isRateLimited = (error: CombinedError | undefined): boolean => httpStatus(error) === 429
