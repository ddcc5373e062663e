// tstorch native layer: tensor handles, the generic operator call, and the small native functions around them.
// Other translation units (src/native/*.cc) add functions of their own through common.h's TSTORCH_EXPORT.
//
// Design (after tch-rs and TorchSharp): this file stays thin and generic. Every ATen operator is reached
// through libtorch's dispatcher with a boxed call (the way TorchScript's interpreter calls them), so adding
// an operation to the TypeScript API never needs a rebuild. The addon converts JavaScript values to IValues
// using each operator's schema, and back. Tensors travel to JavaScript as napi externals that own an
// at::Tensor; the object model (Tensor class, nn, optim) lives in TypeScript.
//
// What cannot go through the dispatcher is here too: raw data in and out, autograd entry points, grad
// and inference modes, the default generator, threads and build information.

#include "common.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/cuda.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <ATen/Config.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

#ifdef TSTORCH_HAVE_LIBJPEG
#include <csetjmp>
#include <cstdio>
#include <jpeglib.h>
#endif

namespace tstorch {
namespace {

// ---------------------------------------------------------------------------------------------------------
// Tensor handles

// Handles that still hold a tensor (not disposed, not yet collected) and the bytes they report to V8.
// Shared by all threads (worker_threads load the addon once per environment; libtorch is shared).
std::atomic<int64_t> g_live_handles{0};
std::atomic<int64_t> g_live_bytes{0};

// Externals carry a tag so that a generator passed where a tensor is expected (or the reverse) is an error,
// not a wrong cast.
constexpr uint32_t kTensorTag = 0x54534e52;  // "TSNR"
constexpr uint32_t kGeneratorTag = 0x47454e52;  // "GENR"

struct TensorBox {
  uint32_t tag = kTensorTag;
  at::Tensor t;
  int64_t accounted = 0;  // bytes counted in memoryStats()
  int64_t reported = 0;   // bytes reported to V8 as external memory (0 while a tidy scope owns the tensor)
};

struct GeneratorBox {
  uint32_t tag = kGeneratorTag;
  at::Generator g;
};

}  // namespace

bool IsTensorExternal(const Napi::Value& v) {
  return v.IsExternal() && v.As<Napi::External<TensorBox>>().Data()->tag == kTensorTag;
}

namespace {

int64_t AccountedBytes(const at::Tensor& t) {
  // The tensor's own extent, not its whole storage: views of one storage would otherwise each count it all.
  // oneDNN's opaque tensors (a convolution weight nn.Conv2d keeps reordered) hold their memory without a storage
  if (!t.defined() || (!t.has_storage() && !t.is_mkldnn())) return 0;
  return static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
}

// V8 is told about native bytes in steps of at least 1 MiB: one call per tensor would cost more than the
// small operations it accompanies, and V8 only needs the total to decide when to collect.
// During garbage collection (a finalizer) V8 must not be told anything: AdjustAmountOfExternalAllocatedMemory
// may start another collection from inside the running one, which V8 treats as a fatal error. Finalizers
// only add to the pending amount; the next call from JavaScript reports it.
thread_local int64_t t_pending_external = 0;

// Inside a tidy scope every new tensor is freed deterministically when the scope ends (unless it escapes), so
// the collector can never free it sooner and reporting it only misleads V8: a forward pass of a big model
// would report hundreds of MB per call and trigger a full mark-compact per call, whose concurrent marking
// threads then compete with libtorch's OpenMP threads. While the flag is set, Wrap() counts a tensor in
// memoryStats() but not for V8; the JavaScript side reports the tensors that escape (reportExternal()).
thread_local bool t_defer_external = false;
thread_local int64_t t_reported_total = 0;  // what this thread's V8 isolate has been told, pending included
void ReportExternal(Napi::BasicEnv env, int64_t delta, bool in_gc = false) {
  t_reported_total += delta;
  t_pending_external += delta;
  if (in_gc) return;
  if (t_pending_external >= (1 << 20) || t_pending_external <= -(1 << 20)) {
    Napi::MemoryManagement::AdjustExternalMemory(env, t_pending_external);
    t_pending_external = 0;
  }
}

void ReleaseBox(Napi::BasicEnv env, TensorBox* box, bool in_gc = false) {
  if (box->t.defined()) g_live_handles--;
  if (box->reported != 0) {
    ReportExternal(env, -box->reported, in_gc);
    box->reported = 0;
  }
  g_live_bytes -= box->accounted;
  box->accounted = 0;
  box->t.reset();
}

// A basic (synchronous) finalizer: it runs during garbage collection. A regular one is deferred to the event
// loop, so a synchronous training loop that never yields would pile up every collected handle's memory.
void FinalizeBox(Napi::BasicEnv env, TensorBox* box) {
  ReleaseBox(env, box, /*in_gc=*/true);
  delete box;
}

}  // namespace

Napi::Value Wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  auto* box = new TensorBox{kTensorTag, std::move(t), 0};
  box->accounted = AccountedBytes(box->t);
  g_live_bytes += box->accounted;
  if (!t_defer_external && box->accounted != 0) {
    ReportExternal(env, box->accounted);
    box->reported = box->accounted;
  }
  if (box->t.defined()) g_live_handles++;
  return Napi::External<TensorBox>::New(env, box, FinalizeBox);
}

namespace {

TensorBox* BoxOf(const Napi::Value& v, const char* what) {
  if (!IsTensorExternal(v)) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a Tensor");
  }
  return v.As<Napi::External<TensorBox>>().Data();
}

}  // namespace

const at::Tensor& TensorOf(const Napi::Value& v, const char* what) {
  TensorBox* box = BoxOf(v, what);
  if (!box->t.defined()) {
    throw Napi::Error::New(v.Env(), std::string(what) + ": the tensor was disposed");
  }
  return box->t;
}

namespace {

// ---------------------------------------------------------------------------------------------------------
// Errors: every libtorch error becomes a JavaScript exception carrying libtorch's message.


// ---------------------------------------------------------------------------------------------------------
// Operators

enum class Kind {
  Tensor, Int, Float, Scalar, Bool, String, Device, IntList, FloatList, BoolList, TensorList,
  OptTensorList, Generator, Unsupported
};

struct ArgSpec {
  std::string name;
  Kind kind = Kind::Unsupported;
  bool optional = false;
  c10::optional<int32_t> n;  // int[2]: a single number is repeated N times
  c10::optional<c10::IValue> def;
  std::string type_str;
};

struct OpInfo {
  c10::OperatorHandle handle;
  std::string name;  // aten::add.Tensor
  std::vector<ArgSpec> args;
  size_t num_returns;
  bool returns_self;  // in-place: the result is the mutated first argument, JavaScript already holds it
};

Kind KindOf(const c10::TypePtr& t) {
  using K = c10::TypeKind;
  switch (t->kind()) {
    case K::TensorType: return Kind::Tensor;
    case K::IntType: case K::SymIntType: case K::ScalarTypeType: case K::LayoutType: case K::MemoryFormatType:
      return Kind::Int;
    case K::FloatType: return Kind::Float;
    case K::NumberType: return Kind::Scalar;
    case K::BoolType: return Kind::Bool;
    case K::StringType: return Kind::String;
    case K::DeviceObjType: return Kind::Device;
    case K::GeneratorType: return Kind::Generator;
    case K::ListType: {
      auto elem = t->castRaw<c10::ListType>()->getElementType();
      switch (elem->kind()) {
        case K::IntType: case K::SymIntType: return Kind::IntList;
        case K::FloatType: return Kind::FloatList;
        case K::BoolType: return Kind::BoolList;
        case K::TensorType: return Kind::TensorList;
        case K::OptionalType:
          if (elem->castRaw<c10::OptionalType>()->getElementType()->kind() == K::TensorType) return Kind::OptTensorList;
          return Kind::Unsupported;
        default: return Kind::Unsupported;
      }
    }
    default: return Kind::Unsupported;
  }
}

struct AddonData {
  std::vector<std::unique_ptr<OpInfo>> ops;
  std::unordered_map<std::string, int32_t> by_name;
  std::vector<std::unique_ptr<c10::InferenceMode>> inference_guards;
  // The generator that operators with a `Generator? generator` argument use when JavaScript passes none.
  // Per environment, so each worker thread can draw from its own generator while the main thread uses
  // libtorch's default one.
  c10::optional<at::Generator> current_generator;
};

AddonData* Data(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

[[noreturn]] void ArgError(Napi::Env env, const OpInfo& op, const ArgSpec& a, const std::string& why) {
  throw Napi::TypeError::New(env, op.name + ": argument '" + a.name + "' (" + a.type_str + ") " + why);
}

int64_t ToInt(Napi::Env env, const OpInfo& op, const ArgSpec& a, const Napi::Value& v) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) ArgError(env, op, a, "expected an integer, got " + std::to_string(d));
    return static_cast<int64_t>(d);
  }
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Int64Value(&lossless);
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  ArgError(env, op, a, "expected an integer");
}

