import { assert, describe, it } from "@effect/vitest"
import { buildSchema, parse, validate } from "graphql"
import { costLimit, depthLimit } from "./QueryLimits.ts"

const schema = buildSchema(`
  type Item { id: ID!, name: String!, children(first: Int): [Item!]! }
  type Query { items(first: Int, last: Int): [Item!]!, item: Item }
`)

const errors = (query: string, rule: ReturnType<typeof costLimit>) =>
  validate(schema, parse(query), [rule]).map((error) => error.message)

describe("depthLimit", () => {
  it("counts nested fields, through fragments", () => {
    assert.deepStrictEqual(errors("{ item { id } }", depthLimit(2)), [])
    assert.deepStrictEqual(errors("{ item { children { id } } }", depthLimit(2)), [
      "The query is nested 3 levels deep; at most 2 are allowed."
    ])
    assert.lengthOf(errors("query { item { ...F } } fragment F on Item { children { id } }", depthLimit(2)), 1)
  })

  it("does not count ofType", () => {
    const query = '{ __type(name: "Item") { ofType { ofType { ofType { name } } } } }'
    assert.deepStrictEqual(errors(query, depthLimit(2)), [])
  })
})

describe("costLimit", () => {
  it("counts each selected field once", () => {
    assert.deepStrictEqual(errors("{ item { id name } }", costLimit(3)), [])
    assert.deepStrictEqual(errors("{ item { id name } b: item { id } }", costLimit(3)), [
      "The query costs 5; at most 3 is allowed."
    ])
  })

  it("multiplies a page's children by first/last", () => {
    // items(first: 10) { id children(first: 5) { id } } = 1 + 10 × (1 + 1 + 5 × 1) = 71
    const query = "{ items(first: 10) { id children(first: 5) { id } } }"
    assert.deepStrictEqual(errors(query, costLimit(71)), [])
    assert.lengthOf(errors(query, costLimit(70)), 1)
    assert.deepStrictEqual(errors("{ items(last: 3) { id } }", costLimit(4)), [])
  })

  it("takes a variable's literal default, else the assumed page size", () => {
    assert.deepStrictEqual(errors("query ($n: Int = 2) { items(first: $n) { id } }", costLimit(3)), [])
    assert.deepStrictEqual(errors("query ($n: Int) { items(first: $n) { id } }", costLimit(100)), [
      "The query costs 101; at most 100 is allowed."
    ])
  })

  it("expands each fragment spread where it is used", () => {
    const query = "{ a: item { ...F } b: item { ...F } } fragment F on Item { id name }"
    assert.deepStrictEqual(errors(query, costLimit(6)), [])
    assert.lengthOf(errors(query, costLimit(5)), 1)
  })
})
