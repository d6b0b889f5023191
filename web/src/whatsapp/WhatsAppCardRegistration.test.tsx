// @vitest-environment jsdom

import { act, cleanup, fireEvent, screen, within } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import { renderIntegrationsPage } from "../pageTesting.tsx"
import { type Answer, active, graphQLError, notConnected, type WhatsAppConnection } from "../shared/testing.tsx"

const renderPage = (connection: WhatsAppConnection, answers: Record<string, Answer> = {}) =>
  renderIntegrationsPage({ whatsapp: connection, answers })

const card = () => screen.getByRole("region", { name: "WhatsApp" })
const pinRequired: WhatsAppConnection = {
  ...notConnected,
  status: "PENDING",
  pendingReason: "pin_required",
  phoneNumberE164: "+15550101234"
}
const notVerified: WhatsAppConnection = { ...pinRequired, pendingReason: "number_not_verified" }
const registered = (connection: WhatsAppConnection) => ({
  registerWhatsAppNumber: { __typename: "RegisterWhatsAppNumberSuccess", connection }
})

afterEach(() => cleanup())

describe("WhatsApp card: registration", () => {
  it("pin_required: says why, takes a 6-digit PIN, registers with it once and clears the field", async () => {
    const { calls } = renderPage(pinRequired, { RegisterWhatsAppNumber: () => registered(active) })
    expect(within(card()).getByText("Action needed")).toBeTruthy()
    expect(card().textContent).toContain("This number already has a two-step verification PIN.")
    const field = within(card()).getByLabelText("Two-step verification PIN (6 digits)") as HTMLInputElement
    expect(field.type).toBe("password")
    const submit = within(card()).getByRole("button", { name: "Register number" }) as HTMLButtonElement
    expect(submit.disabled).toBe(true)
    fireEvent.change(field, { target: { value: "24a681" } })
    expect(field.value).toBe("24681")
    expect(submit.disabled).toBe(true)
    fireEvent.change(field, { target: { value: "246810" } })
    expect(submit.disabled).toBe(false)
    await act(async () => fireEvent.click(submit))
    expect(calls("RegisterWhatsAppNumber")).toEqual([{ input: { pin: "246810" } }])
    expect(field.value).toBe("")
    expect(within(card()).getByRole("button", { name: "Reconnect" })).toBeTruthy()
  })

  it("pin_required: a wrong PIN shows Meta's refusal in words and the form stays", async () => {
    renderPage(pinRequired, {
      RegisterWhatsAppNumber: () => ({
        registerWhatsAppNumber: {
          __typename: "RegistrationPinMismatchError",
          message: "That PIN is not this number's two-step verification PIN."
        }
      })
    })
    const field = within(card()).getByLabelText("Two-step verification PIN (6 digits)")
    fireEvent.change(field, { target: { value: "135790" } })
    await act(async () => fireEvent.click(within(card()).getByRole("button", { name: "Register number" })))
    expect(within(card()).getByRole("alert").textContent).toBe(
      "That PIN is not this number's two-step verification PIN."
    )
    expect(within(card()).getByRole("button", { name: "Register number" })).toBeTruthy()
  })

  it("pin_required: too many attempts (HTTP 429) says to wait", async () => {
    renderPage(pinRequired, {
      RegisterWhatsAppNumber: () => ({
        registerWhatsAppNumber: { __typename: "RateLimited", message: "Too many requests. Try again in 40 s." }
      })
    })
    fireEvent.change(within(card()).getByLabelText("Two-step verification PIN (6 digits)"), {
      target: { value: "135790" }
    })
    await act(async () => fireEvent.click(within(card()).getByRole("button", { name: "Register number" })))
    expect(within(card()).getByRole("alert").textContent).toBe("Too many attempts. Wait a minute, then try again.")
  })

  it("number_not_verified: the next step in words; Check again asks without a PIN and says if it is still unverified", async () => {
    const { calls } = renderPage(notVerified, { RegisterWhatsAppNumber: () => registered(notVerified) })
    expect(card().textContent).toContain("This phone number is not verified yet.")
    expect(card().textContent).toContain("Verify it in WhatsApp Manager")
    expect(within(card()).queryByLabelText("Two-step verification PIN (6 digits)")).toBeNull()
    await act(async () => fireEvent.click(within(card()).getByRole("button", { name: "Check again" })))
    expect(calls("RegisterWhatsAppNumber")).toEqual([{ input: {} }])
    expect(within(card()).getByRole("status", { name: "" }).textContent).toContain(
      "Meta still reports this number as not verified"
    )
    expect(within(card()).getByRole("button", { name: "Reconnect" })).toBeTruthy()
  })

  it("number_not_verified: a failure to reach the service is said, not swallowed", async () => {
    renderPage(notVerified, { RegisterWhatsAppNumber: () => graphQLError("boom", "INTERNAL_SERVER_ERROR") })
    await act(async () => fireEvent.click(within(card()).getByRole("button", { name: "Check again" })))
    expect(card().textContent).toContain("Could not reach the service.")
  })
})
