import { type FormEvent, useId, useState } from "react"
import { useMutation, useQuery } from "urql"
import { graphql } from "../gql/index.ts"
import { type Template, WhatsAppTemplates } from "./TemplatePicker.tsx"

/**
 * The WhatsApp Business Account's message templates: each with its review status in words, Sync now, and for admins
 * Create (submitted for Meta's review) and Delete.
 */

const SyncTemplates = graphql(`
  mutation SyncWhatsAppTemplates {
    syncWhatsAppTemplates {
      __typename
      ... on Error {
        message
      }
    }
  }
`)

const CreateTemplate = graphql(`
  mutation CreateWhatsAppTemplate($input: CreateWhatsAppTemplateInput!) {
    createWhatsAppTemplate(input: $input) {
      __typename
      ... on CreateWhatsAppTemplateSuccess {
        template {
          id
          status
        }
      }
      ... on Error {
        message
      }
    }
  }
`)

const DeleteTemplate = graphql(`
  mutation DeleteWhatsAppTemplate($name: String!) {
    deleteWhatsAppTemplate(name: $name) {
      __typename
      ... on Error {
        message
      }
    }
  }
`)

/** A template's status as a person reads it, with what happens next. */
export const templateStatusWords = (template: Pick<Template, "status" | "rejectedReason">): string => {
  switch (template.status) {
    case "APPROVED":
      return "Approved"
    case "PENDING":
      return "In review: Meta decides, usually within a day"
    case "REJECTED":
      return `Rejected: ${(template.rejectedReason ?? "no reason given").replace(/_/g, " ").toLowerCase()}`
    case "PAUSED":
      return "Paused by Meta for its quality"
    case "DISABLED":
      return "Disabled by Meta"
    default:
      return "Not usable (another status at Meta)"
  }
}

type ParameterFormat = "POSITIONAL" | "NAMED"

/** The `{{1}}`, `{{2}}`… (or `{{first_name}}`…) of a body, in order of first appearance. */
const placeholdersIn = (text: string, format: ParameterFormat) => {
  const pattern = format === "NAMED" ? /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g : /\{\{\s*(\d+)\s*\}\}/g
  return [...new Set([...text.matchAll(pattern)].map((m) => m[1]!))]
}

type Outcome = { readonly __typename: string; readonly message?: string } | undefined

/**
 * The WABA's templates. `connected`: an active WhatsApp connection; without one there is no WABA to sync from or to
 * submit to, so the page says what to do first instead of offering Sync now and a form Meta would refuse.
 */
