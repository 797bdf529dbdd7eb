// Worker entry when deadscope runs from its TypeScript sources: compile through tsx, then serve.
import { register } from 'tsx/esm/api';

register();
const { default: answer } = await import('./pool-worker.ts');
export default answer;
