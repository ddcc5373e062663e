// The weight initialisation MobileNet v2 and v3 share in torchvision (the same loop in both files there), and
// EfficientNet with its own linear layers: convolutions kaiming-normal (fan_out) with zero bias, norms one/zero,
// linear layers N(0, 0.01) (EfficientNet: uniform in +-1/sqrt(out_features)) with zero bias. Modules are
// visited in modules() order, so the draws are torchvision's.
import * as nn from '../../nn/index.js';
import type { Module } from '../../nn/module.js';

export function initMobileNetWeights(model: Module, initLinearWeight = (w: nn.Parameter): void => { nn.init.normal_(w, 0, 0.01); }): void {
  for (const m of model.modules()) {
    if (m instanceof nn.Conv2d) {
      nn.init.kaimingNormal_(m.weight, { mode: 'fan_out' });
      if (m.bias !== null) nn.init.zeros_(m.bias);
    } else if (m instanceof nn.BatchNorm2d || m instanceof nn.GroupNorm) {
      nn.init.ones_(m.weight!);
      nn.init.zeros_(m.bias!);
    } else if (m instanceof nn.Linear) {
      initLinearWeight(m.weight);
      nn.init.zeros_(m.bias!);
    }
  }
}
