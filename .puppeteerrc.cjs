// memlab (the benchmark's peer) pulls in puppeteer; leakguard never drives a browser,
// so its install must not try to download one.
module.exports = { skipDownload: true }
