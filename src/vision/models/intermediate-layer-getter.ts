// torchvision.models._utils.IntermediateLayerGetter: the children of a model up to the last one asked for, run in
// order, returning the outputs of the named ones under new names ({ layer4: 'out', layer3: 'aux' }). The
// segmentation models take their backbone's features this way; the children keep their names, so state-dict keys
// are the backbone's ("backbone.layer1.0.conv1.weight").
import { Module, hookMaySeeOutput } from '../../nn/module.js';
import { ModuleDict } from '../../nn/modules/container.js';
import { Tensor } from '../../tensor.js';
import { disposeTemporary } from '../../memory.js';
import { bindOwn, classArgs } from '../../args.js';

export class IntermediateLayerGetter extends ModuleDict {
  /** torchvision's _version (state-dict metadata). */
  static readonly _version = 2;
  declare returnLayers: Readonly<Record<string, string>>;

  /** Assumes the children are registered in the order the model uses them, each once. */
  constructor(model: Module, returnLayers: Record<string, string>) {
    [model, returnLayers] = bindOwn(IntermediateLayerGetter, arguments) as ConstructorParameters<typeof IntermediateLayerGetter>;
    const children = model.namedChildren();
    const names = new Set(children.map(([n]) => n));
    const missing = Object.keys(returnLayers).filter((k) => !names.has(k));
    if (missing.length) throw new RangeError(`return_layers are not present in model: ${missing.join(', ')}`);
    const pending = new Set(Object.keys(returnLayers));
    const layers = new Map<string, Module>();
    for (const [name, m] of children) {
      layers.set(name, m);
      pending.delete(name);
      if (pending.size === 0) break;
    }
    super(layers);
    Object.defineProperty(this, 'returnLayers', { value: { ...returnLayers }, enumerable: false, writable: true });
  }

  /** The outputs of the returned layers by their new names, in layer order. */
  override forward(x: Tensor): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    // whether a hook has seen x: its producer's or, through an in-place module that passed it on, an earlier one's
    let seenByHook = false;
    const input = x;
    for (const [name, m] of this.entries()) {
      const y: Tensor = m.call(x);
      const hooked = hookMaySeeOutput(m);
      // an activation nobody returns is freed once consumed (inside a tidy scope), as Python's refcount frees it
      if (y === x) {
        seenByHook ||= hooked;
      } else {
        if (x !== input && !Object.values(out).includes(x) && !seenByHook && !hooked) disposeTemporary(x);
        seenByHook = hooked;
      }
      x = y;
      const outName = this.returnLayers[name];
      if (outName !== undefined) out[outName] = x;
    }
    return out;
  }
}
classArgs(IntermediateLayerGetter, 'torchvision.models.IntermediateLayerGetter', 'model, returnLayers:dict');