double ToDouble(Napi::Env env, const OpInfo& op, const ArgSpec& a, const Napi::Value& v) {
  if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue();
  if (v.IsBigInt()) { bool l; return static_cast<double>(v.As<Napi::BigInt>().Int64Value(&l)); }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1.0 : 0.0;
  ArgError(env, op, a, "expected a number");
}

c10::IValue ToIValue(Napi::Env env, const OpInfo& op, const ArgSpec& a, const Napi::Value& v) {
  if (a.kind == Kind::Generator) {
    if (v.IsExternal()) {
      auto* g = v.As<Napi::External<GeneratorBox>>().Data();
      if (g->tag != kGeneratorTag) ArgError(env, op, a, "expected a Generator");
      return g->g;
    }
    if (!v.IsUndefined() && !v.IsNull()) ArgError(env, op, a, "expected a Generator or nothing");
    const auto& cur = Data(env)->current_generator;
    if (cur.has_value()) return *cur;
    return c10::IValue();
  }
  if (v.IsUndefined() || v.IsNull()) {
    if (v.IsUndefined() && a.def.has_value()) return *a.def;
    if (a.optional) return c10::IValue();
    if (a.def.has_value()) return *a.def;
    ArgError(env, op, a, "is required");
  }
  switch (a.kind) {
    case Kind::Tensor: {
      if (v.IsNumber() || v.IsBoolean() || v.IsBigInt()) {
        // Python passes a number where a Tensor is expected as a 0-dim "wrapped number" tensor, which type
        // promotion treats like a Scalar; doing the same gives the same dtypes and autograd nodes as PyTorch.
        c10::Scalar s;
        if (v.IsBoolean()) s = c10::Scalar(v.As<Napi::Boolean>().Value());
        else if (v.IsBigInt()) { bool l; s = c10::Scalar(v.As<Napi::BigInt>().Int64Value(&l)); }
        else {
          double d = v.As<Napi::Number>().DoubleValue();
          if (std::abs(d) < 9007199254740992.0 && d == static_cast<double>(static_cast<int64_t>(d))) s = c10::Scalar(static_cast<int64_t>(d));
          else s = c10::Scalar(d);
        }
        at::Tensor t = at::scalar_tensor(s, at::TensorOptions().dtype(s.type()));
        t.unsafeGetTensorImpl()->set_wrapped_number(true);
        return t;
      }
      if (!IsTensorExternal(v)) ArgError(env, op, a, "expected a Tensor");
      const at::Tensor& t = v.As<Napi::External<TensorBox>>().Data()->t;
      if (!t.defined()) ArgError(env, op, a, "is a disposed tensor");
      return t;
    }
    case Kind::Int: return ToInt(env, op, a, v);
    case Kind::Float: return ToDouble(env, op, a, v);
    case Kind::Scalar: {
      if (v.IsBoolean()) return c10::Scalar(v.As<Napi::Boolean>().Value());
      if (v.IsBigInt()) { bool l; return c10::Scalar(v.As<Napi::BigInt>().Int64Value(&l)); }
      if (!v.IsNumber()) ArgError(env, op, a, "expected a number");
      double d = v.As<Napi::Number>().DoubleValue();
      // JavaScript has one number type; an integral value is passed as an int, as Python passes `2`.
      if (std::abs(d) < 9007199254740992.0 && d == static_cast<double>(static_cast<int64_t>(d))) {
        return c10::Scalar(static_cast<int64_t>(d));
      }
      return c10::Scalar(d);
    }
    case Kind::Bool:
      if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
      if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue() != 0;
      ArgError(env, op, a, "expected a boolean");
    case Kind::String:
      if (!v.IsString()) ArgError(env, op, a, "expected a string");
      return v.As<Napi::String>().Utf8Value();
    case Kind::Device: {
      if (!v.IsString()) ArgError(env, op, a, "expected a device string such as 'cpu' or 'cuda:0'");
      return c10::Device(v.As<Napi::String>().Utf8Value());
    }
    case Kind::IntList: {
      std::vector<int64_t> out;
      if (v.IsNumber() || v.IsBigInt()) {
        int64_t x = ToInt(env, op, a, v);
        out.assign(a.n.has_value() ? static_cast<size_t>(*a.n) : 1, x);
      } else if (v.IsArray()) {
        auto arr = v.As<Napi::Array>();
        out.reserve(arr.Length());
        for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(ToInt(env, op, a, arr.Get(i)));
      } else {
        ArgError(env, op, a, "expected an integer or an array of integers");
      }
      return out;
    }
    case Kind::FloatList: {
      std::vector<double> out;
      if (v.IsNumber()) {
        out.assign(a.n.has_value() ? static_cast<size_t>(*a.n) : 1, v.As<Napi::Number>().DoubleValue());
      } else if (v.IsArray()) {
        auto arr = v.As<Napi::Array>();
        for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(ToDouble(env, op, a, arr.Get(i)));
      } else {
        ArgError(env, op, a, "expected a number or an array of numbers");
      }
      return out;
    }
    case Kind::BoolList: {
      if (!v.IsArray()) ArgError(env, op, a, "expected an array of booleans");
      auto arr = v.As<Napi::Array>();
      c10::List<bool> out;
      for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(arr.Get(i).ToBoolean().Value());
      if (a.n.has_value() && *a.n == 2 && out.size() == 2) return std::array<bool, 2>{out[0], out[1]};
      if (a.n.has_value() && *a.n == 3 && out.size() == 3) return std::array<bool, 3>{out[0], out[1], out[2]};
      return out;
    }
    case Kind::TensorList: {
      if (!v.IsArray()) ArgError(env, op, a, "expected an array of Tensors");
      auto arr = v.As<Napi::Array>();
      std::vector<at::Tensor> out;
      out.reserve(arr.Length());
      for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value e = arr.Get(i);
        if (!IsTensorExternal(e)) ArgError(env, op, a, "element " + std::to_string(i) + " is not a Tensor");
        out.push_back(TensorOf(e, op.name.c_str()));
      }
      return out;
    }
    case Kind::OptTensorList: {
      if (!v.IsArray()) ArgError(env, op, a, "expected an array of Tensors or nulls");
      auto arr = v.As<Napi::Array>();
      c10::List<c10::optional<at::Tensor>> out;
      for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value e = arr.Get(i);
        if (e.IsNull() || e.IsUndefined()) out.push_back(c10::nullopt);
        else out.push_back(TensorOf(e, op.name.c_str()));
      }
      return out;
    }
    case Kind::Unsupported:
    default:
      ArgError(env, op, a, "has a type this binding does not support");
  }
}

}  // namespace

Napi::Value FromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return Wrap(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) arr.Set(i, Wrap(env, list.get(i)));
    return arr;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    auto arr = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); i++) arr.Set(i, FromIValue(env, elems[i]));
    return arr;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) arr.Set(i, FromIValue(env, list[i]));
    return arr;
  }
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  if (v.isScalar()) return Napi::Number::New(env, v.toScalar().toDouble());
  throw Napi::Error::New(env, std::string("cannot convert a result of kind ") + v.tagKind() + " to JavaScript");
}

