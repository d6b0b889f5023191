import { Effect } from "effect"

/**
 * GraphiQL's page (sandbox mode), built on its first request and kept as bytes. The renderer's module inlines
 * GraphiQL's script, styles and editor workers (about 9 MB of source; with its exported script and the rendered page
 * about 47 MB of V8 heap): imported at startup it held a third of the service's live heap under the 128 MB cap
 * (`npm start`), and the worker spent half its time in the garbage collector (issue 18.2, w6C). Imported on
 * demand, a service nobody opens GraphiQL on never pays for it; the page is kept as a byte buffer (outside the heap).
 */
let page: Promise<Uint8Array> | undefined

export const graphiqlPage = (endpoint: string): Effect.Effect<Uint8Array> =>
  Effect.promise(() => {
    page ??= import("@graphql-yoga/render-graphiql").then(({ renderGraphiQL }) =>
      new TextEncoder().encode(
        renderGraphiQL({
          endpoint,
          title: "Meta channel connections",
          headers: JSON.stringify({ Authorization: "Bearer <token from POST /api/dev/session>" })
        })
      )
    )
    return page
  })
