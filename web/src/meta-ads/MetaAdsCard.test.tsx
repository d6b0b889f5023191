// @vitest-environment jsdom

import { act, cleanup, fireEvent, screen, within } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { renderIntegrationsPage } from "../pageTesting.tsx"
import { ADS_REASON_MESSAGES } from "../shared/reasons.ts"
import {
  type Answer,
  admin,
  adsActive,
  adsNotConnected,
  adsPending,
  graphQLError,
  type MetaAdsConnection,
  marketing,
  member,
  type Viewer
} from "../shared/testing.tsx"
import { MANAGERS_ONLY } from "./MetaAdsCard.tsx"

/** The page with a Meta Ads connection that mutations may change (`answers` may override any operation). */
const renderPage = (
  initial: MetaAdsConnection,
  options: { viewer?: Viewer; answers?: Record<string, Answer>; search?: string } = {}
) => {
  let current = initial
  const answers: Record<string, Answer> = {
    MetaAds: () => ({ metaAdsConnection: current }),
    SelectMetaAdAccount: (variables) => {
      const input = variables["input"] as { businessManagerId: string; adAccountId: string }
      current = {
        ...current,
        status: "ACTIVE",
        connected: true,
        pendingReason: null,
        selectedBusinessManagerId: input.businessManagerId,
        selectedAdAccountId: input.adAccountId
      }
      return { selectMetaAdAccount: current }
    },
    DisconnectMetaAds: () => {
      current = { ...adsNotConnected, id: current.id, status: "REVOKED", updatedAt: "2026-11-21T09:00:00.000Z" }
      return { disconnectMetaAds: current }
    },
    ...options.answers
  }
  return renderIntegrationsPage({ ...options, viewer: options.viewer ?? marketing, answers })
}

const card = () => screen.getByRole("region", { name: "Meta Ads" })
const button = (name: string) => within(card()).getByRole("button", { name })
const noButton = (name: string | RegExp) => expect(within(card()).queryByRole("button", { name })).toBeNull()

beforeEach(() => {
  window.history.replaceState(null, "", "/settings/integrations")
})
afterEach(() => {
  cleanup()
})

describe("Meta Ads card: step 1, connect", () => {
  it("not connected: explains what Meta will ask, then Connect Meta Ads opens Meta's dialog with a spinner", async () => {
    const authUrl = "http://127.0.0.1:9/v21.0/dialog/oauth?scope=ads_management&state=s"
    const { navigate, calls } = renderPage(adsNotConnected, {
      answers: { StartMetaAdsConnect: () => ({ startMetaAdsConnect: { authUrl, state: "s" } }) }
    })
    const region = card()
    expect(within(region).getByText("Not connected")).toBeTruthy()
    expect(within(region).getByRole("heading", { name: "Connect Meta Ads" })).toBeTruthy()
    expect(within(region).getByRole("list", { name: "Step 1 of 3" })).toBeTruthy()
    for (const scope of ["ads_read", "ads_management", "business_management"]) {
      expect(region.textContent).toContain(scope)
    }
    await act(async () => fireEvent.click(button("Connect Meta Ads")))
    expect(calls("StartMetaAdsConnect")).toHaveLength(1)
    expect(navigate).toHaveBeenCalledWith(authUrl)
    expect(within(card()).getByRole("status").textContent).toContain("Waiting for Meta")
    noButton("Connect Meta Ads")
  })

  it("a refused start shows the API's message", async () => {
    renderPage(adsNotConnected, {
      answers: { StartMetaAdsConnect: () => graphQLError("You may not connect Meta Ads.", "FORBIDDEN") }
    })
    await act(async () => fireEvent.click(button("Connect Meta Ads")))
    expect(within(card()).getByRole("alert").textContent).toBe("You may not connect Meta Ads.")
    expect(button("Connect Meta Ads")).toBeTruthy()
  })

  it("a member sees the status with a short explanation, and no Connect button", () => {
    renderPage(adsNotConnected, { viewer: member })
    expect(within(card()).getByText("Not connected")).toBeTruthy()
    expect(card().textContent).toContain(MANAGERS_ONLY)
    noButton(/Connect/)
  })
})

