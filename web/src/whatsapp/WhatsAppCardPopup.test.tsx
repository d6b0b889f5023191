// @vitest-environment jsdom

import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import type { FacebookLoginResponse } from "../connect/metaSdk.ts"
import { renderIntegrationsPage } from "../pageTesting.tsx"
import { META_ORIGIN, metaConfig } from "../shared/testing.tsx"

const META = META_ORIGIN
const meta = metaConfig
const authUrl = "https://www.facebook.com/v25.0/dialog/oauth?state=s"

let callback: ((response: FacebookLoginResponse) => void) | null = null
const login = vi.fn((cb: (response: FacebookLoginResponse) => void, _options: Record<string, unknown>) => {
  callback = cb
})
window.FB = { init: vi.fn(), login }

const renderCard = () =>
  renderIntegrationsPage({
    meta,
    token: "jwt-1",
    answers: { StartWhatsAppConnect: () => ({ startWhatsAppConnect: { authUrl, state: "s" } }) }
  })
const card = () => screen.getByRole("region", { name: "WhatsApp" })
const post = (data: unknown, origin = META) =>
  act(() => {
    window.dispatchEvent(new MessageEvent("message", { origin, data: JSON.stringify(data) }))
  })
const connect = async () => {
  login.mockClear()
  await act(async () => fireEvent.click(screen.getByRole("button", { name: "Connect WhatsApp" })))
  await waitFor(() => expect(login).toHaveBeenCalledTimes(1))
}

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe("WhatsApp card, popup flow", () => {
  it("opens Meta's popup instead of navigating, and a cancel says so", async () => {
    const { navigate } = renderCard()
    await connect()
    expect(navigate).not.toHaveBeenCalled()
    expect(within(card()).getByText(/Waiting for Meta/)).toBeTruthy()
    await post({ type: "WA_EMBEDDED_SIGNUP", event: "CANCEL", data: { current_step: "PERMISSIONS" } })
    await act(() => callback!({ authResponse: null }))
    expect(within(card()).getByRole("alert").textContent).toContain("You cancelled the connection.")
    // One "Try again" for the error, and no second connect button beside it.
    expect(
      within(card())
        .getAllByRole("button", { name: /Try again|Connect WhatsApp/ })
        .map((b) => b.textContent)
    ).toEqual(["Try again"])
  })

  it("Meta's own error in a CANCEL is shown with the session id for support", async () => {
    renderCard()
    await connect()
    await post({
      type: "WA_EMBEDDED_SIGNUP",
      event: "CANCEL",
      data: { error_message: "This number is registered to another account", error_code: "524", session_id: "9f2" }
    })
    const alert = within(card()).getByRole("alert").textContent ?? ""
    expect(alert).toContain("This number is registered to another account")
    expect(alert).toContain("9f2")
  })

  it("posts the code and the session info to /complete, then shows Connected's message", async () => {
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) =>
      Response.json({ outcome: "connected", connection: {} })
    )
    vi.stubGlobal("fetch", fetchMock)
    const { calls } = renderCard()
    await connect()
    const finish = { type: "WA_EMBEDDED_SIGNUP", event: "FINISH", data: { waba_id: "1", phone_number_id: "2" } }
    await act(() => callback!({ authResponse: { code: "code-9" } }))
    await post(finish, "https://evil.example")
    expect(fetchMock).not.toHaveBeenCalled()
    await post(finish)
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1))
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe("/api/integrations/meta/whatsapp/complete")
    expect(new Headers(init.headers).get("authorization")).toBe("Bearer jwt-1")
    expect(JSON.parse(String(init.body))).toEqual({ state: "s", code: "code-9", sessionInfo: finish })
    await within(card()).findByText("WhatsApp is connected.")
    expect(calls("Integrations").length).toBeGreaterThan(1)
  })

  it("the card tells the service about a cancel: /complete gets the state, no code and the CANCEL event", async () => {
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) =>
      Response.json({ outcome: "error", reason: "cancelled", connection: {} })
    )
    vi.stubGlobal("fetch", fetchMock)
    renderCard()
    await connect()
    const cancel = { type: "WA_EMBEDDED_SIGNUP", event: "CANCEL", data: { current_step: "WABA_PHONE_NUMBER" } }
    await post(cancel)
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1))
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe("/api/integrations/meta/whatsapp/complete")
    expect(JSON.parse(String(init.body))).toEqual({ state: "s", code: null, sessionInfo: cancel })
  })

  it("Meta's ERROR in the popup: the message, one Try again, and Continue in this window", async () => {
    renderCard()
    await connect()
    await post({
      type: "WA_EMBEDDED_SIGNUP",
      event: "ERROR",
      data: { error_message: "Something broke", session_id: "77" }
    })
    const alert = within(card()).getByRole("alert")
    expect(alert.textContent).toContain("Something broke")
    expect(within(alert).getAllByRole("button", { name: "Try again" })).toHaveLength(1)
    expect(within(alert).getByRole("button", { name: "Continue in this window" })).toBeTruthy()
    expect(within(card()).queryByRole("button", { name: "Connect WhatsApp" })).toBeNull()
  })

  it("a popup that never opened offers Continue in this window (the redirect)", async () => {
    const { navigate } = renderCard()
    await connect()
    vi.useFakeTimers()
    await act(() => callback!({ authResponse: null }))
    await act(() => vi.advanceTimersByTimeAsync(5_000))
    vi.useRealTimers()
    const button = within(card()).getByRole("button", { name: "Continue in this window" })
    fireEvent.click(button)
    expect(navigate).toHaveBeenCalledWith(authUrl)
  })
})
