// Renders checklist sections from their definition (data, not screens): the mother's sections
// once, each baby's sections once per baby, each section and field only when its condition holds.
// Used to fill a visit, to show a recorded one, and to add lab results to it later.
import { useTranslation } from "react-i18next";

import type { BabyRecord, BirthRecord, ChecklistDefinition, FieldDef, InstrumentText, Section, VisitNumber } from "../ipc";
import { formatNumber, isIsoDate, isoFromTyped, isolate, numericDate } from "../lib/dates";
import { evaluate, holds, type Facts } from "../lib/formula";
import { ChoiceButtons, DateField, MultipleChoice, TextField } from "./Field";

export function answerKey(baby: BabyRecord | null, field: string): string {
  return baby === null ? `mother.${field}` : `baby.${baby.id}.${field}`;
}

/** A stored answer as the form holds it: lists comma-joined, yes/no as words, dates day first. */
export function answerText(value: unknown): string {
  if (Array.isArray(value)) return value.join(",");
  if (value === true) return "yes";
  if (value === false) return "no";
  if (typeof value === "string" && isIsoDate(value)) return numericDate(value);
  return value === null || value === undefined ? "" : String(value);
}

/** Days from the birth to `date` (DD.MM.YYYY or YYYY-MM-DD), or null while it is not a date. */
export function dayOfLife(birthDate: string, date: string): number | null {
  const iso = isoFromTyped(date);
  if (iso === null) return null;
  const days = (Date.parse(`${iso}T00:00:00Z`) - Date.parse(`${birthDate}T00:00:00Z`)) / 86_400_000;
  return Number.isFinite(days) ? Math.round(days) : null;
}

export const OPTION_LETTERS = ["A", "B", "C", "D", "E", "F"];

export interface Props {
  definition: ChecklistDefinition;
  visit: VisitNumber;
  birth: BirthRecord;
  babies: BabyRecord[];
  /** The visit date as typed, for the day of life. */
  visitDate: string;
  values: Record<string, string>;
  onChange?: (key: string, value: string) => void;
  errors?: Record<string, string>;
  readOnly?: boolean;
  /** Only the sections whose answers may be added after the visit (lab results). */
  onlyLater?: boolean;
  /** Texts of the screening instruments in the UI language, where loaded. */
  screeningTexts?: Record<string, InstrumentText | null>;
  /** Opens the screen where the mother answers a screening herself. */
  onSelfScreening?: (instrument: string) => void;
}

/** The answers among `answers` whose question the form shows under the values it holds: what a
 * save sends. A value typed into a question that another answer then hid stays in the form (it
 * comes back if the answer changes back), but is not sent; the core refuses it. */
export function shownAnswers(form: Props, answers: Record<string, string>): Record<string, string> {
  const { definition, visit, babies, onlyLater = false } = form;
  const shown = new Set<string>();
  const sections = definition.sections.filter((s) => s.visits.includes(visit) && (!onlyLater || s.later));
  for (const section of sections) {
    for (const baby of section.subject === "mother" ? [null] : babies) {
      const f = facts(form, baby);
      if (section.show_if && !holds(section.show_if, f)) continue;
      for (const field of section.fields) {
        if (!field.show_if || holds(field.show_if, f)) shown.add(answerKey(baby, field.key));
      }
    }
  }
  return Object.fromEntries(Object.entries(answers).filter(([key]) => shown.has(key)));
}

export function ChecklistForm(props: Props) {
  const { t } = useTranslation();
  const { definition, visit, babies, onlyLater = false } = props;
  const sections = definition.sections.filter((s) => s.visits.includes(visit) && (!onlyLater || s.later));
  const mother = sections.filter((s) => s.subject === "mother");
  const baby = sections.filter((s) => s.subject === "baby");
  const blocks: { key: string; section: Section; baby: BabyRecord | null }[] = [
    ...mother.map((section) => ({ key: section.id, section, baby: null })),
    ...babies.flatMap((b) => baby.map((section) => ({ key: `${section.id}-${b.id}`, section, baby: b }))),
  ].filter(({ section, baby }) => !section.show_if || holds(section.show_if, facts(props, baby)));
  return (
    <div className="checklist">
      {blocks.length > 3 && !props.readOnly ? (
        <nav className="section-nav" aria-label={t("checklist.sections_nav")}>
          {blocks.map(({ key, section, baby }) => (
            <a key={key} href={`#section-${key}`} onClick={(e) => jumpTo(e, `section-${key}`)}>
              {t(`checklist.sections.${section.id}`)}
              {baby && babies.length > 1 ? ` · ${babyName(t, baby)}` : ""}
            </a>
          ))}
        </nav>
      ) : null}
      {blocks.map(({ key, section, baby }) => (
        <SectionBlock key={key} id={`section-${key}`} section={section} baby={baby} form={props} />
      ))}
    </div>
  );
}