describe("Meta Ads card: steps 2 and 3, choose and confirm", () => {
  it("choose a Business Manager, then an ad account (currency, status), then Confirm sends the choice", async () => {
    const { calls } = renderPage(adsPending)
    const region = card()
    expect(within(region).getByText("Action needed")).toBeTruthy()
    expect(within(region).getByRole("list", { name: "Step 2 of 3" })).toBeTruthy()
    const businesses = within(region).getByRole("group", { name: "Choose a Business Manager" })
    expect(within(businesses).getAllByRole("radio")).toHaveLength(2)
    expect(within(region).queryByRole("group", { name: "Choose an ad account" })).toBeNull()
    const next = button("Continue") as HTMLButtonElement
    expect(next.disabled).toBe(true)

    fireEvent.click(within(businesses).getByRole("radio", { name: /Sandbox Business/ }))
    const accounts = within(region).getByRole("group", { name: "Choose an ad account" })
    const radios = within(accounts).getAllByRole("radio")
    expect(radios).toHaveLength(2)
    expect(accounts.textContent).toContain("USD")
    expect(accounts.textContent).toContain("EUR")
    expect(accounts.textContent).toContain("Active")
    expect(next.disabled).toBe(true)
    fireEvent.click(within(accounts).getByRole("radio", { name: /EUR/ }))
    expect(next.disabled).toBe(false)
    fireEvent.click(next)

    // Step 3: the choice, then Back keeps it.
    expect(within(card()).getByRole("heading", { name: "Confirm" })).toBeTruthy()
    expect(within(card()).getByRole("list", { name: "Step 3 of 3" })).toBeTruthy()
    const summary = card().querySelector("dl")!
    expect(summary.textContent).toContain("Sandbox Business")
    expect(summary.textContent).toContain("Sandbox Ads (EUR)")
    expect(summary.textContent).toContain("act_102")
    expect(summary.textContent).toContain("Sandbox User")
    expect(calls("SelectMetaAdAccount")).toHaveLength(0)
    fireEvent.click(button("Back"))
    expect((within(card()).getByRole("radio", { name: /EUR/ }) as HTMLInputElement).checked).toBe(true)
    fireEvent.click(button("Continue"))

    await act(async () => fireEvent.click(button("Confirm")))
    expect(calls("SelectMetaAdAccount")).toEqual([{ input: { businessManagerId: "b-1", adAccountId: "act_102" } }])
    expect(within(card()).getByText("Meta Ads is connected.")).toBeTruthy()
    expect(within(card()).getByText("Connected")).toBeTruthy()
    expect(card().textContent).toContain("Sandbox Ads (EUR)")
  })

  it("a Business Manager with one ad account preselects it; an inactive account carries a note", () => {
    renderPage(adsPending)
    fireEvent.click(within(card()).getByRole("radio", { name: /Sandbox Agency Client/ }))
    const account = within(card()).getByRole("radio", { name: /Client Campaigns/ }) as HTMLInputElement
    expect(account.checked).toBe(true)
    const group = within(card()).getByRole("group", { name: "Choose an ad account" })
    expect(group.textContent).toContain("GBP")
    expect(group.textContent).toContain("Disabled at Meta: ads in this account may not run")
    fireEvent.click(button("Continue"))
    expect(card().textContent).toContain("Disabled at Meta")
  })

  for (const [code, message] of [
    ["AD_ACCOUNT_NOT_GRANTED", "This ad account was not shared with the app. Reconnect and select it."],
    ["FORBIDDEN", "Only admins and marketing may choose the Meta ad account."],
    ["NOT_CONNECTED", "Meta Ads is not connected: connect it first."]
  ] as const) {
    it(`a refusal (${code}) from Confirm is shown`, async () => {
      renderPage(adsPending, { answers: { SelectMetaAdAccount: () => graphQLError(message, code) } })
      fireEvent.click(within(card()).getByRole("radio", { name: /Sandbox Business/ }))
      fireEvent.click(within(card()).getByRole("radio", { name: /USD/ }))
      fireEvent.click(button("Continue"))
      await act(async () => fireEvent.click(button("Confirm")))
      expect(within(card()).getByRole("alert").textContent).toBe(message)
      expect(button("Confirm")).toBeTruthy()
    })
  }

  it("a Business Manager that could not be read is named with why; the others can be chosen", () => {
    renderPage({
      ...adsPending,
      businessManagers: [
        adsPending.businessManagers[0]!,
        {
          id: "me",
          name: "Your own ad accounts",
          personal: true,
          adAccounts: [{ id: "act_301", name: "Sandbox User (personal)", currency: "USD", accountStatus: "ACTIVE" }]
        }
      ],
      unreadableBusinessManagers: [
        {
          id: "b-2",
          name: "Sandbox Agency Client",
          kind: "permission",
          reason: "Meta did not grant the permission ads_read."
        }
      ]
    })
    const notice = within(card()).getByRole("status")
    expect(notice.textContent).toContain("One Business Manager could not be read.")
    expect(notice.textContent).toContain("Sandbox Agency Client: Meta did not grant the permission ads_read.")
    expect(notice.textContent).toContain("Ask its admin to give you access, then reconnect.")
    expect(within(card()).getByRole("radio", { name: /Your own ad accounts.*not in a Business Manager/ })).toBeTruthy()
    expect(within(card()).queryByRole("radio", { name: /Sandbox Agency Client/ })).toBeNull()
  })

  it("data access ended (tokenState EXPIRED): Expired, with when and Reconnect", () => {
    renderPage({ ...adsActive, tokenState: "EXPIRED", dataAccessExpiresAt: "2026-02-18T10:30:00.000Z" })
    expect(within(card()).getByText("Expired")).toBeTruthy()
    expect(card().textContent).toContain("Meta's access to your ads data ended on")
    expect(button("Reconnect")).toBeTruthy()
  })

  it("a member sees that the account is still to be chosen, without the choices", () => {
    renderPage(adsPending, { viewer: member })
    expect(within(card()).getByText("Action needed")).toBeTruthy()
    expect(within(card()).queryAllByRole("radio")).toHaveLength(0)
    expect(card().textContent).toContain(MANAGERS_ONLY)
  })
})

