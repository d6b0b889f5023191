import { readFileSync, writeFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { buildSchema, lexicographicSortSchema, printSchema } from "graphql"
import { schemaSdl } from "./schema/sdl.ts"

const file = new URL("./schema.graphql", import.meta.url)

describe("schema.graphql", () => {
  // Compared as schemas, not as text, so that formatting the file (biome formats GraphQL) does not matter.
  // To refresh it: UPDATE_GRAPHQL_SCHEMA=1 npx vitest run src/adapters/graphql/schema.test.ts && npx biome format --write src/adapters/graphql
  it("matches the printed schema", () => {
    if (process.env["UPDATE_GRAPHQL_SCHEMA"] === "1") writeFileSync(file, `${schemaSdl}\n`)
    const committed = printSchema(lexicographicSortSchema(buildSchema(readFileSync(file, "utf8"))))
    assert.strictEqual(committed, schemaSdl, "schema.graphql is stale: see the comment above this test to refresh it")
  })
})
