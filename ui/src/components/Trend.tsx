// The trend of a mother's recorded visits for the doctor reviewing one of them: blood pressure,
// hemoglobin, and each baby's weight against birth weight, as small line charts by day of life,
// with the red-flag thresholds drawn in. Each chart also says its values in words for screen
// readers.
import { useTranslation } from "react-i18next";

import type { MotherView, VisitId } from "../ipc";
import { formatNumber } from "../lib/dates";

export interface Point {
  day: number;
  value: number;
  current: boolean;
}

export interface Series {
  label: string;
  points: Point[];
}

interface Guide {
  value: number;
  label: string;
}

/** The values of one answer at every visit made, by day of life (for mother or baby fields). */
export function seriesOf(view: MotherView, key: string, current: VisitId | null, scale: (n: number) => number = (n) => n): Point[] {
  const points: Point[] = [];
  for (const card of view.cards) {
    const visit = card.visit;
    if (!visit || visit.outcome !== "visited" || card.day_of_life_at_visit === null) continue;
    const value = visit.answers[key];
    if (typeof value !== "number") continue;
    points.push({ day: card.day_of_life_at_visit, value: scale(value), current: visit.id === current });
  }
  return points.sort((a, b) => a.day - b.day);
}

const W = 320;
const H = 150;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };
const COLOURS = ["#0f766e", "#7c3aed", "#b45309"];

function Chart({ title, unit, series, guides, testId }: { title: string; unit: string; series: Series[]; guides: Guide[]; testId: string }) {
  const { t, i18n } = useTranslation();
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return null;
  const values = [...all.map((p) => p.value), ...guides.map((g) => g.value)];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const yMin = lo - span * 0.1;
  const yMax = hi + span * 0.1;
  const days = all.map((p) => p.day);
  const dMin = Math.min(0, ...days);
  const dMax = Math.max(42, ...days);
  const x = (day: number) => PAD.left + ((day - dMin) / (dMax - dMin)) * (W - PAD.left - PAD.right);
  const y = (value: number) => PAD.top + (1 - (value - yMin) / (yMax - yMin)) * (H - PAD.top - PAD.bottom);
  const number = (n: number) => formatNumber(n, i18n.language);
  const words = series
    .map((s) => `${s.label}: ${s.points.map((p) => t("trend.point", { day: p.day, value: number(p.value), unit })).join(", ")}`)
    .join("; ");
  return (
    <figure className="trend-chart" data-testid={testId}>
      <figcaption>
        {title} <span className="trend-unit">({unit})</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}. ${words}`} style={{ direction: "ltr" }}>
        <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} className="axis" />
        {[0, 14, 28, 42].map((d) => (
          <text key={d} x={x(d)} y={H - 8} className="tick" textAnchor="middle">
            {d}
          </text>
        ))}
        {guides.map((g) => (
          <g key={g.label}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(g.value)} y2={y(g.value)} className="guide" />
            <text x={PAD.left - 4} y={y(g.value) + 4} className="tick" textAnchor="end">
              {number(g.value)}
            </text>
          </g>
        ))}
        {series.map((s, i) => (
          <g key={s.label} stroke={COLOURS[i % COLOURS.length]} fill={COLOURS[i % COLOURS.length]}>
            {s.points.length > 1 ? (
              <polyline fill="none" strokeWidth={2} points={s.points.map((p) => `${x(p.day)},${y(p.value)}`).join(" ")} />
            ) : null}
            {s.points.map((p) => (
              <circle key={p.day} cx={x(p.day)} cy={y(p.value)} r={p.current ? 6 : 4} className={p.current ? "current" : undefined} />
            ))}
          </g>
        ))}
      </svg>
      <ul className="trend-legend">
        {series.map((s, i) => (
          <li key={s.label}>
            <span className="swatch" style={{ background: COLOURS[i % COLOURS.length] }} /> {s.label}
          </li>
        ))}
        {guides.map((g) => (
          <li key={g.label}>
            <span className="swatch guide-swatch" /> {g.label}
          </li>
        ))}
      </ul>
    </figure>
  );
}

export function Trend({ view, current }: { view: MotherView; current: VisitId | null }) {
  const { t } = useTranslation();
  const systolic = seriesOf(view, "mother.bp_systolic", current);
  const diastolic = seriesOf(view, "mother.bp_diastolic", current);
  const hb = seriesOf(view, "mother.hemoglobin", current);
  const babies: Series[] = view.babies.map((baby) => ({
    label: view.babies.length > 1 ? t("trend.baby_n", { n: baby.ordinal }) : t("trend.baby"),
    points: seriesOf(view, `baby.${baby.id}.weight_g`, current, (g) => (100 * g) / baby.birth_weight_g),
  }));
  if (systolic.length + diastolic.length + hb.length + babies.flatMap((b) => b.points).length === 0) return null;
  return (
    <section className="card trend" aria-labelledby="trend-title">
      <h2 id="trend-title">{t("trend.title")}</h2>
      <p className="subtitle">{t("trend.explain")}</p>
      <div className="trend-charts">
        <Chart
          testId="trend-bp"
          title={t("trend.bp")}
          unit="mmHg"
          series={[
            { label: t("trend.systolic"), points: systolic },
            { label: t("trend.diastolic"), points: diastolic },
          ]}
          guides={[
            { value: 140, label: t("trend.guide_bp_sys") },
            { value: 90, label: t("trend.guide_bp_dia") },
          ]}
        />
        <Chart testId="trend-hb" title={t("trend.hb")} unit="g/dL" series={[{ label: t("trend.hb"), points: hb }]} guides={[{ value: 8, label: t("trend.guide_hb") }]} />
        <Chart testId="trend-weight" title={t("trend.weight")} unit="%" series={babies} guides={[{ value: 90, label: t("trend.guide_weight") }]} />
      </div>
    </section>
  );
}
