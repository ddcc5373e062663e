"""The Python peer of `tstorch serve` in bench/serve-load.ts: FastAPI + uvicorn (Debian's python3-fastapi,
python3-uvicorn) serving a torchvision classifier from a state-dict file with PyTorch, answering
POST /predictions/{name} with TorchServe's {label: probability} top-5, as a Python user would write it.

Modes:
  async     the simplest server: an `async def` endpoint that decodes, preprocesses and runs the model inline
            (one request at a time on the event loop)
  threads   a plain `def` endpoint, which FastAPI runs in its thread pool (requests overlap; PIL and PyTorch
            release the GIL)
  batching  decoding and preprocessing in the thread pool, and a batching queue: requests that arrive within
            --max-batch-delay ms are stacked up to --batch-size and run as one forward pass in one thread

  /usr/bin/python3 bench/pytorch/serve_fastapi.py --arch resnet18 --weights FILE --port 8081 --mode batching
"""
import argparse
import asyncio
import concurrent.futures
import io

import torch
import torchvision
import uvicorn
from fastapi import Body, FastAPI, Request
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument('--arch', required=True)
p.add_argument('--weights', required=True, help='a state-dict file (torch.save(model.state_dict()))')
p.add_argument('--port', type=int, required=True)
p.add_argument('--mode', choices=['async', 'threads', 'batching'], default='async')
p.add_argument('--batch-size', type=int, default=8)
p.add_argument('--max-batch-delay', type=float, default=10.0, help='ms')
p.add_argument('--threads', type=int, default=0, help='torch.set_num_threads (0: PyTorch default)')
p.add_argument('--topk', type=int, default=5)
a = p.parse_args()

if a.threads > 0:
    torch.set_num_threads(a.threads)
weights = torchvision.models.get_model_weights(a.arch).DEFAULT
preprocess = weights.transforms()
categories = weights.meta['categories']
model = torchvision.models.get_model(a.arch, weights=None)
model.load_state_dict(torch.load(a.weights))
model.eval()


def decode(body: bytes) -> torch.Tensor:
    return preprocess(Image.open(io.BytesIO(body)).convert('RGB'))


def answer(probs: torch.Tensor) -> dict:
    v, i = probs.topk(a.topk)
    return {categories[j]: float(q) for q, j in zip(v.tolist(), i.tolist())}


def infer(x: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return model(x).softmax(1)


app = FastAPI()

if a.mode == 'async':
    @app.post('/predictions/{name}')
    async def predict_async(name: str, request: Request):
        x = decode(await request.body())
        return answer(infer(x.unsqueeze(0))[0])

elif a.mode == 'threads':
    @app.post('/predictions/{name}')
    def predict_threads(name: str, body: bytes = Body(..., media_type='image/jpeg')):
        return answer(infer(decode(body).unsqueeze(0))[0])

else:
    queue: 'asyncio.Queue[tuple[torch.Tensor, asyncio.Future]]' = asyncio.Queue()
    model_thread = concurrent.futures.ThreadPoolExecutor(max_workers=1)

    async def batcher():
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            deadline = loop.time() + a.max_batch_delay / 1000
            while len(batch) < a.batch_size:
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(queue.get(), left))
                except asyncio.TimeoutError:
                    break
            x = torch.stack([b[0] for b in batch])
            try:
                probs = await loop.run_in_executor(model_thread, infer, x)
                for (_, fut), row in zip(batch, probs):
                    fut.set_result(answer(row))
            except Exception as e:  # noqa: BLE001 - every waiting request gets the failure
                for _, fut in batch:
                    fut.set_exception(e)

    @app.on_event('startup')
    async def start_batcher():
        asyncio.get_running_loop().create_task(batcher())

    @app.post('/predictions/{name}')
    async def predict_batching(name: str, request: Request):
        loop = asyncio.get_running_loop()
        x = await loop.run_in_executor(None, decode, await request.body())
        fut = loop.create_future()
        await queue.put((x, fut))
        return await fut


@app.get('/ping')
async def ping():
    return {'status': 'Healthy'}


print(f'serve_fastapi: {a.arch} mode {a.mode}, torch threads {torch.get_num_threads()}', flush=True)
uvicorn.run(app, host='127.0.0.1', port=a.port, log_level='warning', access_log=False)
