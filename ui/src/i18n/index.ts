// i18next set up with the UI's languages; Turkish is the default, the choice is remembered.
// Arabic lays the page out right to left.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";

import ar from "./ar.json";
import en from "./en.json";
import tr from "./tr.json";

export const LANGUAGES = ["tr", "ar", "en"] as const;
export type UiLanguage = (typeof LANGUAGES)[number];

const STORAGE_KEY = "lohusa.language";

function initialLanguage(): UiLanguage {
  const saved = typeof localStorage === "undefined" ? null : localStorage.getItem(STORAGE_KEY);
  return (LANGUAGES as readonly string[]).includes(saved ?? "") ? (saved as UiLanguage) : "tr";
}

void i18n.use(initReactI18next).init({
  resources: { tr: { translation: tr }, ar: { translation: ar }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: "tr",
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function setLanguage(language: UiLanguage): void {
  void i18n.changeLanguage(language);
  localStorage.setItem(STORAGE_KEY, language);
  applyDirection(language);
}

/** The page's language and direction. */
export function direction(language: string): "rtl" | "ltr" {
  return language === "ar" ? "rtl" : "ltr";
}

function applyDirection(language: string): void {
  document.documentElement.lang = language;
  document.documentElement.dir = direction(language);
}

applyDirection(i18n.language);

export default i18n;
