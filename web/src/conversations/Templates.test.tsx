// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { mockClient, withClient } from "../shared/testing.tsx"
import { type Template, TemplatePicker } from "./TemplatePicker.tsx"
import { Templates, templateStatusWords } from "./Templates.tsx"

afterEach(cleanup)

const template = (overrides: Partial<Template> & Pick<Template, "name">): Template => ({
  id: `id-${overrides.name}`,
  language: "en_US",
  category: "UTILITY",
  status: "APPROVED",
  rejectedReason: null,
  quality: null,
  parameterFormat: "POSITIONAL",
  headerKind: "none",
  headerText: null,
  bodyText: "Hello",
  footerText: null,
  headerPlaceholders: [],
  bodyPlaceholders: [],
  ...overrides
})

const orderReady = template({
  name: "order_ready",
  bodyText: "Hi {{1}}, order {{2}} is ready.",
  bodyPlaceholders: ["1", "2"]
})
const list = [
  template({ name: "hello_world" }),
  orderReady,
  template({ name: "promo", status: "PENDING" }),
  template({ name: "spam", status: "REJECTED", rejectedReason: "INVALID_FORMAT" })
]

describe("templateStatusWords", () => {
  it("says each status in words, a rejection with its reason", () => {
    expect(templateStatusWords({ status: "APPROVED", rejectedReason: null })).toBe("Approved")
    expect(templateStatusWords({ status: "PENDING", rejectedReason: null })).toMatch(/^In review/)
    expect(templateStatusWords({ status: "REJECTED", rejectedReason: "INVALID_FORMAT" })).toBe(
      "Rejected: invalid format"
    )
    expect(templateStatusWords({ status: "PAUSED", rejectedReason: null })).toContain("Paused")
  })
})

describe("Templates", () => {
  it("lists each template's status in words; Sync now, Create (with an example per placeholder) and Delete", async () => {
    const mock = mockClient({
      WhatsAppTemplates: () => ({ whatsappTemplates: list }),
      SyncWhatsAppTemplates: () => ({ syncWhatsAppTemplates: { __typename: "SyncWhatsAppTemplatesSuccess" } }),
      CreateWhatsAppTemplate: () => ({
        createWhatsAppTemplate: {
          __typename: "CreateWhatsAppTemplateSuccess",
          template: { id: "t9", status: "PENDING" }
        }
      }),
      DeleteWhatsAppTemplate: () => ({
        deleteWhatsAppTemplate: { __typename: "NotConnectedError", message: "WhatsApp is not connected." }
      })
    })
    render(withClient(mock.client, <Templates canManage connected />))
    const rows = screen.getAllByTestId("template-row").map((row) => row.textContent)
    expect(rows[0]).toContain("hello_world")
    expect(rows[0]).toContain("Approved")
    expect(rows[2]).toContain("In review")
    expect(rows[3]).toContain("Rejected: invalid format")

    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Sync now" })))
    expect(mock.calls("SyncWhatsAppTemplates")).toHaveLength(1)
    expect(screen.getByRole("status").textContent).toBe("Synced with Meta.")

    const form = screen.getByRole("form", { name: "Create a template" })
    fireEvent.change(within(form).getByLabelText(/^Name/), { target: { value: "shipped" } })
    fireEvent.change(within(form).getByLabelText(/^Body text/), { target: { value: "Hi {{1}}, {{2}} shipped." } })
    fireEvent.change(within(form).getByLabelText("Example for {{1}}"), { target: { value: "Ana" } })
    fireEvent.change(within(form).getByLabelText("Example for {{2}}"), { target: { value: "A-17" } })
    await act(async () => fireEvent.click(within(form).getByRole("button", { name: "Submit for review" })))
    expect(mock.calls("CreateWhatsAppTemplate")[0]).toEqual({
      input: {
        name: "shipped",
        language: "en_US",
        category: "UTILITY",
        bodyText: "Hi {{1}}, {{2}} shipped.",
        bodyExamples: ["Ana", "A-17"]
      }
    })
    expect(screen.getByRole("status").textContent).toBe("Submitted shipped for Meta's review.")

    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Delete promo" })))
    expect(mock.calls("DeleteWhatsAppTemplate")[0]).toEqual({ name: "promo" })
    expect(screen.getByRole("alert").textContent).toBe("WhatsApp is not connected.")
  })

  it("creates a template with named placeholders: an example per name, sent as NAMED", async () => {
    const mock = mockClient({
      WhatsAppTemplates: () => ({ whatsappTemplates: [] }),
      CreateWhatsAppTemplate: () => ({
        createWhatsAppTemplate: {
          __typename: "CreateWhatsAppTemplateSuccess",
          template: { id: "t10", status: "PENDING" }
        }
      })
    })
    render(withClient(mock.client, <Templates canManage connected />))
    const form = screen.getByRole("form", { name: "Create a template" })
    fireEvent.change(within(form).getByLabelText("Placeholders"), { target: { value: "NAMED" } })
    fireEvent.change(within(form).getByLabelText(/^Name/), { target: { value: "order_named" } })
    fireEvent.change(within(form).getByLabelText(/^Body text/), {
      target: { value: "Hi {{first_name}}, order {{order_id}} for {{first_name}}." }
    })
    expect(within(form).queryByLabelText("Example for {{1}}")).toBeNull()
    fireEvent.change(within(form).getByLabelText("Example for {{first_name}}"), { target: { value: "Ana" } })
    fireEvent.change(within(form).getByLabelText("Example for {{order_id}}"), { target: { value: "A-17" } })
    await act(async () => fireEvent.click(within(form).getByRole("button", { name: "Submit for review" })))
    expect(mock.calls("CreateWhatsAppTemplate")[0]).toEqual({
      input: {
        name: "order_named",
        language: "en_US",
        category: "UTILITY",
        parameterFormat: "NAMED",
        bodyText: "Hi {{first_name}}, order {{order_id}} for {{first_name}}.",
        bodyExamples: ["Ana", "A-17"]
      }
    })
  })

  it("without an active WhatsApp connection: no Sync now and no form, and the words say to connect first", () => {
    const mock = mockClient({ WhatsAppTemplates: () => ({ whatsappTemplates: [] }) })
    render(withClient(mock.client, <Templates canManage connected={false} />))
    expect(screen.getByText("Connect WhatsApp above to see, sync and create its templates.")).toBeTruthy()
    expect(screen.queryByRole("button", { name: "Sync now" })).toBeNull()
    expect(screen.queryByRole("form", { name: "Create a template" })).toBeNull()
    expect(screen.queryByText("An admin can create and delete templates.")).toBeNull()
  })

  it("a member sees the list without Create or Delete, and is told who can", () => {
    const mock = mockClient({ WhatsAppTemplates: () => ({ whatsappTemplates: list }) })
    render(withClient(mock.client, <Templates canManage={false} connected />))
    expect(screen.queryByRole("form", { name: "Create a template" })).toBeNull()
    expect(screen.queryByRole("button", { name: "Delete promo" })).toBeNull()
    expect(screen.getByText("An admin can create and delete templates.")).toBeTruthy()
  })
})

