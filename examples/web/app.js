// The page: drop (or pick) an image; it is decoded by the browser, preprocessed as the weights say
// (preprocess.js), classified by the ONNX model that tstorch exported, in onnxruntime-web (WebAssembly), and
// the top-5 ImageNet classes are shown with their probabilities.
import { preprocess } from './preprocess.js';

const ort = globalThis.ort;
ort.env.wasm.wasmPaths = '/ort/';
ort.env.wasm.numThreads = 1; // threads need a cross-origin-isolated page; one is enough for one image

const status = document.getElementById('status');
const results = document.getElementById('results');
const preview = document.getElementById('preview');
const drop = document.getElementById('drop');
const picker = document.getElementById('file');

const meta = await (await fetch('model/model.json')).json();
document.getElementById('model').textContent = `${meta.model} (${meta.source}), exported by tstorch, opset ${meta.opset}`;
const session = await ort.InferenceSession.create('model/model.onnx', { executionProviders: ['wasm'] });
status.textContent = 'Drop an image here (or choose one).';
document.body.dataset.ready = 'true';

async function classify(file) {
  status.textContent = `classifying ${file.name}...`;
  document.body.dataset.done = 'false';
  // The image as it is stored: no EXIF rotation (PIL's Image.open does not apply it either), no colour management.
  const bitmap = await createImageBitmap(file, { imageOrientation: 'none', colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.drawImage(bitmap, 0, 0);
  const { data } = g.getImageData(0, 0, bitmap.width, bitmap.height, { colorSpace: 'srgb' });
  preview.src = URL.createObjectURL(file);
  const x = preprocess(data, bitmap.width, bitmap.height, meta.transforms);
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.dims) });
  const logits = out[session.outputNames[0]].data;
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  const top = exps.map((e, index) => ({ index, probability: e / sum }))
    .sort((a, b) => b.probability - a.probability).slice(0, 5)
    .map((t) => ({ ...t, label: meta.classes ? meta.classes[t.index] : `class ${t.index}` }));
  results.replaceChildren(...top.map((t) => {
    const li = document.createElement('li');
    li.dataset.index = String(t.index);
    li.dataset.probability = String(t.probability);
    li.textContent = `${t.label} — ${(100 * t.probability).toFixed(2)} %`;
    return li;
  }));
  status.textContent = `${file.name}: ${bitmap.width}×${bitmap.height}`;
  document.body.dataset.done = 'true';
  return top;
}
globalThis.classify = classify;

drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer.files[0];
  if (file) classify(file).catch((err) => { status.textContent = `error: ${err.message}`; });
});
picker.addEventListener('change', () => {
  const file = picker.files[0];
  if (file) classify(file).catch((err) => { status.textContent = `error: ${err.message}`; });
});
