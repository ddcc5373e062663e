// TorchScript through libtorch's own JIT: building a torch::jit::Module tree that shares a tstorch module's
// parameters and buffers, tracing a JavaScript forward pass with libtorch's tracer (what Python's
// torch.jit.trace_module does), saving and loading TorchScript archives, running their methods, freezing, and
// handing a graph to TypeScript (the ONNX exporter reads it).
//
// Tracing works because every tstorch operator is a boxed dispatcher call: while a TracingState is set, the
// Tracer dispatch key records each call as a graph node. Parameters and buffers registered on the jit Module
// are the very at::Tensors the JavaScript module computes with, so the tracer maps them to attribute reads.
//
// Loading TorchScript runs the archive's code by design (its methods are programs). torch.load stays the safe
// path for weights.
#include "common.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/csrc/jit/serialization/python_print.h>

#include <sstream>

namespace tstorch {
namespace {

using torch::jit::Module;

constexpr uint32_t kModuleTag = 0x4a49544d;  // "JITM"

struct ModuleBox {
  uint32_t tag = kModuleTag;
  Module m;
  int64_t reported = 0;  // bytes reported to V8 as external memory
};

// The bytes of a module's tensor attributes (parameters, buffers, tensors of submodules): reported to V8 for the
// modules that own their tensors (loaded, frozen, cloned), so that an unreachable model is collected in time.
// Traced modules share the tstorch model's tensors (already reported) and submodule handles their root's.
int64_t ModuleBytes(const Module& m) {
  int64_t n = 0;
  for (const auto& a : m.named_attributes(/*recurse=*/true)) {
    if (a.value.isTensor()) {
      const at::Tensor& t = a.value.toTensor();
      if (t.defined() && t.has_storage()) n += static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
    }
  }
  return n;
}

Napi::Value WrapModule(Napi::Env env, Module m, bool owns_tensors = false) {
  auto* box = new ModuleBox{kModuleTag, std::move(m), 0};
  box->reported = owns_tensors ? ModuleBytes(box->m) : 0;
  if (box->reported) Napi::MemoryManagement::AdjustExternalMemory(env, box->reported);
  // A finalizer that takes Napi::Env runs after the collection, on the event loop, where V8 may be told about
  // memory (during the collection it must not be).
  return Napi::External<ModuleBox>::New(env, box, [](Napi::Env e, ModuleBox* b) {
    if (b->reported) Napi::MemoryManagement::AdjustExternalMemory(e, -b->reported);
    delete b;
  });
}

bool IsModuleExternal(const Napi::Value& v) {
  return v.IsExternal() && v.As<Napi::External<ModuleBox>>().Data()->tag == kModuleTag;
}

Module& ModuleOf(const Napi::Value& v, const char* what) {
  if (!IsModuleExternal(v)) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a ScriptModule handle");
  return v.As<Napi::External<ModuleBox>>().Data()->m;
}

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (i >= info.Length() || !info[i].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  }
  return info[i].As<Napi::String>().Utf8Value();
}

std::vector<std::string> StringList(const Napi::Value& v, const char* what) {
  std::vector<std::string> out;
  if (v.IsUndefined() || v.IsNull()) return out;
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an array of strings");
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value e = arr.Get(i);
    if (!e.IsString()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an array of strings");
    out.push_back(e.As<Napi::String>().Utf8Value());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Values in and out

Napi::Value ToJs(Napi::Env env, const c10::IValue& v);

Napi::Value ListToJs(Napi::Env env, c10::ArrayRef<c10::IValue> elems) {
  auto arr = Napi::Array::New(env, elems.size());
  for (size_t i = 0; i < elems.size(); i++) arr.Set(i, ToJs(env, elems[i]));
  return arr;
}

// Like common.h's FromIValue, plus what a TorchScript method can return: modules ({ __module__: handle }), objects,
// dictionaries (as a { __dict__: [[key, value], ...] } record, keys of any type), devices.
Napi::Value ToJs(Napi::Env env, const c10::IValue& v) {
  if (v.isObject()) {
    auto obj = v.toObject();
    auto rec = Napi::Object::New(env);
    if (obj->type()->is_module()) {
      rec.Set("__module__", WrapModule(env, Module(obj)));
      return rec;
    }
    rec.Set("__class__", Napi::String::New(env, obj->type()->name() ? obj->type()->name()->qualifiedName() : "object"));
    for (size_t i = 0; i < obj->type()->numAttributes(); i++) {
      rec.Set(obj->type()->getAttributeName(i), ToJs(env, obj->getSlot(i)));
    }
    return rec;
  }
  if (v.isGenericDict()) {
    auto entries = Napi::Array::New(env);
    uint32_t i = 0;
    for (const auto& kv : v.toGenericDict()) {
      auto pair = Napi::Array::New(env, 2);
      pair.Set(0u, ToJs(env, kv.key()));
      pair.Set(1u, ToJs(env, kv.value()));
      entries.Set(i++, pair);
    }
    auto rec = Napi::Object::New(env);
    rec.Set("__dict__", entries);
    return rec;
  }
  if (v.isTuple()) return ListToJs(env, v.toTupleRef().elements());
  if (v.isList()) {
    auto list = v.toListRef();
    return ListToJs(env, list);
  }
  if (v.isTensorList()) return FromIValue(env, v);
  if (v.isIntList() || v.isDoubleList() || v.isBoolList()) return FromIValue(env, v);
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  if (v.isNone()) return env.Null();
  if (v.isTensor() || v.isInt() || v.isDouble() || v.isBool() || v.isString() || v.isScalar()) return FromIValue(env, v);
  throw Napi::Error::New(env, std::string("cannot convert a TorchScript value of kind ") + v.tagKind() + " to JavaScript");
}

[[noreturn]] void TypeMismatch(Napi::Env env, const std::string& what, const c10::TypePtr& t) {
  throw Napi::TypeError::New(env, what + ": expected a value of TorchScript type " + t->annotation_str());
}

int64_t JsInt(Napi::Env env, const Napi::Value& v, const std::string& what, const c10::TypePtr& t) {
  if (v.IsBigInt()) {
    bool lossless = true;
    int64_t r = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(env, what + ": integer out of the int64 range");
    return r;
  }
  if (!v.IsNumber()) TypeMismatch(env, what, t);
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != std::floor(d)) throw Napi::TypeError::New(env, what + ": expected an integer (" + t->annotation_str() + "), got " + std::to_string(d));
  return static_cast<int64_t>(d);
}

// A JavaScript value as the IValue of TorchScript type t (a method argument).
c10::IValue FromJs(Napi::Env env, const Napi::Value& v, const c10::TypePtr& t, const std::string& what) {
  using c10::TypeKind;
  switch (t->kind()) {
    case TypeKind::OptionalType:
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      return FromJs(env, v, t->castRaw<c10::OptionalType>()->getElementType(), what);
    case TypeKind::TensorType:
      return TensorOf(v, what.c_str());
    case TypeKind::IntType:
      return JsInt(env, v, what, t);
    case TypeKind::FloatType:
      if (!v.IsNumber()) TypeMismatch(env, what, t);
      return v.As<Napi::Number>().DoubleValue();
    case TypeKind::NumberType: {
      if (v.IsBigInt()) return JsInt(env, v, what, t);
      if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
      if (!v.IsNumber()) TypeMismatch(env, what, t);
      double d = v.As<Napi::Number>().DoubleValue();
      if (d == std::floor(d) && std::abs(d) < 9.007199254740992e15) return static_cast<int64_t>(d);
      return d;
    }
    case TypeKind::BoolType:
      if (!v.IsBoolean()) TypeMismatch(env, what, t);
      return v.As<Napi::Boolean>().Value();
    case TypeKind::StringType:
      if (!v.IsString()) TypeMismatch(env, what, t);
      return v.As<Napi::String>().Utf8Value();
    case TypeKind::DeviceObjType:
      if (!v.IsString()) TypeMismatch(env, what, t);
      return c10::Device(v.As<Napi::String>().Utf8Value());
    case TypeKind::ListType: {
      if (!v.IsArray()) TypeMismatch(env, what, t);
      auto elem = t->castRaw<c10::ListType>()->getElementType();
      auto arr = v.As<Napi::Array>();
      c10::impl::GenericList list(elem);
      for (uint32_t i = 0; i < arr.Length(); i++) list.push_back(FromJs(env, arr.Get(i), elem, what + "[" + std::to_string(i) + "]"));
      return list;
    }
    case TypeKind::TupleType: {
      if (!v.IsArray()) TypeMismatch(env, what, t);
      auto elems = t->castRaw<c10::TupleType>()->elements();
      auto arr = v.As<Napi::Array>();
      if (arr.Length() != elems.size()) {
        throw Napi::TypeError::New(env, what + ": expected a tuple of " + std::to_string(elems.size()) + " values, got " +
                                            std::to_string(arr.Length()));
      }
      std::vector<c10::IValue> out;
      for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(FromJs(env, arr.Get(i), elems[i], what + "[" + std::to_string(i) + "]"));
      return c10::ivalue::Tuple::create(std::move(out));
    }
    case TypeKind::DictType: {
      auto dt = t->castRaw<c10::DictType>();
      if (dt->getKeyType()->kind() != TypeKind::StringType || !v.IsObject() || v.IsArray()) TypeMismatch(env, what, t);
      c10::impl::GenericDict dict(dt->getKeyType(), dt->getValueType());
      auto obj = v.As<Napi::Object>();
      auto keys = obj.GetPropertyNames();
      for (uint32_t i = 0; i < keys.Length(); i++) {
        std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
        dict.insert(k, FromJs(env, obj.Get(k), dt->getValueType(), what + "." + k));
      }
      return dict;
    }
    case TypeKind::ClassType:
      if (IsModuleExternal(v)) return ModuleOf(v, what.c_str())._ivalue();
      TypeMismatch(env, what, t);
    case TypeKind::AnyType:
      if (IsTensorExternal(v)) return TensorOf(v, what.c_str());
      if (IsModuleExternal(v)) return ModuleOf(v, what.c_str())._ivalue();
      if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
      if (v.IsString()) return v.As<Napi::String>().Utf8Value();
      if (v.IsNumber() || v.IsBigInt()) return FromJs(env, v, c10::NumberType::get(), what);
      if (v.IsNull() || v.IsUndefined()) return c10::IValue();
      TypeMismatch(env, what, t);
    default:
      TypeMismatch(env, what, t);
  }
}


// ---------------------------------------------------------------------------------------------------------
// Building a module tree that mirrors a tstorch module

// jitNewModule(qualifiedClassName, sibling?): a new module of a new class type. Modules of one tree share the
// sibling's compilation unit, where class names are mangled apart as Python does for traced instances.
Napi::Value NewModule(const Napi::CallbackInfo& info) {
  std::string cls = StringArg(info, 0, "jitNewModule: class name");
  std::shared_ptr<torch::jit::CompilationUnit> cu;
  if (info.Length() > 1 && IsModuleExternal(info[1])) {
    cu = ModuleOf(info[1], "jitNewModule")._ivalue()->compilation_unit();
  } else {
    cu = std::make_shared<torch::jit::CompilationUnit>();
  }
  Module m(c10::QualifiedName(cls), cu, /*shouldMangle=*/true);
  return WrapModule(info.Env(), std::move(m));
}

// jitRegisterTensor(module, name, tensor, isParameter): the tensor itself (same TensorImpl), not a copy, so that
// the tracer recognises it as this attribute.
Napi::Value RegisterTensor(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitRegisterTensor");
  std::string name = StringArg(info, 1, "jitRegisterTensor: name");
  const at::Tensor& t = TensorOf(info[2], "jitRegisterTensor");
  bool is_param = info[3].ToBoolean().Value();
  if (is_param) {
    m.register_parameter(name, t, /*is_buffer=*/false);
  } else {
    m.register_buffer(name, t);
  }
  return info.Env().Undefined();
}

Napi::Value RegisterModule(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitRegisterModule");
  std::string name = StringArg(info, 1, "jitRegisterModule: name");
  m.register_module(name, ModuleOf(info[2], "jitRegisterModule: child"));
  return info.Env().Undefined();
}

// jitSetTraining(module, on): registers the `training` attribute where it is missing (every nn.Module has it in
// Python; freezing and eval() read it) and sets it on this module only.
Napi::Value SetTraining(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitSetTraining");
  bool on = info[1].ToBoolean().Value();
  if (m.type()->hasAttribute("training")) {
    m.setattr("training", on);
  } else {
    m.register_attribute("training", c10::BoolType::get(), on);
  }
  return info.Env().Undefined();
}

// jitTrain(module, on): Module::train, recursively (Python's ScriptModule.train / eval).
Napi::Value Train(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitTrain");
  bool on = info[1].ToBoolean().Value();
  for (Module sub : m.modules()) {
    if (!sub.type()->hasAttribute("training")) {
      throw Napi::Error::New(info.Env(), "train(): module of type " + sub.type()->repr_str() + " has no 'training' attribute");
    }
    sub.setattr("training", on);
  }
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------------------
// Tracing

c10::IValue TraceOutput(Napi::Env env, const Napi::Value& v, const std::string& where) {
  if (IsTensorExternal(v)) return TensorOf(v, where.c_str());
  if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    std::vector<c10::IValue> elems;
    for (uint32_t i = 0; i < arr.Length(); i++) elems.push_back(TraceOutput(env, arr.Get(i), where + "[" + std::to_string(i) + "]"));
    return c10::ivalue::Tuple::create(std::move(elems));
  }
  throw Napi::TypeError::New(env, "trace: the forward pass must return a Tensor or an array of Tensors; " + where +
                                      " is neither");
}

// jitTrace(module, methodName, inputs: Tensor[], forward: (...inputs) => Tensor | Tensor[], argNames, strict):
// records forward (a JavaScript function, run synchronously here) with libtorch's tracer and adds the graph to
// module's class as method `methodName` (Python's Module._create_method_from_trace). Returns the traced outputs.
Napi::Value Trace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Module& m = ModuleOf(info[0], "jitTrace");
  std::string method = StringArg(info, 1, "jitTrace: method name");
  std::vector<at::Tensor> inputs = TensorArray(info[2], "jitTrace: inputs");
  if (!info[3].IsFunction()) throw Napi::TypeError::New(env, "jitTrace: forward must be a function");
  Napi::Function fn = info[3].As<Napi::Function>();
  std::vector<std::string> arg_names = StringList(info[4], "jitTrace: argument names");
  bool strict = info.Length() > 5 ? info[5].ToBoolean().Value() : true;
  if (torch::jit::tracer::isTracing()) throw Napi::Error::New(env, "trace: tracing cannot be nested");
  if (m.type()->findMethod(method)) throw Napi::Error::New(env, "trace: the module already has a method '" + method + "'");

  torch::jit::Stack stack(inputs.begin(), inputs.end());
  Napi::Value result;
  auto traced_fn = [&](torch::jit::Stack in) -> torch::jit::Stack {
    std::vector<napi_value> args;
    for (auto& v : in) args.push_back(Wrap(env, v.toTensor()));
    // A JavaScript exception propagates as Napi::Error (NAPI_CPP_EXCEPTIONS); trace() abandons the state.
    result = fn.Call(args);
    return {TraceOutput(env, result, "output")};
  };
  auto traced = torch::jit::tracer::trace(
      std::move(stack), traced_fn, [](const at::Tensor&) { return std::string(); }, strict,
      /*force_outplace=*/false, &m, arg_names);
  auto graph = traced.first->graph;
  auto fn_ptr = m._ivalue()->compilation_unit()->create_function(c10::QualifiedName(*m.type()->name(), method), graph);
  m.type()->addMethod(fn_ptr);
  return result;
}

// jitPushScope(name) / jitPopScope(): the module scopes of a trace (Python's _slow_forward), from which the
// tracer builds one method per submodule call (FixupTraceScopeBlocks).
Napi::Value PushScope(const Napi::CallbackInfo& info) {
  auto state = torch::jit::tracer::getTracingState();
  if (!state) throw Napi::Error::New(info.Env(), "jitPushScope: not tracing");
  state->graph->push_scope(StringArg(info, 0, "jitPushScope: name"));
  return info.Env().Undefined();
}

Napi::Value PopScope(const Napi::CallbackInfo& info) {
  auto state = torch::jit::tracer::getTracingState();
  if (!state) throw Napi::Error::New(info.Env(), "jitPopScope: not tracing");
  state->graph->pop_scope();
  return info.Env().Undefined();
}

Napi::Value IsTracing(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), torch::jit::tracer::isTracing());
}

