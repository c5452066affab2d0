import Module from 'node:module'

// For the React 18 test project: CommonJS requires of react and react-dom
// (from react-dom itself, testing-library...) go to the `react-18` and
// `react-dom-18` aliases too, so only one React is ever loaded.
const loader = Module as unknown as {
  _resolveFilename(request: string, ...rest: unknown[]): string
}
const resolve = loader._resolveFilename.bind(loader)
loader._resolveFilename = (request, ...rest) =>
  resolve(
    /^react(-dom)?(\/|$)/.test(request) ? request.replace(/^react(-dom)?/, '$&-18') : request,
    ...rest,
  )
