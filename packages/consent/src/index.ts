/// <reference lib="dom" />
import { CSS } from './styles'
import type { Texts } from './texts'
import { pickLanguage, TEXTS } from './texts'

export type { Texts } from './texts'
export { TEXTS } from './texts'

/** What the visitor chose, per category ("necessary" is always on). */
export interface ConsentChoice {
  analytics: boolean
  marketing: boolean
  /** When the choice was made, ms. */
  at: number
}

/** What the banner drives: a Pipit tracker, or anything with the same `setConsent`. */
export interface ConsentTarget {
  setConsent(state: 'granted' | 'denied'): void
}

export type Category = 'analytics' | 'marketing'

export interface BannerOptions {
  /** Gets `granted` when analytics is accepted, `denied` otherwise. */
  tracker?: ConsentTarget
  /** `en`, `de`, `fr`, `es` (default: `<html lang>`, then the browser's language, then `en`). */
  lang?: string
  /** Replaces any of the texts of the chosen language. */
  texts?: Partial<Texts>
  /** The optional categories shown in the settings (default both). */
  categories?: Category[]
  /** `auto` (default) follows `prefers-color-scheme`. */
  theme?: 'light' | 'dark' | 'auto'
  /** A link to your privacy policy, shown in the banner text. */
  privacyPolicyUrl?: string
  /** Show a small "Privacy settings" button once a choice is made (default true). */
  reopenButton?: boolean
  /** Where the choice is remembered in localStorage (default `pipit:v1:consent-choice`). */
  storageKey?: string
  /** Where the banner is mounted (default `document.body`). */
  container?: HTMLElement
  /** Called with every choice the banner applies (also the remembered one, on load). */
  onChange?(choice: ConsentChoice): void
}

export interface ConsentBanner {
  /** The current choice; undefined until the visitor made one. */
  readonly choice: ConsentChoice | undefined
  /** Shows the banner, with the per-category settings open if `settings`. */
  open(settings?: boolean): void
  /** Hides the banner without recording a choice. */
  close(): void
  /** Removes the banner and its re-open button from the page. */
  destroy(): void
}

export const STORAGE_KEY = 'pipit:v1:consent-choice'
/** Dispatched on `window` with the choice as `detail` whenever the banner applies one. */
export const CONSENT_EVENT = 'pipit:consent'

let latest: ConsentBanner | undefined

/** Opens the settings of the banner created last (e.g. from a "Cookie settings" footer link). */
export function openConsentSettings(): void {
  latest?.open(true)
}

/** The remembered choice, if any (and readable). */
export function readConsentChoice(storageKey = STORAGE_KEY): ConsentChoice | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as ConsentChoice | null
    return value && typeof value.analytics === 'boolean' ? value : undefined
  } catch {
    return undefined
  }
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

const inert: ConsentBanner = {
  choice: undefined,
  open() {},
  close() {},
  destroy() {},
}

/**
 * Mounts the consent banner: shown on a first visit, hidden once the visitor
 * chose (the choice is remembered and applied to the tracker on every load).
 * Reject is exactly as prominent as accept. Safe to call during server-side
 * rendering, where it does nothing.
 *
 * @example
 * const pipit = createTracker({ writeKey: 'pk_…', host: 'https://stats.example.com' })
 * createConsentBanner({ tracker: pipit, privacyPolicyUrl: '/privacy' })
 */
