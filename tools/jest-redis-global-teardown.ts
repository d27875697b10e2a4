import { teardown } from './jest-redis-setup';

export default teardown;