// ---------------------------------------------------------------------------------------------------------
// Files

// jitSave(module) -> ArrayBuffer: the TorchScript zip archive (TypeScript writes it atomically).
Napi::Value Save(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitSave");
  std::ostringstream os;
  m.save(os);
  std::string bytes = os.str();
  auto buf = Napi::ArrayBuffer::New(info.Env(), bytes.size());
  std::memcpy(buf.Data(), bytes.data(), bytes.size());
  return buf;
}

// jitLoad(bytes: Uint8Array) -> module. Runs the archive's code: TorchScript is a program.
Napi::Value Load(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "jitLoad: expected the file's bytes");
  auto arr = info[0].As<Napi::Uint8Array>();
  std::string bytes(reinterpret_cast<const char*>(arr.Data()), arr.ByteLength());
  std::istringstream is(bytes);
  Module m = torch::jit::load(is, c10::Device(c10::kCPU));
  return WrapModule(info.Env(), std::move(m), /*owns_tensors=*/true);
}

// ---------------------------------------------------------------------------------------------------------
// Methods and attributes

torch::jit::Function& MethodOf(Napi::Env env, Module& m, const std::string& name) {
  auto method = m.find_method(name);
  if (!method) {
    std::string names;
    for (const auto& mm : m.get_methods()) names += (names.empty() ? "" : ", ") + mm.name();
    throw Napi::Error::New(env, "the ScriptModule (" + m.type()->repr_str() + ") has no method '" + name + "' (methods: " +
                                    (names.empty() ? "none" : names) + ")");
  }
  return method->function();
}