export function createConsentBanner(options: BannerOptions = {}): ConsentBanner {
  if (typeof document === 'undefined') return inert
  const key = options.storageKey ?? STORAGE_KEY
  const categories = options.categories ?? ['analytics', 'marketing']
  const lang = pickLanguage(
    options.lang,
    document.documentElement.lang,
    typeof navigator === 'undefined' ? undefined : navigator.language,
  )
  const t = { ...TEXTS[lang], ...options.texts }
  const e = (k: keyof Texts) => escape(t[k])
  let choice = readConsentChoice(key)
  let restore: HTMLElement | null = null

  const host = document.createElement('div')
  host.setAttribute('data-pipit-consent', '')
  host.lang = lang
  if (options.theme && options.theme !== 'auto') host.setAttribute('data-theme', options.theme)
  const root = host.attachShadow({ mode: 'open' })
  const policy = options.privacyPolicyUrl
    ? ` <a href="${escape(options.privacyPolicyUrl)}">${e('policy')}</a>`
    : ''
  const boxes = categories
    .map(
      (c) =>
        `<label><input type="checkbox" name="${c}" aria-describedby="pc-${c}">${e(c)}</label><small id="pc-${c}">${e(`${c}Info`)}</small>`,
    )
    .join('')
  root.innerHTML = `<style>${CSS}</style><section role="region" aria-labelledby="pc-t" hidden><h2 id="pc-t">${e('title')}</h2><p>${e('body')}${policy}</p><fieldset hidden><legend>${e('settings')}</legend><label><input type="checkbox" checked disabled aria-describedby="pc-n">${e('necessary')}</label><small id="pc-n">${e('necessaryInfo')}</small>${boxes}</fieldset><div class="row"><button type="button" data-a="reject">${e('reject')}</button><button type="button" data-a="accept">${e('accept')}</button><button type="button" class="sec" data-a="settings">${e('settings')}</button><button type="button" class="sec" data-a="save" hidden>${e('save')}</button></div></section><button type="button" class="re" data-a="reopen" hidden>${e('reopen')}</button>`
  const $ = <T extends Element>(selector: string) => root.querySelector<T>(selector)!
  const section = $<HTMLElement>('section')
  const fieldset = $<HTMLFieldSetElement>('fieldset')
  const reopen = $<HTMLButtonElement>('.re')
  const box = (c: Category) => root.querySelector<HTMLInputElement>(`input[name=${c}]`)

  function apply(next: ConsentChoice, remember = true): void {
    choice = next
    if (remember) {
      try {
        localStorage.setItem(key, JSON.stringify(next))
      } catch {
        // Storage blocked: the choice holds for this page.
      }
    }
    options.tracker?.setConsent(next.analytics ? 'granted' : 'denied')
    options.onChange?.(next)
    window.dispatchEvent(new CustomEvent(CONSENT_EVENT, { detail: next }))
  }

  function showSettings(on: boolean): void {
    fieldset.hidden = !on
    $<HTMLButtonElement>('[data-a=settings]').hidden = on
    $<HTMLButtonElement>('[data-a=save]').hidden = !on
    for (const c of categories) box(c)!.checked = Boolean(choice?.[c])
    if (on) (box(categories[0]!) ?? $<HTMLButtonElement>('[data-a=save]')).focus()
  }

  function open(settings = false): void {
    if (section.hidden) {
      const active = document.activeElement
      restore = active === host ? reopen : (active as HTMLElement | null)
    }
    section.hidden = false
    reopen.hidden = true
    showSettings(settings)
    if (!settings) $<HTMLButtonElement>('[data-a=reject]').focus()
  }

  function close(): void {
    section.hidden = true
    reopen.hidden = !choice || options.reopenButton === false
    const target = restore
    restore = null
    if (target && target.isConnected && !(target === reopen && reopen.hidden)) target.focus()
  }

  const decide = (analytics: boolean, marketing: boolean) => {
    apply({ analytics, marketing, at: Date.now() })
    close()
  }

  root.addEventListener('click', (event) => {
    const action = (event.target as Element).closest('[data-a]')?.getAttribute('data-a')
    if (action === 'accept') decide(true, true)
    else if (action === 'reject') decide(false, false)
    else if (action === 'settings') showSettings(true)
    else if (action === 'save')
      decide(Boolean(box('analytics')?.checked), Boolean(box('marketing')?.checked))
    else if (action === 'reopen') open(true)
  })
  root.addEventListener('keydown', (event) => {
    if ((event as KeyboardEvent).key !== 'Escape' || section.hidden) return
    // Escape leaves the settings; it closes the banner only once a choice exists.
    if (!fieldset.hidden) {
      showSettings(false)
      $<HTMLButtonElement>('[data-a=settings]').focus()
    } else if (choice) close()
  })

  // First in the tab order, fixed in place: keyboard users reach it first, the page never moves.
  const container = options.container ?? document.body
  container.insertBefore(host, container.firstChild)
  if (choice) {
    apply(choice, false)
    close()
  } else {
    section.hidden = false
  }

  const banner: ConsentBanner = {
    get choice() {
      return choice
    },
    open,
    close,
    destroy() {
      host.remove()
      if (latest === banner) latest = undefined
    },
  }
  latest = banner
  return banner
}