namespace {

// opHandle(name, overload) -> id
Napi::Value OpHandle(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    std::string name = info[0].As<Napi::String>().Utf8Value();
    std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    std::string full = overload.empty() ? name : name + "." + overload;
    AddonData* data = Data(env);
    auto it = data->by_name.find(full);
    if (it != data->by_name.end()) return Napi::Number::New(env, it->second);
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle.has_value()) {
      throw Napi::Error::New(env, "operator " + full + " is not in the linked libtorch");
    }
    auto info_ptr = std::make_unique<OpInfo>(OpInfo{*handle, full, {}, 0, false});
    const auto& schema = handle->schema();
    for (const auto& arg : schema.arguments()) {
      ArgSpec spec;
      spec.name = arg.name();
      c10::TypePtr t = arg.type();
      if (t->kind() == c10::TypeKind::OptionalType) {
        spec.optional = true;
        t = t->castRaw<c10::OptionalType>()->getElementType();
      }
      spec.kind = KindOf(t);
      spec.n = arg.N();
      spec.def = arg.default_value();
      spec.type_str = arg.type()->str();
      info_ptr->args.push_back(std::move(spec));
    }
    info_ptr->num_returns = schema.returns().size();
    if (schema.returns().size() == 1 && !schema.arguments().empty()) {
      const auto* ai = schema.returns()[0].alias_info();
      const auto* a0 = schema.arguments()[0].alias_info();
      info_ptr->returns_self = ai && ai->isWrite() && a0 && a0->isWrite() &&
                               schema.arguments()[0].type()->kind() == c10::TypeKind::TensorType;
    }
    int32_t id = static_cast<int32_t>(data->ops.size());
    data->ops.push_back(std::move(info_ptr));
    data->by_name.emplace(full, id);
    return Napi::Number::New(env, id);
  });
}

Napi::Value OpSchema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonData* data = Data(env);
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= data->ops.size()) throw Napi::RangeError::New(env, "no such operator id");
  std::ostringstream os;
  os << data->ops[id]->handle.schema();
  return Napi::String::New(env, os.str());
}

// call(id, ...args): positional arguments in schema order; undefined takes the schema's default.
// A few of libtorch 1.13's internal operators trust their caller (Python reaches them only through checked
// public ones) and read memory they do not have on some inputs; the raw operator escape hatch reaches them
// directly, so the checks of their public callers are made here. Found by walking every unary and binary
// operator with every tensor layout (test/native-walk.test.ts).
void CheckUncheckedInternals(const OpInfo& op, const std::vector<c10::IValue>& stack) {
  if (stack.empty() || !stack[0].isTensor()) return;
  const at::Tensor& self = stack[0].toTensor();
  if (op.name == "aten::_local_scalar_dense") {
    // aten::item's check: the data pointer of an empty tensor is not an element
    TORCH_CHECK(self.is_sparse() || self.layout() != at::kStrided || self.numel() > 0,
                "a Tensor with 0 elements cannot be converted to Scalar");
  } else if (op.name == "aten::_neg_view_copy" || op.name == "aten::_conj_copy") {
    TORCH_CHECK(!self.is_quantized(), op.name, " is not supported for quantized tensors");
  }
}

Napi::Value Call(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    AddonData* data = Data(env);
    uint32_t id = info[0].As<Napi::Number>().Uint32Value();
    if (id >= data->ops.size()) throw Napi::RangeError::New(env, "no such operator id");
    const OpInfo& op = *data->ops[id];
    size_t given = info.Length() - 1;
    if (given > op.args.size()) {
      throw Napi::TypeError::New(env, op.name + " takes " + std::to_string(op.args.size()) + " arguments, got " +
                                          std::to_string(given));
    }
    std::vector<c10::IValue> stack;
    stack.reserve(std::max(op.args.size(), op.num_returns));
    Napi::Value undef = env.Undefined();
    for (size_t i = 0; i < op.args.size(); i++) {
      stack.push_back(ToIValue(env, op, op.args[i], i < given ? info[i + 1] : undef));
    }
    CheckUncheckedInternals(op, stack);
    op.handle.callBoxed(&stack);
    if (op.returns_self || stack.empty()) return env.Undefined();
    if (stack.size() == 1) return FromIValue(env, stack[0]);
    auto arr = Napi::Array::New(env, stack.size());
    for (size_t i = 0; i < stack.size(); i++) arr.Set(i, FromIValue(env, stack[i]));
    return arr;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Data in and out

at::ScalarType ToScalarType(Napi::Env env, const Napi::Value& v) {
  int32_t code = v.As<Napi::Number>().Int32Value();
  if (code < 0 || code >= static_cast<int32_t>(at::ScalarType::NumOptions)) {
    throw Napi::TypeError::New(env, "unknown dtype code " + std::to_string(code));
  }
  return static_cast<at::ScalarType>(code);
}

std::vector<int64_t> ToShape(Napi::Env env, const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, "shape must be an array of integers");
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> shape(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    double d = arr.Get(i).As<Napi::Number>().DoubleValue();
    if (d < 0 || d != static_cast<double>(static_cast<int64_t>(d))) {
      throw Napi::TypeError::New(env, "shape entries must be non-negative integers");
    }
    shape[i] = static_cast<int64_t>(d);
  }
  return shape;
}

// The product of sizes that come from JavaScript, or a RangeError: a product that wraps around would let the
// loops below pass their bounds checks and read or write outside the arrays.
int64_t CheckedProduct(Napi::Env env, std::initializer_list<int64_t> xs, const char* what) {
  int64_t p = 1;
  for (int64_t x : xs) {
    if (x < 0 || __builtin_mul_overflow(p, x, &p)) throw Napi::RangeError::New(env, std::string(what) + ": sizes out of range");
  }
  return p;
}

// fromBytes(view: ArrayBufferView, shape, dtypeCode) -> tensor, a copy of the bytes.
Napi::Value FromBytes(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() && !info[0].IsDataView() && !info[0].IsBuffer()) {
      throw Napi::TypeError::New(env, "fromBytes: expected a TypedArray or Buffer");
    }
    const uint8_t* ptr;
    size_t len;
    if (info[0].IsDataView()) {
      auto dv = info[0].As<Napi::DataView>();
      ptr = static_cast<const uint8_t*>(dv.Data());
      len = dv.ByteLength();
    } else {
      auto ta = info[0].As<Napi::TypedArray>();
      ptr = static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
      len = ta.ByteLength();
    }
    auto shape = ToShape(env, info[1]);
    auto dtype = ToScalarType(env, info[2]);
    int64_t numel = 1;
    for (auto s : shape) numel = CheckedProduct(env, {numel, s}, "fromBytes");
    size_t need = static_cast<size_t>(CheckedProduct(env, {numel, static_cast<int64_t>(c10::elementSize(dtype))}, "fromBytes"));
    if (len != need) {
      throw Napi::RangeError::New(env, "fromBytes: " + std::to_string(len) + " bytes given, shape needs " +
                                           std::to_string(need));
    }
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    if (need) std::memcpy(t.data_ptr(), ptr, need);
    return Wrap(env, std::move(t));
  });
}

// toBytes(t) -> ArrayBuffer with a copy of the tensor's elements in row-major order (moved to CPU).
Napi::Value ToBytes(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    at::Tensor t = TensorOf(info[0], "toBytes");
    if (!t.device().is_cpu()) t = t.cpu();
    t = t.contiguous();
    size_t n = t.numel() * t.element_size();
    auto ab = Napi::ArrayBuffer::New(env, n);
    if (n) std::memcpy(ab.Data(), t.data_ptr(), n);
    return ab;
  });
}

}  // namespace

// Storages whose memory something other than an ATen operator may write: a JavaScript view over it
// (viewBytes: numpy(), toBuffer()), or a c10d collective, which writes its outputs on Gloo's threads. Neither
// bumps the tensor's version counter, so a weight read through such a storage is never kept reordered
// (mkldnnConvEligible): the copy would miss those writes. Entries are weak; expired ones are pruned as the
// table grows, so it holds about as many entries as there are live exposed storages.
namespace {
std::mutex g_exposed_mutex;
std::unordered_map<const c10::StorageImpl*, c10::weak_intrusive_ptr<c10::StorageImpl>> g_exposed;
size_t g_exposed_prune_at = 1024;
}  // namespace

void MarkWrittenOutsideAten(const at::Tensor& t) {
  if (!t.defined() || !t.has_storage()) return;
  const c10::Storage& st = t.storage();
  std::lock_guard<std::mutex> lock(g_exposed_mutex);
  g_exposed.insert_or_assign(st.unsafeGetStorageImpl(), st.getWeakStorageImpl());
  if (g_exposed.size() >= g_exposed_prune_at) {
    for (auto it = g_exposed.begin(); it != g_exposed.end();) it = it->second.expired() ? g_exposed.erase(it) : std::next(it);
    g_exposed_prune_at = std::max<size_t>(1024, 2 * g_exposed.size());
  }
}

