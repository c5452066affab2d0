import { pipitProject } from '../../vitest.shared.ts'

export default pipitProject('dashboard')