// jitRun(module, method, args[]): calls a method; arguments are converted by its schema (defaults fill the rest).
Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Module& m = ModuleOf(info[0], "jitRun");
  std::string name = StringArg(info, 1, "jitRun: method");
  torch::jit::Function& fn = MethodOf(env, m, name);
  const auto& schema = fn.getSchema();
  auto args = info[2].As<Napi::Array>();
  size_t n = schema.arguments().size();  // self first
  if (args.Length() + 1 > n) {
    throw Napi::TypeError::New(env, name + "() takes " + std::to_string(n - 1) + " arguments (" + schema.name() +
                                        "), got " + std::to_string(args.Length()));
  }
  torch::jit::Stack stack;
  stack.reserve(n);
  stack.emplace_back(m._ivalue());
  for (size_t i = 1; i < n; i++) {
    const auto& a = schema.arguments()[i];
    Napi::Value v = i - 1 < args.Length() ? args.Get(static_cast<uint32_t>(i - 1)) : env.Undefined();
    if (v.IsUndefined() && a.default_value()) {
      stack.push_back(*a.default_value());
    } else if (v.IsUndefined() && a.type()->kind() != c10::TypeKind::OptionalType) {
      throw Napi::TypeError::New(env, name + "(): missing argument '" + a.name() + "' (" + a.type()->annotation_str() + ")");
    } else {
      stack.push_back(FromJs(env, v, a.type(), name + "(): argument '" + a.name() + "'"));
    }
  }
  c10::IValue out = fn(std::move(stack));
  return ToJs(env, out);
}

