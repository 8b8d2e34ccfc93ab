// Dates as the nurse reads them, in the UI language. Dates from Rust are local calendar dates
// (YYYY-MM-DD) and are formatted without any time zone shift.

function parts(iso: string): [number, number, number] {
  const [y, m, d] = iso.split("-").map(Number);
  return [y, m, d];
}

function asUtcDate(iso: string): Date {
  const [y, m, d] = parts(iso);
  return new Date(Date.UTC(y, m - 1, d));
}

/** "25 Kasım" / "25 November". */
export function shortDate(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { day: "numeric", month: "short", timeZone: "UTC" }).format(asUtcDate(iso));
}

/** "25 Kasım 2026 Çarşamba". */
export function longDate(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, {
    day: "numeric",
    month: "long",
    year: "numeric",
    weekday: "long",
    timeZone: "UTC",
  }).format(asUtcDate(iso));
}

/** "25.11.2026" / "25/11/2026". */
export function numericDate(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" }).format(
    asUtcDate(iso),
  );
}

/** The current local time as HH:MM, for a visit recorded now. */
export function nowTime(): string {
  const now = new Date();
  return `${String(now.getHours()).padStart(2, "0")}:${String(now.getMinutes()).padStart(2, "0")}`;
}