bool WrittenOutsideAten(const at::Tensor& t) {
  if (!t.has_storage()) return false;
  std::lock_guard<std::mutex> lock(g_exposed_mutex);
  auto it = g_exposed.find(t.storage().unsafeGetStorageImpl());
  if (it == g_exposed.end()) return false;
  if (it->second.expired()) {  // a storage that lived at this address before
    g_exposed.erase(it);
    return false;
  }
  return true;
}

namespace {

// viewBytes(t) -> ArrayBuffer over the tensor's own memory (no copy). Only for contiguous CPU tensors;
// the ArrayBuffer keeps the storage alive until it is collected, so it is safe after dispose().
Napi::Value ViewBytes(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const at::Tensor& t = TensorOf(info[0], "viewBytes");
    if (!t.device().is_cpu() || !t.is_contiguous()) {
      throw Napi::Error::New(env, "a zero-copy view needs a contiguous CPU tensor; call contiguous() or cpu() first");
    }
    size_t n = t.numel() * t.element_size();
    if (n == 0) return Napi::ArrayBuffer::New(env, 0);
    MarkWrittenOutsideAten(t);
    auto* keep = new at::Tensor(t);
    return Napi::ArrayBuffer::New(env, t.data_ptr(), n, [](Napi::BasicEnv, void*, at::Tensor* k) { delete k; }, keep);
  });
}

// meta(t) -> [dtypeCode, shape, device, requiresGrad]
Napi::Value Shape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = TensorOf(info[0], "shape");
  auto sizes = t.sizes();
  auto arr = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) arr.Set(i, Napi::Number::New(env, static_cast<double>(sizes[i])));
  return arr;
}

Napi::Value Strides(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = TensorOf(info[0], "strides");
  auto st = t.strides();
  auto arr = Napi::Array::New(env, st.size());
  for (size_t i = 0; i < st.size(); i++) arr.Set(i, Napi::Number::New(env, static_cast<double>(st[i])));
  return arr;
}

Napi::Value Dim(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(TensorOf(info[0], "dim").dim()));
}

Napi::Value Numel(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(TensorOf(info[0], "numel").numel()));
}

Napi::Value DtypeCode(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(TensorOf(info[0], "dtype").scalar_type()));
}

Napi::Value DeviceOf(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TensorOf(info[0], "device").device().str());
}

// storageInfo(t) -> [storageKey (string), storageBytes, storageOffset (elements)] for serialization.
Napi::Value StorageInfo(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const at::Tensor& t = TensorOf(info[0], "storageInfo");
    auto arr = Napi::Array::New(env, 3);
    const auto& st = t.storage();
    std::ostringstream key;
    key << st.unsafeGetStorageImpl();
    arr.Set(0u, Napi::String::New(env, key.str()));
    arr.Set(1u, Napi::Number::New(env, static_cast<double>(st.nbytes())));
    arr.Set(2u, Napi::Number::New(env, static_cast<double>(t.storage_offset())));
    return arr;
  });
}

// dataPtr(t): the address of the tensor's first element, as torch.Tensor.data_ptr() (0 when it has none).
Napi::Value DataPtr(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const at::Tensor& t = TensorOf(info[0], "dataPtr");
    const void* p = t.has_storage() ? t.data_ptr() : nullptr;
    // user-space addresses on 64-bit Linux and macOS stay below 2^47, exact in a double
    return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(p)));
  });
}

// tensorVersion(t): the version counter that in-place operations bump (torch.Tensor._version).
Napi::Value TensorVersion(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const at::Tensor& t = TensorOf(info[0], "tensorVersion");
    return Napi::Number::New(info.Env(), static_cast<double>(t._version()));
  });
}

// mkldnnConvEligible(input, weight, bias, stride, padding, dilation, groups): whether libtorch 1.13's
// convolution would run this 2-d or 3-d convolution on oneDNN (Convolution.cpp: ConvParams::use_mkldnn, reached
// for a non-transposed CPU float convolution) with plain NCHW tensors, with autograd and tracing off, and
// with arguments it accepts as they are. nn.Conv2d then calls aten::mkldnn_convolution itself with its weight
// reordered once into oneDNN's blocked layout (see src/nn/modules/conv-prepack.ts): the same primitive on
// the same values, without reordering the weight on every call. False sends the call down the usual path,
// which also gives PyTorch's error for arguments it refuses.
bool IntListN(const Napi::Value& v, size_t n, int64_t out[3]) {
  if (!v.IsArray()) return false;
  auto a = v.As<Napi::Array>();
  if (a.Length() != n) return false;
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) return false;
    double d = e.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) return false;
    out[i] = static_cast<int64_t>(d);
  }
  return true;
}

Napi::Value MkldnnConvEligible(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto no = [&]() { return Napi::Boolean::New(env, false); };
#if AT_MKLDNN_ENABLED()
  if (info.Length() < 7 || !IsTensorExternal(info[0]) || !IsTensorExternal(info[1])) return no();
  if (!at::globalContext().userEnabledMkldnn() || c10::GradMode::is_enabled() || torch::jit::tracer::isTracing()) return no();
  const at::Tensor& input = TensorOf(info[0], "mkldnnConvEligible");
  const at::Tensor& weight = TensorOf(info[1], "mkldnnConvEligible");
  if (!input.defined() || !weight.defined()) return no();
  const at::Tensor* bias = nullptr;
  if (IsTensorExternal(info[2])) {
    bias = &TensorOf(info[2], "mkldnnConvEligible");
  } else if (!info[2].IsNull() && !info[2].IsUndefined()) {
    return no();
  }
  const int64_t nd = input.dim();
  if ((nd != 4 && nd != 5) || weight.dim() != nd) return no();
  const size_t n = static_cast<size_t>(nd - 2);  // spatial dimensions
  int64_t stride[3], padding[3], dilation[3];
  if (!IntListN(info[3], n, stride) || !IntListN(info[4], n, padding) || !IntListN(info[5], n, dilation) || !info[6].IsNumber()) return no();
  const int64_t groups = info[6].As<Napi::Number>().Int64Value();
  auto plain = [](const at::Tensor& t) {
    return t.device().is_cpu() && t.layout() == at::kStrided && t.scalar_type() == at::kFloat && !t.is_mkldnn() &&
           t.is_contiguous() && t.suggest_memory_format() == at::MemoryFormat::Contiguous && !t.is_conj() && !t.is_neg();
  };
  if (!plain(input) || !plain(weight) || input.numel() == 0 || weight.numel() == 0) return no();
  if (WrittenOutsideAten(weight)) return no();
  if (bias != nullptr && (!plain(*bias) || bias->dim() != 1 || bias->size(0) != weight.size(0))) return no();
  if (groups < 1 || weight.size(0) % groups != 0 || input.size(1) != weight.size(1) * groups) return no();
  bool strided = false, dilated = false;
  for (size_t i = 0; i < n; i++) {
    if (stride[i] < 1 || padding[i] < 0 || dilation[i] < 1) return no();
    strided = strided || stride[i] != 1;
    dilated = dilated || dilation[i] != 1;
    const int64_t out = (input.size(2 + i) + 2 * padding[i] - dilation[i] * (weight.size(2 + i) - 1) - 1) / stride[i] + 1;
    if (input.size(2 + i) + 2 * padding[i] < dilation[i] * (weight.size(2 + i) - 1) + 1 || out < 1) return no();
  }
  // ConvParams::use_mkldnn for a CPU float input (libtorch 1.13): the same test for 2-d and 3-d, on the input's
  // first four sizes and the kernel's last two
  const bool first = strided || dilated || input.size(0) >= 16 || weight.size(-1) != 1 || weight.size(-2) != 1 ||
                     at::get_num_threads() > 1;
  const bool second = groups > 1 || (weight.size(-1) > 3 && weight.size(-2) > 3) || input.size(0) > 1 ||
                      input.size(0) * input.size(1) * input.size(2) * input.size(3) > 20480;
  return Napi::Boolean::New(env, first && second);
#else
  return no();
#endif
}