describe("Meta Ads card: connected", () => {
  it("shows the business, the account, the Meta user, when, and the token expiry; Disconnect asks first", async () => {
    const { calls } = renderPage(adsActive)
    const region = card()
    expect(within(region).getByText("Connected")).toBeTruthy()
    const facts = region.querySelector("dl")!
    for (const text of ["Sandbox Business", "Sandbox Ads (EUR)", "act_102", "EUR", "Sandbox User"]) {
      expect(facts.textContent).toContain(text)
    }
    const times = [...facts.querySelectorAll("time")].map((time) => time.getAttribute("datetime"))
    expect(times).toEqual([adsActive.updatedAt, adsActive.tokenExpiresAt])
    expect(region.textContent).not.toContain("access token expires on")

    const opener = button("Disconnect")
    opener.focus()
    fireEvent.click(opener)
    const dialog = screen.getByRole("alertdialog", { name: "Disconnect Meta Ads?" })
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }))
    expect(screen.queryByRole("alertdialog")).toBeNull()
    expect(document.activeElement).toBe(opener)
    expect(calls("DisconnectMetaAds")).toHaveLength(0)

    fireEvent.click(button("Disconnect"))
    await act(async () =>
      fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Disconnect" }))
    )
    expect(calls("DisconnectMetaAds")).toHaveLength(1)
    expect(screen.queryByRole("alertdialog")).toBeNull()
    expect(within(card()).getByText("Disconnected")).toBeTruthy()
    expect(button("Connect again")).toBeTruthy()
  })

  it("a failing gating check: the badge says Not working, the panel says why; Check now runs the checks", async () => {
    const failing = {
      ...adsActive,
      health: {
        overall: "FAILING",
        checkedAt: "2026-11-21T09:00:00.000Z",
        messagingHealthy: false,
        checks: [
          {
            name: "ad_account",
            status: "FAILING",
            message: "Meta disabled the ad account Sandbox Ads: see Account Quality in Meta Business Suite."
          },
          { name: "ads_token", status: "OK", message: "Meta accepts the token." }
        ]
      }
    } as MetaAdsConnection
    const { calls } = renderPage(failing, {
      answers: {
        CheckMetaAdsConnection: () => ({ checkMetaAdsConnection: { ...failing, id: failing.id } })
      }
    })
    expect(within(card()).getByText("Not working")).toBeTruthy()
    const panel = within(card()).getByRole("region", { name: "Connection health" })
    expect(panel.textContent).toContain("Ad account: failing. Meta disabled the ad account Sandbox Ads")
    expect(panel.textContent).toContain("Other checks (1)")
    await act(async () => fireEvent.click(within(panel).getByRole("button", { name: "Check now" })))
    expect(calls("CheckMetaAdsConnection")).toHaveLength(1)
  })

  it("passing checks: Connected, and the panel lists them under Other checks", () => {
    renderPage({
      ...adsActive,
      health: {
        overall: "OK",
        checkedAt: "2026-11-21T09:00:00.000Z",
        messagingHealthy: true,
        checks: [{ name: "ads_token", status: "OK", message: "Meta accepts the token." }]
      }
    } as MetaAdsConnection)
    expect(within(card()).getByText("Connected")).toBeTruthy()
    expect(within(card()).queryByText("Not working")).toBeNull()
    expect(within(card()).getByRole("region", { name: "Connection health" }).textContent).toContain("Other checks (1)")
  })

  it("Test connection shows what Meta says", async () => {
    const { calls } = renderPage(adsActive, {
      answers: {
        TestMetaAdsConnection: () => ({
          testMetaAdsConnection: {
            ok: true,
            user: { id: "1000000000000099", name: "Sandbox User" },
            tokenExpiresAt: adsActive.tokenExpiresAt,
            adAccountCount: 3,
            error: null,
            checks: [
              { name: "token", ok: true, detail: "valid until 2027-01-19T10:30:00.000Z" },
              { name: "permissions", ok: true, detail: "ads_management, ads_read, business_management" },
              { name: "ad_account", ok: true, detail: "Sandbox Ads (EUR) (EUR): active" }
            ]
          }
        })
      }
    })
    await act(async () => fireEvent.click(button("Test connection")))
    expect(calls("TestMetaAdsConnection")).toHaveLength(1)
    const status = within(card()).getByRole("status")
    expect(status.textContent).toMatch(/^Connection OK\. Meta accepts the connection of Sandbox User; 3 ad accounts/)
    expect(status.textContent).toContain("Passed Ads permissions still granted: ads_management, ads_read")
  })

  it("a failed test says why and refreshes the status", async () => {
    const { calls } = renderPage(adsActive, {
      answers: {
        TestMetaAdsConnection: () => ({
          testMetaAdsConnection: {
            ok: false,
            user: null,
            tokenExpiresAt: null,
            adAccountCount: 3,
            error: "Meta did not grant the permission ads_management.",
            checks: [
              { name: "token", ok: true, detail: "valid" },
              { name: "permissions", ok: false, detail: "missing: ads_management" }
            ]
          }
        })
      }
    })
    const before = calls("MetaAds").length
    await act(async () => fireEvent.click(button("Test connection")))
    const alert = within(card()).getByRole("alert")
    expect(alert.textContent).toContain(
      "Connection test failed. Meta did not grant the permission ads_management. Reconnect to grant the access again."
    )
    expect(alert.textContent).toContain("Failed Ads permissions still granted: missing: ads_management")
    expect(calls("MetaAds").length).toBeGreaterThan(before)
  })

  it("a token expiring within 7 days shows the banner with Reconnect", async () => {
    const soon = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString()
    const { navigate } = renderPage(
      { ...adsActive, tokenExpiresAt: soon, tokenExpiringSoon: true },
      { answers: { StartMetaAdsConnect: () => ({ startMetaAdsConnect: { authUrl: "http://meta/", state: "s" } }) } }
    )
    const banner = within(card()).getByRole("status")
    expect(banner.textContent).toContain("The Meta Ads access token expires on")
    await act(async () => fireEvent.click(within(banner).getByRole("button", { name: "Reconnect" })))
    expect(navigate).toHaveBeenCalledWith("http://meta/")
  })

  it("a member sees the connection and can test it, but has no Disconnect, Reconnect or Change", () => {
    renderPage({ ...adsActive, tokenExpiringSoon: true }, { viewer: member })
    expect(card().textContent).toContain("Sandbox Ads (EUR)")
    expect(card().textContent).toContain("Ask an admin or marketing to reconnect.")
    expect(card().textContent).toContain(MANAGERS_ONLY)
    expect(button("Test connection")).toBeTruthy()
    noButton("Disconnect")
    noButton("Reconnect")
    noButton("Change ad account")
  })

  it("Change ad account reopens the choice, with Cancel", () => {
    renderPage(adsActive)
    fireEvent.click(button("Change ad account"))
    expect((within(card()).getByRole("radio", { name: /EUR/ }) as HTMLInputElement).checked).toBe(true)
    fireEvent.click(button("Cancel"))
    expect(card().querySelector("dl")?.textContent).toContain("Sandbox Ads (EUR)")
  })
})

