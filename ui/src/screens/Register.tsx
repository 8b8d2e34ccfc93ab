// Registering a newly referred mother, her birth and her babies in one form. Every field error
// comes from the Rust validation and is shown under its field; nothing is saved until all is valid.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { CheckboxField, DateField, SelectField, TextField } from "../components/Field";
import { FormActions, FormErrorBanner, LoadFailed, Loading } from "../components/ScreenState";
import {
  ipc,
  RESIDENCY_STATUS_VALUES,
  LANGUAGE_VALUES,
  BIRTH_MODE_VALUES,
  BABY_SEX_VALUES,
  toAppError,
  type AppError,
  type MotherId,
  type BabyInput,
  type RegistrationInput,
} from "../ipc";
import { errorsByField } from "../lib/errors";
import { useNav } from "../lib/nav";
import { useSave } from "../lib/useSave";

const RESIDENCY = RESIDENCY_STATUS_VALUES;
const LANGUAGES = LANGUAGE_VALUES;
const MODES = BIRTH_MODE_VALUES;
const SEXES = BABY_SEX_VALUES;
const MAX_BABIES = 6;

export function emptyBaby(): BabyInput {
  return { name: "", sex: null, birth_weight_g: "" };
}

export function emptyRegistration(): RegistrationInput {
  return {
    mother: {
      full_name: "",
      date_of_birth: "",
      age_years: "",
      phone: "",
      street: "",
      neighbourhood: "",
      district: "",
      residency_status: null,
      nationality: "",
      id_number: "",
      // No default: a Syrian mother saved as Turkish-speaking would get no interpreter.
      preferred_language: null,
      interpreter_needed: false,
    },
    birth: { birth_date: "", discharge_date: "", mode: null, gestational_weeks: "" },
    babies: [emptyBaby()],
  };
}

/** Registers a mother, or, with `correcting`, corrects her registration: the same form, filled
 * with what is stored, checked by the same rules. Recorded babies cannot be removed. */
