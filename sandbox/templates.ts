import { GraphError, invalidParam, missingParam } from "./errors.ts"
import { isRecord } from "./http.ts"
import { newId } from "./ids.ts"
import type { Waba } from "./state.ts"

/**
 * Message templates as Meta keeps them per WABA (`/{waba-id}/message_templates`): a name in one or more languages,
 * each its own template with its own status. Sends of `type: template` are checked against them as Meta does
 * (Cloud API error codes 132000, 132001, 132012, 132015, 132016).
 */

export type TemplateStatus = "PENDING" | "APPROVED" | "REJECTED" | "PAUSED" | "DISABLED"
export const TEMPLATE_STATUSES: ReadonlyArray<TemplateStatus> = [
  "PENDING",
  "APPROVED",
  "REJECTED",
  "PAUSED",
  "DISABLED"
]
export const TEMPLATE_CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"] as const

export interface SandboxTemplate {
  readonly id: string
  readonly name: string
  readonly language: string
  category: string
  status: TemplateStatus
  rejectedReason: string
  /** Its quality score (`GREEN`, `YELLOW`, `RED`, `UNKNOWN`); absent until rated. */
  quality?: string
  readonly parameterFormat: "POSITIONAL" | "NAMED"
  readonly components: ReadonlyArray<Record<string, unknown>>
}

/** Meta's sample, in every new WABA, approved (Cloud API "Get started": the `hello_world` template, en_US). */
const helloWorld = (): SandboxTemplate => ({
  id: newId(15),
  name: "hello_world",
  language: "en_US",
  category: "UTILITY",
  status: "APPROVED",
  rejectedReason: "NONE",
  parameterFormat: "POSITIONAL",
  components: [
    { type: "HEADER", format: "TEXT", text: "Hello World" },
    {
      type: "BODY",
      text: "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us."
    },
    { type: "FOOTER", text: "WhatsApp Business Platform sample message" }
  ]
})

/** The WABA's templates (a snapshot saved before templates existed starts with Meta's sample). */
export const templatesOf = (waba: Waba): Array<SandboxTemplate> => {
  if (waba.templates === undefined) waba.templates = [helloWorld()]
  return waba.templates
}

/** Meta's template node (`GET /{waba-id}/message_templates`). */
export const templateNode = (t: SandboxTemplate): Record<string, unknown> => ({
  id: t.id,
  name: t.name,
  language: t.language,
  category: t.category,
  status: t.status,
  rejected_reason: t.rejectedReason,
  // A field of the node (asking for it is no error); absent from the answer until the template is rated.
  quality_score: t.quality === undefined ? undefined : { score: t.quality },
  parameter_format: t.parameterFormat,
  components: t.components
})

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g
const placeholdersIn = (text: unknown): Array<string> =>
  typeof text === "string" ? [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!) : []

/**
 * Meta reviews a body with variables by its sample values, so it refuses one without them: a POSITIONAL body takes
 * `example.body_text: [[v1, v2…]]`, one value per variable; a NAMED body takes `example.body_text_named_params:
 * [{param_name, example}]`, one per named variable (and not the other format's samples).
 */
const bodyExamplesProblem = (format: "POSITIONAL" | "NAMED", body: Record<string, unknown>): void => {
  const names = [...new Set(placeholdersIn(body["text"]))]
  if (names.length === 0) return
  const example = isRecord(body["example"]) ? body["example"] : {}
  const fail = (what: string) => {
    throw new GraphError(100, `(#100) Invalid parameter: ${what}`, 2388043)
  }
  if (format === "NAMED") {
    const given = example["body_text_named_params"]
    if (!Array.isArray(given) || example["body_text"] !== undefined)
      fail("a body with named variables needs example.body_text_named_params, one {param_name, example} per variable")
    const pairs = (given as Array<unknown>).filter(isRecord)
    const named = pairs.map((p) => String(p["param_name"] ?? ""))
    const sameSet = named.length === names.length && names.every((n) => named.includes(n))
    if (!sameSet || pairs.length !== (given as Array<unknown>).length)
      fail(`body_text_named_params must name each variable once: ${names.join(", ")}`)
    if (pairs.some((p) => typeof p["example"] !== "string" || p["example"] === ""))
      fail("each body_text_named_params entry needs a non-empty example")
    return
  }
  const rows = example["body_text"]
  const first = Array.isArray(rows) ? rows[0] : undefined
  if (!Array.isArray(first) || example["body_text_named_params"] !== undefined)
    fail("a body with variables needs example.body_text, one sample value per variable")
  const values = first as Array<unknown>
  if (values.length !== names.length || values.some((v) => typeof v !== "string" || v === ""))
    fail(`example.body_text needs ${names.length} sample value(s), one per variable`)
}