describe("Meta Ads card: expired, error, disconnected", () => {
  it("expired: says when, and Reconnect starts the same flow", async () => {
    const { calls } = renderPage(
      { ...adsActive, tokenExpiresAt: "2026-01-01T00:00:00.000Z", tokenExpiringSoon: true },
      { answers: { StartMetaAdsConnect: () => ({ startMetaAdsConnect: { authUrl: "http://meta/", state: "s" } }) } }
    )
    expect(within(card()).getByText("Expired")).toBeTruthy()
    expect(card().textContent).toContain("The Meta Ads access token expired on")
    await act(async () => fireEvent.click(button("Reconnect")))
    expect(calls("StartMetaAdsConnect")).toHaveLength(1)
  })

  it("error: the error text and Reconnect", () => {
    renderPage({
      ...adsActive,
      status: "ERROR",
      error: "Meta no longer accepts the token (it expired or was revoked)."
    })
    expect(within(card()).getByText("Error")).toBeTruthy()
    expect(card().textContent).toContain("Meta no longer accepts the token (it expired or was revoked).")
    expect(button("Reconnect")).toBeTruthy()
  })

  it("error, for a member: the text, no Reconnect", () => {
    renderPage({ ...adsActive, status: "ERROR", error: "Meta refused the token." }, { viewer: member })
    expect(card().textContent).toContain("Meta refused the token.")
    noButton("Reconnect")
  })

  it("revoked: Disconnected and Connect again", () => {
    renderPage({ ...adsNotConnected, status: "REVOKED", updatedAt: "2026-11-20T10:30:00.000Z" })
    expect(within(card()).getByText("Disconnected")).toBeTruthy()
    expect(button("Connect again")).toBeTruthy()
  })
})

