// torchvision.models._utils.IntermediateLayerGetter: a model's top-level children up to the last one asked for,
// run in order, returning the outputs of the chosen children under new names. It keeps the children's names, so
// the state-dict keys are the model's own ("body.layer1.0.conv1.weight" inside BackboneWithFPN).
import type { Tensor } from '../../tensor.js';
import { Module } from '../../nn/module.js';

export class IntermediateLayerGetter extends Module {
  declare private returnLayers: Map<string, string>;

  /** returnLayers: child name -> output name, e.g. { layer1: '0', layer2: '1' }. */
  constructor(model: Module, returnLayers: Record<string, string> | Map<string, string>) {
    super();
    const wanted = new Map(returnLayers instanceof Map ? returnLayers : Object.entries(returnLayers));
    const children = model.namedChildren();
    const names = new Set(children.map(([n]) => n));
    const missing = [...wanted.keys()].filter((k) => !names.has(k));
    if (missing.length > 0) throw new RangeError(`return_layers are not present in model: ${missing.join(', ')}`);
    const remaining = new Set(wanted.keys());
    for (const [name, module] of children) {
      this.registerModule(name, module);
      remaining.delete(name);
      if (remaining.size === 0) break;
    }
    Object.defineProperty(this, 'returnLayers', { value: wanted, enumerable: false });
  }

  override forward(x: Tensor): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [name, module] of this.namedChildren()) {
      x = module.call(x);
      const outName = this.returnLayers.get(name);
      if (outName !== undefined) out.set(outName, x);
    }
    return out;
  }
}
