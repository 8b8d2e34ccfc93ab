// Renders checklist sections from their definition (data, not screens): the mother's sections
// once, each baby's sections once per baby. Used both to fill a visit and to show a recorded one.
import { useTranslation } from "react-i18next";

import type { BabyRecord, ChecklistDefinition, FieldDef, Section, VisitNumber } from "../ipc";
import { formatNumber } from "../lib/dates";
import { evaluate } from "../lib/formula";
import { ChoiceButtons, TextField } from "./Field";

export function answerKey(baby: BabyRecord | null, field: string): string {
  return baby === null ? `mother.${field}` : `baby.${baby.id}.${field}`;
}

interface Props {
  definition: ChecklistDefinition;
  visit: VisitNumber;
  babies: BabyRecord[];
  values: Record<string, string>;
  onChange?: (key: string, value: string) => void;
  errors?: Record<string, string>;
  readOnly?: boolean;
}

export function ChecklistForm({ definition, visit, babies, values, onChange, errors = {}, readOnly = false }: Props) {
  const sections = definition.sections.filter((s) => s.visits.includes(visit));
  const form: FormState = { values, onChange, errors, readOnly };
  const mother = sections.filter((s) => s.subject === "mother");
  const baby = sections.filter((s) => s.subject === "baby");
  return (
    <div className="checklist">
      {mother.map((section) => (
        <SectionBlock key={section.id} section={section} baby={null} form={form} />
      ))}
      {babies.map((b) =>
        baby.map((section) => (
          <SectionBlock key={`${section.id}-${b.id}`} section={section} baby={b} form={form} />
        )),
      )}
    </div>
  );
}

/** What every section and field of one form shares. */
interface FormState {
  values: Record<string, string>;
  onChange?: (key: string, value: string) => void;
  errors: Record<string, string>;
  readOnly: boolean;
}

function SectionBlock({ section, baby, form }: { section: Section; baby: BabyRecord | null; form: FormState }) {
  const { t } = useTranslation();
  const babyName = baby ? baby.name ?? t("mother.unnamed_baby", { n: baby.ordinal }) : null;
  return (
    <section className="card checklist-section" data-section={section.id}>
      <h3>
        {t(`checklist.sections.${section.id}`)}
        {babyName ? <span className="section-subject"> · {babyName}</span> : null}
      </h3>
      <div className="field-grid">
        {section.fields.map((field) => (
          <FieldBlock key={field.key} field={field} baby={baby} form={form} />
        ))}
      </div>
    </section>
  );
}

function FieldBlock({ field, baby, form }: { field: FieldDef; baby: BabyRecord | null; form: FormState }) {
  const { values, onChange, errors, readOnly } = form;
  const { t, i18n } = useTranslation();
  const n = (value: number) => formatNumber(value, i18n.language);
  const key = answerKey(baby, field.key);
  const label = t(`checklist.fields.${field.key}`);
  const error = errors[`answers.${key}`];
  const kind = field.kind;
  switch (kind.type) {
    case "number": {
      const unit = t(`units.${kind.unit}`, { defaultValue: kind.unit });
      const stored = values[key];
      const shownValue = stored === undefined || stored === "" ? undefined : n(Number(stored));
      if (readOnly) return <ReadOnlyValue label={label} value={shownValue} unit={unit} name={key} />;
      return (
        <TextField
          name={key}
          label={`${label} (${unit})`}
          value={values[key] ?? ""}
          inputMode={kind.decimals > 0 ? "decimal" : "numeric"}
          hint={t("checklist.range", { min: n(kind.min), max: n(kind.max), unit })}
          error={error}
          onChange={(v) => onChange?.(key, v)}
        />
      );
    }
    case "choice":
      return (
        <ChoiceButtons
          name={key}
          label={label}
          value={values[key] === undefined || values[key] === "" ? null : Number(values[key])}
          readOnly={readOnly}
          error={error}
          options={kind.options.map((o) => ({
            value: o,
            label: String(o),
            detail: t(`checklist.options.${field.key}.${o}`, { defaultValue: "" }) || undefined,
          }))}
          onChange={(v) => onChange?.(key, v === null ? "" : String(v))}
        />
      );
    case "computed": {
      const value = evaluate(kind.formula, (f) => values[answerKey(baby, f)], baby?.birth_weight_g ?? null);
      const unit = kind.unit ? t(`units.${kind.unit}`, { defaultValue: kind.unit }) : "";
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
      <output className="field-value">{value === undefined || value === "" ? t("visit.not_answered") : `${value} ${unit}`.trim()}</output>
    </div>
  );
}
