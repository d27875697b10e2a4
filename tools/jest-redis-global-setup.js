module.exports = require('./jest-redis-setup').setup;
