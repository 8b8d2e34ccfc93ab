// The screen a mother fills in herself: a screening questionnaire in her language, one question
// at a time, with large answers and nothing of her record (or anyone else's) in view. The nurse
// picks the language and hands over the tablet; the answers go back into the visit form.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, type Instrument, type InstrumentText } from "../ipc";
import { direction, LANGUAGES, type UiLanguage } from "../i18n";
import { OPTION_LETTERS } from "./ChecklistForm";

type Stage = "handover" | "questions" | "thanks";

interface Props {
  instrument: Instrument;
  /** Her preferred language, when it is one the app speaks. */
  language: UiLanguage;
  onDone: (positions: Record<number, number>) => void;
  onCancel: () => void;
}

export function SelfScreening({ instrument, language: preferred, onDone, onCancel }: Props) {
  const { t: staffT, i18n } = useTranslation();
  const [language, setLanguage] = useState<UiLanguage>(preferred);
  const [stage, setStage] = useState<Stage>("handover");
  const [item, setItem] = useState(1);
  // She starts from blank answers, whatever the nurse may have entered: nothing is suggested.
  const [positions, setPositions] = useState<Record<number, number>>({});
  const [text, setText] = useState<InstrumentText | null | undefined>(undefined);
  const t = i18n.getFixedT(language);
  const dir = direction(language);

  useEffect(() => {
    let live = true;
    setText(undefined);
    ipc
      .screeningText(instrument.id, language)
      .then((found) => live && setText(found))
      .catch(() => live && setText(null));
    return () => {
      live = false;
    };
  }, [instrument.id, language]);

  const answered = Object.keys(positions).length;
  const itemText = text?.items[item - 1];

  return (
    <div className="self-screening-overlay" role="dialog" aria-modal="true" aria-label={text?.title ?? instrument.id.toUpperCase()} lang={language} dir={dir}>
      {stage === "handover" ? (
        <div className="self-screening-card">
          <p className="self-screening-staff" lang={i18n.language} dir={direction(i18n.language)}>
            {staffT("screening.handover")}
          </p>
          <div className="choice-options" role="radiogroup" aria-label={staffT("fields.mother.preferred_language")}>
            {LANGUAGES.map((l) => (
              <button
                key={l}
                type="button"
                role="radio"
                aria-checked={language === l}
                name={`screening_language_${l}`}
                className={language === l ? "choice-option selected" : "choice-option"}
                onClick={() => setLanguage(l)}
              >
                <span className="choice-label" lang={l}>{i18n.getFixedT(l)(`options.language.${l}`)}</span>
              </button>
            ))}
          </div>
          <div className="form-actions">
            <button type="button" className="secondary" onClick={onCancel}>
              {staffT("common.cancel")}
            </button>
            <button type="button" className="primary" name="screening_start" onClick={() => setStage("questions")}>
              {t("screening.start")}
            </button>
          </div>
        </div>
      ) : null}
      {stage === "questions" ? (
        <div className="self-screening-card">
          <h1>{text?.title ?? instrument.id.toUpperCase()}</h1>
          {text ? <p className="self-screening-intro">{text.instructions}</p> : null}
          {text === null ? <p className="self-screening-intro">{t("screening.no_text")}</p> : null}
          <p className="self-screening-progress">{t("screening.question_of", { n: item, total: instrument.items })}</p>
          <fieldset className="self-screening-item" data-item={item}>
            <legend>{itemText ? itemText.text : t("checklist.item_n", { n: item })}</legend>
            <div className="self-screening-options">
              {Array.from({ length: instrument.options }, (_, p) => (
                <button
                  key={p}
                  type="button"
                  role="radio"
                  aria-checked={positions[item] === p}
                  data-position={p}
                  className={positions[item] === p ? "self-screening-option selected" : "self-screening-option"}
                  onClick={() => setPositions((all) => ({ ...all, [item]: p }))}
                >
                  <span className="option-letter">{OPTION_LETTERS[p]}</span>
                  {itemText ? <span>{itemText.options[p]}</span> : null}
                </button>
              ))}
            </div>
          </fieldset>
          <div className="form-actions">
            <button type="button" className="secondary" disabled={item === 1} onClick={() => setItem(item - 1)}>
              {t("screening.previous")}
            </button>
            {item < instrument.items ? (
              <button type="button" className="primary" name="screening_next" disabled={positions[item] === undefined} onClick={() => setItem(item + 1)}>
                {t("screening.next")}
              </button>
            ) : (
              <button type="button" className="primary" name="screening_finish" disabled={answered < instrument.items} onClick={() => setStage("thanks")}>
                {t("screening.finish")}
              </button>
            )}
          </div>
          <p className="footnote">{t("screening.answered", { count: answered, total: instrument.items })}</p>
          {text?.source ? <p className="footnote">{text.source}</p> : null}
        </div>
      ) : null}
      {stage === "thanks" ? (
        <div className="self-screening-card">
          <p className="self-screening-thanks">{t("screening.thanks")}</p>
          <div className="form-actions">
            <button type="button" className="primary" name="screening_return" onClick={() => onDone(positions)} lang={i18n.language}>
              {staffT("screening.return")}
            </button>
          </div>
        </div>
      ) : null}
      {stage === "questions" ? <HoldToStop label={staffT("screening.cancel")} onStop={onCancel} lang={i18n.language} /> : null}
    </div>
  );
}

/**
 * The nurse's way out: held for a second and a half, so a tap by the mother does not take her
 * back into the app (and to her record) half-way through.
 */
function HoldToStop({ label, onStop, lang }: { label: string; onStop: () => void; lang: string }) {
  const timer = useRef<number | null>(null);
  const release = () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
  };
  return (
    <button
      type="button"
      name="screening_stop"
      className="link self-screening-stop"
      lang={lang}
      onPointerDown={() => {
        release();
        timer.current = window.setTimeout(onStop, 1500);
      }}
      onPointerUp={release}
      onPointerLeave={release}
      onContextMenu={(e) => e.preventDefault()}
    >
      {label}
    </button>
  );
}