// isContiguous(t, memoryFormatCode?): not a dispatcher operator (TorchScript registers it separately).
Napi::Value IsContiguous(const Napi::CallbackInfo& info) {
  const at::Tensor& t = TensorOf(info[0], "isContiguous");
  if (info.Length() > 1 && info[1].IsNumber()) {
    auto fmt = static_cast<at::MemoryFormat>(info[1].As<Napi::Number>().Int32Value());
    return Napi::Boolean::New(info.Env(), t.is_contiguous(fmt));
  }
  return Napi::Boolean::New(info.Env(), t.is_contiguous());
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (IsTensorExternal(info[0])) ReleaseBox(env, info[0].As<Napi::External<TensorBox>>().Data());
  return env.Undefined();
}

Napi::Value SetDeferExternal(const Napi::CallbackInfo& info) {
  t_defer_external = info[0].ToBoolean().Value();
  return info.Env().Undefined();
}

// A tensor made inside a tidy scope escaped it (returned to no enclosing scope, kept, or made a parameter):
// from now on its lifetime is the collector's business, so V8 must know its size.
Napi::Value ReportTensorExternal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsTensorExternal(info[0])) return env.Undefined();
  TensorBox* box = info[0].As<Napi::External<TensorBox>>().Data();
  if (box->t.defined() && box->reported == 0 && box->accounted != 0) {
    ReportExternal(env, box->accounted);
    box->reported = box->accounted;
  }
  return env.Undefined();
}

Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !BoxOf(info[0], "isDisposed")->t.defined());
}

Napi::Value SameTensor(const Napi::CallbackInfo& info) {
  const at::Tensor& a = TensorOf(info[0], "same");
  const at::Tensor& b = TensorOf(info[1], "same");
  return Napi::Boolean::New(info.Env(), a.unsafeGetTensorImpl() == b.unsafeGetTensorImpl());
}

Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("liveTensors", Napi::Number::New(env, static_cast<double>(g_live_handles.load())));
  o.Set("liveBytes", Napi::Number::New(env, static_cast<double>(g_live_bytes.load())));
  o.Set("reportedBytes", Napi::Number::New(env, static_cast<double>(t_reported_total)));
  return o;
}

// ---------------------------------------------------------------------------------------------------------
// Autograd

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), TensorOf(info[0], "requiresGrad").requires_grad());
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Tensor t = TensorOf(info[0], "requiresGrad_");
    t.set_requires_grad(info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), TensorOf(info[0], "isLeaf").is_leaf());
}

Napi::Value GradFnName(const Napi::CallbackInfo& info) {
  const at::Tensor& t = TensorOf(info[0], "gradFn");
  const auto& fn = t.grad_fn();
  if (!fn) return info.Env().Null();
  return Napi::String::New(info.Env(), fn->name());
}

Napi::Value GetGrad(const Napi::CallbackInfo& info) {
  return Wrap(info.Env(), TensorOf(info[0], "grad").grad());
}

Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    at::Tensor t = TensorOf(info[0], "grad");
    if (info[1].IsNull() || info[1].IsUndefined()) {
      t.mutable_grad().reset();
    } else {
      // the checks of PyTorch's `tensor.grad = g` (THPVariable_set_grad): kernels later trust the grad's shape
      const at::Tensor& g = TensorOf(info[1], "grad");
      TORCH_CHECK(g.dtype() == t.dtype(), "assigned grad has data of a different type");
      TORCH_CHECK(g.device().type() == t.device().type(), "assigned grad has data located on a different device");
      TORCH_CHECK(g.sizes().equals(t.sizes()), "assigned grad has data of a different size");
      t.mutable_grad() = g;
    }
    return info.Env().Undefined();
  });
}

// zeroGrads(params, setToNone): Optimizer.zero_grad's loop in one call (PyTorch 1.13's, parameter by parameter):
// each defined gradient set to undefined, or detached (or its requires_grad cleared) and zeroed in place. One call
// instead of five per parameter (the grad getter, gradFn, requiresGrad_, zero_, dispose).
Napi::Value ZeroGrads(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const bool setToNone = info[1].ToBoolean().Value();
    for (at::Tensor& t : TensorArray(info[0], "zeroGrad")) {
      at::Tensor& g = t.mutable_grad();
      if (!g.defined()) continue;
      if (setToNone) {
        g.reset();
        continue;
      }
      if (g.grad_fn()) {
        g.detach_();
      } else {
        g.requires_grad_(false);
      }
      g.zero_();
    }
    return info.Env().Undefined();
  });
}

}  // namespace

std::vector<at::Tensor> TensorArray(const Napi::Value& v, const char* what) {
  std::vector<at::Tensor> out;
  if (v.IsNull() || v.IsUndefined()) return out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value e = arr.Get(i);
    if (e.IsNull() || e.IsUndefined()) out.emplace_back();
    else out.push_back(TensorOf(e, what));
  }
  return out;
}

namespace {

// backward(tensors, grads|null, retainGraph, createGraph, inputs|null)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    auto tensors = TensorArray(info[0], "backward");
    auto grads = TensorArray(info[1], "backward");
    c10::optional<bool> retain;
    if (info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
    bool create = info[3].ToBoolean().Value();
    auto inputs = TensorArray(info[4], "backward");
    torch::autograd::backward(tensors, grads, retain, create, inputs);
    return info.Env().Undefined();
  });
}

// grad(outputs, inputs, gradOutputs|null, retainGraph, createGraph, allowUnused) -> (Tensor|null)[]
Napi::Value AutogradGrad(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto outputs = TensorArray(info[0], "autograd.grad");
    auto inputs = TensorArray(info[1], "autograd.grad");
    auto grads = TensorArray(info[2], "autograd.grad");
    c10::optional<bool> retain;
    if (info[3].IsBoolean()) retain = info[3].As<Napi::Boolean>().Value();
    bool create = info[4].ToBoolean().Value();
    bool allow_unused = info[5].ToBoolean().Value();
    auto res = torch::autograd::grad(outputs, inputs, grads, retain, create, allow_unused);
    auto arr = Napi::Array::New(env, res.size());
    for (size_t i = 0; i < res.size(); i++) arr.Set(i, Wrap(env, res[i]));
    return arr;
  });
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), prev);
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

// Inference mode is a RAII guard in C++; JavaScript enters and exits it around a synchronous function.
Napi::Value InferenceModeEnter(const Napi::CallbackInfo& info) {
  Data(info.Env())->inference_guards.push_back(std::make_unique<c10::InferenceMode>(info[0].ToBoolean().Value()));
  return info.Env().Undefined();
}

Napi::Value InferenceModeExit(const Napi::CallbackInfo& info) {
  auto& g = Data(info.Env())->inference_guards;
  if (!g.empty()) g.pop_back();
  return info.Env().Undefined();
}

Napi::Value IsInferenceModeEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::InferenceMode::is_enabled());
}

Napi::Value IsInference(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), TensorOf(info[0], "isInference").is_inference());
}

// ---------------------------------------------------------------------------------------------------------
// Random numbers: libtorch's default CPU generator, the one torch.manual_seed seeds in Python.

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    uint64_t seed;
    if (info[0].IsBigInt()) {
      bool lossless;
      seed = info[0].As<Napi::BigInt>().Uint64Value(&lossless);
    } else {
      seed = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
    }
    at::manual_seed(seed);
    return info.Env().Undefined();
  });
}

Napi::Value InitialSeed(const Napi::CallbackInfo& info) {
  auto gen = at::detail::getDefaultCPUGenerator();
  return Napi::BigInt::New(info.Env(), gen.current_seed());
}

Napi::Value GetRngState(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return Wrap(info.Env(), gen.get_state());
  });
}

Napi::Value SetRngState(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(TensorOf(info[0], "setRngState"));
    return info.Env().Undefined();
  });
}

// Private generators (torch.Generator): newGenerator(seed) -> handle; useGenerator(handle|null) makes it the
// generator of this thread's random operators until changed.
Napi::Value NewGenerator(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    uint64_t seed = 67280421310721ULL;
    if (info.Length() > 0 && info[0].IsBigInt()) { bool l; seed = info[0].As<Napi::BigInt>().Uint64Value(&l); }
    else if (info.Length() > 0 && info[0].IsNumber()) seed = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
    auto* box = new GeneratorBox{kGeneratorTag, at::make_generator<at::CPUGeneratorImpl>(seed)};
    return Napi::External<GeneratorBox>::New(info.Env(), box, [](Napi::BasicEnv, GeneratorBox* b) { delete b; });
  });
}

