import {readFile} from 'node:fs/promises'

import {describe, expect, it} from 'vitest'

const read = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8')

describe('README', () => {
  it("shows the generated ipsec.conf and ipsec.secrets for the article's sample values exactly as the generator writes them", async () => {
    const readme = await read('README.md')
    for (const golden of ['test/unit/golden/article.ipsec.conf', 'test/unit/golden/article.ipsec.secrets']) {
      expect(readme).toContain((await read(golden)).trimEnd())
    }
  })
})
