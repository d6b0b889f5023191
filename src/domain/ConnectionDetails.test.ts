import { describe, expect, it } from "vitest"
import { ChannelConnection } from "./ChannelConnection.ts"
import {
  businessesOf,
  detailsOf,
  errorOf,
  metaAdsDetails,
  previousStatusOf,
  whatsAppDetails
} from "./ConnectionDetails.ts"
import type { ConnectionId, TenantId } from "./Ids.ts"

const row = (provider: "meta_whatsapp" | "meta_ads", status: ChannelConnection["status"], metadata: object) =>
  new ChannelConnection({
    id: "00000000-0000-4000-8000-000000000001" as ConnectionId,
    tenantId: "00000000-0000-4000-8000-000000000002" as TenantId,
    provider,
    status,
    wabaId: null,
    phoneNumberId: null,
    phoneNumberE164: null,
    displayName: null,
    accessTokenEnc: null,
    tokenExpiresAt: null,
    scopes: [],
    metadata: metadata as Record<string, unknown>,
    connectedAt: null,
    createdAt: new Date(0),
    updatedAt: new Date(0)
  })

describe("connection details: typed reads of the metadata column", () => {
  it("reads a WhatsApp row as stored today", () => {
    const details = whatsAppDetails(
      row("meta_whatsapp", "pending", {
        pending_reason: "choose_number",
        token_type: "USER",
        coexistence: true,
        choices: [{ id: "p1", displayPhoneNumber: "+1 555-0100", verifiedName: "Shop" }],
        registration_pin_enc: null,
        name_status: "PENDING_REVIEW",
        disconnected_at: "2026-01-01T00:00:00.000Z"
      })
    )
    expect(details).toEqual({
      pending_reason: "choose_number",
      token_type: "USER",
      coexistence: true,
      choices: [{ id: "p1", displayPhoneNumber: "+1 555-0100", verifiedName: "Shop" }],
      registration_pin_enc: null,
      name_status: "PENDING_REVIEW"
    })
  })

  it("reads old-shape rows: an unknown shape in one key reads as absent, the other keys still read", () => {
    const old = row("meta_whatsapp", "error", {
      // A string error (not an object), a choice list that is not a list, a PIN that is an empty string.
      error: "token expired",
      choices: "p1,p2",
      registration_pin_enc: "",
      token_type: "SYSTEM_USER",
      token_expiring_soon: "yes"
    })
    expect(whatsAppDetails(old)).toEqual({ token_type: "SYSTEM_USER" })
    expect(errorOf(old)).toBeNull()
    expect(previousStatusOf(old)).toBe("active")
    // An error written before `previous_status` existed, and one with a value this code never wrote.
    expect(previousStatusOf(row("meta_whatsapp", "error", { error: { reason: "token_invalid", message: "x" } }))).toBe(
      "active"
    )
    expect(previousStatusOf(row("meta_whatsapp", "error", { error: { previous_status: "paused" } }))).toBe("active")
    expect(previousStatusOf(row("meta_whatsapp", "error", { error: { previous_status: "pending" } }))).toBe("pending")
  })

  it("reads a Meta Ads row, including ad accounts stored with Meta's number before the states had words", () => {
    const ads = row("meta_ads", "active", {
      businesses: [
        {
          id: "b1",
          name: "Biz",
          adAccounts: [
            { id: "act_1", name: "Old", currency: "EUR", accountStatus: 1 },
            { id: "act_2", name: "New", currency: null, accountStatus: "disabled" },
            { id: "act_3", name: "None", currency: null }
          ]
        }
      ],
      selected_business_id: "b1",
      selected_ad_account_id: 42,
      user: { id: "u1", name: null },
      throttled_calls: 3,
      unreadable_businesses: [{ id: "b2", name: "Other", reason: "no access", kind: "permission" }]
    })
    expect(businessesOf(ads)).toEqual([
      {
        id: "b1",
        name: "Biz",
        personal: false,
        adAccounts: [
          { id: "act_1", name: "Old", currency: "EUR", accountStatus: "unknown" },
          { id: "act_2", name: "New", currency: null, accountStatus: "disabled" },
          { id: "act_3", name: "None", currency: null, accountStatus: null }
        ]
      }
    ])
    const details = metaAdsDetails(ads)
    expect(details.selected_business_id).toBe("b1")
    expect(details.selected_ad_account_id).toBeUndefined()
    expect(details.user).toEqual({ id: "u1", name: null })
    expect(details.throttled_calls).toBe(3)
    expect(details.unreadable_businesses).toEqual([
      { id: "b2", name: "Other", reason: "no access", kind: "permission" }
    ])
    expect(detailsOf(ads).provider).toBe("meta_ads")
    expect(detailsOf(row("meta_whatsapp", "active", {})).provider).toBe("meta_whatsapp")
  })

  it("an error object with one key of an unknown shape keeps its other keys (the message still shows)", () => {
    const old = row("meta_whatsapp", "error", {
      error: {
        reason: 7,
        message: "Meta rejected the token. Reconnect.",
        code: { id: 190 },
        previous_status: "pending"
      }
    })
    expect(errorOf(old)).toEqual({ message: "Meta rejected the token. Reconnect.", previous_status: "pending" })
    expect(previousStatusOf(old)).toBe("pending")
    expect(
      whatsAppDetails(row("meta_whatsapp", "pending", { name_review: { message: "Rejected", at: 1 } })).name_review
    ).toEqual({
      message: "Rejected"
    })
  })

  it("a stored choice without a verified name reads with a null one; a malformed choice list reads as none", () => {
    const pending = (choices: unknown) => whatsAppDetails(row("meta_whatsapp", "pending", { choices }))
    expect(pending([{ id: "p1", displayPhoneNumber: "+1 555-0100" }]).choices).toEqual([
      { id: "p1", displayPhoneNumber: "+1 555-0100", verifiedName: null }
    ])
    expect(pending([{ id: "p1" }]).choices).toBeUndefined()
  })

  it("an empty or foreign metadata object reads as no details", () => {
    expect(whatsAppDetails(row("meta_whatsapp", "active", {}))).toEqual({})
    expect(metaAdsDetails(row("meta_ads", "active", { choices: [], registration_pin_enc: "k1.x" }))).toEqual({})
  })
})