describe("Meta Ads card: coming back from Meta", () => {
  it("?meta_ads=connected with several accounts: fresh status, the choice (step 2), the query string cleaned", () => {
    const { calls } = renderPage(adsPending, { search: "?meta_ads=connected&tab=ads" })
    expect(calls("MetaAds").length).toBeGreaterThan(0)
    expect(within(card()).getByRole("group", { name: "Choose a Business Manager" })).toBeTruthy()
    expect(window.location.search).toBe("?tab=ads")
    // The WhatsApp card is not concerned.
    expect(screen.getByRole("region", { name: "WhatsApp" }).textContent).not.toContain("WhatsApp is connected")
  })

  it("?meta_ads=connected when the account was kept: Meta Ads is connected", () => {
    renderPage(adsActive, { search: "?meta_ads=connected" })
    expect(within(card()).getByText("Meta Ads is connected.")).toBeTruthy()
    expect(window.location.search).toBe("")
  })

  for (const [reason, text] of Object.entries(ADS_REASON_MESSAGES)) {
    it(`?meta_ads=error&reason=${reason} says so, offers to try again, and cleans the query string`, () => {
      renderPage(adsNotConnected, { search: `?meta_ads=error&reason=${reason}` })
      const alert = within(card()).getByRole("alert")
      expect(alert.querySelector("p")?.textContent).toBe(text)
      expect(within(alert).getByRole("button", { name: "Try again" })).toBeTruthy()
      expect(window.location.search).toBe("")
      expect(screen.getByRole("region", { name: "WhatsApp" }).querySelector("[role=alert]")).toBeNull()
    })
  }

  it("every reason has its own sentence, and an unknown one still gets one", () => {
    expect(Object.keys(ADS_REASON_MESSAGES).sort()).toEqual(
      [
        "cancelled",
        "state_invalid",
        "state_expired",
        "state_used",
        "missing_permissions",
        "no_ad_account",
        "meta_error"
      ].sort()
    )
    expect(new Set(Object.values(ADS_REASON_MESSAGES)).size).toBe(7)
    renderPage(adsNotConnected, { search: "?meta_ads=error&reason=weird" })
    expect(within(card()).getByRole("alert").textContent).toContain("The connection failed. Try again.")
  })

  for (const reason of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
    it(`?meta_ads=error&reason=${reason} shows the generic error, never a blank page`, () => {
      renderPage(adsNotConnected, { search: `?meta_ads=error&reason=${reason}` })
      const alert = within(card()).getByRole("alert")
      expect(alert.querySelector("p")?.textContent).toBe("The connection failed. Try again.")
    })
  }
})

