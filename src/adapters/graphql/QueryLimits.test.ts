import { assert, describe, it } from "@effect/vitest"
import { buildSchema, parse, validate } from "graphql"
import { costError, depthLimit } from "./QueryLimits.ts"

const schema = buildSchema(`
  type Item { id: ID!, name: String!, children(first: Int): [Item!]! }
  type Query { items(first: Int, last: Int): [Item!]!, item: Item }
`)

const depthErrors = (query: string, maxDepth: number) =>
  validate(schema, parse(query), [depthLimit(maxDepth)]).map((error) => error.message)

const costErrors = (query: string, maxCost: number, variables: Record<string, unknown> = {}) => {
  const error = costError(parse(query), undefined, variables, maxCost)
  return error === null ? [] : [error.message]
}

describe("depthLimit", () => {
  it("counts nested fields, through fragments", () => {
    assert.deepStrictEqual(depthErrors("{ item { id } }", 2), [])
    assert.deepStrictEqual(depthErrors("{ item { children { id } } }", 2), [
      "The query is nested 3 levels deep; at most 2 are allowed."
    ])
    assert.lengthOf(depthErrors("query { item { ...F } } fragment F on Item { children { id } }", 2), 1)
  })

  it("does not count ofType", () => {
    const query = '{ __type(name: "Item") { ofType { ofType { ofType { name } } } } }'
    assert.deepStrictEqual(depthErrors(query, 2), [])
  })
})

describe("costError", () => {
  it("counts each selected field once, and each alias as the field", () => {
    assert.deepStrictEqual(costErrors("{ item { id name } }", 3), [])
    assert.deepStrictEqual(costErrors("{ item { id name } b: item { id } }", 3), [
      "The query costs 5; at most 3 is allowed."
    ])
    assert.deepStrictEqual(costErrors("{ a: items(first: 10) { id } b: items(first: 10) { id } }", 21), [
      "The query costs 22; at most 21 is allowed."
    ])
  })

  it("multiplies a page's children by first/last, at most the page cap", () => {
    // items(first: 10) { id children(first: 5) { id } } = 1 + 10 × (1 + 1 + 5 × 1) = 71
    const query = "{ items(first: 10) { id children(first: 5) { id } } }"
    assert.deepStrictEqual(costErrors(query, 71), [])
    assert.lengthOf(costErrors(query, 70), 1)
    assert.deepStrictEqual(costErrors("{ items(last: 3) { id } }", 4), [])
    // The use cases clamp a page to 100: asking for more costs as 100.
    assert.deepStrictEqual(costErrors("{ items(first: 100000) { id } }", 101), [])
  })

  it("takes a variable's value, else its literal default, else the page cap", () => {
    const query = "query ($n: Int = 2) { items(first: $n) { id } }"
    assert.deepStrictEqual(costErrors(query, 3), [])
    // The value the request sends counts, not the (smaller) default.
    assert.deepStrictEqual(costErrors(query, 3, { n: 100 }), ["The query costs 101; at most 3 is allowed."])
    // An explicit null leaves the size to the server: the cap.
    assert.lengthOf(costErrors(query, 3, { n: null }), 1)
    assert.deepStrictEqual(costErrors("query ($n: Int) { items(first: $n) { id } }", 100), [
      "The query costs 101; at most 100 is allowed."
    ])
    assert.deepStrictEqual(costErrors("query ($n: Int) { items(first: $n) { id } }", 6, { n: 5 }), [])
  })

  it("refuses many aliases of a page sized by a variable with a small default", () => {
    const aliases = Array.from({ length: 40 }, (_, index) => `a${index}: items(first: $n) { id name }`).join(" ")
    const query = `query ($n: Int = 1) { ${aliases} }`
    assert.deepStrictEqual(costErrors(query, 5000), [])
    assert.deepStrictEqual(costErrors(query, 5000, { n: 100 }), ["The query costs 8040; at most 5000 is allowed."])
  })

  it("expands each fragment spread where it is used", () => {
    const query = "{ a: item { ...F } b: item { ...F } } fragment F on Item { id name }"
    assert.deepStrictEqual(costErrors(query, 6), [])
    assert.lengthOf(costErrors(query, 5), 1)
  })

  it("costs the operation the request names", () => {
    const query = "query Small { item { id } } query Big { items(first: 50) { id } }"
    assert.isNull(costError(parse(query), "Small", {}, 10))
    assert.isNotNull(costError(parse(query), "Big", {}, 10))
  })
})
