import { pipitProject } from '../../vitest.shared.ts'

export default pipitProject('consent', { environment: 'happy-dom' })
