// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import { mockClient, withClient } from "../shared/testing.tsx"
import { subscriptionChoices, WebhooksCard } from "./WebhooksCard.tsx"

/**
 * A list as the service might answer `webhookEventTypes` (its order is the domain's): a type the web app has never
 * heard of shows up as it is, families group only their own members.
 */
const EVENT_TYPES = [
  "message.received",
  "connection.connected",
  "connection.health_changed",
  "template.status",
  "ads.connection.error",
  "ads.connection.connected",
  "inbox.assigned",
  "webhook.test"
]

const endpoint = {
  id: "e1",
  url: "https://hooks.example.com/meta",
  events: ["*"],
  enabled: true,
  disabledReason: null,
  consecutiveFailures: 0,
  previousSecretExpiresAt: null,
  createdAt: "2026-01-01T00:00:00.000Z"
}

afterEach(cleanup)

describe("the webhook endpoints card's event types", () => {
  it("offers the service's types: the form groups the connection families, the delivery log filters by each type", () => {
    const mock = mockClient({
      WebhookEndpoints: () => ({ webhookEndpoints: [endpoint], webhookEventTypes: EVENT_TYPES }),
      WebhookDeliveries: () => ({ webhookDeliveries: [] })
    })
    render(withClient(mock.client, <WebhooksCard />))
    const form = within(screen.getByRole("group", { name: "Events" }))
    expect(form.getAllByRole("checkbox").map((box) => box.parentElement?.textContent?.trim())).toEqual([
      "message.received",
      "connection.*",
      "template.status",
      "ads.connection.*",
      "inbox.assigned",
      "webhook.test"
    ])
    fireEvent.click(screen.getByRole("button", { name: "Deliveries" }))
    const log = within(screen.getByRole("region", { name: "Delivery log" }))
    const filter = log.getByRole("combobox", { name: "Event" })
    expect(
      within(filter)
        .getAllByRole("option")
        .map((option) => option.getAttribute("value"))
    ).toEqual(["", ...EVENT_TYPES])
  })

  it("a family holds only its own types (connection.* is not ads.connection.*)", () => {
    expect(subscriptionChoices(["ads.connection.error", "connection.error", "message.received"])).toEqual([
      "ads.connection.*",
      "connection.*",
      "message.received"
    ])
  })
})
