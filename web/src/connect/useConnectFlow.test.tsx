// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { META_ORIGIN, metaConfig } from "../shared/testing.tsx"
import { type CompleteAnswer, connectReducer } from "./connectFlow.ts"
import type { FacebookLoginResponse } from "./metaSdk.ts"
import { useConnectFlow } from "./useConnectFlow.ts"

const META = META_ORIGIN
const config = metaConfig
const finish = {
  type: "WA_EMBEDDED_SIGNUP",
  event: "FINISH",
  data: { waba_id: "524126980791429", phone_number_id: "106540352242922", business_id: "2729063490586005" }
}

afterEach(cleanup)

/** The hook with a fake SDK: `answer()` plays the FB.login callback; `post()` a message event from an origin. */
const setup = (options: { framed?: boolean; waitMs?: number } = {}) => {
  let callback: ((response: FacebookLoginResponse) => void) | null = null
  const login = vi.fn((cb: (response: FacebookLoginResponse) => void, _options: Record<string, unknown>) => {
    callback = cb
  })
  const complete = vi.fn(
    async (_body: { state: string; code: string; sessionInfo: unknown }): Promise<CompleteAnswer> => ({
      outcome: "connected"
    })
  )
  const reportCancel = vi.fn(async (_body: { state: string; code: null; sessionInfo: unknown }) => ({}))
  const hook = renderHook(() =>
    useConnectFlow({
      config,
      start: async () => ({ authUrl: "https://www.facebook.com/v25.0/dialog/oauth?state=s1", state: "s1" }),
      complete,
      reportCancel,
      loadSdk: async () => ({ login }),
      waitMs: options.waitMs ?? 60_000,
      framed: () => options.framed ?? false
    })
  )
  const answer = (code: string | null) => act(() => callback!({ authResponse: code === null ? null : { code } }))
  const post = (origin: string, data: unknown) =>
    act(() => {
      window.dispatchEvent(new MessageEvent("message", { origin, data }))
    })
  const connect = async () => {
    await act(() => hook.result.current.connect())
    await waitFor(() => expect(login).toHaveBeenCalled())
  }
  return { hook, login, complete, reportCancel, answer, post, connect }
}

describe("useConnectFlow (popup)", () => {
  it("calls FB.login with the configuration id, response_type=code and no scope", async () => {
    const { login, connect } = setup()
    await connect()
    const options = login.mock.calls[0]![1] as Record<string, unknown>
    expect(options).toEqual({
      config_id: "998877",
      response_type: "code",
      override_default_response_type: true,
      extras: { setup: {}, sessionInfoVersion: "3" }
    })
    expect(options).not.toHaveProperty("scope")
  })

  it("ignores a message from any other origin, and non-JSON messages from Meta's", async () => {
    const { hook, complete, answer, post, connect } = setup()
    await connect()
    await post("https://evil.example", JSON.stringify({ ...finish, data: { waba_id: "1", phone_number_id: "2" } }))
    await post("https://www.facebook.com.evil.example", JSON.stringify(finish))
    await post(META, "not json {")
    await post(META, JSON.stringify({ type: "OTHER" }))
    await answer("code-1")
    expect(hook.result.current.state).toMatchObject({
      phase: "awaiting",
      via: "popup",
      code: "code-1",
      session: undefined
    })
    expect(complete).not.toHaveBeenCalled()
    await post(META, JSON.stringify(finish))
    await waitFor(() => expect(complete).toHaveBeenCalledTimes(1))
    expect(complete.mock.calls[0]![0]).toEqual({ state: "s1", code: "code-1", sessionInfo: finish })
    await waitFor(() => expect(hook.result.current.state).toEqual({ phase: "done", answer: { outcome: "connected" } }))
  })

  for (const order of ["message first", "callback first"] as const) {
    it(`completes once with both halves, ${order}`, async () => {
      const { complete, answer, post, connect } = setup()
      await connect()
      if (order === "message first") {
        await post("https://web.facebook.com", JSON.stringify(finish))
        expect(complete).not.toHaveBeenCalled()
        await answer("code-2")
      } else {
        await answer("code-2")
        expect(complete).not.toHaveBeenCalled()
        await post(META, JSON.stringify(finish))
      }
      await waitFor(() => expect(complete).toHaveBeenCalledTimes(1))
      expect(complete.mock.calls[0]![0]).toEqual({ state: "s1", code: "code-2", sessionInfo: finish })
    })
  }

  it("a CANCEL message ends in cancelled with the step, or with Meta's error and the session id", async () => {
    const first = setup()
    await first.connect()
    await first.post(
      META,
      JSON.stringify({ type: "WA_EMBEDDED_SIGNUP", event: "CANCEL", data: { current_step: "PHONE_NUMBER_SETUP" } })
    )
    expect(first.hook.result.current.state).toMatchObject({ phase: "cancelled", currentStep: "PHONE_NUMBER_SETUP" })
    await first.answer(null)
    expect(first.complete).not.toHaveBeenCalled()
    // The service is told it was a cancel, once, with the event as Meta posted it (no code).
    expect(first.reportCancel.mock.calls).toEqual([
      [
        {
          state: "s1",
          code: null,
          sessionInfo: { type: "WA_EMBEDDED_SIGNUP", event: "CANCEL", data: { current_step: "PHONE_NUMBER_SETUP" } }
        }
      ]
    ])
    cleanup()

    const second = setup()
    await second.connect()
    await second.post(
      META,
      JSON.stringify({
        type: "WA_EMBEDDED_SIGNUP",
        event: "CANCEL",
        data: { error_message: "Number already in use", error_code: 524, session_id: "f34b2e", timestamp: 1 }
      })
    )
    expect(second.hook.result.current.state).toEqual({
      phase: "cancelled",
      currentStep: null,
      errorMessage: "Number already in use",
      errorCode: "524",
      sessionId: "f34b2e"
    })
  })

  it("inside a frame it offers the redirect instead of opening the popup", async () => {
    const { hook, login } = setup({ framed: true })
    await act(() => hook.result.current.connect())
    expect(hook.result.current.state).toEqual({
      phase: "blocked",
      authUrl: "https://www.facebook.com/v25.0/dialog/oauth?state=s1",
      why: "iframe"
    })
    expect(login).not.toHaveBeenCalled()
  })
})

