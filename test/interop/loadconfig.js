// loadconfig.js URL: loads a Jitsi config.js the way the Jitsi Meet mobile
// SDK does (jitsi-meet react/features/base/lib-jitsi-meet/functions.native.ts
// loadConfig: the script's text, then "JSON.stringify(config);", evaluated
// in a sandbox with nothing else in it) and prints the config it read out.
'use strict';
const vm = require('node:vm');

async function main(url) {
    const res = await fetch(url);
    if (!res.ok) {
        throw new Error(`GET ${url}: ${res.status}`);
    }
    const configTxt = await res.text();
    const configJson = vm.runInNewContext(`${configTxt}\nJSON.stringify(config);`, Object.create(null), { timeout: 1000 });
    const config = JSON.parse(configJson);
    if (typeof config !== 'object') {
        throw new Error('config is not an object');
    }
    process.stdout.write(JSON.stringify(config));
}

main(process.argv[2]).catch(err => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
});
