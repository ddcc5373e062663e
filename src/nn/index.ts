// `torch.nn`
export { Module, type StateDict, type LoadStateDictResult, type ForwardHook, type ForwardPreHook, type RemovableHandle } from './module.js';
export { Parameter } from './parameter.js';
export { Sequential, ModuleList, ModuleDict } from './modules/container.js';
