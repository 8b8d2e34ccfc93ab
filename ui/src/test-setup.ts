// Vitest setup: DOM matchers and the UI's translations, as in the app.
import "@testing-library/jest-dom/vitest";
import "./i18n";

// jsdom has no layout, so scrolling is a no-op here.
window.scrollTo = () => {};
