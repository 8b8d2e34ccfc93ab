// Red flags with their level, the sentence that says which value crossed which threshold, and
// what to do, urgent first.
import type { TFunction } from "i18next";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, type BabyRecord, type ChecklistDefinition, type Flag, type Reason } from "../ipc";
import { formatNumber, isolate } from "../lib/dates";

/** The unit a number field is measured in, from the definition, translated. */
function unitOf(t: TFunction, language: string, definition: ChecklistDefinition | undefined, field: string): string {
  for (const section of definition?.sections ?? []) {
    for (const f of section.fields) {
      if (f.key !== field) continue;
      const unit = f.kind.type === "number" ? f.kind.unit : f.kind.type === "computed" ? f.kind.unit : null;
      return unit ? ` ${isolate(t(`units.${unit}`, { defaultValue: unit }), language)}` : "";
    }
  }
  return "";
}

/** "Blood pressure, systolic 164 mmHg: at or above 160", in the UI language. */
export function reasonSentence(t: TFunction, language: string, reason: Reason, definition?: ChecklistDefinition): string {
  // Two decimals, so a value just past a threshold never reads as equal to it (-10,03 % < -10).
  const n = (value: number) => formatNumber(value, language, 2);
  const label = (field: string) => t(`checklist.fields.${field}`, { defaultValue: field });
  const unit = unitOf(t, language, definition, reason.field);
  switch (reason.type) {
    case "compare":
      return t("flags.reason.compare", {
        field: label(reason.field),
        value: `${n(reason.value)}${unit}`,
        op: t(`flags.ops.${reason.op}`, { threshold: n(reason.threshold) }),
      });
    case "compare_fields":
      return t("flags.reason.compare_fields", {
        field: label(reason.field),
        value: `${n(reason.value)}${unit}`,
        op: t(`flags.ops.${reason.op}`, { threshold: `${label(reason.other)} (${n(reason.other_value)})` }),
      });
    case "is": {
      const answer =
        reason.answer === "yes" || reason.answer === "no"
          ? t(`checklist.${reason.answer}`)
          : t(`checklist.options.${reason.field}.${reason.answer}`, { defaultValue: reason.answer });
      return t("flags.reason.is", { field: label(reason.field), answer });
    }
    case "risen":
      return t("flags.reason.risen", {
        field: label(reason.field),
        value: n(reason.value),
        previous: n(reason.previous),
        diff: n(reason.value - reason.previous),
      });
  }
}

/** The current definition, fetched once, for the units of flags shown without their own. */
let current: Promise<ChecklistDefinition> | null = null;

export function useUnits(given: ChecklistDefinition | undefined, needed: boolean): ChecklistDefinition | undefined {
  const [loaded, setLoaded] = useState<ChecklistDefinition | undefined>(undefined);
  useEffect(() => {
    if (given || !needed) return;
    let live = true;
    current ??= ipc.checklist(null);
    current.then((d) => live && setLoaded(d)).catch(() => (current = null));
    return () => {
      live = false;
    };
  }, [given, needed]);
  return given ?? loaded;
}

export function FlagList({ flags, babies, definition: given }: { flags: Flag[]; babies: BabyRecord[]; definition?: ChecklistDefinition }) {
  const { t, i18n } = useTranslation();
  const definition = useUnits(given, flags.length > 0);
  if (flags.length === 0) return null;
  return (
    <ul className="flags">
      {flags.map((flag, i) => {
        const baby = flag.baby ? babies.find((b) => b.id === flag.baby) : undefined;
        const babyName = baby ? baby.name ?? t("mother.unnamed_baby", { n: baby.ordinal }) : null;
        const reasons = flag.reasons.map((r) => reasonSentence(t, i18n.language, r, definition)).join("; ");
        return (
          <li key={`${flag.rule}-${flag.baby ?? "mother"}-${i}`} className={`flag flag-${flag.level}`} data-flag={flag.rule} data-level={flag.level}>
            <strong className="flag-title">
              {t(`flags.levels.${flag.level}`)}: {t(`flags.rules.${flag.rule}.title`)}
              {babyName ? <span dir="auto"> · {babyName}</span> : null}
            </strong>
            <span className="flag-reasons">{reasons}</span>
            <span className="flag-action">{t(`flags.rules.${flag.rule}.action`)}</span>
          </li>
        );
      })}
    </ul>
  );
}