Napi::Value MethodNames(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitMethods");
  auto methods = m.get_methods();
  auto arr = Napi::Array::New(info.Env(), methods.size());
  uint32_t i = 0;
  for (const auto& mm : methods) arr.Set(i++, Napi::String::New(info.Env(), mm.name()));
  return arr;
}

Napi::Value MethodSchema(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitMethodSchema");
  std::ostringstream os;
  os << MethodOf(info.Env(), m, StringArg(info, 1, "jitMethodSchema: method")).getSchema();
  return Napi::String::New(info.Env(), os.str());
}

// jitGraph(module, method, inlined): the graph as libtorch prints it.
Napi::Value GraphString(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitGraph");
  auto& fn = MethodOf(info.Env(), m, StringArg(info, 1, "jitGraph: method"));
  auto graph = torch::jit::toGraphFunction(fn).graph();
  if (info.Length() > 2 && info[2].ToBoolean().Value()) {
    graph = graph->copy();
    torch::jit::Inline(*graph);
  }
  return Napi::String::New(info.Env(), graph->toString());
}

// jitCode(module, method): the method as TorchScript source (Python's ScriptMethod.code).
Napi::Value Code(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitCode");
  auto& fn = MethodOf(info.Env(), m, StringArg(info, 1, "jitCode: method"));
  std::vector<c10::IValue> constants;
  torch::jit::PrintDepsTable deps;
  torch::jit::PythonPrint pp(constants, deps);
  pp.printMethod(fn);
  return Napi::String::New(info.Env(), pp.str());
}

