/**
 * A minimal S3-compatible server for the media store's contract suite: path-style PutObject, GetObject,
 * HeadObject and DeleteObject on one bucket, in memory, on 127.0.0.1. Requests must carry a SigV4 `Authorization`
 * header naming the expected access key id (the signature itself is not verified). Why not a package:
 * docs/decisions.md ("Media store").
 */
import { createHash } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

export interface S3TestServer {
  readonly endpoint: string
  readonly bucket: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** Every request as `METHOD /path`, for assertions. */
  readonly requests: Array<string>
  readonly objects: Map<string, { readonly bytes: Buffer; readonly contentType: string }>
  close(): Promise<void>
}

const xmlError = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`

export const startS3TestServer = async (bucket = "media-test"): Promise<S3TestServer> => {
  const accessKeyId = "TESTACCESSKEY"
  const secretAccessKey = "test-secret-access-key"
  const objects = new Map<string, { bytes: Buffer; contentType: string }>()
  const requests: Array<string> = []
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost")
    const method = req.method ?? "GET"
    requests.push(`${method} ${url.pathname}`)
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const send = (status: number, body = "", headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/xml", ...headers })
        res.end(method === "HEAD" ? undefined : body)
      }
      const auth = req.headers.authorization ?? ""
      if (!auth.startsWith("AWS4-HMAC-SHA256 ") || !auth.includes(`Credential=${accessKeyId}/`))
        return send(403, xmlError("AccessDenied", "Access Denied"))
      const [, first, ...rest] = url.pathname.split("/")
      if (first !== bucket) return send(404, xmlError("NoSuchBucket", "The specified bucket does not exist"))
      const key = decodeURIComponent(rest.join("/"))
      if (key === "") return send(400, xmlError("InvalidRequest", "A key is required"))
      const stored = objects.get(key)
      const etag = (bytes: Buffer) => `"${createHash("md5").update(bytes).digest("hex")}"`
      switch (method) {
        case "PUT": {
          const bytes = Buffer.concat(chunks)
          objects.set(key, { bytes, contentType: req.headers["content-type"] ?? "binary/octet-stream" })
          return send(200, "", { etag: etag(bytes) })
        }
        case "GET":
        case "HEAD":
          if (stored === undefined) return send(404, xmlError("NoSuchKey", "The specified key does not exist."))
          res.writeHead(200, {
            "content-type": stored.contentType,
            "content-length": stored.bytes.length,
            etag: etag(stored.bytes),
            "last-modified": new Date().toUTCString()
          })
          res.end(method === "HEAD" ? undefined : stored.bytes)
          return
        case "DELETE":
          objects.delete(key)
          return send(204)
        default:
          return send(405, xmlError("MethodNotAllowed", "The method is not allowed"))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId,
    secretAccessKey,
    requests,
    objects,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
