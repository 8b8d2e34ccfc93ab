// Every string exists in every shipped language, and every section, field and option of every
// shipped checklist definition has a label.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import type { ChecklistDefinition } from "../ipc";
import ar from "../i18n/ar.json";
import en from "../i18n/en.json";
import tr from "../i18n/tr.json";

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === "string" ? [`${prefix}${k}`] : leaves(v, `${prefix}${k}.`)));
}

function lookup(tree: Tree, key: string): string | undefined {
  let node: string | Tree | undefined = tree;
  for (const part of key.split(".")) {
    if (typeof node !== "object") return undefined;
    node = node[part];
  }
  return typeof node === "string" ? node : undefined;
}

const languages: Record<string, Tree> = { tr, en, ar };
// Arabic has more plural forms than English; i18next picks them by count.
const ARABIC_PLURALS = /_(zero|two|few|many)$/;
// Vitest runs in ui/; the definitions live in the core crate.
const checklistDir = join(process.cwd(), "../crates/lohusa-core/checklists");
const definitions: ChecklistDefinition[] = readdirSync(checklistDir)
  .filter((f: string) => f.endsWith(".json"))
  .map((f: string) => JSON.parse(readFileSync(join(checklistDir, f), "utf8")) as ChecklistDefinition);

describe("translations", () => {
  it("have the same keys in every language", () => {
    expect(leaves(en).sort()).toEqual(leaves(tr).sort());
    expect(leaves(ar).filter((k) => !ARABIC_PLURALS.test(k)).sort()).toEqual(leaves(en).sort());
  });

  it("give Arabic every plural form it needs", () => {
    const plurals = leaves(en).filter((k) => k.endsWith("_other")).map((k) => k.slice(0, -"_other".length));
    const missing = plurals.flatMap((base) =>
      ["zero", "one", "two", "few", "many", "other"].map((form) => `${base}_${form}`).filter((k) => !lookup(ar, k)),
    );
    expect(missing).toEqual([]);
  });

  it("cover every checklist section, field, option and red flag in every language", () => {
    expect(definitions.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const definition of definitions) {
      for (const section of definition.sections) {
        const keys = [`checklist.sections.${section.id}`];
        for (const field of section.fields) {
          keys.push(`checklist.fields.${field.key}`);
          const kind = field.kind;
          if (kind.type === "choice" || kind.type === "single" || kind.type === "multiple") {
            for (const option of kind.options) keys.push(`checklist.options.${field.key}.${option}`);
          }
          if (kind.type === "number" && kind.unit) keys.push(`units.${kind.unit}`);
          if (kind.type === "computed" && kind.unit) keys.push(`units.${kind.unit}`);
        }
        for (const [language, tree] of Object.entries(languages)) {
          for (const key of keys) if (!lookup(tree, key)) missing.push(`${language}: ${key}`);
        }
      }
      for (const rule of definition.flags) {
        const keys = [`flags.rules.${rule.id}.title`, `flags.rules.${rule.id}.action`, `flags.levels.${rule.level}`];
        for (const [language, tree] of Object.entries(languages)) {
          for (const key of keys) if (!lookup(tree, key)) missing.push(`${language}: ${key}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("have every key the code asks for by name", () => {
    // Each `t("literal.key")` in the sources (computed keys are checked by the tests above);
    // a key with a count may exist only in its plural forms.
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== "__tests__") walk(path);
        } else if (/\.tsx?$/.test(entry.name)) {
          sources.push(path);
        }
      }
    };
    walk(join(process.cwd(), "src"));
    expect(sources.length).toBeGreaterThan(20);
    const missing: string[] = [];
    let asked = 0;
    for (const file of sources) {
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/\bt\(\s*(["'])([A-Za-z0-9_.-]+)\1/g)) {
        asked += 1;
        const key = match[2];
        for (const [language, tree] of Object.entries(languages)) {
          if (!lookup(tree, key) && !lookup(tree, `${key}_other`)) {
            missing.push(`${file.slice(process.cwd().length + 1)}: ${language}: ${key}`);
          }
        }
      }
    }
    expect(asked).toBeGreaterThan(200);
    expect(missing).toEqual([]);
  });
});
