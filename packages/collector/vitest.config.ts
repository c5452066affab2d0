import { pipitProject } from '../../vitest.shared.ts'

export default pipitProject('collector', { globalSetup: ['./test/build-sdk.ts'] })
