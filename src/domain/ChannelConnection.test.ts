import { describe, expect, it } from "vitest"
import { acceptsInbound, type ConnectionStatus, canSend, nextStatus, toE164 } from "./ChannelConnection.ts"

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
