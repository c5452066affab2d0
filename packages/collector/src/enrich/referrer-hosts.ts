/**
 * Known referrer hosts by display name. A host matches an entry when it equals
 * it or ends with `.` + it, and entries ending in `.` match any top-level
 * domain (google. matches google.com, google.co.uk, news.google.de).
 */
export const SEARCH_ENGINES: Record<string, readonly string[]> = {
  Google: ['google.'],
  Bing: ['bing.com', 'cn.bing.com'],
  DuckDuckGo: ['duckduckgo.com'],
  Yahoo: ['search.yahoo.', 'yahoo.'],
  Yandex: ['yandex.', 'ya.ru'],
  Baidu: ['baidu.com'],
  Ecosia: ['ecosia.org'],
  Qwant: ['qwant.com'],
  Brave: ['search.brave.com'],
  Startpage: ['startpage.com'],
  Kagi: ['kagi.com'],
  Naver: ['naver.com'],
  Seznam: ['seznam.cz'],
  Ask: ['ask.com'],
  Perplexity: ['perplexity.ai'],
}

export const SOCIAL_NETWORKS: Record<string, readonly string[]> = {
  Facebook: ['facebook.com', 'fb.com', 'fb.me', 'messenger.com'],
  Instagram: ['instagram.com'],
  Twitter: ['twitter.com', 't.co', 'x.com'],
  LinkedIn: ['linkedin.com', 'lnkd.in'],
  Reddit: ['reddit.com', 'redd.it'],
  YouTube: ['youtube.com', 'youtu.be'],
  TikTok: ['tiktok.com'],
  Pinterest: ['pinterest.', 'pin.it'],
  Threads: ['threads.net'],
  Bluesky: ['bsky.app'],
  Mastodon: ['mastodon.social', 'mastodon.online'],
  'Hacker News': ['news.ycombinator.com'],
  WhatsApp: ['whatsapp.com', 'wa.me'],
  Telegram: ['t.me', 'telegram.org'],
  Discord: ['discord.com', 'discord.gg'],
  VKontakte: ['vk.com'],
  Quora: ['quora.com'],
}

export const EMAIL_HOSTS: Record<string, readonly string[]> = {
  Gmail: ['mail.google.com', 'com.google.android.gm'],
  Outlook: ['outlook.live.com', 'outlook.office.com', 'outlook.office365.com'],
  'Yahoo Mail': ['mail.yahoo.com'],
  'Proton Mail': ['mail.proton.me'],
}

/** utm_source spellings mapped to the display name a known referrer would get. */
export const SOURCE_ALIASES: Record<string, string> = {
  google: 'Google',
  bing: 'Bing',
  duckduckgo: 'DuckDuckGo',
  fb: 'Facebook',
  facebook: 'Facebook',
  ig: 'Instagram',
  instagram: 'Instagram',
  twitter: 'Twitter',
  x: 'Twitter',
  linkedin: 'LinkedIn',
  reddit: 'Reddit',
  youtube: 'YouTube',
  tiktok: 'TikTok',
  pinterest: 'Pinterest',
  hn: 'Hacker News',
  hackernews: 'Hacker News',
}
