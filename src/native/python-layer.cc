// What PyTorch's Python layer offers beyond dispatcher operators, for the PyTorch idioms of the TypeScript API:
//  - autograd graph nodes (`tensor.grad_fn`: name(), next_functions, AccumulateGrad's variable);
//  - `tensor.data` (variable_data(): a detached alias with its own version counter);
//  - `torch.from_numpy`'s analogue: a tensor over a JavaScript ArrayBuffer's memory, no copy;
//  - the global context behind `torch.backends` (cudnn/mkldnn flags, deterministic algorithms, flush denormal);
//  - PyTorch's default intra-op thread count (at::init_num_threads, as `import torch` leaves it).
#include "common.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/edge.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/accumulate_grad.h>
#include <torch/csrc/autograd/variable.h>

#include <v8.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

namespace tstorch {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Autograd graph nodes

constexpr uint32_t kNodeTag = 0x4e4f4445;  // "NODE"

struct NodeBox {
  uint32_t tag = kNodeTag;
  std::shared_ptr<torch::autograd::Node> node;
};

Napi::Value WrapNode(Napi::Env env, std::shared_ptr<torch::autograd::Node> node) {
  if (!node) return env.Null();
  auto* box = new NodeBox{kNodeTag, std::move(node)};
  return Napi::External<NodeBox>::New(env, box, [](Napi::Env, NodeBox* b) { delete b; });
}

torch::autograd::Node* NodeOf(const Napi::Value& v, const char* what) {
  if (!v.IsExternal() || v.As<Napi::External<NodeBox>>().Data()->tag != kNodeTag) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected an autograd node");
  }
  return v.As<Napi::External<NodeBox>>().Data()->node.get();
}

// gradFnNode(t) -> node | null: the node that made t (t.grad_fn), keeping the graph alive while JavaScript holds it.
Napi::Value GradFnNode(const Napi::CallbackInfo& info) {
  return WrapNode(info.Env(), TensorOf(info[0], "gradFn").grad_fn());
}

Napi::Value NodeName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), NodeOf(info[0], "name")->name());
}

// nodeAddress(n) -> '0x...': the node's address, for PyTorch's `<AddBackward0 object at 0x...>`.
Napi::Value NodeAddress(const Napi::CallbackInfo& info) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", static_cast<void*>(NodeOf(info[0], "nodeAddress")));
  return Napi::String::New(info.Env(), buf);
}

// nodeSame(a, b): whether two handles refer to one node (`a.grad_fn is b.grad_fn` in Python).
Napi::Value NodeSame(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), NodeOf(info[0], "nodeSame") == NodeOf(info[1], "nodeSame"));
}

// nodeNextFunctions(n) -> [[node | null, inputNr], ...] (Node.next_functions).
Napi::Value NodeNextFunctions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& edges = NodeOf(info[0], "nextFunctions")->next_edges();
  auto arr = Napi::Array::New(env, edges.size());
  for (size_t i = 0; i < edges.size(); i++) {
    auto pair = Napi::Array::New(env, 2);
    pair.Set(0u, WrapNode(env, edges[i].function));
    pair.Set(1u, Napi::Number::New(env, edges[i].input_nr));
    arr.Set(i, pair);
  }
  return arr;
}

// nodeVariable(n) -> tensor | null: the leaf an AccumulateGrad node accumulates into (AccumulateGrad.variable).
Napi::Value NodeVariable(const Napi::CallbackInfo& info) {
  auto* node = NodeOf(info[0], "variable");
  auto* acc = dynamic_cast<torch::autograd::AccumulateGrad*>(node);
  if (acc == nullptr) return info.Env().Null();
  return Wrap(info.Env(), acc->variable);
}

// ---------------------------------------------------------------------------------------------------------
// Tensor.data

// variableData(t) -> t.data: shares storage, no autograd history, requires_grad false, its own version counter.
Napi::Value VariableData(const Napi::CallbackInfo& info) {
  return Wrap(info.Env(), TensorOf(info[0], "data").variable_data());
}

