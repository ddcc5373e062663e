// examples/detection.ts runs end to end on tiny settings: the chapter's three R-CNNs on a photo (pictures written),
// then a fine-tuning run of two steps with box AP before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const data = [process.env.TSTORCH_DATA, resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data')]
  .filter((r): r is string => r !== undefined).map((r) => join(r, 'hymenoptera_data')).find((p) => existsSync(p));

test('examples/detection.ts: three R-CNNs on a photo, then fine-tuning with box AP', () => {
  assert.ok(data, 'hymenoptera_data not found under $TSTORCH_DATA or ../shared/data');
  const out = mkdtempSync(join(tmpdir(), 'tstorch-ex-det-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples/detection.ts'), '--data', data, '--out', out,
      '--steps', '2', '--images', '2', '--size', '128'], { cwd: root, encoding: 'utf8', timeout: 900_000 });
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['faster_rcnn', 'mask_rcnn', 'keypoint_rcnn']) {
      assert.match(r.stdout, new RegExp(`${name}: \\d+ parameters, \\d+ detections`));
      assert.equal(readFileSync(join(out, `${name}.png`)).subarray(1, 4).toString(), 'PNG');
    }
    assert.match(r.stdout, /box mAP before fine-tuning: [\d.]+/);
    assert.match(r.stdout, /step 2: loss [\d.]+ \(loss_classifier [\d.]+, loss_box_reg [\d.]+, loss_objectness [\d.]+, loss_rpn_box_reg [\d.]+\)/);
    assert.match(r.stdout, /box mAP after fine-tuning: [\d.]+/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
