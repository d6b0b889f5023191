/**
 * `node:http` fast paths (issue 18.3): a request a fast path takes is answered straight from the server's `request`
 * event, without the Effect router, its middleware and its request/response conversions; every other request goes
 * to the Effect HTTP server as before. A fast path answers exactly as the route it stands for: it runs the same
 * function (see `WebhookRoutes.ts`), with the same request id, request line, span and error answers
 * (`servingRequest`, `answerFailure`).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { Effect, Fiber, Stream } from "effect"
import { Cookies, type HttpServerResponse } from "effect/http"
import { REQUEST_ID_HEADER, servingRequest } from "../observability/Logging.ts"
import { answerFailure } from "./ErrorMiddleware.ts"

export interface NodeFastPath {
  /** Whether this path answers the request; checked on every request, so it must be cheap. */
  readonly takes: (request: IncomingMessage) => boolean
  readonly handle: (request: IncomingMessage, response: ServerResponse) => void
}

/**
 * The fast paths of one server. They take requests only once `open` (the service is ready: until then the
 * Effect server's startup gate answers 503) and until `close`.
 */
export class FastPaths {
  private readonly paths = new Set<NodeFastPath>()
  private isOpen = false

  add(path: NodeFastPath): void {
    this.paths.add(path)
  }
  remove(path: NodeFastPath): void {
    this.paths.delete(path)
  }
  open(): void {
    this.isOpen = true
  }
  close(): void {
    this.isOpen = false
  }
  /** The path that takes `request`, if any. */
  find(request: IncomingMessage): NodeFastPath | undefined {
    if (!this.isOpen) return undefined
    for (const path of this.paths) if (path.takes(request)) return path
    return undefined
  }
}

/**
 * `server` with `paths` in front of its `request` listeners (the Effect HTTP server's among them): a request a
 * path takes is handed to it alone. `checkContinue` and `upgrade` requests always go to the listeners.
 */
export const withFastPaths = <S extends Server>(server: S, paths: FastPaths): S => {
  const emit = server.emit
  // `function` and `arguments`: no array per event (the server emits one per request and per connection).
  server.emit = function (event: string | symbol, request?: unknown, response?: unknown): boolean {
    if (event === "request") {
      const path = paths.find(request as IncomingMessage)
      if (path !== undefined) {
        path.handle(request as IncomingMessage, response as ServerResponse)
        return true
      }
    }
    // biome-ignore lint/complexity/noArguments: every argument is passed on as given, without copying them.
    return Reflect.apply(emit, server, arguments) as boolean
  } as S["emit"]
  return server
}

/** A header as the router's request has it: repeated ones joined with ", ". */
export const joinedHeader = (value: string | ReadonlyArray<string> | undefined): string | undefined =>
  typeof value === "string" || value === undefined ? value : value.join(", ")

/**
 * Reads the body of a `node:http` request: `done` hears, once, its bytes; `"too large"` as soon as more than
 * `maxBytes` arrived (the rest is drained unread); or the error when the client went away or a chunk broke.
 * Answers a function that stops reading (for a reader that is interrupted): `done` is then never called.
 *
 * The listeners stay on the request once it is settled, doing nothing (issue 18.3, w10B): the request is dropped
 * with them, so four `off` calls per request bought nothing, and an `error` or `aborted` after the end is heard
 * (and ignored) instead of finding no listener.
 */
export const readNodeBody = (
  request: IncomingMessage,
  maxBytes: number,
  done: (body: Uint8Array<ArrayBuffer> | "too large" | Error) => void
): (() => void) => {
  /** The chunks so far; undefined once settled (or stopped). */
  let chunks: Array<Buffer> | undefined = []
  let size = 0
  const settle = (outcome: Uint8Array<ArrayBuffer> | "too large" | Error) => {
    if (chunks === undefined) return
    chunks = undefined
    done(outcome)
  }
  request.on("data", (chunk: Buffer) => {
    if (chunks === undefined) return
    size += chunk.byteLength
    if (size > maxBytes) {
      chunks = undefined
      request.resume()
      done("too large")
      return
    }
    chunks.push(chunk)
  })
  request.on("end", () => {
    if (chunks === undefined) return
    const read = chunks
    settle((read.length === 1 ? read[0]! : Buffer.concat(read, size)) as Uint8Array<ArrayBuffer>)
  })
  request.on("error", (cause: Error) => settle(cause))
  request.on("aborted", () => settle(new Error("the client closed the request")))
  return () => {
    chunks = undefined
  }
}

/**
 * Writes an Effect response to `node:http`: its status and headers (cookies as `Set-Cookie`) and, unless it is a
 * stream, its body of bytes or text (as the JSON and text constructors make) at once. Answers whether a stream is
 * left to write.
 */
const writeHead = (
  response: ServerResponse,
  answer: HttpServerResponse.HttpServerResponse,
  requestId: string
): boolean => {
  const body = answer.body
  const headers: Record<string, string | Array<string>> = { ...answer.headers, [REQUEST_ID_HEADER]: requestId }
  if (!Cookies.isEmpty(answer.cookies)) headers["set-cookie"] = Cookies.toSetCookieHeaders(answer.cookies)
  response.writeHead(answer.status, headers)
  if (body._tag === "Stream") return true
  response.end(body._tag === "Uint8Array" ? body.body : undefined)
  return false
}

