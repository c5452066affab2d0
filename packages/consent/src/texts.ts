/** Every text the banner shows. Override any of them with the `texts` option. */
export interface Texts {
  title: string
  body: string
  accept: string
  reject: string
  settings: string
  save: string
  necessary: string
  necessaryInfo: string
  analytics: string
  analyticsInfo: string
  marketing: string
  marketingInfo: string
  policy: string
  reopen: string
}

/** Built-in languages; the banner picks one from the `lang` option, `<html lang>` or the browser. */
export const TEXTS: Record<'en' | 'de' | 'fr' | 'es', Texts> = {
  en: {
    title: 'Your privacy',
    body: 'We would like to measure how this site is used, to improve it. You choose: nothing is tracked unless you accept.',
    accept: 'Accept all',
    reject: 'Reject all',
    settings: 'Settings',
    save: 'Save choices',
    necessary: 'Necessary',
    necessaryInfo: 'Needed for the site to work and to remember this choice. Always on.',
    analytics: 'Analytics',
    analyticsInfo: 'Anonymous statistics about visits and clicks.',
    marketing: 'Marketing',
    marketingInfo: 'Measuring which campaigns bring visitors.',
    policy: 'Privacy policy',
    reopen: 'Privacy settings',
  },
  de: {
    title: 'Ihre Privatsphäre',
    body: 'Wir möchten messen, wie diese Seite genutzt wird, um sie zu verbessern. Sie entscheiden: Ohne Ihre Zustimmung wird nichts erfasst.',
    accept: 'Alle akzeptieren',
    reject: 'Alle ablehnen',
    settings: 'Einstellungen',
    save: 'Auswahl speichern',
    necessary: 'Notwendig',
    necessaryInfo: 'Für den Betrieb der Seite und um diese Wahl zu speichern. Immer aktiv.',
    analytics: 'Statistik',
    analyticsInfo: 'Anonyme Statistiken über Besuche und Klicks.',
    marketing: 'Marketing',
    marketingInfo: 'Messen, welche Kampagnen Besucher bringen.',
    policy: 'Datenschutzerklärung',
    reopen: 'Datenschutz-Einstellungen',
  },
  fr: {
    title: 'Votre vie privée',
    body: 'Nous souhaitons mesurer l’utilisation de ce site pour l’améliorer. À vous de choisir : rien n’est suivi sans votre accord.',
    accept: 'Tout accepter',
    reject: 'Tout refuser',
    settings: 'Paramètres',
    save: 'Enregistrer',
    necessary: 'Nécessaires',
    necessaryInfo: 'Indispensables au site et pour retenir ce choix. Toujours actifs.',
    analytics: 'Statistiques',
    analyticsInfo: 'Statistiques anonymes sur les visites et les clics.',
    marketing: 'Marketing',
    marketingInfo: 'Mesurer quelles campagnes amènent des visiteurs.',
    policy: 'Politique de confidentialité',
    reopen: 'Paramètres de confidentialité',
  },
  es: {
    title: 'Tu privacidad',
    body: 'Queremos medir cómo se usa este sitio para mejorarlo. Tú decides: no se registra nada sin tu permiso.',
    accept: 'Aceptar todo',
    reject: 'Rechazar todo',
    settings: 'Configuración',
    save: 'Guardar selección',
    necessary: 'Necesarias',
    necessaryInfo: 'Imprescindibles para el sitio y para recordar esta elección. Siempre activas.',
    analytics: 'Analítica',
    analyticsInfo: 'Estadísticas anónimas de visitas y clics.',
    marketing: 'Marketing',
    marketingInfo: 'Medir qué campañas traen visitantes.',
    policy: 'Política de privacidad',
    reopen: 'Configuración de privacidad',
  },
}

/**
 * The language to show: the option, else `<html lang>`, else the browser's,
 * else English; `de-AT` counts as `de`.
 */
export function pickLanguage(...candidates: (string | null | undefined)[]): keyof typeof TEXTS {
  for (const c of candidates) {
    const base = c?.toLowerCase().split(/[-_]/)[0]
    if (base && base in TEXTS) return base as keyof typeof TEXTS
  }
  return 'en'
}
