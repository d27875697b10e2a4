const { nodeAppConfig } = require('../../webpack.node-app');

// src/main.ts → dist/apps/control-api/main.js; npm packages stay external and are listed in the
// package.json written beside it (see webpack.node-app.js).
module.exports = nodeAppConfig(__dirname, 'control-api');
