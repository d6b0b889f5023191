/**
 * A WhatsApp message template as the service keeps it: one name in one language of one WABA, its review status,
 * and what a send must fill in (its placeholders). Pure: parsing placeholders and checking parameters.
 */

export type TemplateStatus = "PENDING" | "APPROVED" | "REJECTED" | "PAUSED" | "DISABLED" | "OTHER"
export type TemplateCategory = "MARKETING" | "UTILITY" | "AUTHENTICATION"
export type ParameterFormat = "POSITIONAL" | "NAMED"
export type HeaderKind = "none" | "text" | "image" | "video" | "document" | "location"

export interface MessageTemplate {
  readonly wabaId: string
  /** Meta's template id. */
  readonly templateId: string
  readonly name: string
  readonly language: string
  readonly category: string
  readonly status: TemplateStatus
  /** Meta's reason for a rejection (`NONE` otherwise, stored as null). */
  readonly rejectedReason: string | null
  /** Meta's quality score (`GREEN`, `YELLOW`, `RED`, `UNKNOWN`); null until Meta gives one. */
  readonly quality: string | null
  readonly parameterFormat: ParameterFormat
  readonly headerKind: HeaderKind
  readonly headerText: string | null
  readonly bodyText: string
  readonly footerText: string | null
  /** The header's text placeholders, in order (`1`, `2`… or names). */
  readonly headerPlaceholders: ReadonlyArray<string>
  /** The body's placeholders, in order (`1`, `2`… or names). */
  readonly bodyPlaceholders: ReadonlyArray<string>
  readonly updatedAt: Date
}

const STATUSES: ReadonlyArray<TemplateStatus> = ["PENDING", "APPROVED", "REJECTED", "PAUSED", "DISABLED"]
export const templateStatusOf = (raw: string): TemplateStatus =>
  (STATUSES as ReadonlyArray<string>).includes(raw.toUpperCase()) ? (raw.toUpperCase() as TemplateStatus) : "OTHER"

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g
/** The placeholders of a template text, in order of appearance, each once. */
export const placeholdersOf = (text: string | null): ReadonlyArray<string> =>
  text === null ? [] : [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))]

/** What a send fills in: a value per placeholder (by position or by name), and a header's media when it has one. */
export interface TemplateParameters {
  /** Header text values (positional) or by name. */
  readonly header?: ReadonlyArray<TemplateValue>
  readonly body: ReadonlyArray<TemplateValue>
  /** A header image/video/document: a link (https) or an uploaded media id. */
  readonly headerMedia?: { readonly link?: string | null; readonly id?: string | null } | null
}

export interface TemplateValue {
  /** The placeholder's name for a NAMED template; absent for a POSITIONAL one. */
  readonly name?: string | null
  readonly text: string
}

type ValueInput = { readonly name?: string | null | undefined; readonly text: string }
const valuesOf = (list: ReadonlyArray<ValueInput> | null | undefined): ReadonlyArray<TemplateValue> =>
  (list ?? []).map((v) =>
    v.name === null || v.name === undefined || v.name === "" ? { text: v.text } : { name: v.name, text: v.text }
  )

/** A send's values as the edges take them (GraphQL and REST): body and header values, a header's media. */
export const templateParameters = (input: {
  readonly body?: ReadonlyArray<ValueInput> | null | undefined
  readonly header?: ReadonlyArray<ValueInput> | null | undefined
  readonly headerMediaLink?: string | null | undefined
  readonly headerMediaId?: string | null | undefined
}): TemplateParameters => ({
  body: valuesOf(input.body),
  header: valuesOf(input.header),
  headerMedia:
    input.headerMediaLink || input.headerMediaId
      ? { link: input.headerMediaLink ?? null, id: input.headerMediaId ?? null }
      : null
})

/** Meta's limit on one parameter's text. */
const MAX_PARAMETER = 1024

/** Null when `parameters` fit `template`; otherwise why not, in words. */
export const parameterProblem = (template: MessageTemplate, parameters: TemplateParameters): string | null => {
  const check = (part: "header" | "body", expected: ReadonlyArray<string>, given: ReadonlyArray<TemplateValue>) => {
    if (given.length !== expected.length)
      return `The ${part} has ${expected.length} placeholder${expected.length === 1 ? "" : "s"}; ${given.length} value${given.length === 1 ? " was" : "s were"} given.`
    for (const [index, value] of given.entries()) {
      const named = value.name !== undefined && value.name !== null && value.name !== ""
      if (template.parameterFormat === "NAMED" && !named)
        return `This template's placeholders are named ({{${expected[index]}}}): give each value its name.`
      if (template.parameterFormat === "POSITIONAL" && named)
        return "This template's placeholders are numbered ({{1}}, {{2}}…): give the values in order, without names."
      if (named && !expected.includes(value.name!)) return `The ${part} has no placeholder named {{${value.name}}}.`
      if (value.text.trim() === "") return `The value for {{${named ? value.name : index + 1}}} is empty.`
      if (value.text.length > MAX_PARAMETER)
        return `The value for {{${named ? value.name : index + 1}}} is longer than ${MAX_PARAMETER} characters.`
    }
    return null
  }
  const media = template.headerKind === "image" || template.headerKind === "video" || template.headerKind === "document"
  if (media) {
    const m = parameters.headerMedia
    const link = m?.link?.trim() ?? ""
    const id = m?.id?.trim() ?? ""
    if (link === "" && id === "")
      return `This template's header is a ${template.headerKind}: give its link or media id.`
    if (link !== "" && !/^https:\/\/\S+$/.test(link)) return "The header media link must be an https URL."
  } else if (parameters.headerMedia != null && (parameters.headerMedia.link || parameters.headerMedia.id)) {
    return "This template's header has no media."
  }
  return (
    check("header", template.headerPlaceholders, parameters.header ?? []) ??
    check("body", template.bodyPlaceholders, parameters.body)
  )
}

/** The body with its placeholders filled in (a preview, and the message's stored text). */
export const renderBody = (template: MessageTemplate, parameters: TemplateParameters): string =>
  template.bodyText.replace(PLACEHOLDER, (whole, key: string) => {
    const index = template.bodyPlaceholders.indexOf(key)
    const byName = parameters.body.find((v) => v.name === key)
    const value = byName ?? (template.parameterFormat === "POSITIONAL" ? parameters.body[index] : undefined)
    return value?.text ?? whole
  })
