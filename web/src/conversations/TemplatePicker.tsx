import { useId, useState } from "react"
import { useMutation, useQuery } from "urql"
import type { WhatsAppTemplatesQuery } from "../gql/graphql.ts"
import { graphql } from "../gql/index.ts"

/**
 * "Send a template": outside the 24-hour window only an approved template reaches the contact. Pick one, fill each
 * placeholder (an input per placeholder, named after it), send; the service checks it again and answers errors in
 * words.
 */

export const WhatsAppTemplates = graphql(`
  query WhatsAppTemplates {
    whatsappTemplates {
      id
      name
      language
      category
      status
      rejectedReason
      quality
      parameterFormat
      headerKind
      headerText
      bodyText
      footerText
      headerPlaceholders
      bodyPlaceholders
    }
  }
`)

const SendTemplate = graphql(`
  mutation SendWhatsAppTemplate($input: SendTemplateInput!) {
    sendWhatsAppTemplate(input: $input) {
      __typename
      ... on SendWhatsAppTemplateSuccess {
        sent: message {
          id
        }
      }
      ... on Error {
        message
      }
    }
  }
`)

export type Template = WhatsAppTemplatesQuery["whatsappTemplates"][number]

/** A template's key in the picker: one name in one language. */
const keyOf = (t: Pick<Template, "name" | "language">) => `${t.name}/${t.language}`

/** What a placeholder is called on its input: `{{1}}` or `{{name}}`. */
export const placeholderLabel = (part: "Header" | "Body", placeholder: string) => `${part} {{${placeholder}}}`

/** The body with the values typed so far (an empty one stays as its placeholder): the preview. */
export const previewOf = (template: Template, values: Readonly<Record<string, string>>): string =>
  template.bodyText.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, key: string) => values[`body:${key}`] || whole)

const newKey = () => crypto.randomUUID()

export function TemplatePicker({ to, onSent }: { readonly to: string; readonly onSent: () => void }) {
  const pickerId = useId()
  const [open, setOpen] = useState(false)
  const [choice, setChoice] = useState("")
  const [values, setValues] = useState<Record<string, string>>({})
  const [media, setMedia] = useState("")
  const [error, setError] = useState<string | null>(null)
  const [key, setKey] = useState(newKey)
  const [list] = useQuery({ query: WhatsAppTemplates, pause: !open, requestPolicy: "cache-and-network" })
  const [state, send] = useMutation(SendTemplate)

  if (!open) {
    return (
      <div className="template-offer">
        <button type="button" className="button" onClick={() => setOpen(true)}>
          Send a template
        </button>
      </div>
    )
  }

  const approved = (list.data?.whatsappTemplates ?? []).filter((t) => t.status === "APPROVED")
  const template = approved.find((t) => keyOf(t) === choice) ?? null
  const needsMedia =
    template !== null && ["image", "video", "document"].includes(template.headerKind) ? template.headerKind : null
  const named = template?.parameterFormat === "NAMED"
  const filled = (part: "header" | "body", placeholders: ReadonlyArray<string>) =>
    placeholders.map((p) => ({ ...(named ? { name: p } : {}), text: values[`${part}:${p}`] ?? "" }))
  const complete =
    template !== null &&
    [...filled("header", template.headerPlaceholders), ...filled("body", template.bodyPlaceholders)].every(
      (v) => v.text.trim() !== ""
    ) &&
    (needsMedia === null || media.trim() !== "")

  const submit = async () => {
    if (template === null || !complete || state.fetching) return
    setError(null)
    const result = await send({
      input: {
        to,
        name: template.name,
        language: template.language,
        parameters: {
          body: filled("body", template.bodyPlaceholders),
          header: filled("header", template.headerPlaceholders),
          ...(needsMedia === null ? {} : { headerMediaLink: media.trim() })
        },
        idempotencyKey: key
      }
    })
    const data = result.data?.sendWhatsAppTemplate
    if (data === undefined) setError(result.error?.graphQLErrors[0]?.message ?? "The template was not sent. Try again.")
    else if ("message" in data) setError(data.message)
    else {
      setValues({})
      setMedia("")
      setChoice("")
      setKey(newKey())
      setOpen(false)
      onSent()
    }
  }

  const input = (part: "header" | "body", placeholder: string) => {
    const id = `${pickerId}-${part}-${placeholder}`
    return (
      <label className="field" key={id} htmlFor={id}>
        <span>{placeholderLabel(part === "header" ? "Header" : "Body", placeholder)}</span>
        <input
          id={id}
          value={values[`${part}:${placeholder}`] ?? ""}
          onChange={(event) => setValues({ ...values, [`${part}:${placeholder}`]: event.target.value })}
          maxLength={1024}
          autoComplete="off"
        />
      </label>
    )
  }

  return (
    // Inside the composer's form, so not a form of its own (a nested form would submit the composer).
    // biome-ignore lint/a11y/useSemanticElements: a <form> cannot nest in the composer's form
    <div className="template-picker" role="form" aria-label="Send a template">
      {list.fetching && list.data === undefined ? <p className="muted">Loading the templates…</p> : null}
      {list.error ? <p className="error-text">The templates could not be loaded: {list.error.message}</p> : null}
      {list.data !== undefined && approved.length === 0 ? (
        <p className="muted">
          No approved template yet. Create one under Message templates and wait for Meta's approval, or Sync now.
        </p>
      ) : null}
      {approved.length > 0 ? (
        <label className="field" htmlFor={`${pickerId}-choice`}>
          <span>Template</span>
          <select
            id={`${pickerId}-choice`}
            value={choice}
            onChange={(event) => {
              setChoice(event.target.value)
              setValues({})
              setError(null)
            }}
          >
            <option value="">Choose an approved template</option>
            {approved.map((t) => (
              <option key={keyOf(t)} value={keyOf(t)}>
                {t.name} ({t.language})
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {template === null ? null : (
        <>
          {needsMedia === null ? null : (
            <label className="field" htmlFor={`${pickerId}-media`}>
              <span>Header {needsMedia} (https link)</span>
              <input
                id={`${pickerId}-media`}
                type="url"
                value={media}
                onChange={(event) => setMedia(event.target.value)}
              />
            </label>
          )}
          {template.headerPlaceholders.map((p) => input("header", p))}
          {template.bodyPlaceholders.map((p) => input("body", p))}
          <p className="template-preview" data-testid="template-preview">
            {previewOf(template, values)}
          </p>
        </>
      )}
      <div className="composer-row">
        <button
          type="button"
          className="button primary"
          disabled={!complete || state.fetching}
          onClick={() => void submit()}
        >
          {state.fetching ? "Sending…" : "Send template"}
        </button>
        <button type="button" className="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      {template !== null && !complete ? <p className="muted">Fill in every placeholder to send.</p> : null}
      {error === null ? null : (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}