GeneratorBox* GenOf(const Napi::Value& v) {
  if (!v.IsExternal() || v.As<Napi::External<GeneratorBox>>().Data()->tag != kGeneratorTag) {
    throw Napi::TypeError::New(v.Env(), "expected a Generator");
  }
  return v.As<Napi::External<GeneratorBox>>().Data();
}

Napi::Value GeneratorManualSeed(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    GeneratorBox* g = GenOf(info[0]);
    uint64_t seed;
    if (info[1].IsBigInt()) { bool l; seed = info[1].As<Napi::BigInt>().Uint64Value(&l); }
    else seed = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
    std::lock_guard<std::mutex> lock(g->g.mutex());
    g->g.set_current_seed(seed);
    return info.Env().Undefined();
  });
}

Napi::Value GeneratorInitialSeed(const Napi::CallbackInfo& info) {
  GeneratorBox* g = GenOf(info[0]);
  return Napi::BigInt::New(info.Env(), g->g.current_seed());
}

Napi::Value GeneratorGetState(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    GeneratorBox* g = GenOf(info[0]);
    std::lock_guard<std::mutex> lock(g->g.mutex());
    return Wrap(info.Env(), g->g.get_state());
  });
}

Napi::Value GeneratorSetState(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    GeneratorBox* g = GenOf(info[0]);
    std::lock_guard<std::mutex> lock(g->g.mutex());
    g->g.set_state(TensorOf(info[1], "Generator.setState"));
    return info.Env().Undefined();
  });
}

Napi::Value UseGenerator(const Napi::CallbackInfo& info) {
  AddonData* data = Data(info.Env());
  if (info[0].IsNull() || info[0].IsUndefined()) data->current_generator.reset();
  else data->current_generator = GenOf(info[0])->g;
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------------------
// Threads and build information

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    int n = info[0].As<Napi::Number>().Int32Value();
    if (n < 1) throw Napi::RangeError::New(info.Env(), "setNumThreads: n must be at least 1, got " + std::to_string(n));
    at::set_num_threads(n);
    return info.Env().Undefined();
  });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
#ifdef TORCH_VERSION
    o.Set("version", Napi::String::New(env, TORCH_VERSION));
#else
    o.Set("version", env.Null());
#endif
    o.Set("showConfig", Napi::String::New(env, at::show_config()));
    o.Set("parallelInfo", Napi::String::New(env, at::get_parallel_info()));
    o.Set("cuda", Napi::Boolean::New(env, at::hasCUDA()));
    // torch::cuda (the C++ API) rather than the CUDA hooks: its names are the same in libtorch 1.13 and 2.x.
    o.Set("cudaDeviceCount", Napi::Number::New(env, static_cast<double>(at::hasCUDA() ? torch::cuda::device_count() : 0)));
    o.Set("mkldnn", Napi::Boolean::New(env, at::hasMKLDNN()));
    o.Set("openmp", Napi::Boolean::New(env, at::hasOpenMP()));
    o.Set("lapack", Napi::Boolean::New(env, at::hasLAPACK()));
    o.Set("interopThreads", Napi::Number::New(env, at::get_num_interop_threads()));
#ifdef TSTORCH_HAVE_LIBJPEG
    o.Set("libjpeg", Napi::Boolean::New(env, true));
#else
    o.Set("libjpeg", Napi::Boolean::New(env, false));
#endif
    return o;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Pillow's 8-bit separable resampling loops (libImaging/Resample.c, ImagingResampleHorizontal_8bpc and
// ImagingResampleVertical_8bpc) for the image transforms. The coefficients are computed in TypeScript
// (vision/transforms/pil-kernels.ts); only the multiply-accumulate loops run here, on interleaved HWC bytes,
// about five times faster than the same loops in JavaScript. Sums are ints with Pillow's 22 fraction bits.

namespace {
constexpr int kPrecisionBits = 32 - 8 - 2;

inline uint8_t Clip8(int32_t ss) {
  int32_t v = ss >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

template <typename T>
T* TypedData(const Napi::Value& v, const char* what, size_t* len) {
  if (!v.IsTypedArray()) throw Napi::TypeError::New(v.Env(), std::string("resample: ") + what + " must be a TypedArray");
  auto ta = v.As<Napi::TypedArray>();
  if (ta.ElementSize() != sizeof(T)) throw Napi::TypeError::New(v.Env(), std::string("resample: ") + what + " has the wrong element type");
  *len = ta.ElementLength();
  return reinterpret_cast<T*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
}
}  // namespace

// resampleHorizontal(src, srcW, channels, y0, rows, outW, bounds, kk, ksize, out): rows y0.. of src -> out.
Napi::Value ResampleHorizontal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t srcLen, bLen, kLen, outLen;
  const uint8_t* src = TypedData<uint8_t>(info[0], "src", &srcLen);
  const int64_t srcW = info[1].As<Napi::Number>().Int64Value();
  const int64_t C = info[2].As<Napi::Number>().Int64Value();
  const int64_t y0 = info[3].As<Napi::Number>().Int64Value();
  const int64_t rows = info[4].As<Napi::Number>().Int64Value();
  const int64_t outW = info[5].As<Napi::Number>().Int64Value();
  const int32_t* bounds = TypedData<int32_t>(info[6], "bounds", &bLen);
  const int32_t* kk = TypedData<int32_t>(info[7], "kk", &kLen);
  const int64_t ksize = info[8].As<Napi::Number>().Int64Value();
  uint8_t* out = TypedData<uint8_t>(info[9], "out", &outLen);
  // Every index is checked before the loops: bad arguments are an exception, never a read out of bounds.
  if (srcW <= 0 || C <= 0 || y0 < 0 || rows < 0 || outW < 0 || ksize <= 0 || y0 > INT32_MAX || rows > INT32_MAX ||
      static_cast<size_t>(CheckedProduct(env, {y0 + rows, srcW, C}, "resampleHorizontal")) > srcLen ||
      bLen < static_cast<size_t>(CheckedProduct(env, {outW, 2}, "resampleHorizontal")) ||
      kLen < static_cast<size_t>(CheckedProduct(env, {outW, ksize}, "resampleHorizontal")) ||
      outLen < static_cast<size_t>(CheckedProduct(env, {rows, outW, C}, "resampleHorizontal"))) {
    throw Napi::RangeError::New(env, "resampleHorizontal: sizes do not match the arrays");
  }
  for (int64_t xx = 0; xx < outW; xx++) {
    if (bounds[xx * 2] < 0 || bounds[xx * 2 + 1] < 0 || bounds[xx * 2 + 1] > ksize ||
        static_cast<int64_t>(bounds[xx * 2]) + bounds[xx * 2 + 1] > srcW) {
      throw Napi::RangeError::New(env, "resampleHorizontal: filter bounds outside the source row");
    }
  }
  const int32_t half = 1 << (kPrecisionBits - 1);
  for (int64_t y = 0; y < rows; y++) {
    const uint8_t* in = src + (y + y0) * srcW * C;
    uint8_t* o = out + y * outW * C;
    for (int64_t xx = 0; xx < outW; xx++) {
      const int32_t xmin = bounds[xx * 2], xmax = bounds[xx * 2 + 1];
      const int32_t* k = kk + xx * ksize;
      const uint8_t* p = in + xmin * C;
      if (C == 3) {
        int32_t s0 = half, s1 = half, s2 = half;
        for (int32_t x = 0; x < xmax; x++, p += 3) {
          s0 += p[0] * k[x];
          s1 += p[1] * k[x];
          s2 += p[2] * k[x];
        }
        o[xx * 3] = Clip8(s0);
        o[xx * 3 + 1] = Clip8(s1);
        o[xx * 3 + 2] = Clip8(s2);
      } else {
        for (int64_t c = 0; c < C; c++) {
          int32_t ss = half;
          for (int32_t x = 0; x < xmax; x++) ss += p[x * C + c] * k[x];
          o[xx * C + c] = Clip8(ss);
        }
      }
    }
  }
  return env.Undefined();
}

