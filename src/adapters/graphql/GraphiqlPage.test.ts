import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { vi } from "vitest"

const loads = vi.hoisted(() => ({ count: 0 }))
vi.mock("@graphql-yoga/render-graphiql", async (original) => {
  loads.count++
  return await original()
})

describe("GraphiQL's page", () => {
  it.effect("is not loaded with the GraphQL route, only on its first request, and then once", () =>
    Effect.gen(function* () {
      const route = yield* Effect.promise(() => import("./GraphqlRoute.ts"))
      route.makeGraphqlRoute({ graphiql: true, introspection: true })
      assert.strictEqual(loads.count, 0, "the renderer (about 47 MB of heap) is not imported at startup")
      const { graphiqlPage } = yield* Effect.promise(() => import("./GraphiqlPage.ts"))
      const first = yield* graphiqlPage("/graphql")
      assert.include(new TextDecoder().decode(first).toLowerCase(), "graphiql")
      assert.strictEqual(yield* graphiqlPage("/graphql"), first, "built once")
      assert.strictEqual(loads.count, 1)
    })
  )
})