describe("Meta Ads card: token details (operators only)", () => {
  const debug = () => ({
    metaAdsTokenDebug: {
      __typename: "MetaAdsTokenDebugSuccess",
      tokenDebug: {
        isValid: true,
        expiresAt: "2027-01-19T10:30:00.000Z",
        scopes: ["ads_management", "ads_read", "business_management"],
        error: null
      }
    }
  })

  it("an operator sees validity, expiry and scopes, never a token", () => {
    const { calls } = renderPage(adsActive, { viewer: admin, answers: { MetaAdsTokenDebug: debug } })
    expect(calls("MetaAdsTokenDebug")).toHaveLength(0)
    fireEvent.click(button("Token details (operators)"))
    const section = within(card()).getByRole("region", { name: "Token details" })
    expect(section.textContent).toContain("Yes")
    expect(section.textContent).toContain("ads_management, ads_read, business_management")
    expect(calls("MetaAdsTokenDebug")).toHaveLength(1)
    expect(card().innerHTML).not.toMatch(/EAA|access_token|accessToken/)
  })

  it("a refusal in the union is shown", () => {
    renderPage(adsActive, {
      viewer: admin,
      answers: {
        MetaAdsTokenDebug: () => ({
          metaAdsTokenDebug: { __typename: "MetaRateLimitedError", message: "Meta is busy. Try again later." }
        })
      }
    })
    fireEvent.click(button("Token details (operators)"))
    expect(within(card()).getByRole("alert").textContent).toBe("Meta is busy. Try again later.")
  })

  it("marketing (not an operator) has no token details", () => {
    renderPage(adsActive, { viewer: marketing })
    noButton(/Token details/)
  })
})
