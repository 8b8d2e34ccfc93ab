// A doctor's sign-off of a visit's red flags: which flags, an order (iron, a referral, an extra
// visit) and a note. Signed-off flags leave the follow-up list; earlier sign-offs are listed with
// who and when.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, REVIEW_ORDER_VALUES, type BabyRecord, type ChecklistDefinition, type Flag, type ReviewOrder, type ReviewRecord, type VisitRecord } from "../ipc";
import { numericDate, timeOfDay } from "../lib/dates";
import { errorsByField } from "../lib/errors";
import { useMayAct } from "../lib/member";
import { useSave } from "../lib/useSave";
import { ChoiceButtons, DateField, MultipleChoice, TextField } from "./Field";
import { FormErrorBanner } from "./ScreenState";

const ORDERS = REVIEW_ORDER_VALUES;

/** The key a sign-off names a flag by (as `review::flag_key` in Rust). */
export function flagKey(flag: Flag): string {
  return flag.baby ? `${flag.rule}:${flag.baby}` : flag.rule;
}

interface Props {
  visit: VisitRecord;
  flags: Flag[];
  reviews: ReviewRecord[];
  babies: BabyRecord[];
  definition: ChecklistDefinition;
  onSigned: () => void;
}

export function SignOff({ visit, flags, reviews, babies, onSigned }: Props) {
  const { t } = useTranslation();
  const mayReview = useMayAct("doctor");
  const mine = reviews.filter((r) => r.visit_id === visit.id);
  const signed = new Set(mine.flatMap((r) => r.flags));
  const open = flags.filter((f) => f.level !== "note" && !signed.has(flagKey(f)));
  // A sign-off stays when a correction removes the flag it signed; it says so.
  const raisedNow = new Set(flags.map(flagKey));
  const [chosen, setChosen] = useState<string[]>(open.map(flagKey));
  const [order, setOrder] = useState<ReviewOrder>("none");
  const [note, setNote] = useState("");
  const [extraOn, setExtraOn] = useState("");
  const { submit, error, saving } = useSave(
    () =>
      ipc.recordReview(
        { mother_id: visit.mother_id, visit_id: visit.id, flags: chosen, order, note },
        order === "extra_visit" ? extraOn : null,
      ),
    onSigned,
  );
  const errors = errorsByField(t, error);
  // The extra visit's reason is the note.
  const noteError = errors["note"] ?? (errors["reason"] ? t("review.note_needed") : undefined);
  const babyName = (id: string | null) => {
    const baby = id ? babies.find((b) => b.id === id) : undefined;
    return baby ? ` · ${baby.name ?? t("mother.unnamed_baby", { n: baby.ordinal })}` : "";
  };
  return (
    <section className="card sign-off" data-testid="sign-off">
      <h2>{t("review.title")}</h2>
      {mine.map((r) => (
        <p key={r.id} className="review-done" data-review={r.id}>
          <strong>{t("review.done", { by: r.reviewed_by, date: numericDate(r.reviewed_at.slice(0, 10)), time: timeOfDay(r.reviewed_at) })}</strong>{" "}
          {r.flags.map((k) => t(`flags.rules.${k.split(":")[0]}.title`)).join(", ")}
          {r.flags.some((k) => !raisedNow.has(k)) ? (
            <span className="review-gone" data-testid="review-gone">
              {" "}
              · {t("review.no_longer_raised", { flags: r.flags.filter((k) => !raisedNow.has(k)).map((k) => t(`flags.rules.${k.split(":")[0]}.title`)).join(", ") })}
            </span>
          ) : null}
          {r.order !== "none" ? ` · ${t(`review.orders.${r.order}`)}` : ""}
          {r.note ? <span dir="auto"> · {r.note}</span> : null}
        </p>
      ))}
      {open.length === 0 ? (
        <p className="subtitle">{t("review.nothing_open")}</p>
      ) : !mayReview ? (
        <p className="subtitle" data-testid="doctor-only">{t("review.doctor_only")}</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <FormErrorBanner error={error} />
          <MultipleChoice
            name="review_flags"
            label={t("review.flags")}
            hint={t("review.flags_hint")}
            chosen={chosen}
            error={errors["flags"]}
            options={open.map((f) => ({ value: flagKey(f), label: `${t(`flags.rules.${f.rule}.title`)}${babyName(f.baby)}` }))}
            onChange={setChosen}
          />
          <ChoiceButtons
            name="review_order"
            label={t("review.order")}
            value={order}
            options={ORDERS.map((o) => ({ value: o, label: t(`review.orders.${o}`) }))}
            onChange={(v) => setOrder(v ?? "none")}
          />
          {order === "extra_visit" ? (
            <DateField name="extra_visit_on" label={t("review.extra_on")} value={extraOn} onChange={setExtraOn} error={errors["due_on"]} />
          ) : null}
          <TextField name="review_note" label={t("review.note")} value={note} onChange={setNote} error={noteError} dir="auto" />
          <div className="form-actions">
            <button type="submit" className="primary" name="sign_off" disabled={saving || chosen.length === 0}>
              {t("review.sign")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