// jitAttributes(module) -> [name, kind, value][]: this module's own attributes in slot order; kind is
// 'parameter', 'buffer', 'module' or 'attribute'.
Napi::Value Attributes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Module& m = ModuleOf(info[0], "jitAttributes");
  const auto& type = m.type();
  auto arr = Napi::Array::New(env);
  uint32_t k = 0;
  for (size_t i = 0; i < type->numAttributes(); i++) {
    const c10::IValue& v = m._ivalue()->getSlot(i);
    const char* kind = type->is_parameter(i) ? "parameter"
                       : type->is_buffer(i)  ? "buffer"
                       : (v.isObject() && v.toObject()->type()->is_module()) ? "module"
                                                                              : "attribute";
    auto row = Napi::Array::New(env, 3);
    row.Set(0u, Napi::String::New(env, type->getAttributeName(i)));
    row.Set(1u, Napi::String::New(env, kind));
    row.Set(2u, ToJs(env, v));
    arr.Set(k++, row);
  }
  return arr;
}

Napi::Value GetAttr(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitGetAttr");
  std::string name = StringArg(info, 1, "jitGetAttr: name");
  if (!m.hasattr(name)) throw Napi::Error::New(info.Env(), "the ScriptModule (" + m.type()->repr_str() + ") has no attribute '" + name + "'");
  return ToJs(info.Env(), m.attr(name));
}