// resampleVertical(src, rowLen, rowOffset, outH, bounds, kk, ksize, out): image row r is src row r - rowOffset.
Napi::Value ResampleVertical(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t srcLen, bLen, kLen, outLen;
  const uint8_t* src = TypedData<uint8_t>(info[0], "src", &srcLen);
  const int64_t rowLen = info[1].As<Napi::Number>().Int64Value();
  const int64_t rowOffset = info[2].As<Napi::Number>().Int64Value();
  const int64_t outH = info[3].As<Napi::Number>().Int64Value();
  const int32_t* bounds = TypedData<int32_t>(info[4], "bounds", &bLen);
  const int32_t* kk = TypedData<int32_t>(info[5], "kk", &kLen);
  const int64_t ksize = info[6].As<Napi::Number>().Int64Value();
  uint8_t* out = TypedData<uint8_t>(info[7], "out", &outLen);
  if (rowLen <= 0 || outH < 0 || ksize <= 0 || bLen < static_cast<size_t>(CheckedProduct(env, {outH, 2}, "resampleVertical")) ||
      kLen < static_cast<size_t>(CheckedProduct(env, {outH, ksize}, "resampleVertical")) ||
      outLen < static_cast<size_t>(CheckedProduct(env, {outH, rowLen}, "resampleVertical"))) {
    throw Napi::RangeError::New(env, "resampleVertical: sizes do not match the arrays");
  }
  const int64_t srcRows = static_cast<int64_t>(srcLen) / rowLen;
  for (int64_t yy = 0; yy < outH; yy++) {
    const int64_t ymin = bounds[yy * 2] - rowOffset, ymax = bounds[yy * 2 + 1];
    if (ymin < 0 || ymax < 0 || ymax > ksize || ymin + ymax > srcRows) {
      throw Napi::RangeError::New(env, "resampleVertical: filter bounds outside the source rows");
    }
  }
  const int32_t half = 1 << (kPrecisionBits - 1);
  std::vector<int32_t> acc(static_cast<size_t>(rowLen));
  for (int64_t yy = 0; yy < outH; yy++) {
    const int64_t ymin = bounds[yy * 2] - rowOffset, ymax = bounds[yy * 2 + 1];
    const int32_t* k = kk + yy * ksize;
    std::fill(acc.begin(), acc.end(), half);
    // Row-major: each source row is read contiguously and added to a row of sums (vectorises).
    for (int64_t y = 0; y < ymax; y++) {
      const uint8_t* in = src + (ymin + y) * rowLen;
      const int32_t w = k[y];
      int32_t* a = acc.data();
      for (int64_t x = 0; x < rowLen; x++) a[x] += in[x] * w;
    }
    uint8_t* o = out + yy * rowLen;
    for (int64_t x = 0; x < rowLen; x++) o[x] = Clip8(acc[x]);
  }
  return env.Undefined();
}

// ---------------------------------------------------------------------------------------------------------
// Image layout loops for the transforms: HWC bytes to a CHW tensor (through per-channel lookup tables: ToTensor
// and Normalize in one pass, the tables computed in TypeScript with float32 rounding), and a mirror image.

// imageToCHW(src, height, width, channels, tables | null): a CHW float32 tensor of tables[c * 256 + byte], or
// the CHW uint8 tensor of the bytes when tables is null.
Napi::Value ImageToCHW(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    size_t len;
    const uint8_t* src = TypedData<uint8_t>(info[0], "src", &len);
    const int64_t H = info[1].As<Napi::Number>().Int64Value();
    const int64_t W = info[2].As<Napi::Number>().Int64Value();
    const int64_t C = info[3].As<Napi::Number>().Int64Value();
    if (H < 0 || W < 0 || C <= 0 || static_cast<size_t>(CheckedProduct(env, {H, W, C}, "imageToCHW")) != len) {
      throw Napi::RangeError::New(env, "imageToCHW: " + std::to_string(len) + " bytes for a " + std::to_string(H) + "x" +
                                           std::to_string(W) + "x" + std::to_string(C) + " image");
    }
    const int64_t plane = H * W;
    if (info[4].IsNull() || info[4].IsUndefined()) {
      at::Tensor out = at::empty({C, H, W}, at::kByte);
      uint8_t* o = out.data_ptr<uint8_t>();
      for (int64_t c = 0; c < C; c++)
        for (int64_t p = 0; p < plane; p++) o[c * plane + p] = src[p * C + c];
      return Wrap(env, std::move(out));
    }
    size_t tlen;
    const float* tables = TypedData<float>(info[4], "tables", &tlen);
    if (tlen != static_cast<size_t>(C) * 256) throw Napi::RangeError::New(env, "imageToCHW: tables must hold 256 values per channel");
    at::Tensor out = at::empty({C, H, W}, at::kFloat);
    float* o = out.data_ptr<float>();
    for (int64_t c = 0; c < C; c++) {
      const float* t = tables + c * 256;
      float* oc = o + c * plane;
      for (int64_t p = 0; p < plane; p++) oc[p] = t[src[p * C + c]];
    }
    return Wrap(env, std::move(out));
  });
}

// flipImage(src, height, width, channels, out): out is src mirrored left to right (PIL's FLIP_LEFT_RIGHT).
Napi::Value FlipImage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t len, outLen;
  const uint8_t* src = TypedData<uint8_t>(info[0], "src", &len);
  const int64_t H = info[1].As<Napi::Number>().Int64Value();
  const int64_t W = info[2].As<Napi::Number>().Int64Value();
  const int64_t C = info[3].As<Napi::Number>().Int64Value();
  uint8_t* out = TypedData<uint8_t>(info[4], "out", &outLen);
  if (H < 0 || W < 0 || C <= 0 || static_cast<size_t>(CheckedProduct(env, {H, W, C}, "flipImage")) != len || outLen != len) {
    throw Napi::RangeError::New(env, "flipImage: sizes do not match the arrays");
  }
  for (int64_t y = 0; y < H; y++) {
    const uint8_t* s = src + y * W * C;
    uint8_t* d = out + y * W * C + (W - 1) * C;
    for (int64_t x = 0; x < W; x++, s += C, d -= C) std::memcpy(d, s, static_cast<size_t>(C));
  }
  return env.Undefined();
}

