import { Client, type CombinedError, cacheExchange, fetchExchange } from "urql"

/** The urql client of one session: every operation is a POST to `/graphql` with the bearer token. */
export const makeClient = (token: string): Client =>
  new Client({
    url: "/graphql",
    exchanges: [cacheExchange, fetchExchange],
    // The service serves GraphiQL on GET /graphql; operations are POSTed.
    preferGetMethod: false,
    fetchOptions: () => ({
      // The start mutation's response sets the HttpOnly state cookie for the OAuth callback.
      credentials: "same-origin",
      headers: { authorization: `Bearer ${token}` }
    })
  })

/** The HTTP status of a failed operation's response, if it got one. */
export const httpStatus = (error: CombinedError | undefined): number | undefined =>
  (error?.response as { status?: number } | undefined)?.status

/** The token was refused (expired, or signed with another secret): the session is over. */
export const isUnauthorized = (error: CombinedError | undefined): boolean => httpStatus(error) === 401

/** The service limits this person's attempts (HTTP 429). */
export const isRateLimited = (error: CombinedError | undefined): boolean => httpStatus(error) === 429