// jitSetAttr(module, name, value): an existing attribute, converted to its declared type.
Napi::Value SetAttr(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitSetAttr");
  std::string name = StringArg(info, 1, "jitSetAttr: name");
  auto slot = m.type()->findAttributeSlot(name);
  if (!slot) throw Napi::Error::New(info.Env(), "the ScriptModule (" + m.type()->repr_str() + ") has no attribute '" + name + "'");
  m._ivalue()->setSlot(*slot, FromJs(info.Env(), info[2], m.type()->getAttribute(*slot), "attribute '" + name + "'"));
  return info.Env().Undefined();
}

Napi::Value TypeName(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitTypeName");
  return Napi::String::New(info.Env(), m.type()->name() ? m.type()->name()->qualifiedName() : m.type()->repr_str());
}

// ---------------------------------------------------------------------------------------------------------
// Freezing and inference optimisation (Python's torch.jit.freeze / optimize_for_inference)

Napi::Value Freeze(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitFreeze");
  std::vector<std::string> preserved = StringList(info[1], "freeze: preservedAttrs");
  bool optimize_numerics = info.Length() > 2 ? info[2].ToBoolean().Value() : true;
  return WrapModule(info.Env(), torch::jit::freeze(m, preserved, optimize_numerics), /*owns_tensors=*/true);
}

