module.exports = require('./jest-redis-setup').teardown;
