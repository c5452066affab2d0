import { pipitProject } from '../../vitest.shared.ts'

export default pipitProject('react', { environment: 'happy-dom' })
