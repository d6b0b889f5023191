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

/** The token was refused (expired, or signed with another secret): the session is over. */
export const isUnauthorized = (error: CombinedError | undefined): boolean =>
  (error?.response as { status?: number } | undefined)?.status === 401
