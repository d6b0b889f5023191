import { readdirSync, readFileSync } from "node:fs"
import { join, relative } from "node:path"
import { generate } from "@graphql-codegen/cli"
import { formatDocument } from "@urql/core"
import { type DocumentNode, specifiedRules, validate } from "graphql"
import { describe, expect, it } from "vitest"
import config from "../../codegen.ts"
import { costError, depthLimit } from "../../src/adapters/graphql/QueryLimits.ts"
import { schema } from "../../src/adapters/graphql/schema/index.ts"
import * as generated from "./gql/graphql.ts"

const root = join(import.meta.dirname, "../..")
const output = join(import.meta.dirname, "gql")

describe("web/src/gql (graphql-codegen's client preset)", () => {
  // A changed schema.graphql or a changed graphql(`…`) document without a new run of codegen fails here.
  // To refresh it: npm run codegen
  it("is what `npm run codegen` generates from schema.graphql and the documents of web/src", async () => {
    const files: ReadonlyArray<{ readonly filename: string; readonly content: string }> = await generate(
      { ...config, cwd: root },
      false
    )
    const expected = new Map(files.map((file) => [relative(root, join(root, file.filename)), file.content]))
    const committed = new Map(
      readdirSync(output).map((name) => {
        const path = relative(root, join(output, name))
        return [path, readFileSync(join(root, path), "utf8")]
      })
    )
    expect([...committed.keys()].sort(), "web/src/gql is stale: run `npm run codegen`").toEqual(
      [...expected.keys()].sort()
    )
    for (const [path, content] of expected) {
      expect(committed.get(path) === content, `${path} is stale: run \`npm run codegen\``).toBe(true)
    }
  })
})

// Every operation the app sends, as urql sends it (with `__typename` added to each selection set), is valid
// against the server's schema and within its depth (8) and cost (500) limits.
const operationName = (document: DocumentNode): string | undefined =>
  document.definitions.find((definition) => definition.kind === "OperationDefinition")?.name?.value
const sent = Object.values(generated).flatMap((value): ReadonlyArray<[string, DocumentNode]> => {
  if (typeof value !== "object" || value === null || (value as { kind?: unknown }).kind !== "Document") return []
  const name = operationName(value as DocumentNode)
  return name === undefined ? [] : [[name, value as DocumentNode]]
})

describe("GraphQL documents", () => {
  it("there are documents to check", () => {
    expect(sent.map(([name]) => name)).toContain("ConversationMessages")
    // The Meta Ads card's documents.
    expect(sent.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "MetaAds",
        "StartMetaAdsConnect",
        "SelectMetaAdAccount",
        "DisconnectMetaAds",
        "TestMetaAdsConnection",
        "MetaAdsTokenDebug"
      ])
    )
  })
  for (const [name, document] of sent) {
    it(`${name} is valid and within the server's limits`, () => {
      const formatted = formatDocument(document) as DocumentNode
      const errors = validate(schema, formatted, [...specifiedRules, depthLimit(8)])
      expect(errors.map((error) => error.message)).toEqual([])
      expect(costError(formatted, undefined, {}, 500)?.message ?? null).toBeNull()
    })
  }
})
