import type { IncomingMessage, ServerResponse } from "node:http"

export type Params = Record<string, unknown>

export const readBody = (req: IncomingMessage, limitBytes = 5_000_000): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > limitBytes) {
        reject(new Error("body too large"))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

/** Parses a JSON or form body into params; Graph also reads JSON-looking form values as JSON. */
export const parseBody = (contentType: string | undefined, body: Buffer): Params => {
  if (body.length === 0) return {}
  const text = body.toString("utf8")
  if ((contentType ?? "").includes("application/json")) {
    const parsed: unknown = JSON.parse(text)
    return isRecord(parsed) ? parsed : {}
  }
  return Object.fromEntries(new URLSearchParams(text))
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const str = (params: Params, name: string): string | undefined => {
  const value = params[name]
  if (typeof value === "string") return value
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  return undefined
}

/** A list given as "a,b", a JSON array string, or an array. */
export const list = (params: Params, name: string): Array<string> | undefined => {
  const value = params[name]
  if (Array.isArray(value)) return value.map(String)
  if (typeof value !== "string") return undefined
  const trimmed = value.trim()
  if (trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed)
      if (Array.isArray(parsed)) return parsed.map(String)
    } catch {
      // fall through to comma splitting
    }
  }
  return trimmed
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
}

/** A nested object given as JSON text (form encoding) or as an object (JSON body). */
export const obj = (params: Params, name: string): Record<string, unknown> | undefined => {
  const value = params[name]
  if (isRecord(value)) return value
  if (typeof value === "string" && value.trim().startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(value)
      if (isRecord(parsed)) return parsed
    } catch {
      return undefined
    }
  }
  return undefined
}

export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {}
): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(text),
    ...headers
  })
  res.end(text)
}

export const sendHtml = (res: ServerResponse, status: number, html: string): void => {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html) })
  res.end(html)
}

export const redirect = (res: ServerResponse, location: string): void => {
  res.writeHead(302, { location, "content-length": 0 })
  res.end()
}

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
