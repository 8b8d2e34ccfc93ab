// Red flags with their level, what crossed which threshold, and what to do, urgent first.
import { useTranslation } from "react-i18next";

import type { BabyRecord, Flag } from "../ipc";
import { formatNumber } from "../lib/dates";
import { fieldLabel } from "../lib/errors";

const SYMBOLS = { lt: "<", le: "≤", gt: ">", ge: "≥" } as const;

export function FlagList({ flags, babies }: { flags: Flag[]; babies: BabyRecord[] }) {
  const { t, i18n } = useTranslation();
  if (flags.length === 0) return null;
  const n = (value: number) => formatNumber(value, i18n.language);
  return (
    <ul className="flags">
      {flags.map((flag, i) => {
        const baby = flag.baby ? babies.find((b) => b.id === flag.baby) : undefined;
        const babyName = baby ? baby.name ?? t("mother.unnamed_baby", { n: baby.ordinal }) : null;
        const reasons = flag.reasons
          .map((r) => `${fieldLabel(t, `answers.mother.${r.field}`)} ${n(r.value)} ${SYMBOLS[r.op]} ${n(r.threshold)}`)
          .join("; ");
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
