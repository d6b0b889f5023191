import { Duration, Result } from "effect"
import { describe, expect, it } from "vitest"
import type { OAuthStateId, TenantId, UserId } from "./Ids.ts"
import { consume, OAUTH_STATE_TTL, OAuthState } from "./OAuthState.ts"

const created = new Date("2026-11-21T10:00:00.000Z")
const state = (usedAt: Date | null = null) =>
  new OAuthState({
    id: "6f1c2c8e-0000-4000-8000-000000000001" as OAuthStateId,
    tenantId: "6f1c2c8e-0000-4000-8000-000000000002" as TenantId,
    userId: "user-1" as UserId,
    provider: "meta_whatsapp",
    nonce: "n",
    createdAt: created,
    usedAt,
    expiresAt: new Date(created.getTime() + Duration.toMillis(OAUTH_STATE_TTL)),
    metadata: {}
  })

describe("OAuth state consumption", () => {
  it("lives ten minutes", () => {
    expect(Duration.toMinutes(OAUTH_STATE_TTL)).toBe(10)
  })

  it("a fresh state is consumed and marked used", () => {
    const now = new Date(created.getTime() + 60_000)
    const result = consume(state(), now)
    expect(Result.isSuccess(result) && result.success.usedAt).toEqual(now)
  })

  it("fails with its reason when used or expired; a used state reports the replay even after expiry", () => {
    const failure = (s: OAuthState, at: number) => {
      const result = consume(s, new Date(at))
      return Result.isFailure(result) ? result.failure._tag : "ok"
    }
    const expiry = created.getTime() + 10 * 60_000
    expect(failure(state(), expiry - 1)).toBe("ok")
    expect(failure(state(), expiry)).toBe("OAuthStateExpired")
    expect(failure(state(created), created.getTime() + 1)).toBe("OAuthStateAlreadyUsed")
    expect(failure(state(created), expiry + 60_000)).toBe("OAuthStateAlreadyUsed")
  })
})