/** Writes an Effect response with a body of bytes or text (not a stream) to `node:http`, synchronously. */
export const writeAnswer = (
  response: ServerResponse,
  answer: HttpServerResponse.HttpServerResponse,
  requestId: string
): void => {
  if (response.destroyed || response.writableEnded) return
  if (writeHead(response, answer, requestId)) throw new Error("writeAnswer: a streamed response needs `write`")
}

/**
 * An Effect response with a body of text or bytes, ready to be written many times (`writePrepared`): its status,
 * headers as a flat list and body, as `writeAnswer` writes them. Made once (the webhook intake's 200, issue 18.3,
 * w9B), instead of a response built and its headers spread for every request.
 */
export interface PreparedAnswer {
  readonly status: number
  /** `name, value, name, value, …` in the response's order (the request id comes last, as `writeAnswer` adds it). */
  readonly headers: ReadonlyArray<string>
  readonly body: string | Uint8Array | undefined
}

export const prepareAnswer = (answer: HttpServerResponse.HttpServerResponse): PreparedAnswer => {
  if (answer.body._tag === "Stream" || !Cookies.isEmpty(answer.cookies) || REQUEST_ID_HEADER in answer.headers)
    throw new Error("prepareAnswer: only a response without cookies or a request id, with a body of bytes or text")
  const headers: Array<string> = []
  for (const [name, value] of Object.entries(answer.headers)) headers.push(name, value)
  return { status: answer.status, headers, body: answer.body._tag === "Uint8Array" ? answer.body.body : undefined }
}

/** Writes a prepared answer with the request's id: the same status, headers and body as `writeAnswer` of it. */
export const writePrepared = (response: ServerResponse, answer: PreparedAnswer, requestId: string): void => {
  if (response.destroyed || response.writableEnded) return
  const headers = answer.headers.slice()
  headers.push(REQUEST_ID_HEADER, requestId)
  response.writeHead(answer.status, headers)
  response.end(answer.body)
}

/** Writes any Effect response to `node:http`; a stream (server-sent events) as it comes, waiting when the socket is full. */
const write = (
  response: ServerResponse,
  answer: HttpServerResponse.HttpServerResponse,
  requestId: string
): Effect.Effect<void, unknown> => {
  if (response.destroyed || response.writableEnded) return Effect.void
  if (!writeHead(response, answer, requestId) || answer.body._tag !== "Stream") return Effect.void
  return answer.body.stream.pipe(
    Stream.runForEach((chunk) =>
      response.write(chunk)
        ? Effect.void
        : Effect.callback<void>((resume) => void response.once("drain", () => resume(Effect.void)))
    ),
    // A stream that fails or is interrupted is not ended: the caller destroys the response (the client sees it cut).
    Effect.andThen(Effect.sync(() => response.end()))
  )
}

/** The request id, request line and span of a `node:http` request, as the router's middleware makes them. */
export const servingNodeRequest = (request: IncomingMessage) => {
  const header = request.headers[REQUEST_ID_HEADER]
  return servingRequest(request.method ?? "GET", request.url ?? "/", Array.isArray(header) ? header[0] : header)
}

/**
 * Answers `response` with `handler`, run by `runFork` as the router would: request line and span by `serving`, a
 * failure answered by `answerFailure`, the fiber interrupted when the client goes away first.
 */
export const serveNodeRequest = (
  runFork: (effect: Effect.Effect<void>) => Fiber.Fiber<void>,
  serving: ReturnType<typeof servingRequest>,
  response: ServerResponse,
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>,
  inFlight?: Set<Fiber.Fiber<void>>
): void => {
  const fiber = runFork(
    serving.serve(handler).pipe(
      Effect.catchCause(answerFailure),
      Effect.flatMap((answer) => write(response, answer, serving.id)),
      Effect.annotateLogs("request_id", serving.id),
      Effect.catchCause(() => Effect.sync(() => response.destroy()))
    )
  )
  if (fiber.pollUnsafe() !== undefined) return
  inFlight?.add(fiber)
  fiber.addObserver(() => inFlight?.delete(fiber))
  response.on("close", () => {
    if (!response.writableEnded) fiber.interruptUnsafe()
  })
}

/**
 * A fast path that answers `takes` requests with `handler`, run by `runFork` (the service's context: its logger,
 * metrics and services), as the router would (`serveNodeRequest`).
 */
export const makeNodeFastPath = (options: {
  readonly takes: (request: IncomingMessage) => boolean
  readonly handler: (request: IncomingMessage) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>
  readonly runFork: (effect: Effect.Effect<void>) => Fiber.Fiber<void>
  /** Fibers in flight, so that a shutdown can wait for them (see `awaitInFlight`). */
  readonly inFlight?: Set<Fiber.Fiber<void>>
}): NodeFastPath => ({
  takes: options.takes,
  handle: (request, response) =>
    serveNodeRequest(options.runFork, servingNodeRequest(request), response, options.handler(request), options.inFlight)
})

/** Waits (at most `seconds`) for the fast paths' requests in flight to be answered, then interrupts the rest. */
export const awaitInFlight = (inFlight: Set<Fiber.Fiber<void>>, seconds = 5) =>
  Effect.suspend(() => Fiber.awaitAll([...inFlight])).pipe(
    Effect.timeoutOrElse({ duration: `${seconds} seconds`, orElse: () => Fiber.interruptAll([...inFlight]) }),
    Effect.asVoid
  )
