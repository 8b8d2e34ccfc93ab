// Labelled form controls that show their error in place, under the control.
import { useId, type KeyboardEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

interface BaseProps {
  label: string;
  error?: string;
  hint?: string;
  name: string;
}

/**
 * The keyboard's Enter (the "next" key on a tablet) moves to the next field instead of sending
 * the form half-filled; the form is saved only with its save button.
 */
export function nextOnEnter(e: KeyboardEvent<HTMLInputElement>) {
  if (e.key !== "Enter" || e.nativeEvent.isComposing) return;
  const form = e.currentTarget.form;
  const fields = [...(form ?? document).querySelectorAll<HTMLElement>("input:not([type=hidden]):not([type=file]), select, textarea")].filter(
    (el) => el.offsetParent !== null && !el.hasAttribute("disabled"),
  );
  // A form of one field (the name on the welcome screen) is sent by Enter, as anywhere else.
  if (fields.length <= 1) return;
  e.preventDefault();
  const next = fields[fields.indexOf(e.currentTarget) + 1];
  if (next) {
    next.focus();
    next.scrollIntoView({ block: "center" });
  } else {
    e.currentTarget.blur();
  }
}

/** Under a control: its error when there is one, else its hint. */
function FieldMessage({ id, error, hint }: { id?: string; error?: string; hint?: string }) {
  if (error) {
    return (
      <p className="field-error" id={id ? `${id}-error` : undefined} role="alert">
        {error}
      </p>
    );
  }
  return hint ? <p className="field-hint">{hint}</p> : null;
}

function Wrapper({ id, label, error, hint, children }: { id: string; label: string; error?: string; hint?: string; children: ReactNode }) {
  return (
    <div className={error ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children}
      <FieldMessage id={id} error={error} hint={hint} />
    </div>
  );
}

export function TextField({
  label,
  error,
  hint,
  name,
  value,
  onChange,
  type = "text",
  inputMode,
  autoFocus,
  dir,
  placeholder,
}: BaseProps & {
  value: string;
  onChange: (value: string) => void;
  type?: "text" | "time" | "tel" | "password";
  inputMode?: "text" | "decimal" | "numeric" | "tel";
  autoFocus?: boolean;
  dir?: "auto" | "ltr" | "rtl";
  placeholder?: string;
}) {
  const id = useId();
  return (
    <Wrapper id={id} label={label} error={error} hint={hint}>
      <input
        id={id}
        name={name}
        type={type}
        inputMode={inputMode}
        value={value}
        dir={dir}
        autoFocus={autoFocus}
        placeholder={placeholder}
        autoComplete={type === "password" ? "off" : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        enterKeyHint="next"
        onKeyDown={nextOnEnter}
        onChange={(e) => onChange(e.target.value)}
      />
    </Wrapper>
  );
}

/** A longer text (a note): Enter starts a new line. */
export function TextArea({ label, error, hint, name, value, onChange }: BaseProps & { value: string; onChange: (value: string) => void }) {
  const id = useId();
  return (
    <Wrapper id={id} label={label} error={error} hint={hint}>
      <textarea
        id={id}
        name={name}
        value={value}
        rows={4}
        dir="auto"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    </Wrapper>
  );
}

/**
 * A date typed day first (22.11.2026). A text field rather than the browser's date control,
 * whose order follows the system locale (month first on an English system) and could turn
 * 11.12 into 12 November unnoticed.
 */
export function DateField(props: BaseProps & { value: string; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  return <TextField {...props} inputMode="decimal" placeholder={t("common.date_placeholder")} dir="ltr" />;
}

export function SelectField<T extends string>({
  label,
  error,
  hint,
  name,
  value,
  options,
  onChange,
  placeholder,
}: BaseProps & {
  value: T | null;
  options: { value: T; label: string }[];
  onChange: (value: T | null) => void;
  placeholder: string;
}) {
  const id = useId();
  return (
    <Wrapper id={id} label={label} error={error} hint={hint}>
      <select
        id={id}
        name={name}
        value={value ?? ""}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value === "" ? null : (e.target.value as T))}
      >
        <option value="">{placeholder}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Wrapper>
  );
}

export function CheckboxField({ label, name, checked, onChange }: { label: string; name: string; checked: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div className="field field-checkbox">
      <input id={id} name={name} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/**
 * A row of large buttons for choosing one option, for touch. Tapping the chosen option again
 * keeps it: a double tap must not clear an answer (and with it the questions it opened).
 */
export function ChoiceButtons<T extends string | number>({
  label,
  name,
  value,
  options,
  onChange,
  error,
  readOnly,
}: {
  label: string;
  name: string;
  value: T | null;
  options: { value: T; label: string; detail?: string }[];
  onChange: (value: T | null) => void;
  error?: string;
  readOnly?: boolean;
}) {
  const id = useId();
  return (
    <fieldset className={error ? "field field-invalid choice" : "field choice"} data-name={name}>
      <legend id={id}>{label}</legend>
      <div className="choice-options" role="radiogroup" aria-labelledby={id}>
        {options.map((o) => (
          <button
            type="button"
            key={String(o.value)}
            role="radio"
            aria-checked={value === o.value}
            data-value={String(o.value)}
            disabled={readOnly}
            className={value === o.value ? "choice-option selected" : "choice-option"}
            onClick={() => onChange(o.value)}
          >
            <span className="choice-label">{o.label}</span>
            {o.detail ? <span className="choice-detail">{o.detail}</span> : null}
          </button>
        ))}
      </div>
      <FieldMessage error={error} />
    </fieldset>
  );
}

/** Toggle buttons for choosing any number of options. */
export function MultipleChoice({
  name,
  label,
  hint,
  chosen,
  options,
  onChange,
  error,
}: {
  name: string;
  label: string;
  hint: string;
  chosen: string[];
  options: { value: string; label: string }[];
  onChange: (chosen: string[]) => void;
  error?: string;
}) {
  return (
    <fieldset className={error ? "field field-invalid choice" : "field choice"} data-name={name}>
      <legend>{label}</legend>
      <div className="choice-options" role="group" aria-label={label}>
        {options.map((o) => {
          const on = chosen.includes(o.value);
          return (
            <button
              type="button"
              key={o.value}
              aria-pressed={on}
              data-value={o.value}
              className={on ? "choice-option selected" : "choice-option"}
              onClick={() => onChange(on ? chosen.filter((c) => c !== o.value) : [...chosen, o.value])}
            >
              <span className="choice-label">{o.label}</span>
            </button>
          );
        })}
      </div>
      <FieldMessage error={error} hint={hint} />
    </fieldset>
  );
}