describe("TemplatePicker", () => {
  it("offers approved templates only, an input per placeholder, sends the values in order", async () => {
    const onSent = vi.fn()
    const mock = mockClient({
      WhatsAppTemplates: () => ({ whatsappTemplates: list }),
      SendWhatsAppTemplate: () => ({
        sendWhatsAppTemplate: { __typename: "SendWhatsAppTemplateSuccess", sent: { id: "m1" } }
      })
    })
    render(withClient(mock.client, <TemplatePicker to="14155550100" onSent={onSent} />))
    fireEvent.click(screen.getByRole("button", { name: "Send a template" }))
    const picker = screen.getByRole("form", { name: "Send a template" })
    const options = within(picker)
      .getAllByRole("option")
      .map((o) => o.textContent)
    expect(options).toEqual(["Choose an approved template", "hello_world (en_US)", "order_ready (en_US)"])
    fireEvent.change(within(picker).getByLabelText("Template"), { target: { value: "order_ready/en_US" } })
    const send = within(picker).getByRole("button", { name: "Send template" }) as HTMLButtonElement
    expect(send.disabled).toBe(true)
    expect(screen.getByText("Fill in every placeholder to send.")).toBeTruthy()
    fireEvent.change(within(picker).getByLabelText("Body {{1}}"), { target: { value: "Ana" } })
    fireEvent.change(within(picker).getByLabelText("Body {{2}}"), { target: { value: "42" } })
    expect(screen.getByTestId("template-preview").textContent).toBe("Hi Ana, order 42 is ready.")
    await act(async () => fireEvent.click(send))
    expect(mock.calls("SendWhatsAppTemplate")[0]).toMatchObject({
      input: {
        to: "14155550100",
        name: "order_ready",
        language: "en_US",
        parameters: { body: [{ text: "Ana" }, { text: "42" }], header: [] }
      }
    })
    expect(onSent).toHaveBeenCalledOnce()
  })

  it("shows the service's refusal in words and stays open", async () => {
    const mock = mockClient({
      WhatsAppTemplates: () => ({ whatsappTemplates: list }),
      SendWhatsAppTemplate: () => ({
        sendWhatsAppTemplate: {
          __typename: "TemplateNotApproved",
          message: 'Meta paused the template "order_ready" (en_US) for its quality: pick another template.'
        }
      })
    })
    render(withClient(mock.client, <TemplatePicker to="14155550100" onSent={vi.fn()} />))
    fireEvent.click(screen.getByRole("button", { name: "Send a template" }))
    fireEvent.change(screen.getByLabelText("Template"), { target: { value: "hello_world/en_US" } })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Send template" })))
    expect(screen.getByRole("alert").textContent).toContain("paused the template")
    expect(screen.getByRole("form", { name: "Send a template" })).toBeTruthy()
  })

  it("with no approved template, says what to do", () => {
    const mock = mockClient({ WhatsAppTemplates: () => ({ whatsappTemplates: [list[2]] }) })
    render(withClient(mock.client, <TemplatePicker to="14155550100" onSent={vi.fn()} />))
    fireEvent.click(screen.getByRole("button", { name: "Send a template" }))
    expect(screen.getByText(/No approved template yet/)).toBeTruthy()
  })
})
