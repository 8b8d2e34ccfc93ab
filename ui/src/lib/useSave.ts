// Saving a form: one save at a time, the refusal kept for showing, the page scrolled to it.
import { useState } from "react";

import { toAppError, type AppError } from "../ipc";

export function useSave<T>(save: () => Promise<T>, onSaved: (result: T) => void) {
  const [error, setError] = useState<AppError | null>(null);
  const [saving, setSaving] = useState(false);

  async function submit(event: { preventDefault: () => void }) {
    event.preventDefault();
    if (saving) return;
    setSaving(true);
    try {
      const result = await save();
      setError(null);
      onSaved(result);
    } catch (err) {
      setError(toAppError(err));
      window.scrollTo({ top: 0 });
    } finally {
      setSaving(false);
    }
  }

  /** Forgets a field's error once the nurse changes that field, so the message never sits
   * under a value it no longer describes. */
  function dismiss(field: string, { prefix = false } = {}) {
    const matches = (name: string) => (prefix ? name.startsWith(field) : name === field);
    setError((current) =>
      current && current.errors.some((e) => matches(e.field))
        ? { ...current, errors: current.errors.filter((e) => !matches(e.field)) }
        : current,
    );
  }

  return { submit, error, saving, dismiss };
}
