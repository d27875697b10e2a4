import { setup } from './jest-redis-setup';

export default setup;
