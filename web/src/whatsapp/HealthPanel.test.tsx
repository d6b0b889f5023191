// @vitest-environment jsdom

import { cleanup, fireEvent, screen, within } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { renderIntegrationsPage } from "../pageTesting.tsx"
import { type Answer, active, graphQLError, type WhatsAppConnection } from "../shared/testing.tsx"

const healthOf = (checks: ReadonlyArray<{ name: string; status: string; message: string }>, at: string) => ({
  overall: checks.some((c) => c.status === "FAILING") ? "FAILING" : "OK",
  checkedAt: at,
  messagingHealthy: !checks.some((c) => c.status === "FAILING" && c.name === "waba_subscription"),
  checks: checks.map((c) => ({ ...c, checkedAt: at }))
})

const withHealth = (health: ReturnType<typeof healthOf>): WhatsAppConnection =>
  ({ ...active, health }) as unknown as WhatsAppConnection

const unsubscribed = healthOf(
  [
    { name: "token", status: "OK", message: "The token is valid." },
    {
      name: "waba_subscription",
      status: "FAILING",
      message: "This app is not subscribed to the WhatsApp Business Account 1: reconnect."
    },
    { name: "quality", status: "WARNING", message: "The number's quality is low (RED)." }
  ],
  "2026-01-01T10:00:00.000Z"
)

const renderPage = (connection: WhatsAppConnection, answers: Record<string, Answer> = {}, search = "") =>
  renderIntegrationsPage({ whatsapp: connection, answers, search })

const card = () => screen.getByRole("region", { name: "WhatsApp" })

afterEach(cleanup)

describe("the WhatsApp card's health panel", () => {
  it("a failing check that gates messaging: not Connected, each problem in words with its fix, a warning badge", async () => {
    renderPage(withHealth(unsubscribed))
    const panel = await within(card()).findByRole("region", { name: "Connection health" })
    expect(within(card()).getByText("Not working")).toBeTruthy()
    expect(within(card()).queryByText("Connected")).toBeNull()
    expect(panel.textContent).toContain("Webhook subscription of the WhatsApp Business Account: failing.")
    expect(panel.textContent).toContain("not subscribed to the WhatsApp Business Account 1: reconnect.")
    expect(panel.textContent).toContain("Warning: Quality rating")
    expect(panel.textContent).toContain("Last checked")
  })

  it("back from connecting with a gating check failing: the banner says connected but not working, never plain Connected", async () => {
    renderPage(withHealth(unsubscribed), {}, "?whatsapp=connected")
    await within(card()).findByRole("region", { name: "Connection health" })
    expect(within(card()).getByText("Not working")).toBeTruthy()
    expect(
      within(card()).getByText("WhatsApp is connected, but messages may not arrive: see the failing check below.")
    ).toBeTruthy()
    expect(within(card()).queryByText("WhatsApp is connected.")).toBeNull()
  })

  it("Check now runs the checks and shows the new checked-at time; a refusal says when to try again", async () => {
    const fixed = healthOf(
      [{ name: "waba_subscription", status: "OK", message: "Subscribed." }],
      "2026-01-01T11:30:00.000Z"
    )
    let refuse = false
    const mock = renderPage(withHealth(unsubscribed), {
      CheckWhatsAppConnection: () =>
        refuse
          ? graphQLError("Too many requests", "RATE_LIMITED")
          : { checkWhatsAppConnection: { __typename: "WhatsAppConnection", id: "c-1", health: fixed } }
    })
    const panel = await within(card()).findByRole("region", { name: "Connection health" })
    const before = panel.querySelector("time")?.getAttribute("dateTime")
    expect(before).toBe("2026-01-01T10:00:00.000Z")
    fireEvent.click(within(panel).getByRole("button", { name: "Check now" }))
    await vi.waitFor(() => expect(mock.calls("CheckWhatsAppConnection")).toHaveLength(1))
    refuse = true
    fireEvent.click(within(panel).getByRole("button", { name: "Check now" }))
    expect(await within(panel).findByText("Checked a moment ago: try again in a minute.")).toBeTruthy()
  })

  it("Send a test message: a bad number is refused in words before sending; accepted and refused answers in words", async () => {
    const sent = healthOf(
      [{ name: "send", status: "OK", message: "Meta accepted the test message." }],
      "2026-01-01T12:00:00.000Z"
    )
    let answer: "ok" | "invalid" | "limited" = "ok"
    const mock = renderPage(withHealth(unsubscribed), {
      SendWhatsAppTestMessage: () =>
        answer === "limited"
          ? graphQLError("Too many requests", "RATE_LIMITED")
          : answer === "invalid"
            ? {
                sendWhatsAppTestMessage: {
                  __typename: "InvalidMessageError",
                  message: "Type the phone number with its country code."
                }
              }
            : {
                sendWhatsAppTestMessage: {
                  __typename: "SendWhatsAppTestMessageSuccess",
                  connection: { __typename: "WhatsAppConnection", id: "c-1", health: sent }
                }
              }
    })
    const form = await within(card()).findByRole("form", { name: "Send a test message" })
    expect(form.textContent).toContain("A fixed text from your WhatsApp number proves that sending works.")
    const input = within(form).getByLabelText(/Send a test message to my phone/)
    fireEvent.change(input, { target: { value: "12345" } })
    fireEvent.click(within(form).getByRole("button", { name: "Send test message" }))
    expect(await within(form).findByText(/with its country code, for example \+15551234567/)).toBeTruthy()
    expect(mock.calls("SendWhatsAppTestMessage"), "nothing sent for a bad number").toHaveLength(0)

    fireEvent.change(input, { target: { value: "+1 555 765 4321" } })
    fireEvent.click(within(form).getByRole("button", { name: "Send test message" }))
    expect(await within(form).findByText(/Meta accepted the test message to \+15557654321/)).toBeTruthy()
    expect(mock.calls("SendWhatsAppTestMessage")[0]).toMatchObject({ to: "+15557654321" })

    answer = "invalid"
    fireEvent.click(within(form).getByRole("button", { name: "Send test message" }))
    expect(await within(form).findByText("Type the phone number with its country code.")).toBeTruthy()
    answer = "limited"
    fireEvent.click(within(form).getByRole("button", { name: "Send test message" }))
    expect(await within(form).findByText(/try again in a few minutes/)).toBeTruthy()
  })
})
