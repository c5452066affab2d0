import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ConsentBanner, ConsentChoice } from './index'
import {
  CONSENT_EVENT,
  createConsentBanner,
  openConsentSettings,
  readConsentChoice,
  STORAGE_KEY,
} from './index'

/** A tracker as the banner sees it: it records what it was told. */
function recorder() {
  const calls: string[] = []
  return { calls, setConsent: (s: 'granted' | 'denied') => void calls.push(s) }
}

const shadow = () => document.querySelector('[data-pipit-consent]')!.shadowRoot!
const section = () => shadow().querySelector('section')!
const button = (action: string) => shadow().querySelector<HTMLButtonElement>(`[data-a=${action}]`)!
const box = (name: string) => shadow().querySelector<HTMLInputElement>(`input[name=${name}]`)!

describe('consent banner', () => {
  let banner: ConsentBanner | undefined
  const events: ConsentChoice[] = []
  const listen = (e: Event) => events.push((e as CustomEvent<ConsentChoice>).detail)

  beforeEach(() => {
    localStorage.clear()
    document.documentElement.lang = ''
    document.body.innerHTML = '<button id="before">page button</button><main>page</main>'
    events.length = 0
    window.addEventListener(CONSENT_EVENT, listen)
  })
  afterEach(() => {
    banner?.destroy()
    window.removeEventListener(CONSENT_EVENT, listen)
  })

  it('shows a labelled region on a first visit, reject exactly as prominent as accept', () => {
    const tracker = recorder()
    banner = createConsentBanner({ tracker, lang: 'en' })
    expect(section().hidden).toBe(false)
    expect(section().getAttribute('role')).toBe('region')
    const label = shadow().getElementById(section().getAttribute('aria-labelledby')!)!
    expect(label.textContent).toBe('Your privacy')
    expect(button('reject').className).toBe(button('accept').className)
    expect(button('reject').textContent).toBe('Reject all')
    expect(tracker.calls).toEqual([])
    expect(banner.choice).toBeUndefined()
    // Mounted first in the page, so keyboard users reach it first.
    expect(document.body.firstElementChild?.hasAttribute('data-pipit-consent')).toBe(true)
  })

  it('accept all grants, remembers, announces, hides and offers a re-open control', () => {
    const tracker = recorder()
    banner = createConsentBanner({ tracker })
    button('accept').click()
    expect(tracker.calls).toEqual(['granted'])
    expect(readConsentChoice()).toMatchObject({ analytics: true, marketing: true })
    expect(events).toEqual([expect.objectContaining({ analytics: true, marketing: true })])
    expect(section().hidden).toBe(true)
    expect(button('reopen').hidden).toBe(false)
  })

  it('reject all denies and remembers only the choice', () => {
    const tracker = recorder()
    banner = createConsentBanner({ tracker })
    button('reject').click()
    expect(tracker.calls).toEqual(['denied'])
    expect(Object.keys(localStorage)).toEqual([STORAGE_KEY])
    expect(readConsentChoice()).toMatchObject({ analytics: false, marketing: false })
  })

  it('saves per-category choices from the settings', () => {
    const tracker = recorder()
    banner = createConsentBanner({ tracker })
    button('settings').click()
    expect(shadow().querySelector('fieldset')!.hidden).toBe(false)
    expect(box('analytics').checked).toBe(false)
    box('analytics').click()
    button('save').click()
    expect(tracker.calls).toEqual(['granted'])
    expect(banner.choice).toMatchObject({ analytics: true, marketing: false })
  })

  it('applies the remembered choice on the next load without showing the banner', () => {
    createConsentBanner({ tracker: recorder() }).destroy()
    expect(document.querySelector('[data-pipit-consent]')).toBeNull()
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ analytics: true, marketing: false, at: 1 }))
    const tracker = recorder()
    banner = createConsentBanner({ tracker })
    expect(section().hidden).toBe(true)
    expect(tracker.calls).toEqual(['granted'])
    expect(button('reopen').hidden).toBe(false)
  })

  it('re-opens the settings with the current choice, and a change applies at once', () => {
    const tracker = recorder()
    banner = createConsentBanner({ tracker })
    button('accept').click()
    openConsentSettings()
    expect(section().hidden).toBe(false)
    expect(box('analytics').checked).toBe(true)
    expect(shadow().activeElement).toBe(box('analytics'))
    box('analytics').click()
    box('marketing').click()
    button('save').click()
    expect(tracker.calls).toEqual(['granted', 'denied'])
    expect(readConsentChoice()).toMatchObject({ analytics: false, marketing: false })
  })

  it('returns focus where it was, and Escape steps back out of the settings', () => {
    banner = createConsentBanner({ tracker: recorder() })
    button('accept').click()
    const before = document.getElementById('before')!
    before.focus()
    banner.open(true)
    expect(shadow().activeElement).toBe(box('analytics'))
    const escape = () =>
      box('analytics').dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }),
      )
    escape()
    expect(shadow().querySelector('fieldset')!.hidden).toBe(true)
    expect(shadow().activeElement).toBe(button('settings'))
    button('settings').dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }),
    )
    expect(section().hidden).toBe(true)
    expect(document.activeElement).toBe(before)
  })

  it('speaks the page’s language, or the one asked for, with overrides', () => {
    document.documentElement.lang = 'de-AT'
    banner = createConsentBanner()
    expect(button('accept').textContent).toBe('Alle akzeptieren')
    expect(button('reject').textContent).toBe('Alle ablehnen')
    banner.destroy()
    banner = createConsentBanner({ lang: 'fr' })
    expect(button('reject').textContent).toBe('Tout refuser')
    banner.destroy()
    banner = createConsentBanner({ lang: 'es', texts: { title: '<b>Hola</b>' } })
    expect(shadow().querySelector('h2')!.textContent).toBe('<b>Hola</b>') // text, never markup
    expect(shadow().querySelector('h2 b')).toBeNull()
    expect(button('accept').textContent).toBe('Aceptar todo')
  })

  it('shows only the categories asked for, a policy link, and a forced theme', () => {
    banner = createConsentBanner({
      categories: ['analytics'],
      privacyPolicyUrl: '/privacy',
      theme: 'dark',
    })
    expect(shadow().querySelector('input[name=marketing]')).toBeNull()
    expect(shadow().querySelector('a')!.getAttribute('href')).toBe('/privacy')
    expect(document.querySelector('[data-pipit-consent]')!.getAttribute('data-theme')).toBe('dark')
  })

  it('keeps no re-open control when asked not to', () => {
    banner = createConsentBanner({ reopenButton: false })
    button('reject').click()
    expect(button('reopen').hidden).toBe(true)
  })
})
