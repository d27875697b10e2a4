const CopyPlugin = require('copy-webpack-plugin');

const { nodeAppConfig } = require('../../webpack.node-app');

// src/main.ts → dist/apps/control-api/main.js; npm packages stay external and are listed in the
// package.json written beside it (see webpack.node-app.js).
const config = nodeAppConfig(__dirname, 'control-api');
// The operator page's files (served at /ops) beside main.js, where OpsController reads them.
config.plugins.push(new CopyPlugin({ patterns: [{ from: 'src/ops/ops-page', to: 'ops-page' }] }));
module.exports = config;
