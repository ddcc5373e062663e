// What every translation unit of the addon shares: tensor handles (napi externals owning an at::Tensor),
// the error guard, and the registration of exported functions.
//
// A translation unit adds JavaScript functions with TSTORCH_EXPORT("name", Fn) at file scope; Init() in
// addon.cc exports everything registered. Every exported function runs inside Guard(): a libtorch error
// (c10::Error), any std::exception or anything else thrown in native code becomes a JavaScript exception,
// so no error in native code can abort the process. Keep new translation units few: each one that includes
// ATen's headers costs 15-30 s to compile on two cores.
#pragma once

#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/core/ivalue.h>

#include <new>
#include <string>
#include <vector>

namespace tstorch {

/** Wraps a tensor in a new handle (a napi external); an undefined tensor becomes null. */
Napi::Value Wrap(Napi::Env env, at::Tensor t);
/** Whether v is a tensor handle. */
bool IsTensorExternal(const Napi::Value& v);
/** The tensor behind a handle; `what` names the function or argument in the error. */
const at::Tensor& TensorOf(const Napi::Value& v, const char* what);
/** A JavaScript array of handles (null/undefined entries become undefined tensors). */
std::vector<at::Tensor> TensorArray(const Napi::Value& v, const char* what);
// Marks t's storage as written by something other than an ATen operator (a JavaScript view, a collective), which
// does not bump its version counter; WrittenOutsideAten asks (see addon.cc).
void MarkWrittenOutsideAten(const at::Tensor& t);
bool WrittenOutsideAten(const at::Tensor& t);
/** An IValue returned by an operator, as JavaScript: tensors, numbers, booleans, strings, lists, tuples. */
Napi::Value FromIValue(Napi::Env env, const c10::IValue& v);

// Every libtorch error becomes a JavaScript exception carrying libtorch's message (without its C++ backtrace).
template <typename F>
Napi::Value Guard(Napi::Env env, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, "out of memory in native code (std::bad_alloc)");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  } catch (...) {
    throw Napi::Error::New(env, "unknown exception in native code");
  }
}

template <typename F>
Napi::Value Guard(const Napi::CallbackInfo& info, F&& body) {
  return Guard(info.Env(), std::forward<F>(body));
}

using Callback = Napi::Value (*)(const Napi::CallbackInfo&);

/** Adds a function to the addon's exports (called from static initialisers: see TSTORCH_EXPORT). */
void RegisterFunction(const char* name, Callback cb);

struct Registrar {
  Registrar(const char* name, Callback cb) { RegisterFunction(name, cb); }
};

}  // namespace tstorch

#define TSTORCH_CONCAT_INNER(a, b) a##b
#define TSTORCH_CONCAT(a, b) TSTORCH_CONCAT_INNER(a, b)
/** Exports `fn` (a Napi callback) to JavaScript as `name`; Init wraps it in Guard. */
#define TSTORCH_EXPORT(name, fn) \
  static ::tstorch::Registrar TSTORCH_CONCAT(tstorch_registrar_, __LINE__)(name, fn)
