// The weight initialisation MobileNet v2 and v3 share in torchvision (the same loop in both files there):
// convolutions kaiming-normal (fan_out) with zero bias, norms one/zero, linear layers N(0, 0.01) with zero bias.
// Modules are visited in modules() order, so the draws are torchvision's.
import * as nn from '../../nn/index.js';
import type { Module } from '../../nn/module.js';

export function initMobileNetWeights(model: Module): void {
  for (const m of model.modules()) {
    if (m instanceof nn.Conv2d) {
      nn.init.kaimingNormal_(m.weight, { mode: 'fan_out' });
      if (m.bias !== null) nn.init.zeros_(m.bias);
    } else if (m instanceof nn.BatchNorm2d || m instanceof nn.GroupNorm) {
      nn.init.ones_(m.weight!);
      nn.init.zeros_(m.bias!);
    } else if (m instanceof nn.Linear) {
      nn.init.normal_(m.weight, 0, 0.01);
      nn.init.zeros_(m.bias!);
    }
  }
}
