// The MViTs at a small size (4 frames of 32 x 32) for tests: torchvision's builders fix 16 x 224 x 224, so both
// sides build the MViT class with each variant's blocks (torchvision's _mvit given another size).
import * as torch from '../../src/index.js';
import * as models from '../../src/vision/models/index.js';

/** Python: small_mvit(builder, **kwargs) builds a torchvision MViT at J['spatial'] x J['temporal']. */
export const PY_SMALL_MVIT = String.raw`
import torchvision.models.video.mvit as M
def small_mvit(builder, **kw):
    orig = M._mvit
    def patched(**k):
        k['spatial_size'] = tuple(J['spatial'])
        k['temporal_size'] = J['temporal']
        return orig(**k)
    M._mvit = patched
    try:
        return builder(**kw)
    finally:
        M._mvit = orig
`;

/** The same model here: MViT v1-B's or v2-S's blocks at 4 x 32 x 32. */
export function smallMViT(variant: 'v1_b' | 'v2_s', numClasses: number): torch.nn.Module {
  const v2 = variant === 'v2_s';
  const video = models.video;
  return new video.MViT({
    spatialSize: [32, 32], temporalSize: 4, blockSetting: v2 ? video.mvitV2SBlocks() : video.mvitV1BBlocks(),
    residualPool: v2, residualWithClsEmbed: false, relPosEmbed: v2, projAfterAttn: v2, stochasticDepthProb: 0.2, numClasses,
  });
}
