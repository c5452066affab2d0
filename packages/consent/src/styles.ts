/**
 * The banner's styles, inside its shadow root. Themable through CSS custom
 * properties set on the page (they inherit into the shadow root):
 * `--pipit-bg`, `--pipit-fg`, `--pipit-muted`, `--pipit-accent`,
 * `--pipit-accent-fg`, `--pipit-border`, `--pipit-focus`, `--pipit-radius`,
 * `--pipit-font`, `--pipit-z`.
 */
export const CSS = `
:host{all:initial;color-scheme:light dark;--bg:var(--pipit-bg,light-dark(#fff,#111827));--fg:var(--pipit-fg,light-dark(#1f2937,#f3f4f6));--mu:var(--pipit-muted,light-dark(#4b5563,#d1d5db));--ac:var(--pipit-accent,light-dark(#1d4ed8,#93c5fd));--af:var(--pipit-accent-fg,light-dark(#fff,#111827));--bd:var(--pipit-border,light-dark(#d1d5db,#374151));--fo:var(--pipit-focus,light-dark(#b45309,#fbbf24))}
:host([data-theme=light]){color-scheme:light}:host([data-theme=dark]){color-scheme:dark}
section,.re{position:fixed;z-index:var(--pipit-z,2147483000);font:15px/1.45 var(--pipit-font,system-ui,sans-serif);color:var(--fg);background:var(--bg);border:1px solid var(--bd);border-radius:var(--pipit-radius,10px);box-shadow:0 4px 24px #0003}
section{left:16px;right:16px;bottom:16px;max-width:34rem;max-height:calc(100vh - 32px);overflow:auto;padding:18px 20px;box-sizing:border-box}
@media (prefers-reduced-motion:no-preference){section{animation:in .2s ease-out}@keyframes in{from{opacity:0;transform:translateY(8px)}}}
h2{font-size:17px;margin:0 0 6px}p{margin:0 0 12px}
a{color:inherit}
fieldset{border:0;margin:0 0 12px;padding:0}legend{font-weight:600;padding:0;margin-bottom:4px}
label{display:flex;gap:8px;align-items:center;font-weight:600;margin-top:8px}
small{display:block;color:var(--mu);margin-left:26px}
input{width:18px;height:18px;margin:0;accent-color:var(--ac)}
.row{display:flex;flex-wrap:wrap;gap:8px}
button{font:inherit;cursor:pointer;border-radius:6px;padding:8px 14px;border:2px solid var(--ac);background:var(--ac);color:var(--af);font-weight:600}
button.sec{background:transparent;color:var(--fg);border-color:var(--bd)}
.re{left:16px;bottom:16px;padding:6px 10px;font-size:13px;font-weight:500;background:var(--bg);color:var(--fg);border-color:var(--bd)}
:focus-visible{outline:3px solid var(--fo);outline-offset:2px}
[hidden]{display:none!important}
`
