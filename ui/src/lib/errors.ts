// Turns the field errors the Rust side returns into sentences in the UI language that name the
// field and the rule ("Doğum ağırlığı: 40000 g kabul edilen aralığın dışında (500–7000 g)").
import type { TFunction } from "i18next";

import type { AppError, FieldError } from "../ipc";
import { formatNumber, intlLocale, isIsoDate, numericDate } from "./dates";

/** The translation key of a field's label, from its error path. */
export function fieldLabelKey(field: string): string {
  if (field === "babies") return "fields.babies";
  // babies.0.birth_weight_g -> fields.baby.birth_weight_g
  const baby = /^babies\.\d+\.(.+)$/.exec(field);
  if (baby) return `fields.baby.${baby[1]}`;
  // answers.mother.bp_systolic, answers.baby.<id>.weight_g -> checklist.fields.<key>
  if (field.startsWith("answers.")) {
    const last = field.split(".").pop() ?? field;
    return `checklist.fields.${last}`;
  }
  if (field.startsWith("mother.") || field.startsWith("birth.")) return `fields.${field}`;
  return `fields.visit.${field}`;
}

export function fieldLabel(t: TFunction, field: string): string {
  return t(fieldLabelKey(field), { defaultValue: field });
}

/** The sentence for one field error, starting with the field's name. */
export function fieldErrorMessage(t: TFunction, error: FieldError): string {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(error.params as Record<string, string>)) {
    params[name] = isIsoDate(value) ? numericDate(value) : /^-?\d+\.\d+$/.test(value) ? formatNumber(Number(value), t("language_code")) : value;
  }
  if (params.unit !== undefined) params.unit = t(`units.${params.unit}`, { defaultValue: params.unit });
  if ((error.rule === "must_be_below" || error.rule === "date_order") && params.other !== undefined) {
    params.other = fieldLabel(t, params.other.includes(".") ? params.other : `answers.mother.${params.other}`);
  }
  if (error.rule === "not_shown" && params.depends_on !== undefined) {
    // The answers (or visit facts) the question depends on, by their labels.
    const facts: Record<string, string> = { day_of_life: "checklist.fields.day_of_life", visit_number: "fields.visit.number" };
    params.depends_on = params.depends_on
      .split(", ")
      .map((name) => (name === "birth_mode" ? fieldLabel(t, "birth.mode") : facts[name] ? t(facts[name], { defaultValue: name }) : fieldLabel(t, `answers.mother.${name}`)))
      .map((label) => `«${label}»`)
      .join(", ");
  }
  const rule = t(`rules.${error.rule}`, params);
  return `${fieldLabel(t, error.field)}: ${rule}`.replace(/\s+\)/g, ")").replace(/\s{2,}/g, " ");
}

/** Errors by field path, for showing each one in place. */
export function errorsByField(t: TFunction, error: AppError | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of error?.errors ?? []) {
    out[e.field] ??= fieldErrorMessage(t, e);
  }
  return out;
}

/** A sentence for errors that are not about one field. */
export function generalMessage(t: TFunction, error: AppError): string {
  switch (error.kind) {
    case "validation":
      return t("common.fix_errors", { count: error.errors.length });
    case "not_found":
      return t("common.error_not_found");
    case "deleted": {
      const params = (error.errors[0]?.params ?? {}) as Record<string, string>;
      const at = params.at ? new Date(params.at).toLocaleString(intlLocale(t("language_code")), { dateStyle: "short", timeStyle: "short" }) : "?";
      return t("common.error_deleted", { by: params.by ?? "?", at });
    }
    case "no_member":
      return t("common.error_no_member");
    case "internal":
      return t("common.error_internal");
    case "sync":
      return t(`sync.errors.${error.code ?? "other"}`, { defaultValue: t("sync.errors.other") });
    default:
      return t("common.error_storage");
  }
}
