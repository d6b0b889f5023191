import { describe, expect, it } from "vitest"
import { acceptsInbound, type ConnectionStatus, canSend, nextStatus, toE164, transition } from "./ChannelConnection.ts"

const all: ReadonlyArray<ConnectionStatus> = ["pending", "active", "error", "revoked"]

describe("connection transitions", () => {
  it("connecting (again) makes any connection active; a choice to make keeps it pending", () => {
    for (const status of all) {
      expect(nextStatus(status, { _tag: "Connected" })).toBe("active")
      expect(nextStatus(status, { _tag: "ChoiceRequired" })).toBe("pending")
    }
  })

  it("token and account problems turn a live connection to error, but never resurrect a revoked one", () => {
    for (const event of [{ _tag: "TokenFailed" }, { _tag: "AccountProblem" }] as const) {
      expect(nextStatus("active", event)).toBe("error")
      expect(nextStatus("pending", event)).toBe("error")
      expect(nextStatus("error", event)).toBe("error")
      expect(nextStatus("revoked", event)).toBe("revoked")
    }
  })

  it("disconnecting or Meta revoking ends in revoked from anywhere", () => {
    for (const status of all) {
      expect(nextStatus(status, { _tag: "Disconnected" })).toBe("revoked")
      expect(nextStatus(status, { _tag: "RevokedAtMeta" })).toBe("revoked")
    }
  })

  it("only active connections send; every connection but a revoked one keeps receiving", () => {
    expect(all.filter(canSend)).toEqual(["active"])
    expect(all.filter(acceptsInbound)).toEqual(["pending", "active", "error"])
  })

  it("formats Meta's display numbers as E.164", () => {
    expect(toE164("+1 631-555-5555")).toBe("+16315555555")
    expect(toE164("15555555555")).toBe("+15555555555")
  })
})

describe("transition: the one place a status changes", () => {
  const all2: ReadonlyArray<ConnectionStatus | null> = [null, "pending", "active", "error", "revoked"]

  it("a connect ends active, or pending with its step, from any status (reconnecting is always allowed)", () => {
    for (const status of all2) {
      expect(transition(status, { _tag: "Connected" })).toEqual({ status: "active" })
      expect(transition(status, { _tag: "AwaitStep", reason: "choose_number" })).toEqual({ status: "pending" })
    }
  })

  it("a revoked row keeps no token, whatever moved it there or reaches it afterwards", () => {
    const revoked = { status: "revoked", accessTokenEnc: null, tokenExpiresAt: null }
    for (const status of all2) {
      for (const reason of ["disconnect", "replaced", "revoked_at_meta"] as const)
        expect(transition(status, { _tag: "Revoke", reason })).toEqual(revoked)
    }
    expect(transition("revoked", { _tag: "Fail", reason: "token_invalid" })).toEqual(revoked)
    expect(transition("revoked", { _tag: "AccountSelected" })).toEqual(revoked)
    expect(transition("revoked", { _tag: "TokenAccepted", previous: "active" })).toEqual(revoked)
  })

  it("a failure turns a live connection to error", () => {
    for (const status of [null, "pending", "active", "error"] as const)
      expect(transition(status, { _tag: "Fail", reason: "missing_permissions" })).toEqual({ status: "error" })
  })

  it("choosing the ad account activates, except a connection in error (it must reconnect)", () => {
    expect(transition("pending", { _tag: "AccountSelected" })).toEqual({ status: "active" })
    expect(transition("active", { _tag: "AccountSelected" })).toEqual({ status: "active" })
    expect(transition("error", { _tag: "AccountSelected" })).toEqual({ status: "error" })
  })

  it("a token accepted again returns an errored connection where it was and leaves the others alone", () => {
    expect(transition("error", { _tag: "TokenAccepted", previous: "pending" })).toEqual({ status: "pending" })
    expect(transition("error", { _tag: "TokenAccepted", previous: "active" })).toEqual({ status: "active" })
    expect(transition("pending", { _tag: "TokenAccepted", previous: "active" })).toEqual({ status: "pending" })
    expect(transition("active", { _tag: "TokenAccepted", previous: "pending" })).toEqual({ status: "active" })
  })
})