/** `POST /{waba-id}/message_templates`: a new template, PENDING review. */
export const createTemplate = (waba: Waba, params: Record<string, unknown>): SandboxTemplate => {
  const name = params["name"]
  if (typeof name !== "string" || name === "") throw missingParam("name")
  if (!/^[a-z0-9_]{1,512}$/.test(name))
    throw new GraphError(
      100,
      "(#100) Invalid parameter: the template name can only have lowercase letters, numbers and underscores",
      2388042
    )
  const language = params["language"]
  if (typeof language !== "string" || language === "") throw missingParam("language")
  if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(language)) throw invalidParam("Param language is not a valid language code")
  const category = params["category"]
  if (typeof category !== "string") throw missingParam("category")
  if (!(TEMPLATE_CATEGORIES as ReadonlyArray<string>).includes(category))
    throw invalidParam(`Param category must be one of {${TEMPLATE_CATEGORIES.join(", ")}}`)
  const format = params["parameter_format"] ?? "POSITIONAL"
  if (format !== "POSITIONAL" && format !== "NAMED")
    throw invalidParam("Param parameter_format must be one of {POSITIONAL, NAMED}")
  const components = params["components"]
  if (!Array.isArray(components) || components.length === 0) throw missingParam("components")
  if (!components.every(isRecord)) throw invalidParam("Param components must be an array of objects")
  const bodies = components.filter((c) => String(c["type"]).toUpperCase() === "BODY")
  if (bodies.length !== 1 || typeof bodies[0]!["text"] !== "string" || bodies[0]!["text"] === "")
    throw invalidParam("Param components must have exactly one BODY component with text")
  for (const c of components) {
    const names = placeholdersIn(c["text"])
    const ok =
      format === "POSITIONAL"
        ? names.every((n, i) => n === String(i + 1))
        : names.every((n) => /^[a-z][a-z0-9_]*$/.test(n))
    if (!ok)
      throw new GraphError(
        100,
        format === "POSITIONAL"
          ? "(#100) Invalid parameter: positional variables must be {{1}}, {{2}}, ... in order"
          : "(#100) Invalid parameter: named variables must be lowercase letters, digits and underscores",
        2388043
      )
  }
  bodyExamplesProblem(format, bodies[0]!)
  const all = templatesOf(waba)
  if (all.some((t) => t.name === name && t.language === language))
    throw new GraphError(100, "(#100) Invalid parameter: content in this language already exists", 2388024)
  const template: SandboxTemplate = {
    id: newId(15),
    name,
    language,
    category,
    status: "PENDING",
    rejectedReason: "NONE",
    parameterFormat: format,
    components: components.map((c) => ({ ...c, type: String(c["type"]).toUpperCase() }))
  }
  all.push(template)
  return template
}

/** `DELETE /{waba-id}/message_templates?name=` (every language) or with `hsm_id` (that one). */
export const deleteTemplates = (waba: Waba, name: string | undefined, hsmId: string | undefined): void => {
  if (name === undefined || name === "") throw missingParam("name")
  const all = templatesOf(waba)
  const doomed = all.filter((t) => t.name === name && (hsmId === undefined || t.id === hsmId))
  if (doomed.length === 0)
    throw new GraphError(100, `(#100) Invalid parameter: message template "${name}" does not exist`, 2593002)
  waba.templates = all.filter((t) => !doomed.includes(t))
}

const templateError = (code: number, message: string, details: string) =>
  new GraphError(code, `(#${code}) ${message}`, undefined, 400, "OAuthException", {}, details)

/**
 * A send of `type: template`, checked as Meta does before accepting it: the name in that language (132001), a
 * paused (132015) or disabled (132016) template, the number of parameters per component (132000), and named vs
 * positional parameters or a header's media (132012).
 */
export const checkTemplateSend = (waba: Waba, template: Record<string, unknown>): void => {
  const name = template["name"]
  if (typeof name !== "string" || name === "") throw missingParam("template['name']")
  const language = isRecord(template["language"]) ? template["language"]["code"] : undefined
  if (typeof language !== "string" || language === "") throw missingParam("template['language']['code']")
  const found = templatesOf(waba).find((t) => t.name === name && t.language === language)
  if (found === undefined || found.status === "PENDING" || found.status === "REJECTED")
    throw templateError(
      132001,
      "Template name does not exist in the translation",
      `template name (${name}) does not exist in ${language}`
    )
  if (found.status === "PAUSED") throw templateError(132015, "Template is Paused", `template ${name} is paused`)
  if (found.status === "DISABLED") throw templateError(132016, "Template is Disabled", `template ${name} is disabled`)
  const sent = Array.isArray(template["components"]) ? template["components"].filter(isRecord) : []
  for (const component of found.components) {
    const type = String(component["type"]).toLowerCase()
    if (type !== "header" && type !== "body") continue
    const given = sent.find((c) => String(c["type"]).toLowerCase() === type)
    const parameters = Array.isArray(given?.["parameters"]) ? (given["parameters"] as Array<unknown>) : []
    const format = String(component["format"] ?? "TEXT").toUpperCase()
    if (type === "header" && format !== "TEXT") {
      const media = format.toLowerCase()
      const first = parameters[0]
      if (parameters.length !== 1 || !isRecord(first) || first["type"] !== media || !isRecord(first[media]))
        throw templateError(
          132012,
          "Parameter format does not match format in the created template",
          `header: Format mismatch, expected ${format}, received ${isRecord(first) ? String(first["type"]) : "UNKNOWN"}`
        )
      continue
    }
    const expected = placeholdersIn(component["text"])
    if (parameters.length !== expected.length)
      throw templateError(
        132000,
        "Number of parameters does not match the expected number of params",
        `${type}: number of localizable_params (${parameters.length}) does not match the expected number of params (${expected.length})`
      )
    for (const [index, parameter] of parameters.entries()) {
      const p = isRecord(parameter) ? parameter : {}
      const named = typeof p["parameter_name"] === "string"
      const wrong =
        p["type"] !== "text" ||
        typeof p["text"] !== "string" ||
        (found.parameterFormat === "NAMED" ? !named || p["parameter_name"] !== expected[index] : named)
      if (wrong && found.parameterFormat === "NAMED" && named && expected.includes(String(p["parameter_name"])))
        continue
      if (wrong)
        throw templateError(
          132012,
          "Parameter format does not match format in the created template",
          `${type}: parameter ${index + 1} does not match the template's ${found.parameterFormat.toLowerCase()} format`
        )
    }
  }
}