function jumpTo(e: React.MouseEvent, id: string) {
  e.preventDefault();
  document.getElementById(id)?.scrollIntoView({ behavior: "smooth", block: "start" });
}

function babyName(t: (key: string, options?: Record<string, unknown>) => string, baby: BabyRecord): string {
  return baby.name ?? t("mother.unnamed_baby", { n: baby.ordinal });
}

function facts(form: Props, baby: BabyRecord | null): Facts {
  return {
    value: (field) => form.values[answerKey(baby, field)],
    birthWeightG: baby?.birth_weight_g ?? null,
    dayOfLife: dayOfLife(form.birth.birth_date, form.visitDate),
    birthMode: form.birth.mode,
    visitNumber: form.visit,
    instruments: form.definition.instruments,
  };
}

function SectionBlock({ id, section, baby, form }: { id: string; section: Section; baby: BabyRecord | null; form: Props }) {
  const { t } = useTranslation();
  const f = facts(form, baby);
  const fields = section.fields.filter((field) => !field.show_if || holds(field.show_if, f));
  if (form.readOnly && fields.every((field) => field.kind.type !== "computed" && !form.values[answerKey(baby, field.key)])) {
    // Nothing recorded in this section: no empty card in the record.
    return null;
  }
  const instrument = fields.find((field) => field.kind.type === "item")?.kind;
  return (
    <section className="card checklist-section" id={id} data-section={section.id}>
      <h3>
        {t(`checklist.sections.${section.id}`)}
        {baby ? <span className="section-subject" dir="auto"> · {babyName(t, baby)}</span> : null}
      </h3>
      {instrument?.type === "item" && form.onSelfScreening && !form.readOnly ? (
        <button type="button" className="secondary self-screening" name="self_screening" onClick={() => form.onSelfScreening?.(instrument.instrument)}>
          {t("screening.self")}
        </button>
      ) : null}
      <div className="field-grid">
        {fields.map((field) => (
          <FieldBlock key={field.key} field={field} baby={baby} form={form} facts={f} />
        ))}
      </div>
    </section>
  );
}

