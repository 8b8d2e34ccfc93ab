// Dates as the nurse reads them, in the UI language. Dates from Rust are local calendar dates
// (YYYY-MM-DD) and are formatted without any time zone shift.

/**
 * The Intl locale for a UI language. Arabic keeps the digits the tablet's keyboard types (0–9),
 * so dates, counts and typed values read alike.
 */
export function intlLocale(language: string): string {
  return language.startsWith("ar") ? `${language}-u-nu-latn` : language;
}

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
  return new Intl.DateTimeFormat(intlLocale(language), { day: "numeric", month: "short", timeZone: "UTC" }).format(asUtcDate(iso));
}

/** "25 Kasım 2026 Çarşamba". */
export function longDate(iso: string, language: string): string {
  return new Intl.DateTimeFormat(intlLocale(language), {
    day: "numeric",
    month: "long",
    year: "numeric",
    weekday: "long",
    timeZone: "UTC",
  }).format(asUtcDate(iso));
}

/**
 * "25.11.2026" in every language: day first, as dates are written in Turkey and Syria, so a
 * date is never read month first. Also the form date fields take.
 */
export function numericDate(iso: string): string {
  const [y, m, d] = parts(iso);
  return `${String(d).padStart(2, "0")}.${String(m).padStart(2, "0")}.${y}`;
}

/** A YYYY-MM-DD string, as the Rust side sends dates and error values. */
export function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text);
}

/** The time now in İzmir as HH:MM, for a visit recorded now, whatever zone the device is set to. */
export function nowTime(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "Europe/Istanbul" })
    .formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${part("hour")}:${part("minute")}`;
}

/**
 * A measured value in the UI language: 36,8 in Turkish, 36.8 in English; at most `decimals`
 * decimals.
 */
export function formatNumber(value: number, language: string, decimals = 1): string {
  return new Intl.NumberFormat(intlLocale(language), { maximumFractionDigits: decimals, useGrouping: false }).format(value);
}

/** A unit kept left to right inside right-to-left text ("/min" must not become "min/"). */
export function isolate(text: string, language: string): string {
  return text === "" || !language.startsWith("ar") ? text : `\u2066${text}\u2069`;
}

/** "14:05" in İzmir, for an instant sent by the Rust side (RFC 3339). */
export function timeOfDay(instant: string): string {
  return nowTime(new Date(instant));
}

/** A date as typed (22.11.2026, or ISO) in ISO form, or null while it is not a whole date. */
export function isoFromTyped(text: string): string | null {
  const m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(text.trim());
  const iso = m ? `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}` : text.trim();
  return isIsoDate(iso) && !Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) ? iso : null;
}