export function Templates({ canManage, connected }: { readonly canManage: boolean; readonly connected: boolean }) {
  const formId = useId()
  const [list, refetch] = useQuery({ query: WhatsAppTemplates, requestPolicy: "cache-and-network" })
  const [sync, runSync] = useMutation(SyncTemplates)
  const [, runCreate] = useMutation(CreateTemplate)
  const [, runDelete] = useMutation(DeleteTemplate)
  const [error, setError] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [name, setName] = useState("")
  const [language, setLanguage] = useState("en_US")
  const [category, setCategory] = useState("UTILITY")
  const [format, setFormat] = useState<ParameterFormat>("POSITIONAL")
  const [body, setBody] = useState("")
  const [examples, setExamples] = useState<Record<string, string>>({})
  const [creating, setCreating] = useState(false)
  const placeholders = placeholdersIn(body, format)

  /** A mutation's answer: its error in words, or `done` and a fresh list. */
  const settle = (outcome: Outcome, graphError: string | undefined, done: string) => {
    if (outcome === undefined) setError(graphError ?? "That did not work. Try again.")
    else if (outcome.message !== undefined && !outcome.__typename.endsWith("Success")) setError(outcome.message)
    else {
      setError(null)
      setNotice(done)
      refetch({ requestPolicy: "network-only" })
      return true
    }
    return false
  }

  const onSync = async () => {
    setNotice(null)
    const result = await runSync({})
    settle(result.data?.syncWhatsAppTemplates, result.error?.graphQLErrors[0]?.message, "Synced with Meta.")
  }

  const onCreate = async (event: FormEvent) => {
    event.preventDefault()
    setNotice(null)
    setCreating(true)
    const result = await runCreate({
      input: {
        name: name.trim(),
        language: language.trim(),
        category,
        ...(format === "NAMED" ? { parameterFormat: "NAMED" as const } : {}),
        bodyText: body.trim(),
        bodyExamples: placeholders.map((p) => examples[p] ?? "")
      }
    })
    setCreating(false)
    const ok = settle(
      result.data?.createWhatsAppTemplate,
      result.error?.graphQLErrors[0]?.message,
      `Submitted ${name.trim()} for Meta's review.`
    )
    if (ok) {
      setName("")
      setBody("")
      setExamples({})
    }
  }

  const onDelete = async (template: Template) => {
    setNotice(null)
    const result = await runDelete({ name: template.name })
    settle(result.data?.deleteWhatsAppTemplate, result.error?.graphQLErrors[0]?.message, `Deleted ${template.name}.`)
  }

  const templates = list.data?.whatsappTemplates ?? []
  return (
    <section className="templates" aria-labelledby={`${formId}-title`}>
      <div className="templates-head">
        <h3 id={`${formId}-title`}>Message templates</h3>
        {connected ? (
          <button type="button" className="button" onClick={onSync} disabled={sync.fetching}>
            {sync.fetching ? "Syncing…" : "Sync now"}
          </button>
        ) : null}
      </div>
      <p className="muted">
        Outside the 24-hour window only an approved template reaches a contact. Meta reviews each new template.
      </p>
      {list.error ? <p className="error-text">The templates could not be loaded: {list.error.message}</p> : null}
      {!connected ? (
        <p className="muted">Connect WhatsApp above to see, sync and create its templates.</p>
      ) : list.data !== undefined && templates.length === 0 ? (
        <p className="muted">No templates yet: Sync now, or create one below.</p>
      ) : null}
      {templates.length === 0 ? null : (
        <ul className="template-list">
          {templates.map((t) => (
            <li key={`${t.name}/${t.language}`} data-testid="template-row">
              <span className="template-name">
                {t.name}{" "}
                <span className="muted">
                  ({t.language}, {t.category.toLowerCase()})
                </span>
              </span>
              <span className={`template-status status-${t.status.toLowerCase()}`}>{templateStatusWords(t)}</span>
              {canManage ? (
                <button
                  type="button"
                  className="button"
                  aria-label={`Delete ${t.name}`}
                  onClick={() => void onDelete(t)}
                >
                  Delete
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canManage && connected ? (
        <form className="template-create" aria-label="Create a template" onSubmit={onCreate}>
          <h4>Create a template</h4>
          <label className="field">
            <span>Name (lowercase letters, digits, underscores)</span>
            <input value={name} onChange={(e) => setName(e.target.value)} placeholder="order_ready" />
          </label>
          <label className="field">
            <span>Language</span>
            <input value={language} onChange={(e) => setLanguage(e.target.value)} />
          </label>
          <label className="field">
            <span>Category</span>
            <select value={category} onChange={(e) => setCategory(e.target.value)}>
              <option value="UTILITY">Utility</option>
              <option value="MARKETING">Marketing</option>
              <option value="AUTHENTICATION">Authentication</option>
            </select>
          </label>
          <label className="field">
            <span>Placeholders</span>
            <select value={format} onChange={(e) => setFormat(e.target.value as ParameterFormat)}>
              <option value="POSITIONAL">
                Numbered: {"{{1}}"}, {"{{2}}"}…
              </option>
              <option value="NAMED">Named: {"{{first_name}}"}…</option>
            </select>
          </label>
          <label className="field">
            <span>
              Body text (placeholders{" "}
              {format === "NAMED" ? "{{first_name}}, {{order_id}}… (lowercase, digits, _)" : "{{1}}, {{2}}… in order"})
            </span>
            <textarea
              rows={3}
              value={body}
              onChange={(e) => setBody(e.target.value)}
              placeholder={
                format === "NAMED"
                  ? "Hi {{first_name}}, your order {{order_id}} is ready."
                  : "Hi {{1}}, your order {{2}} is ready."
              }
              maxLength={1024}
            />
          </label>
          {placeholders.map((p) => (
            <label className="field" key={p}>
              <span>Example for {`{{${p}}}`}</span>
              <input value={examples[p] ?? ""} onChange={(e) => setExamples({ ...examples, [p]: e.target.value })} />
            </label>
          ))}
          <button
            type="submit"
            className="button primary"
            disabled={creating || name.trim() === "" || body.trim() === ""}
          >
            {creating ? "Submitting…" : "Submit for review"}
          </button>
        </form>
      ) : canManage ? null : (
        <p className="muted">An admin can create and delete templates.</p>
      )}
      {notice === null ? null : (
        <p className="muted" role="status">
          {notice}
        </p>
      )}
      {error === null ? null : (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}