// ---------------------------------------------------------------------------------------------------------
// A tensor over JavaScript memory (torch.from_numpy): the tensor's storage holds the ArrayBuffer's V8 backing
// store (a std::shared_ptr, safe to release on any thread), so the memory lives as long as either the
// ArrayBuffer or any tensor or view of it does, wherever the last one is freed. Its bytes are counted and
// reported to V8 like any tensor's: V8 stops counting the ArrayBuffer once that is collected, while the tensor
// may still hold the memory, and over-reporting only makes the collector run sooner.

std::shared_ptr<v8::BackingStore> BackingStoreOf(napi_value value) {
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(value), "napi_value is a v8::Local<v8::Value>");
  std::memcpy(static_cast<void*>(&local), &value, sizeof(value));
  if (local->IsArrayBuffer()) return local.As<v8::ArrayBuffer>()->GetBackingStore();
  if (local->IsSharedArrayBuffer()) return local.As<v8::SharedArrayBuffer>()->GetBackingStore();
  return nullptr;
}

// fromArrayBuffer(buffer: ArrayBuffer | SharedArrayBuffer, byteOffset, shape, dtypeCode) -> tensor sharing memory.
Napi::Value FromArrayBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto store = BackingStoreOf(info[0]);
  if (!store) throw Napi::TypeError::New(env, "fromTypedArray: expected an ArrayBuffer or SharedArrayBuffer");
  if (store->IsResizableByUserJavaScript()) {
    throw Napi::TypeError::New(env, "fromTypedArray: a resizable ArrayBuffer could shrink under the tensor; copy it with torch.tensor()");
  }
  int64_t offset = info[1].As<Napi::Number>().Int64Value();
  auto shapeArr = info[2].As<Napi::Array>();
  std::vector<int64_t> shape(shapeArr.Length());
  int64_t numel = 1;
  for (uint32_t i = 0; i < shapeArr.Length(); i++) {
    shape[i] = shapeArr.Get(i).As<Napi::Number>().Int64Value();
    if (shape[i] < 0) throw Napi::RangeError::New(env, "fromTypedArray: negative dimension");
    numel *= shape[i];
  }
  int32_t code = info[3].As<Napi::Number>().Int32Value();
  if (code < 0 || code >= static_cast<int32_t>(at::ScalarType::NumOptions)) {
    throw Napi::TypeError::New(env, "fromTypedArray: unknown dtype code " + std::to_string(code));
  }
  auto dtype = static_cast<at::ScalarType>(code);
  int64_t need = numel * static_cast<int64_t>(c10::elementSize(dtype));
  if (offset < 0 || offset + need > static_cast<int64_t>(store->ByteLength())) {
    throw Napi::RangeError::New(env, "fromTypedArray: the shape needs " + std::to_string(need) + " bytes from offset " +
                                         std::to_string(offset) + ", the buffer has " + std::to_string(store->ByteLength()));
  }
  if (offset % static_cast<int64_t>(c10::elementSize(dtype)) != 0) {
    throw Napi::RangeError::New(env, "fromTypedArray: the byte offset must be a multiple of the element size");
  }
  void* data = static_cast<uint8_t*>(store->Data()) + offset;
  auto* keep = new std::shared_ptr<v8::BackingStore>(std::move(store));
  at::Tensor t = at::from_blob(
      data, shape, [keep](void*) { delete keep; }, at::TensorOptions().dtype(dtype).device(at::kCPU));
  return Wrap(env, std::move(t));
}

// ---------------------------------------------------------------------------------------------------------
// torch.backends: libtorch's global context, the flags PyTorch's Python properties read and write.

