/**
 * The Chromium the browser tests drive: `CHROME_PATH` or `PUPPETEER_EXECUTABLE_PATH` when set
 * (`npm test` sets `CHROME_PATH`), else `chromium` on PATH. None is a failure, never a skip.
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

export const NO_CHROMIUM = 'no Chromium for the browser tests: run them through `npm test` (it provides one), set CHROME_PATH, or install chromium (apt-get install chromium)'

export function chromiumPath (env: NodeJS.ProcessEnv = process.env): string {
  const given = env.CHROME_PATH ?? env.PUPPETEER_EXECUTABLE_PATH
  if (given !== undefined && given !== '') return given
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const file = join(dir, name)
      try {
        accessSync(file, constants.X_OK)
        return file
      } catch {}
    }
  }
  throw new Error(NO_CHROMIUM)
}
