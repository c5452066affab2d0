/** The `<script src="/pipit.js">` build: exposes `window.Pipit.createTracker`. */
export { createTracker } from './index'
