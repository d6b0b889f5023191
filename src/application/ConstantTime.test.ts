import { describe, expect, it } from "vitest"
import { constantTimeEquals } from "./ConstantTime.ts"

describe("constantTimeEquals", () => {
  it("compares texts and bytes, and answers false (never throws) on different lengths", () => {
    expect(constantTimeEquals("secret", "secret")).toBe(true)
    expect(constantTimeEquals("secret", "secreT")).toBe(false)
    expect(constantTimeEquals("secret", "secret!")).toBe(false)
    expect(constantTimeEquals("", "")).toBe(true)
    expect(constantTimeEquals(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(constantTimeEquals(new Uint8Array([1, 2]), new Uint8Array([1]))).toBe(false)
    expect(constantTimeEquals("é", new Uint8Array([0xc3, 0xa9]))).toBe(true)
  })
})
