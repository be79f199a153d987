// Debian's chromium, headless, as every browser test and the status page bench drive it through
// playwright-core: no sandbox (tests run as root), no GPU, and none of the background traffic a
// machine without internet would only wait on.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
