import { describe, expect, it } from "vitest"
import { formatPhoneNumber } from "./format.ts"

describe("the one phone-number format", () => {
  it("is international with spaces, whichever way the number came", () => {
    // E.164 (the connection), Meta's display form (the picker), a wa_id without the plus (conversations).
    expect(formatPhoneNumber("+15550101234")).toBe("+1 555 010 1234")
    expect(formatPhoneNumber("+1 555-010-1234")).toBe("+1 555 010 1234")
    expect(formatPhoneNumber("15550101234")).toBe("+1 555 010 1234")
  })

  it("finds one-, two- and three-digit country codes", () => {
    expect(formatPhoneNumber("+447911123456")).toBe("+44 791 112 3456")
    expect(formatPhoneNumber("5511987654321")).toBe("+55 11 987 654 321")
    expect(formatPhoneNumber("+351912345678")).toBe("+351 912 345 678")
    expect(formatPhoneNumber("+79161234567")).toBe("+7 916 123 4567")
  })

  it("leaves what is not a number as given", () => {
    expect(formatPhoneNumber("")).toBe("")
    expect(formatPhoneNumber(null)).toBe("")
    expect(formatPhoneNumber("n/a")).toBe("n/a")
  })
})