// tstorch passes a whole JavaScript number to a Scalar argument as an int, where Python passes 6.0: ReLU6 is
// traced as hardtanh(x, 0, 6). libtorch's oneDNN pass reads hardtanh's and clamp's bounds with toDouble(), which
// asserts on ints, so the frozen graph gets Python's double constants first.
void BoundsToDouble(torch::jit::Block* block) {
  for (torch::jit::Node* n : block->nodes()) {
    for (torch::jit::Block* b : n->blocks()) BoundsToDouble(b);
    const std::string kind = n->kind().toQualString();
    if (kind != "aten::hardtanh" && kind != "aten::hardtanh_" && kind != "aten::clamp" && kind != "aten::clamp_") continue;
    for (size_t i = 1; i < n->inputs().size() && i < 3; i++) {
      torch::jit::Value* v = n->input(i);
      if (v->node()->kind() != c10::prim::Constant || !v->type()->cast<c10::IntType>()) continue;
      auto iv = torch::jit::toIValue(v);
      if (!iv || !iv->isInt()) continue;
      torch::jit::WithInsertPoint guard(n);
      n->replaceInput(i, n->owningGraph()->insertConstant(static_cast<double>(iv->toInt())));
    }
  }
}

Napi::Value OptimizeForInference(const Napi::CallbackInfo& info) {
  Module& m = ModuleOf(info[0], "jitOptimizeForInference");
  std::vector<std::string> other = StringList(info[1], "optimizeForInference: otherMethods");
  // As libtorch's optimize_for_inference: freeze first unless frozen (a frozen module has no `training`).
  Module frozen = m.type()->hasAttribute("training") ? torch::jit::freeze(m, other, true) : m.clone();
  for (const auto& method : frozen.get_methods()) BoundsToDouble(torch::jit::toGraphFunction(method.function()).graph()->block());
  return WrapModule(info.Env(), torch::jit::optimize_for_inference(frozen, other), /*owns_tensors=*/true);
}

Napi::Value Clone(const Napi::CallbackInfo& info) {
  return WrapModule(info.Env(), ModuleOf(info[0], "jitClone").deepcopy(), /*owns_tensors=*/true);
}

// ---------------------------------------------------------------------------------------------------------
// The graph as data, for exporters written in TypeScript (ONNX)

Napi::Object TypeToJs(Napi::Env env, const c10::TypePtr& t) {
  auto o = Napi::Object::New(env);
  o.Set("str", Napi::String::New(env, t->annotation_str()));
  if (auto tt = t->cast<c10::TensorType>()) {
    o.Set("kind", "Tensor");
    if (auto st = tt->scalarType()) o.Set("dtype", Napi::Number::New(env, static_cast<int>(*st)));
    if (auto sizes = tt->sizes().concrete_sizes()) {
      auto arr = Napi::Array::New(env, sizes->size());
      for (size_t i = 0; i < sizes->size(); i++) arr.Set(i, Napi::Number::New(env, static_cast<double>((*sizes)[i])));
      o.Set("shape", arr);
    }
  } else {
    o.Set("kind", c10::typeKindToString(t->kind()));
  }
  return o;
}

// Where a node came from: the module path of an inlined call (its call stack), else its trace scope.
std::string NodeScope(torch::jit::Node* n) {
  std::string out;
  if (auto cs = n->callstack()) {
    for (const auto& entry : (*cs)->vec()) {
      const auto& mi = std::get<2>(entry);
      if (mi && !mi->instance_name().empty()) out += (out.empty() ? "" : ".") + mi->instance_name();
    }
    if (!out.empty()) return out;
  }
  if (n->scope() && !n->scope()->isBlank()) return n->scope()->namesFromRoot();
  return out;
}

