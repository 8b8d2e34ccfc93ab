// Vitest setup: DOM matchers and the UI's translations, as in the app.
import "@testing-library/jest-dom/vitest";
import "./i18n";
