// The visit form's state apart from the screen: what the nurse typed (outcome, date, time, who,
// note, answers), whether it changed since it was last kept, and keeping it as a draft on the
// device a moment after each change, when the app is hidden and when the screen is left.
import { useCallback, useEffect, useRef, useState } from "react";

import type { VisitInput, VisitNumber, VisitOutcome, MotherId } from "../ipc";
import { ipc } from "../ipc";
import { nowTime } from "../lib/dates";

/** The typed fields of a visit, as `fill` takes them. */
export interface VisitFields {
  outcome: VisitOutcome;
  visitedOn: string;
  visitedAt: string;
  visitedBy: string;
  note: string;
  answers: Record<string, string>;
}

function nonEmpty(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== ""));
}

/** The form of one visit of one mother; `input` is what a save or a draft sends. */
export function useVisitForm(motherId: MotherId, number: VisitNumber, memberName: string) {
  const [outcome, setOutcome] = useState<VisitOutcome>("visited");
  const [visitedOn, setVisitedOn] = useState("");
  const [visitedAt, setVisitedAt] = useState(nowTime);
  const [visitedBy, setVisitedBy] = useState(memberName);
  const [note, setNote] = useState("");
  const [answers, setAnswers] = useState<Record<string, string>>({});
  /** The nurse changed something since the form opened or was last kept. */
  const dirty = useRef(false);
  const edit =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      dirty.current = true;
      set(value);
    };
  /** Puts these values in the form (a draft, a visit to correct, an empty form). */
  const fill = useCallback((fields: VisitFields) => {
    setOutcome(fields.outcome);
    setVisitedOn(fields.visitedOn);
    setVisitedAt(fields.visitedAt);
    setVisitedBy(fields.visitedBy);
    setNote(fields.note);
    setAnswers(fields.answers);
  }, []);
  const input: VisitInput = {
    mother_id: motherId,
    number,
    outcome,
    visited_on: visitedOn,
    visited_at: visitedAt,
    visited_by: visitedBy,
    note,
    answers: outcome === "visited" ? nonEmpty(answers) : {},
  };
  const latest = useRef(input);
  latest.current = input;
  return {
    outcome,
    setOutcome,
    visitedOn,
    setVisitedOn,
    visitedAt,
    setVisitedAt,
    visitedBy,
    setVisitedBy,
    note,
    setNote,
    answers,
    setAnswers,
    dirty,
    edit,
    fill,
    input,
    latest,
  };
}

/**
 * Keeps the form as a draft a moment after each change, and at once when the app is hidden or
 * the screen is left, while `keeping` (not for an extra visit or a correction).
 */
export function useDraftKeeping(form: ReturnType<typeof useVisitForm>, keeping: boolean) {
  const { dirty, latest } = form;
  const keepDraft = useCallback(() => {
    if (!dirty.current || !keeping) return;
    dirty.current = false;
    ipc.saveVisitDraft(latest.current).catch(() => (dirty.current = true));
  }, [dirty, latest, keeping]);
  const { outcome, visitedOn, visitedAt, visitedBy, note, answers } = form;
  useEffect(() => {
    if (!dirty.current) return;
    const timer = window.setTimeout(keepDraft, 800);
    return () => window.clearTimeout(timer);
  }, [dirty, outcome, visitedOn, visitedAt, visitedBy, note, answers, keepDraft]);
  useEffect(() => {
    const hidden = () => document.visibilityState === "hidden" && keepDraft();
    document.addEventListener("visibilitychange", hidden);
    window.addEventListener("pagehide", keepDraft);
    return () => {
      document.removeEventListener("visibilitychange", hidden);
      window.removeEventListener("pagehide", keepDraft);
      // Leaving the screen by the top bar keeps what was typed, too.
      keepDraft();
    };
  }, [keepDraft]);
}
