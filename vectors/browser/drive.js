// Drives Debian's Chromium for vectors/tests/browser.rs (the test starts the relying party; this
// script is the user at the browser). Usage: node drive.js URL
//
// 1. launches Chromium headless with a fresh user-data-dir and the flags of issue 12, through
//    playwright-core (MYNAFIDO_PLAYWRIGHT) with executablePath MYNAFIDO_CHROMIUM;
// 2. adds a CDP virtual authenticator (WebAuthn.enable, WebAuthn.addVirtualAuthenticator: ctap2,
//    internal transport, resident keys, user verification, UV given);
// 3. opens URL, whose page (served by the test) runs navigator.credentials.create() and get()
//    and posts PublicKeyCredential.toJSON() to the relying party, for ES256 then RS256, one
//    registration and two assertions each;
// 4. prints one JSON line: {"producer": "Chromium VERSION (headless, CDP virtual authenticator)",
//    "userAgent", "steps": [the relying party's answers]}. Exit 1 on any failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

async function main() {
  const url = process.argv[2];
  const pw = process.env.MYNAFIDO_PLAYWRIGHT;
  const exe = process.env.MYNAFIDO_CHROMIUM || '/usr/bin/chromium';
  if (!url || !pw) {
    console.error('error: usage: MYNAFIDO_PLAYWRIGHT=DIR node drive.js URL');
    process.exit(2);
  }
  const { chromium } = require(pw);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mynafido-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
        hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
      },
    });
    await page.goto(url);
    const steps = [];
    for (const alg of [-7, -257]) {
      steps.push(await page.evaluate((a) => window.mynafidoRegister(a), alg));
      steps.push(await page.evaluate(() => window.mynafidoLogin()));
      steps.push(await page.evaluate(() => window.mynafidoLogin()));
    }
    const version = ctx.browser() ? ctx.browser().version() : await page.evaluate(() => navigator.userAgent);
    const userAgent = await page.evaluate(() => navigator.userAgent);
    console.log(JSON.stringify({
      producer: `Chromium ${version} (headless, CDP virtual authenticator ctap2/internal/UV)`,
      userAgent, steps,
    }));
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(`error: ${e && e.stack ? e.stack : e}`); process.exit(1); });
