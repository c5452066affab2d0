import { describe, expect, it } from 'vitest'
import { attachment, csvSafe } from './download'

describe('csvSafe', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['/pricing', '/pricing'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (value, expected) => {
    expect(csvSafe(value)).toBe(expected)
  })
})

describe('attachment', () => {
  it('keeps quotes, semicolons and line breaks out of the header, and the name in filename*', () => {
    const value = attachment('experiment-a";\r\nx=1 é(*).csv')
    expect(value).toBe(
      `attachment; filename="experiment-a____x_1_____.csv"; filename*=UTF-8''experiment-a%22%3B%0D%0Ax%3D1%20%C3%A9%28%2A%29.csv`,
    )
    expect(() => new Headers({ 'content-disposition': value })).not.toThrow()
    expect(value).toMatch(/^[\x20-\x7e]+$/)
  })
})