// jitGraphData(module, method) -> { inputs, outputs, nodes }: the method's graph with every call inlined.
// Values are numbered; a node lists its kind, input and output value ids, output types, its scope, the
// attribute name of a prim::GetAttr, and the value of a prim::Constant. Nested blocks (control flow) are an
// error: exporters read straight-line graphs (traces).
Napi::Value GraphData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Module& m = ModuleOf(info[0], "jitGraphData");
  auto& fn = MethodOf(env, m, StringArg(info, 1, "jitGraphData: method"));
  auto graph = torch::jit::toGraphFunction(fn).graph()->copy();
  torch::jit::Inline(*graph);
  std::unordered_map<const torch::jit::Value*, uint32_t> ids;
  auto id_of = [&](const torch::jit::Value* v) {
    auto it = ids.find(v);
    if (it != ids.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(ids.size());
    ids.emplace(v, id);
    return id;
  };
  auto value_js = [&](const torch::jit::Value* v) {
    auto o = Napi::Object::New(env);
    o.Set("id", Napi::Number::New(env, id_of(v)));
    o.Set("name", Napi::String::New(env, v->debugName()));
    o.Set("type", TypeToJs(env, v->type()));
    return o;
  };
  auto inputs = Napi::Array::New(env);
  uint32_t k = 0;
  for (const auto* v : graph->inputs()) inputs.Set(k++, value_js(v));
  auto nodes = Napi::Array::New(env);
  k = 0;
  for (torch::jit::Node* n : graph->nodes()) {
    if (!n->blocks().empty()) {
      throw Napi::Error::New(env, std::string("graph export: control flow (") + n->kind().toQualString() +
                                      ") is not supported; trace the model rather than script it");
    }
    auto o = Napi::Object::New(env);
    o.Set("kind", Napi::String::New(env, n->kind().toQualString()));
    auto ins = Napi::Array::New(env, n->inputs().size());
    for (size_t i = 0; i < n->inputs().size(); i++) ins.Set(i, Napi::Number::New(env, id_of(n->inputs()[i])));
    o.Set("inputs", ins);
    auto outs = Napi::Array::New(env, n->outputs().size());
    for (size_t i = 0; i < n->outputs().size(); i++) outs.Set(i, value_js(n->outputs()[i]));
    o.Set("outputs", outs);
    o.Set("scope", Napi::String::New(env, NodeScope(n)));
    if (n->kind() == c10::prim::GetAttr) o.Set("attr", Napi::String::New(env, n->s(c10::attr::name)));
    if (n->kind() == c10::prim::Constant) {
      auto cv = torch::jit::toIValue(n->output());
      o.Set("value", cv ? ToJs(env, *cv) : env.Null());
    }
    nodes.Set(k++, o);
  }
  auto outputs = Napi::Array::New(env, graph->outputs().size());
  for (size_t i = 0; i < graph->outputs().size(); i++) outputs.Set(i, Napi::Number::New(env, id_of(graph->outputs()[i])));
  auto res = Napi::Object::New(env);
  res.Set("inputs", inputs);
  res.Set("nodes", nodes);
  res.Set("outputs", outputs);
  return res;
}

}  // namespace

TSTORCH_EXPORT("jitNewModule", NewModule);
TSTORCH_EXPORT("jitRegisterTensor", RegisterTensor);
TSTORCH_EXPORT("jitRegisterModule", RegisterModule);
TSTORCH_EXPORT("jitSetTraining", SetTraining);
TSTORCH_EXPORT("jitTrain", Train);
TSTORCH_EXPORT("jitTrace", Trace);
TSTORCH_EXPORT("jitPushScope", PushScope);
TSTORCH_EXPORT("jitPopScope", PopScope);
TSTORCH_EXPORT("jitIsTracing", IsTracing);
TSTORCH_EXPORT("jitSave", Save);
TSTORCH_EXPORT("jitLoad", Load);
TSTORCH_EXPORT("jitRun", Run);
TSTORCH_EXPORT("jitMethods", MethodNames);
TSTORCH_EXPORT("jitMethodSchema", MethodSchema);
TSTORCH_EXPORT("jitGraph", GraphString);
TSTORCH_EXPORT("jitCode", Code);
TSTORCH_EXPORT("jitAttributes", Attributes);
TSTORCH_EXPORT("jitGetAttr", GetAttr);
TSTORCH_EXPORT("jitSetAttr", SetAttr);
TSTORCH_EXPORT("jitTypeName", TypeName);
TSTORCH_EXPORT("jitFreeze", Freeze);
TSTORCH_EXPORT("jitOptimizeForInference", OptimizeForInference);
TSTORCH_EXPORT("jitClone", Clone);
TSTORCH_EXPORT("jitGraphData", GraphData);

}  // namespace tstorch