function FieldBlock({ field, baby, form, facts: f }: { field: FieldDef; baby: BabyRecord | null; form: Props; facts: Facts }) {
  const { values, onChange, errors = {}, readOnly = false } = form;
  const { t, i18n } = useTranslation();
  const n = (value: number) => formatNumber(value, i18n.language);
  const key = answerKey(baby, field.key);
  const label = t(`checklist.fields.${field.key}`);
  const error = errors[`answers.${key}`];
  const raw = values[key] ?? "";
  const set = (value: string) => onChange?.(key, value);
  const optionLabel = (o: string | number) => t(`checklist.options.${field.key}.${o}`, { defaultValue: String(o) });
  const kind = field.kind;
  switch (kind.type) {
    case "number": {
      const unit = kind.unit ? isolate(t(`units.${kind.unit}`, { defaultValue: kind.unit }), i18n.language) : "";
      const exact = (value: number) => formatNumber(value, i18n.language, kind.decimals);
      if (readOnly) return <ReadOnlyValue label={label} value={raw === "" ? undefined : exact(Number(raw))} unit={unit} name={key} />;
      return (
        <TextField
          name={key}
          label={unit ? `${label} (${unit})` : label}
          value={raw}
          inputMode={kind.decimals > 0 ? "decimal" : "numeric"}
          hint={t("checklist.range", { min: exact(kind.min), max: exact(kind.max), unit }).trim()}
          error={error}
          onChange={set}
        />
      );
    }
    case "choice":
      return (
        <ChoiceButtons
          name={key}
          label={label}
          value={raw === "" ? null : Number(raw)}
          readOnly={readOnly}
          error={error}
          options={kind.options.map((o) => ({
            value: o,
            label: String(o),
            detail: t(`checklist.options.${field.key}.${o}`, { defaultValue: "" }) || undefined,
          }))}
          onChange={(v) => set(v === null ? "" : String(v))}
        />
      );
    case "single":
      if (readOnly) return <ReadOnlyValue label={label} value={raw === "" ? undefined : optionLabel(raw)} unit="" name={key} />;
      return (
        <ChoiceButtons
          name={key}
          label={label}
          value={raw === "" ? null : raw}
          error={error}
          options={kind.options.map((o) => ({ value: o, label: optionLabel(o) }))}
          onChange={(v) => set(v ?? "")}
        />
      );
    case "yes_no":
      if (readOnly) return <ReadOnlyValue label={label} value={raw === "" ? undefined : t(`checklist.${raw}`)} unit="" name={key} />;
      return (
        <ChoiceButtons
          name={key}
          label={label}
          value={raw === "" ? null : raw}
          error={error}
          options={["yes", "no"].map((o) => ({ value: o, label: t(`checklist.${o}`) }))}
          onChange={(v) => set(v ?? "")}
        />
      );
    case "multiple": {
      const chosen = raw.split(",").filter((s) => s !== "");
      if (readOnly) {
        return <ReadOnlyValue label={label} value={chosen.length ? chosen.map(optionLabel).join(", ") : undefined} unit="" name={key} />;
      }
      return (
        <MultipleChoice
          name={key}
          label={label}
          hint={t("checklist.choose_any")}
          chosen={chosen}
          error={error}
          options={kind.options.map((o) => ({ value: o, label: optionLabel(o) }))}
          onChange={(list) => set(kind.options.filter((o) => list.includes(o)).join(","))}
        />
      );
    }
    case "scale": {
      if (readOnly) return <ReadOnlyValue label={label} value={raw === "" ? undefined : raw} unit="" name={key} />;
      const steps = Array.from({ length: kind.max - kind.min + 1 }, (_, i) => kind.min + i);
      return (
        <ChoiceButtons
          name={key}
          label={label}
          value={raw === "" ? null : Number(raw)}
          error={error}
          options={steps.map((s) => ({ value: s, label: String(s) }))}
          onChange={(v) => set(v === null ? "" : String(v))}
        />
      );
    }
    case "date":
      if (readOnly) return <ReadOnlyValue label={label} value={raw || undefined} unit="" name={key} />;
      return <DateField name={key} label={label} value={raw} error={error} onChange={set} />;
    case "time":
      if (readOnly) return <ReadOnlyValue label={label} value={raw || undefined} unit="" name={key} />;
      return <TextField name={key} type="time" label={label} value={raw} error={error} onChange={set} />;
    case "text":
      if (readOnly) return <ReadOnlyValue label={label} value={raw || undefined} unit="" name={key} />;
      return <TextField name={key} label={label} value={raw} error={error} onChange={set} dir="auto" />;
    case "item": {
      const text = form.screeningTexts?.[kind.instrument]?.items[kind.item - 1];
      const count = form.definition.instruments.find((i) => i.id === kind.instrument)?.options ?? 4;
      const itemLabel = text ? `${kind.item}. ${text.text}` : t("checklist.item_n", { n: kind.item });
      const options = Array.from({ length: count }, (_, p) => ({
        value: p,
        label: OPTION_LETTERS[p],
        detail: text?.options[p],
      }));
      if (readOnly) {
        const p = raw === "" ? null : Number(raw);
        const shown = p === null ? undefined : `${OPTION_LETTERS[p]}${text ? ` · ${text.options[p]}` : ""}`;
        return <ReadOnlyValue label={itemLabel} value={shown} unit="" name={key} />;
      }
      return (
        <ChoiceButtons
          name={key}
          label={itemLabel}
          value={raw === "" ? null : Number(raw)}
          error={error}
          options={options}
          onChange={(v) => set(v === null ? "" : String(v))}
        />
      );
    }
    case "computed": {
      const value = evaluate(kind.formula, f);
      const unit = kind.unit ? isolate(t(`units.${kind.unit}`, { defaultValue: kind.unit }), i18n.language) : "";
      const shown = value === null ? null : kind.unit === "%" && value > 0 ? `+${n(value)}` : n(value);
      return <ReadOnlyValue label={label} value={shown ?? undefined} unit={unit} name={key} computed />;
    }
  }
}

function ReadOnlyValue({ label, value, unit, name, computed }: { label: string; value?: string; unit: string; name: string; computed?: boolean }) {
  const { t } = useTranslation();
  return (
    <div className={computed ? "field field-computed" : "field field-readonly"} data-name={name}>
      <span className="field-label">{label}</span>
      <output className="field-value" dir="auto">
        {value === undefined || value === "" ? t("visit.not_answered") : `${value} ${unit}`.trim()}
      </output>
    </div>
  );
}

