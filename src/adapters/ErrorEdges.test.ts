import { describe, expect, it } from "vitest"
import { CALLBACK_REASONS } from "../application/connect/OAuthFlow.ts"
import * as Errors from "../domain/Errors.ts"
import { GRAPHQL_ERRORS } from "./graphql/schema/errors.ts"
import { domainErrorResponse, HTTP_ERRORS } from "./http/ErrorResponse.ts"

/** The tag of every error class `domain/Errors.ts` exports (each class is named after its tag). */
const domainTags = Object.entries(Errors)
  .filter(([, value]) => typeof value === "function" && value.prototype instanceof Error)
  .map(([name]) => name)
  .sort()

describe("each domain error is mapped once per edge", () => {
  it("finds the domain's errors", () => {
    expect(domainTags).toContain("Forbidden")
    expect(domainTags).toContain("FeatureDisabled")
    expect(domainTags.length).toBeGreaterThan(30)
  })

  it.each([
    ["HTTP", HTTP_ERRORS],
    ["GraphQL", GRAPHQL_ERRORS],
    ["OAuth callback", CALLBACK_REASONS]
  ])("the %s table has a row for every domain error tag, and no other", (_edge, table) => {
    expect(Object.keys(table).sort()).toEqual(domainTags)
  })

  it("every class's tag is its name (the tables are keyed by tag)", () => {
    expect(new Errors.Forbidden({ action: "x" })._tag).toBe("Forbidden")
    expect(new Errors.FeatureDisabled({ action: "x" })._tag).toBe("FeatureDisabled")
    expect(new Errors.InvalidPin({})._tag).toBe("InvalidPin")
  })

  it("answers a domain error over HTTP with its row's status, code and headers, in the one error shape", async () => {
    const limited = domainErrorResponse(new Errors.RateLimited({ operation: "send", retryAfterSeconds: 7 }))
    expect(limited.status).toBe(429)
    expect(limited.headers["retry-after"]).toBe("7")
    const meta = domainErrorResponse(new Errors.MetaRateLimited({ code: 4 }))
    expect(meta.headers["retry-after"]).toBe("60")
    const disabled = domainErrorResponse(new Errors.FeatureDisabled({ action: "connect Meta Ads" }))
    expect(disabled.status).toBe(403)
    expect(disabled.headers["cache-control"]).toBe("no-store")
  })

  it("keeps the two meanings of a refusal apart: the role (Forbidden) and a feature turned off (FeatureDisabled)", () => {
    expect(new Errors.Forbidden({ action: "connect Meta Ads" }).message).toBe(
      "You are not allowed to connect Meta Ads."
    )
    expect(new Errors.FeatureDisabled({ action: "connect Meta Ads" }).message).toContain("disabled")
    expect(CALLBACK_REASONS.Forbidden).toBeNull()
    expect(CALLBACK_REASONS.OAuthStateMismatch).toBe("state_invalid")
  })
})