export function Register({ correcting }: { correcting?: MotherId }) {
  const { t } = useTranslation();
  const { go } = useNav();
  const [form, setForm] = useState<RegistrationInput>(emptyRegistration);
  const [recordedBabies, setRecordedBabies] = useState(0);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [loaded, setLoaded] = useState(!correcting);
  useEffect(() => {
    if (!correcting) return;
    ipc.registrationForm(correcting).then(
      (stored) => {
        setForm(stored.input);
        setRecordedBabies(stored.recorded_babies);
        setLoaded(true);
      },
      (e) => setLoadError(toAppError(e)),
    );
  }, [correcting]);
  const { submit, error, saving, dismiss } = useSave(
    async () => (correcting ? { id: correcting, changed: await ipc.correctRegistration(correcting, form) } : { id: await ipc.registerMother(form), changed: -1 }),
    ({ id, changed }) =>
      go({
        name: "mother",
        id,
        notice: changed < 0 ? t("mother.registered") : changed === 0 ? t("mother.nothing_changed") : t("mother.corrected"),
      }),
  );
  const errors = errorsByField(t, error);
  if (loadError) return <LoadFailed error={loadError} />;
  if (!loaded) return <Loading />;

  const setMother = <K extends keyof RegistrationInput["mother"]>(key: K, value: RegistrationInput["mother"][K]) => {
    dismiss(`mother.${key}`);
    setForm((f) => ({ ...f, mother: { ...f.mother, [key]: value } }));
  };
  const setBirth = <K extends keyof RegistrationInput["birth"]>(key: K, value: RegistrationInput["birth"][K]) => {
    dismiss(`birth.${key}`);
    setForm((f) => ({ ...f, birth: { ...f.birth, [key]: value } }));
  };
  const setBaby = <K extends keyof BabyInput>(index: number, key: K, value: BabyInput[K]) => {
    dismiss(`babies.${index}.${key}`);
    setForm((f) => ({ ...f, babies: f.babies.map((b, i) => (i === index ? { ...b, [key]: value } : b)) }));
  };

  const choose = t("options.choose");
  const m = form.mother;
  const b = form.birth;
  return (
    <main className="screen register">
      <header className="screen-header">
        <h1>{correcting ? t("register.correct_title") : t("register.title")}</h1>
        {correcting ? <p className="subtitle">{t("register.correct_help")}</p> : null}
      </header>
      <form onSubmit={submit} noValidate>
        <FormErrorBanner error={error} />

        <section className="card">
          <h2>{t("register.mother")}</h2>
          <div className="field-grid">
            <TextField name="mother.full_name" label={t("fields.mother.full_name")} value={m.full_name} onChange={(v) => setMother("full_name", v)} error={errors["mother.full_name"]} dir="auto" />
            <DateField name="mother.date_of_birth" label={t("fields.mother.date_of_birth")} value={m.date_of_birth} onChange={(v) => setMother("date_of_birth", v)} error={errors["mother.date_of_birth"]} />
            <TextField name="mother.age_years" inputMode="numeric" label={t("fields.mother.age_years")} hint={t("register.age_hint")} value={m.age_years} onChange={(v) => setMother("age_years", v)} error={errors["mother.age_years"]} />
            <TextField name="mother.phone" type="tel" inputMode="tel" label={t("fields.mother.phone")} value={m.phone} onChange={(v) => setMother("phone", v)} error={errors["mother.phone"]} dir="ltr" />
            <TextField name="mother.street" label={t("fields.mother.street")} value={m.street} onChange={(v) => setMother("street", v)} error={errors["mother.street"]} dir="auto" />
            <TextField name="mother.neighbourhood" label={t("fields.mother.neighbourhood")} value={m.neighbourhood} onChange={(v) => setMother("neighbourhood", v)} error={errors["mother.neighbourhood"]} dir="auto" />
            <TextField name="mother.district" label={t("fields.mother.district")} value={m.district} onChange={(v) => setMother("district", v)} error={errors["mother.district"]} dir="auto" />
            <SelectField name="mother.residency_status" label={t("fields.mother.residency_status")} placeholder={choose} value={m.residency_status} options={RESIDENCY.map((r) => ({ value: r, label: t(`options.residency_status.${r}`) }))} onChange={(v) => setMother("residency_status", v)} error={errors["mother.residency_status"]} />
            <TextField name="mother.nationality" label={t("fields.mother.nationality")} value={m.nationality} onChange={(v) => setMother("nationality", v)} error={errors["mother.nationality"]} dir="auto" />
            <TextField name="mother.id_number" inputMode="numeric" label={t("fields.mother.id_number")} value={m.id_number} onChange={(v) => setMother("id_number", v)} error={errors["mother.id_number"]} dir="ltr" />
            <SelectField name="mother.preferred_language" label={t("fields.mother.preferred_language")} placeholder={choose} value={m.preferred_language} options={LANGUAGES.map((l) => ({ value: l, label: t(`options.language.${l}`) }))} onChange={(v) => setMother("preferred_language", v)} error={errors["mother.preferred_language"]} />
            <CheckboxField name="mother.interpreter_needed" label={t("fields.mother.interpreter_needed")} checked={m.interpreter_needed} onChange={(v) => setMother("interpreter_needed", v)} />
          </div>
        </section>

        <section className="card">
          <h2>{t("register.birth")}</h2>
          <div className="field-grid">
            <DateField name="birth.birth_date" label={t("fields.birth.birth_date")} value={b.birth_date} onChange={(v) => setBirth("birth_date", v)} error={errors["birth.birth_date"]} />
            <DateField name="birth.discharge_date" label={t("fields.birth.discharge_date")} value={b.discharge_date} onChange={(v) => setBirth("discharge_date", v)} error={errors["birth.discharge_date"]} />
            <SelectField name="birth.mode" label={t("fields.birth.mode")} placeholder={choose} value={b.mode} options={MODES.map((mode) => ({ value: mode, label: t(`options.mode.${mode}`) }))} onChange={(v) => setBirth("mode", v)} error={errors["birth.mode"]} />
            <TextField name="birth.gestational_weeks" inputMode="numeric" label={t("fields.birth.gestational_weeks")} value={b.gestational_weeks} onChange={(v) => setBirth("gestational_weeks", v)} error={errors["birth.gestational_weeks"]} />
          </div>
        </section>

        <section className="card">
          <h2>{t("register.babies")}</h2>
          {errors["babies"] ? <p className="field-error" role="alert">{errors["babies"]}</p> : null}
          {form.babies.map((baby, i) => (
            <fieldset key={i} className="baby" data-baby={i}>
              <legend>{t("register.baby", { n: i + 1 })}</legend>
              <div className="field-grid">
                <TextField name={`babies.${i}.name`} label={t("fields.baby.name")} value={baby.name} onChange={(v) => setBaby(i, "name", v)} error={errors[`babies.${i}.name`]} dir="auto" />
                <SelectField name={`babies.${i}.sex`} label={t("fields.baby.sex")} placeholder={choose} value={baby.sex} options={SEXES.map((s) => ({ value: s, label: t(`options.sex.${s}`) }))} onChange={(v) => setBaby(i, "sex", v)} error={errors[`babies.${i}.sex`]} />
                <TextField name={`babies.${i}.birth_weight_g`} inputMode="numeric" label={t("fields.baby.birth_weight_g")} value={baby.birth_weight_g} onChange={(v) => setBaby(i, "birth_weight_g", v)} error={errors[`babies.${i}.birth_weight_g`]} />
              </div>
              {form.babies.length > 1 && i >= recordedBabies ? (
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    // Errors are keyed by position, which removing a baby changes.
                    dismiss("babies.", { prefix: true });
                    setForm((f) => ({ ...f, babies: f.babies.filter((_, j) => j !== i) }));
                  }}
                >
                  {t("register.remove_baby")}
                </button>
              ) : null}
            </fieldset>
          ))}
          {form.babies.length < MAX_BABIES ? (
            <button type="button" className="secondary" name="add_baby" onClick={() => setForm((f) => ({ ...f, babies: [...f.babies, emptyBaby()] }))}>
              {t("register.add_baby")}
            </button>
          ) : null}
        </section>

        <FormActions
          onCancel={() => go(correcting ? { name: "mother", id: correcting } : { name: "today" })}
          saveName="save"
          saveLabel={correcting ? t("register.correct_save") : t("register.save")}
          saving={saving}
        />
      </form>
    </main>
  );
}
