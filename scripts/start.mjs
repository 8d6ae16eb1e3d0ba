// `npm start`: the built server (adapter-node's build/index.js) with this app's defaults for what
// adapter-node reads from the environment, so `npm start` and the systemd unit behave alike.
// An explicit environment variable always wins.

// adapter-node refuses bodies over BODY_SIZE_LIMIT (512 KB by default). Certificate uploads may be
// 5 MB (config.maxUploadBytes in src/lib/server/config.ts), plus the multipart envelope of the form;
// every other route is held to 1 MB by src/hooks.server.ts.
process.env.BODY_SIZE_LIMIT ??= String(5 * 1024 * 1024 + 64 * 1024);

await import('../build/index.js');
