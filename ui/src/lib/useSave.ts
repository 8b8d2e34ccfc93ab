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

  return { submit, error, saving };
}
