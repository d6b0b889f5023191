import { formatDocument } from "@urql/core"
import { type DocumentNode, specifiedRules, validate } from "graphql"
import { describe, expect, it } from "vitest"
import { costError, depthLimit } from "../../src/adapters/graphql/QueryLimits.ts"
import { schema } from "../../src/adapters/graphql/schema/index.ts"
import * as documents from "./graphql.ts"

// Every document the app sends, as urql sends it (with `__typename` added to each selection set), is valid
// against the server's schema and within its depth (8) and cost (500, with no variables: pages at the cap) limits.
const sent = Object.entries(documents).filter(
  (entry): entry is [string, DocumentNode] =>
    typeof entry[1] === "object" && entry[1] !== null && (entry[1] as { kind?: unknown }).kind === "Document"
)

describe("GraphQL documents", () => {
  it("there are documents to check", () => {
    expect(sent.map(([name]) => name)).toContain("ConversationMessagesQuery")
    // The Meta Ads card's documents.
    expect(sent.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "MetaAdsQuery",
        "StartMetaAdsConnectMutation",
        "SelectMetaAdAccountMutation",
        "DisconnectMetaAdsMutation",
        "TestMetaAdsConnectionMutation",
        "MetaAdsTokenDebugQuery"
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