// ---------------------------------------------------------------------------------------------------------
// JPEG decoding with libjpeg-turbo, as Pillow decodes (libjpeg's defaults: islow DCT, fancy upsampling), for
// the common case only: a 3-component (YCbCr or RGB) file without an EXIF rotation, decoded without a single
// libjpeg warning. Anything else returns null and the caller decodes with sharp, which handles every format,
// CMYK, grey, EXIF orientation and the error messages. Synchronous and in-thread, it costs what PIL's decoder
// costs; sharp (libvips) takes about twice as long on small photos, plus a thread hop when called synchronously.
#ifdef TSTORCH_HAVE_LIBJPEG
namespace {
struct JpegError {
  jpeg_error_mgr pub;
  jmp_buf jump;
  bool warned = false;
};

void JpegErrorExit(j_common_ptr cinfo) {
  longjmp(reinterpret_cast<JpegError*>(cinfo->err)->jump, 1);
}

void JpegEmitMessage(j_common_ptr cinfo, int level) {
  if (level < 0) reinterpret_cast<JpegError*>(cinfo->err)->warned = true;  // -1: a warning (corrupt data...)
}

// EXIF orientation from an APP1 marker ("Exif\0\0" + TIFF header); 1 when absent, 0 when unreadable.
int ExifOrientation(const jpeg_saved_marker_ptr markers) {
  for (jpeg_saved_marker_ptr m = markers; m != nullptr; m = m->next) {
    if (m->marker != JPEG_APP0 + 1 || m->data_length < 14 || std::memcmp(m->data, "Exif\0\0", 6) != 0) continue;
    const uint8_t* t = m->data + 6;
    const size_t n = m->data_length - 6;
    const bool le = t[0] == 'I' && t[1] == 'I';
    if (!le && !(t[0] == 'M' && t[1] == 'M')) return 0;
    auto u16 = [&](size_t o) -> uint32_t { return le ? (t[o] | (t[o + 1] << 8)) : ((t[o] << 8) | t[o + 1]); };
    auto u32 = [&](size_t o) -> uint32_t { return le ? (u16(o) | (u16(o + 2) << 16)) : ((u16(o) << 16) | u16(o + 2)); };
    const size_t ifd = u32(4);
    if (ifd + 2 > n) return 0;
    const uint32_t count = u16(ifd);
    for (uint32_t i = 0; i < count; i++) {
      const size_t e = ifd + 2 + 12 * static_cast<size_t>(i);
      if (e + 12 > n) return 0;
      if (u16(e) == 0x0112) return static_cast<int>(u16(e + 8));
    }
  }
  return 1;
}

enum class JpegResult { Decoded, NotPlain, TooLarge };

// Decodes into the buffer the callback allocates. NotPlain: the file is not for this fast path. TooLarge: the
// header declares more than `max_pixels` pixels (the decompression-bomb limit), with its size in *w, *h:
// nothing was allocated.
template <typename Alloc>
JpegResult DecodeJpegRgb(const uint8_t* data, size_t len, double max_pixels, uint32_t* w, uint32_t* h, Alloc&& alloc) {
  jpeg_decompress_struct cinfo;
  JpegError err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = JpegErrorExit;
  err.pub.emit_message = JpegEmitMessage;
  // Only plain C data lives between setjmp and longjmp: nothing with a destructor is skipped by the jump.
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return JpegResult::NotPlain;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, const_cast<unsigned char*>(data), static_cast<unsigned long>(len));
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&cinfo, TRUE);
  // A header can promise any size: the caller's limit is checked before libjpeg allocates anything for the
  // image (its coefficient buffers included), whatever the colour space.
  if (static_cast<double>(cinfo.image_width) * cinfo.image_height > max_pixels) {
    *w = cinfo.image_width;
    *h = cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return JpegResult::TooLarge;
  }
  const bool plain = cinfo.num_components == 3 &&
                     (cinfo.jpeg_color_space == JCS_YCbCr || cinfo.jpeg_color_space == JCS_RGB) &&
                     ExifOrientation(cinfo.marker_list) == 1 && !err.warned;
  if (!plain) {
    jpeg_destroy_decompress(&cinfo);
    return JpegResult::NotPlain;
  }
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  const size_t stride = static_cast<size_t>(cinfo.output_width) * 3;
  *w = cinfo.output_width;
  *h = cinfo.output_height;
  uint8_t* out = alloc(cinfo.output_width, cinfo.output_height);
  if (out == nullptr) {
    jpeg_destroy_decompress(&cinfo);
    return JpegResult::NotPlain;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out + static_cast<size_t>(cinfo.output_scanline) * stride;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  const bool clean = !err.warned;  // e.g. a truncated file: libjpeg pads it with grey and only warns
  jpeg_destroy_decompress(&cinfo);
  return clean ? JpegResult::Decoded : JpegResult::NotPlain;
}
}  // namespace
#endif

// decodeJpeg(bytes, maxPixels = 2^28): {width, height, channels: 3, data}; null when it is not a plain RGB JPEG
// (use sharp); {width, height, tooLarge: true} when the header declares more than maxPixels pixels (nothing was
// decoded or allocated: the caller reports the decompression bomb).
Napi::Value DecodeJpeg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#ifdef TSTORCH_HAVE_LIBJPEG
  size_t len;
  const uint8_t* data = TypedData<uint8_t>(info[0], "bytes", &len);
  double max_pixels = static_cast<double>(uint64_t{1} << 28);
  if (info.Length() > 1 && info[1].IsNumber()) max_pixels = info[1].As<Napi::Number>().DoubleValue();
  if (len < 4 || data[0] != 0xFF || data[1] != 0xD8) return env.Null();
  Napi::ArrayBuffer buf;
  uint32_t w = 0, h = 0;
  // libjpeg writes the rows straight into the ArrayBuffer handed to JavaScript. No exception may cross libjpeg's
  // C frames, so a failed allocation is a null pointer (and sharp then reports the failure).
  const JpegResult r = DecodeJpegRgb(data, len, max_pixels, &w, &h, [&](uint32_t width, uint32_t height) -> uint8_t* {
    try {
      buf = Napi::ArrayBuffer::New(env, static_cast<size_t>(width) * height * 3);
    } catch (...) {
      return nullptr;
    }
    return static_cast<uint8_t*>(buf.Data());
  });
  if (r == JpegResult::NotPlain) return env.Null();
  if (r == JpegResult::TooLarge) {
    auto o = Napi::Object::New(env);
    o.Set("width", Napi::Number::New(env, w));
    o.Set("height", Napi::Number::New(env, h));
    o.Set("tooLarge", Napi::Boolean::New(env, true));
    return o;
  }
  auto o = Napi::Object::New(env);
  o.Set("width", Napi::Number::New(env, w));
  o.Set("height", Napi::Number::New(env, h));
  o.Set("channels", Napi::Number::New(env, 3));
  o.Set("data", Napi::Uint8Array::New(env, buf.ByteLength(), buf, 0));
  return o;
#else
  return env.Null();
#endif
}

// Every exported function runs inside Guard (common.h): the callback travels as the function's data pointer,
// so the guard costs no allocation and no extra JavaScript frame.
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  auto cb = reinterpret_cast<Callback>(info.Data());
  return Guard(info, [&]() { return cb(info); });
}

std::vector<std::pair<const char*, Callback>>& Registry() {
  static std::vector<std::pair<const char*, Callback>> registry;
  return registry;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<AddonData>(new AddonData());
  auto fn = [&](const char* name, Callback cb) {
    if (exports.Has(name)) throw Napi::Error::New(env, std::string("tstorch addon: '") + name + "' is exported twice");
    exports.Set(name, Napi::Function::New<Guarded>(env, name, reinterpret_cast<void*>(cb)));
  };
  // Functions of the other translation units (TSTORCH_EXPORT).
  for (const auto& [name, cb] : Registry()) fn(name, cb);
  fn("opHandle", OpHandle);
  fn("resampleHorizontal", ResampleHorizontal);
  fn("resampleVertical", ResampleVertical);
  fn("decodeJpeg", DecodeJpeg);
  fn("imageToCHW", ImageToCHW);
  fn("flipImage", FlipImage);
  fn("opSchema", OpSchema);
  fn("call", Call);
  fn("fromBytes", FromBytes);
  fn("toBytes", ToBytes);
  fn("viewBytes", ViewBytes);
  fn("shape", Shape);
  fn("strides", Strides);
  fn("dim", Dim);
  fn("numel", Numel);
  fn("dtype", DtypeCode);
  fn("device", DeviceOf);
  fn("storageInfo", StorageInfo);
  fn("dataPtr", DataPtr);
  fn("tensorVersion", TensorVersion);
  fn("mkldnnConvEligible", MkldnnConvEligible);
  fn("isContiguous", IsContiguous);
  fn("dispose", Dispose);
  fn("isDisposed", IsDisposed);
  fn("setDeferExternal", SetDeferExternal);
  fn("reportExternal", ReportTensorExternal);
  fn("same", SameTensor);
  fn("memoryStats", MemoryStats);
  fn("requiresGrad", RequiresGrad);
  fn("setRequiresGrad", SetRequiresGrad);
  fn("isLeaf", IsLeaf);
  fn("gradFn", GradFnName);
  fn("grad", GetGrad);
  fn("setGrad", SetGrad);
  fn("zeroGrads", ZeroGrads);
  fn("backward", Backward);
  fn("autogradGrad", AutogradGrad);
  fn("setGradEnabled", SetGradEnabled);
  fn("isGradEnabled", IsGradEnabled);
  fn("inferenceModeEnter", InferenceModeEnter);
  fn("inferenceModeExit", InferenceModeExit);
  fn("isInferenceModeEnabled", IsInferenceModeEnabled);
  fn("isInference", IsInference);
  fn("manualSeed", ManualSeed);
  fn("initialSeed", InitialSeed);
  fn("getRngState", GetRngState);
  fn("setRngState", SetRngState);
  fn("newGenerator", NewGenerator);
  fn("generatorManualSeed", GeneratorManualSeed);
  fn("generatorInitialSeed", GeneratorInitialSeed);
  fn("generatorGetState", GeneratorGetState);
  fn("generatorSetState", GeneratorSetState);
  fn("useGenerator", UseGenerator);
  fn("setNumThreads", SetNumThreads);
  fn("getNumThreads", GetNumThreads);
  fn("buildInfo", BuildInfo);
  return exports;
}

}  // namespace

void RegisterFunction(const char* name, Callback cb) { Registry().emplace_back(name, cb); }

}  // namespace tstorch

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return tstorch::Init(env, exports); }

NODE_API_MODULE(tstorch, InitAddon)