Napi::Value BackendsGet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& ctx = at::globalContext();
  auto o = Napi::Object::New(env);
  o.Set("cudaAvailable", Napi::Boolean::New(env, at::hasCUDA()));
  o.Set("cudnnAvailable", Napi::Boolean::New(env, at::Context::hasCuDNN()));
  o.Set("cudnnEnabled", Napi::Boolean::New(env, ctx.userEnabledCuDNN()));
  o.Set("cudnnBenchmark", Napi::Boolean::New(env, ctx.benchmarkCuDNN()));
  o.Set("cudnnDeterministic", Napi::Boolean::New(env, ctx.deterministicCuDNN()));
  o.Set("cudnnAllowTF32", Napi::Boolean::New(env, ctx.allowTF32CuDNN()));
  o.Set("cublasAllowTF32", Napi::Boolean::New(env, ctx.allowTF32CuBLAS()));
  o.Set("mkldnnAvailable", Napi::Boolean::New(env, at::hasMKLDNN()));
  o.Set("mkldnnEnabled", Napi::Boolean::New(env, ctx.userEnabledMkldnn()));
  o.Set("mpsAvailable", Napi::Boolean::New(env, at::hasMPS()));
  o.Set("openmpAvailable", Napi::Boolean::New(env, at::hasOpenMP()));
  o.Set("deterministicAlgorithms", Napi::Boolean::New(env, ctx.deterministicAlgorithms()));
  o.Set("deterministicAlgorithmsWarnOnly", Napi::Boolean::New(env, ctx.deterministicAlgorithmsWarnOnly()));
  return o;
}

// backendsSet(name, value[, warnOnly]): one flag of the global context.
Napi::Value BackendsSet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  bool v = info[1].As<Napi::Boolean>().Value();
  auto& ctx = at::globalContext();
  if (name == "cudnnEnabled") ctx.setUserEnabledCuDNN(v);
  else if (name == "cudnnBenchmark") ctx.setBenchmarkCuDNN(v);
  else if (name == "cudnnDeterministic") ctx.setDeterministicCuDNN(v);
  else if (name == "cudnnAllowTF32") ctx.setAllowTF32CuDNN(v);
  else if (name == "cublasAllowTF32") ctx.setAllowTF32CuBLAS(v);
  else if (name == "mkldnnEnabled") ctx.setUserEnabledMkldnn(v);
  else if (name == "deterministicAlgorithms") ctx.setDeterministicAlgorithms(v, info[2].ToBoolean().Value());
  else if (name == "flushDenormal") return Napi::Boolean::New(env, at::Context::setFlushDenormal(v));
  else throw Napi::TypeError::New(env, "backendsSet: unknown flag '" + name + "'");
  return env.Undefined();
}

// ---------------------------------------------------------------------------------------------------------
// Threads: what `import torch` leaves: OMP_NUM_THREADS / MKL_NUM_THREADS, else the physical cores libtorch's
// cpuinfo counts (TaskThreadPoolBase::defaultNumThreads), set by at::init_num_threads() on this thread.

Napi::Value InitNumThreads(const Napi::CallbackInfo& info) {
  at::init_num_threads();
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value HardwareConcurrency(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), std::thread::hardware_concurrency());
}

}  // namespace

TSTORCH_EXPORT("gradFnNode", GradFnNode);
TSTORCH_EXPORT("nodeName", NodeName);
TSTORCH_EXPORT("nodeAddress", NodeAddress);
TSTORCH_EXPORT("nodeSame", NodeSame);
TSTORCH_EXPORT("nodeNextFunctions", NodeNextFunctions);
TSTORCH_EXPORT("nodeVariable", NodeVariable);
TSTORCH_EXPORT("variableData", VariableData);
TSTORCH_EXPORT("fromArrayBuffer", FromArrayBuffer);
TSTORCH_EXPORT("backendsGet", BackendsGet);
TSTORCH_EXPORT("backendsSet", BackendsSet);
TSTORCH_EXPORT("initNumThreads", InitNumThreads);
TSTORCH_EXPORT("hardwareConcurrency", HardwareConcurrency);

}  // namespace tstorch