describe("connectReducer (the popup's bounded wait)", () => {
  const waiting = connectReducer({ phase: "idle" }, { type: "started", started: { authUrl: "u", state: "s" } })

  it("a callback without a code and no message is a blocked popup once the wait runs out", () => {
    const noCode = connectReducer(waiting, { type: "code", code: null })
    expect(noCode.phase).toBe("awaiting")
    expect(connectReducer(noCode, { type: "timeout" })).toEqual({ phase: "blocked", authUrl: "u", why: "popup" })
  })

  it("a code whose message never comes is completed without session info", () => {
    const coded = connectReducer(connectReducer(waiting, { type: "code", code: "c" }), { type: "timeout" })
    expect(coded).toMatchObject({ phase: "awaiting", via: "popup", code: "c", timedOut: true })
  })

  it("an ERROR event shows Meta's message and the session id", () => {
    const failed = connectReducer(waiting, {
      type: "session",
      session: { kind: "error", errorMessage: "Something broke", sessionId: "abc" }
    })
    expect(failed).toEqual({
      phase: "failed",
      message: "Meta said: Something broke (session abc; give it to support)",
      authUrl: "u"
    })
  })
})

describe("useConnectFlow (redirect)", () => {
  const setupRedirect = (start: () => Promise<{ authUrl: string; state: string } | string>, returning = false) => {
    const navigate = vi.fn((_url: string) => {})
    const onBack = vi.fn(() => {})
    const hook = renderHook(() => useConnectFlow({ config: null, start, navigate, returning, onBack }))
    return { hook, navigate, onBack }
  }

  it("starts the connection, then sends the browser to Meta's dialog and waits", async () => {
    const { hook, navigate } = setupRedirect(async () => ({
      authUrl: "https://meta.example/dialog?state=s9",
      state: "s9"
    }))
    expect(hook.result.current.state).toEqual({ phase: "idle" })
    await act(() => hook.result.current.connect())
    expect(navigate.mock.calls).toEqual([["https://meta.example/dialog?state=s9"]])
    expect(hook.result.current.state).toEqual({
      phase: "awaiting",
      via: "redirect",
      authUrl: "https://meta.example/dialog?state=s9"
    })
  })

  it("a refused start is failed with the card's sentence, and does not navigate", async () => {
    const { hook, navigate } = setupRedirect(async () => "Too many connection attempts. Wait a minute, then try again.")
    await act(() => hook.result.current.connect())
    expect(navigate).not.toHaveBeenCalled()
    expect(hook.result.current.state).toEqual({
      phase: "failed",
      message: "Too many connection attempts. Wait a minute, then try again.",
      authUrl: null
    })
  })

  it("Back from Meta's dialog (a page restored from the cache) stops waiting and tells the card", async () => {
    const { hook, onBack } = setupRedirect(async () => ({ authUrl: "https://meta.example/dialog", state: "s" }))
    await act(() => hook.result.current.connect())
    act(() => {
      window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }))
    })
    expect(hook.result.current.state).toEqual({ phase: "idle" })
    expect(onBack).toHaveBeenCalledTimes(1)
  })

  it("back from the callback it is completing until settled", () => {
    const { hook } = setupRedirect(async () => "unused", true)
    expect(hook.result.current.state).toEqual({ phase: "completing", via: "redirect" })
    act(() => hook.result.current.settled())
    expect(hook.result.current.state).toEqual({ phase: "idle" })
  })
})
