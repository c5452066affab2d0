/** The `<script src="/pipit-consent.js">` build: exposes `window.PipitConsent`. */
export { createConsentBanner, openConsentSettings, readConsentChoice } from './index'
