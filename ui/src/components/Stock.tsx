// Care-package stock: what the office and each nurse hold of each kind (derived from the
// movements and the packages given at visits; low stock marked), the team lead's form to record
// packages prepared, handed to a nurse, returned or lost, and the latest movements.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, MOVEMENT_VALUES, toAppError, type AppError, type Balance, type KnownMember, type MemberId, type Movement, type StockView } from "../ipc";
import { numericDate } from "../lib/dates";
import { errorsByField, generalMessage } from "../lib/errors";
import { useSave } from "../lib/useSave";
import { DateField, MultipleChoice, SelectField, TextField } from "./Field";
import { FormErrorBanner } from "./ScreenState";

export const PACKAGE_KINDS = ["health_care", "woman_care", "baby_care"] as const;
const MOVEMENTS = MOVEMENT_VALUES;
const ITEMS = ["sanitary_pads", "underwear", "soap", "towel", "nipple_cream", "iron_tablets", "nappies", "baby_clothes", "blanket", "baby_soap", "wet_wipes", "thermometer"];
const OFFICE = "office";

/** Today in İzmir as DD.MM.YYYY, the form's default date. */
function todayTyped(): string {
  const parts = new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "Europe/Istanbul" }).formatToParts(new Date());
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("day")}.${part("month")}.${part("year")}`;
}

/** The kinds a holder is low on, by name. */
export function lowKinds(balance: Balance, t: (key: string) => string): string[] {
  return PACKAGE_KINDS.flatMap((kind, i) => (balance.low[i] ? [`${t(`checklist.options.packages_given.${kind}`)}: ${balance.held[i]}`] : []));
}

export function Stock({ lead }: { lead: boolean }) {
  const { t } = useTranslation();
  const [view, setView] = useState<StockView | null>(null);
  const [members, setMembers] = useState<KnownMember[]>([]);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [movement, setMovement] = useState<Movement | null>("prepared");
  const [kind, setKind] = useState<string | null>(null);
  const [count, setCount] = useState("");
  const [movedOn, setMovedOn] = useState(todayTyped());
  const [holder, setHolder] = useState<string | null>(null);
  const [lot, setLot] = useState("");
  const [contents, setContents] = useState<string[]>([]);
  const [savedNote, setSavedNote] = useState(false);

  useEffect(() => {
    ipc.stock().then(setView, (e) => setLoadError(toAppError(e)));
    ipc.knownMembers().then(setMembers, () => setMembers([]));
  }, []);

  const record = useSave(
    () =>
      ipc.recordStock({
        movement: movement ?? "prepared",
        kind: kind ?? "",
        count,
        moved_on: movedOn,
        member: holder && holder !== OFFICE ? (holder as MemberId) : null,
        lot,
        contents: movement === "prepared" ? contents : [],
      }),
    (next) => {
      setView(next);
      setCount("");
      setLot("");
      setContents([]);
      setSavedNote(true);
    },
  );
  const errors = errorsByField(t, record.error);
  const holderName = (b: Balance) => (b.holder.type === "office" ? t("office.stock.office") : (b.name ?? t("office.stock.unknown_member")));
  const memberName = (id: MemberId | null) => (id === null ? t("office.stock.office") : (members.find((m) => m.id === id)?.name ?? t("office.stock.unknown_member")));
  const needsMember = movement === "handed" || movement === "returned" || movement === "lost";

  return (
    <section className="card stock" aria-labelledby="stock-title">
      <h2 id="stock-title">{t("office.stock.title")}</h2>
      <p className="hint">{t("office.stock.explain")}</p>
      {loadError ? <p className="banner banner-error" role="alert">{generalMessage(t, loadError)}</p> : null}
      {view ? (
        <table className="stock-table" data-testid="stock-balances">
          <thead>
            <tr>
              <th scope="col">{t("office.stock.holder")}</th>
              {PACKAGE_KINDS.map((k) => (
                <th scope="col" key={k}>
                  {t(`checklist.options.packages_given.${k}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {view.balances.map((b) => (
              <tr key={b.holder.type === "office" ? OFFICE : b.holder.member} data-holder={b.holder.type === "office" ? OFFICE : b.holder.member}>
                <th scope="row">
                  <bdi>{holderName(b)}</bdi>
                </th>
                {PACKAGE_KINDS.map((k, i) => (
                  <td key={k} className={b.low[i] || b.held[i] < 0 ? "stock-low" : undefined} data-kind={k}>
                    <strong>{b.held[i]}</strong>
                    {b.low[i] ? <span className="stock-warning"> {t("office.stock.low")}</span> : null}
                    {b.holder.type === "nurse" && b.given[i] > 0 ? <span className="stock-given"> {t("office.stock.given", { n: b.given[i] })}</span> : null}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {lead ? (
        <form onSubmit={(e) => { setSavedNote(false); void record.submit(e); }} noValidate className="stock-form">
          <h3>{t("office.stock.record")}</h3>
          <FormErrorBanner error={record.error} />
          <div className="field-grid">
            <SelectField
              name="movement"
              label={t("office.stock.movement")}
              placeholder={t("options.choose")}
              value={movement as Movement | null}
              options={MOVEMENTS.map((m) => ({ value: m as Movement, label: t(`office.stock.movements.${m}`) }))}
              onChange={(m) => setMovement(m as Movement | null)}
              error={errors["movement"]}
            />
            <SelectField
              name="kind"
              label={t("office.stock.kind")}
              placeholder={t("options.choose")}
              value={kind}
              options={PACKAGE_KINDS.map((k) => ({ value: k, label: t(`checklist.options.packages_given.${k}`) }))}
              onChange={setKind}
              error={errors["kind"]}
            />
            <TextField name="count" label={t("office.stock.count")} value={count} onChange={setCount} inputMode="numeric" error={errors["count"]} />
            <DateField name="moved_on" label={t("office.stock.moved_on")} value={movedOn} onChange={setMovedOn} error={errors["moved_on"]} />
            {needsMember ? (
              <SelectField
                name="stock_member"
                label={movement === "lost" ? t("office.stock.lost_from") : t("office.stock.nurse")}
                placeholder={t("options.choose")}
                value={holder}
                options={[...(movement === "lost" ? [{ value: OFFICE, label: t("office.stock.office") }] : []), ...members.map((m) => ({ value: m.id as string, label: m.name }))]}
                onChange={setHolder}
                error={errors["member"]}
              />
            ) : null}
            <TextField name="lot" label={t("office.stock.lot")} value={lot} onChange={setLot} error={errors["lot"]} />
          </div>
          {movement === "prepared" ? (
            <MultipleChoice
              name="contents"
              label={t("office.stock.contents")}
              hint={t("office.stock.contents_hint")}
              chosen={contents}
              options={ITEMS.map((i) => ({ value: i, label: t(`checklist.options.package_items.${i}`) }))}
              onChange={setContents}
              error={errors["contents"]}
            />
          ) : null}
          <div className="form-actions">
            <button type="submit" className="primary" name="save_stock" disabled={record.saving}>
              {t("office.stock.save")}
            </button>
          </div>
          {savedNote && !record.error ? (
            <p className="banner banner-ok" role="status" data-testid="stock-saved">
              {t("office.stock.saved")}
            </p>
          ) : null}
        </form>
      ) : null}
      {view && view.movements.length > 0 ? (
        <details className="stock-movements">
          <summary>{t("office.stock.movements_title", { n: view.movements.length })}</summary>
          <ul>
            {view.movements.slice(0, 30).map((m) => (
              <li key={m.id}>
                {numericDate(m.moved_on)} · {t(`office.stock.movements.${m.movement}`)} · {m.count} × {t(`checklist.options.packages_given.${m.kind}`)}
                {m.movement !== "prepared" ? <> · <bdi>{memberName(m.member)}</bdi></> : null}
                {m.lot ? <> · {t("office.stock.lot")} <bdi>{m.lot}</bdi></> : null}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
