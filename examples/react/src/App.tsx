import {
  ConsentBanner,
  openConsentSettings,
  PipitProvider,
  useConsent,
  useExperiment,
  usePageViews,
  useTracker,
} from '@pipit/react'
import { Link, Route, Routes, useLocation } from 'react-router'

const options = {
  writeKey: (import.meta.env.VITE_PIPIT_WRITE_KEY as string | undefined) ?? '',
  host: (import.meta.env.VITE_PIPIT_HOST as string | undefined) ?? 'http://127.0.0.1:8787',
}

/** One page view per route change (React Router). */
function PageViews() {
  const { pathname, search } = useLocation()
  usePageViews(pathname + search)
  return null
}

function Home() {
  const [consent] = useConsent()
  return (
    <p>
      Welcome. Tracking is <strong>{consent}</strong>: choose in the banner, change it any time with
      “Privacy settings”.
    </p>
  )
}

function Pricing() {
  // A stable variant per visitor; one "Experiment Viewed" event per visitor.
  const layout = useExperiment('pricing-layout', ['control', 'compact'])
  return layout === 'compact' ? (
    <p>Pro: €9/month · Team: €29/month</p>
  ) : (
    <ul>
      <li>Pro — €9 per month</li>
      <li>Team — €29 per month</li>
    </ul>
  )
}

function Signup() {
  const tracker = useTracker()
  return (
    <button type="button" onClick={() => tracker.track('Signup Clicked', { plan: 'pro' })}>
      Sign up
    </button>
  )
}

export function App() {
  return (
    <PipitProvider options={options}>
      <PageViews />
      <ConsentBanner />
      <header>
        <nav>
          <Link to="/">Home</Link> · <Link to="/pricing">Pricing</Link> ·{' '}
          <Link to="/signup">Sign up</Link>
        </nav>
      </header>
      <main>
        <h1>Pipit React example</h1>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/pricing" element={<Pricing />} />
          <Route path="/signup" element={<Signup />} />
        </Routes>
      </main>
      <footer>
        <button type="button" onClick={() => openConsentSettings()}>
          Privacy settings
        </button>
      </footer>
    </PipitProvider>
  )
}
