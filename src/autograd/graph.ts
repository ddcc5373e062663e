// torch.autograd.graph
export { Node } from './node.js';
