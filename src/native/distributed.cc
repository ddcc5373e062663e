// torch.distributed on libtorch's own c10d: stores (TCPStore, FileStore, HashStore, PrefixStore), process
// groups (ProcessGroupGloo, and ProcessGroupWrapper for TORCH_DISTRIBUTED_DEBUG=DETAIL), the collectives
// (c10d's dispatcher ops), and DistributedDataParallel's machinery (the Reducer with its Logger,
// broadcast_coalesced, compute_bucket_assignment_by_size, verify_params_across_processes). Nothing here
// communicates by itself: every byte goes through the same c10d and Gloo code as in PyTorch, which is what
// lets a tstorch process and a PyTorch process be ranks of one group. The TypeScript side
// (src/distributed/) builds PyTorch's store keys, groups and call sequences on top of these functions.
//
// Threads. Collectives are issued on the JavaScript thread only: c10d's per-group collective counter is not
// locked, so a group must have one issuing thread. Waiting is free to happen elsewhere: blocking calls that
// can take long (connecting a store, creating a group, awaiting a Work) also exist in a form that runs on a
// thread of its own and settles a Promise, so the event loop keeps running. Every exception on those threads
// is caught there and handed to JavaScript.
//
// Gloo's transport thread. Gloo checks the size of every message it receives on its device thread; a peer
// that runs a different collective (different sizes) makes it throw there, outside any code of ours, and an
// exception that leaves a thread aborts the process. A terminate handler catches exactly that case (an
// exception of Gloo's own types on a thread that is not JavaScript's): it records the message, stops that
// thread, and every later wait on any group fails at once with that message instead of aborting Node.
// TORCH_DISTRIBUTED_DEBUG=DETAIL (ProcessGroupWrapper) catches mismatches earlier, with both collectives named.
//
// Built only with Gloo (TSTORCH_HAVE_C10D_GLOO, see scripts/distributed-flags.mjs); otherwise distInfo()
// reports it unavailable and nothing else is exported.
#include "common.h"

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

// The c10d API this file is written against is libtorch 1.13's (Debian's): 2.x reorganised it (process groups
// over backends, other Reducer and ops signatures). Another libtorch builds the addon without this part.
#if defined(TSTORCH_HAVE_C10D_GLOO) && defined(TORCH_VERSION_MAJOR) && TORCH_VERSION_MAJOR == 1 && TORCH_VERSION_MINOR == 13
#define TSTORCH_DISTRIBUTED 1
#endif

#ifdef TSTORCH_DISTRIBUTED

#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/HashStore.hpp>
#include <torch/csrc/distributed/c10d/Ops.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupWrapper.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/logger.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <cxxabi.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#ifdef TSTORCH_C10D_CONTEXT_STAND_IN
// The stand-in for distributed/autograd/context/context.h must leave the Reducer exactly as libtorch compiled
// it. These are the size and offsets measured with the real header against Debian's libtorch 1.13.1 (x86-64).
namespace {
struct ReducerLayout : c10d::Reducer {
  // Inside a member function the class is complete, so offsetof may name the Reducer's protected members.
  static void Check() {
#if defined(TORCH_VERSION_MAJOR) && TORCH_VERSION_MAJOR == 1 && TORCH_VERSION_MINOR == 13 && defined(__x86_64__)
    static_assert(sizeof(c10d::Reducer) == 912, "c10d::Reducer's size differs from libtorch 1.13.1's: check the context.h stand-in");
    static_assert(offsetof(ReducerLayout, rpc_context_) == 528 && offsetof(ReducerLayout, forwardPassWorkHandle_) == 552 &&
                      offsetof(ReducerLayout, div_factor_) == 576 && offsetof(ReducerLayout, static_graph_) == 580,
                  "c10d::Reducer's member offsets differ from libtorch 1.13.1's: check the context.h stand-in");
#endif
  }
};
static_assert(sizeof(torch::distributed::autograd::ContextPtr) == 2 * sizeof(void*), "shared_ptr layout");
}  // namespace
#endif

namespace tstorch {
namespace {

using c10d::ProcessGroup;
using c10d::Store;
using c10d::Work;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------------------
// Handles: napi externals holding a c10d object, tagged so that a store passed where a group is expected is
// an error rather than a wrong cast.

constexpr uint32_t kStoreTag = 0x53544f52;    // "STOR"
constexpr uint32_t kGroupTag = 0x50475250;    // "PGRP"
constexpr uint32_t kWorkTag = 0x574f524b;     // "WORK"
constexpr uint32_t kReducerTag = 0x52454455;  // "REDU"

struct StoreBox {
  uint32_t tag = kStoreTag;
  c10::intrusive_ptr<Store> store;
};
struct GroupBox {
  uint32_t tag = kGroupTag;
  c10::intrusive_ptr<ProcessGroup> pg;
};
struct WorkBox {
  uint32_t tag = kWorkTag;
  c10::intrusive_ptr<Work> work;
};
struct ReducerBox {
  uint32_t tag = kReducerTag;
  std::shared_ptr<c10d::Reducer> reducer;
  std::shared_ptr<c10d::Logger> logger;
};

std::atomic<bool> g_transport_failed{false};
// Set when a JavaScript environment that used torch.distributed shuts down (an env cleanup hook).
std::atomic<bool> g_env_teardown{false};

template <typename B>
Napi::Value NewBox(Napi::Env env, B* box) {
  return Napi::External<B>::New(env, box, [](Napi::Env, B* b) {
    // A group's destructor joins its threads, and a Gloo thread still waiting for a dead peer holds it for
    // up to the group's timeout: at exit, or after a transport thread failed, leak the objects instead (the
    // process is ending) so that exiting never waits on the network.
    if (g_transport_failed.load() || g_env_teardown.load()) return;
    delete b;
  });
}

template <typename B>
B* BoxOf(const Napi::Value& v, uint32_t tag, const char* kind, const char* what) {
  if (!v.IsExternal() || v.As<Napi::External<B>>().Data()->tag != tag) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a " + kind + " handle");
  }
  return v.As<Napi::External<B>>().Data();
}

const c10::intrusive_ptr<Store>& StoreOf(const Napi::Value& v, const char* what) {
  return BoxOf<StoreBox>(v, kStoreTag, "store", what)->store;
}
const c10::intrusive_ptr<ProcessGroup>& GroupOf(const Napi::Value& v, const char* what) {
  return BoxOf<GroupBox>(v, kGroupTag, "process group", what)->pg;
}
const c10::intrusive_ptr<Work>& WorkOf(const Napi::Value& v, const char* what) {
  return BoxOf<WorkBox>(v, kWorkTag, "work", what)->work;
}
ReducerBox* ReducerOf(const Napi::Value& v, const char* what) {
  return BoxOf<ReducerBox>(v, kReducerTag, "reducer", what);
}

Napi::Value WrapWork(Napi::Env env, c10::intrusive_ptr<Work> work) {
  return NewBox(env, new WorkBox{kWorkTag, std::move(work)});
}

// ---------------------------------------------------------------------------------------------------------
// Argument helpers

std::string Str(const Napi::Value& v) { return v.As<Napi::String>().Utf8Value(); }
int64_t Int(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
bool Bool(const Napi::Value& v) { return v.ToBoolean().Value(); }

// The tensors of a collective: c10d writes them on Gloo's threads, outside ATen's operators and version counters
// (see MarkWrittenOutsideAten); inputs are marked too, which only costs a weight its reordered copy. Not
// marked: what c10d only reads (bucket assignment, parameter checks, the Reducer's parameters) and
// broadcast_coalesced, which copies its results back with copy_, an ATen operator.
std::vector<at::Tensor> Exposed(std::vector<at::Tensor> tensors) {
  for (const auto& t : tensors) MarkWrittenOutsideAten(t);
  return tensors;
}

std::vector<std::vector<at::Tensor>> TensorLists(const Napi::Value& v, const char* what) {
  std::vector<std::vector<at::Tensor>> out;
  if (v.IsNull() || v.IsUndefined()) return out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(Exposed(TensorArray(arr.Get(i), what)));
  return out;
}

std::vector<int64_t> Ints(const Napi::Value& v) {
  std::vector<int64_t> out;
  if (v.IsNull() || v.IsUndefined()) return out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(arr.Get(i).As<Napi::Number>().Int64Value());
  return out;
}

std::vector<std::string> Strings(const Napi::Value& v) {
  std::vector<std::string> out;
  if (v.IsNull() || v.IsUndefined()) return out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
  return out;
}

std::vector<uint8_t> Bytes(const Napi::Value& v, const char* what) {
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    return std::vector<uint8_t>(s.begin(), s.end());
  }
  if (v.IsTypedArray()) {
    auto a = v.As<Napi::TypedArray>();
    auto* p = static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
    return std::vector<uint8_t>(p, p + a.ByteLength());
  }
  throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a string or a Uint8Array");
}

Napi::Value ToBuffer(Napi::Env env, const std::vector<uint8_t>& bytes) {
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

c10d::ReduceOp ReduceOpOf(const Napi::Value& v) {
  int64_t code = Int(v);
  if (code < 0 || code >= static_cast<int64_t>(c10d::ReduceOp::UNUSED)) {
    throw Napi::RangeError::New(v.Env(), "unknown ReduceOp code " + std::to_string(code));
  }
  return c10d::ReduceOp(static_cast<c10d::ReduceOp::RedOpType>(code));
}

std::string MessageOf(std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception in native code";
  }
}

// ---------------------------------------------------------------------------------------------------------
// Gloo's transport threads (see the header comment)

std::mutex g_failure_mutex;
std::string g_failure_message;
std::terminate_handler g_previous_terminate = nullptr;
std::once_flag g_terminate_once;

bool IsGlooException() {
  std::type_info* type = abi::__cxa_current_exception_type();
  // Mangled names of types in namespace gloo start with "N4gloo" (gloo::EnforceNotMet, gloo::IoException...).
  return type != nullptr && std::strncmp(type->name(), "N4gloo", 6) == 0;
}

[[noreturn]] void OnTerminate() {
  std::exception_ptr ep = std::current_exception();
  if (ep && IsGlooException()) {
    std::string what = MessageOf(ep);
    {
      std::lock_guard<std::mutex> lock(g_failure_mutex);
      if (g_failure_message.empty()) g_failure_message = what;
    }
    g_transport_failed = true;
    std::fprintf(stderr,
                 "tstorch: a Gloo transport thread failed (a peer's collective does not match this rank's?): %s\n",
                 what.c_str());
    std::fflush(stderr);
    // Park this thread for good: returning from a terminate handler is not allowed, and unwinding it would
    // abort. Waits on every group now fail (ThrowIfTransportFailed) and JavaScript decides what happens next.
    for (;;) pause();
  }
  if (g_previous_terminate) g_previous_terminate();
  std::abort();
}

void InstallTerminateHandler(Napi::Env env) {
  std::call_once(g_terminate_once, [] { g_previous_terminate = std::set_terminate(OnTerminate); });
  // Cleanup hooks run in reverse order of registration: this one, added after the addon's own, runs before
  // the environment finalizes the remaining handles (see NewBox).
  static std::atomic<bool> hooked{false};
  if (!hooked.exchange(true)) napi_add_env_cleanup_hook(env, [](void*) { g_env_teardown = true; }, nullptr);
}

void ThrowIfTransportFailed() {
  if (!g_transport_failed.load()) return;
  std::lock_guard<std::mutex> lock(g_failure_mutex);
  throw std::runtime_error("Gloo's transport thread failed earlier (a peer ran a different collective?): " +
                           g_failure_message);
}

// Waits for a Work like Work::wait(), but wakes every 100 ms to check whether a Gloo transport thread has
// failed: a group whose device thread is gone could otherwise block this thread forever.
bool WaitWork(const c10::intrusive_ptr<Work>& work) {
  ThrowIfTransportFailed();
  c10::intrusive_ptr<c10::ivalue::Future> future;
  // Gloo's collectives (AsyncWork) complete a future; its send/recv works only have wait() (bounded by the
  // group's timeout).
  if (dynamic_cast<c10d::ProcessGroupGloo::AsyncWork*>(work.get()) != nullptr) future = work->getFuture();
  if (future) {
    struct Done {
      std::mutex m;
      std::condition_variable cv;
      bool done = false;
    };
    auto done = std::make_shared<Done>();
    future->addCallback([done](c10::ivalue::Future&) {
      {
        std::lock_guard<std::mutex> lock(done->m);
        done->done = true;
      }
      done->cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(done->m);
    while (!done->done) {
      done->cv.wait_for(lock, milliseconds(100));
      if (!done->done) ThrowIfTransportFailed();
    }
  }
  return work->wait();
}

// ---------------------------------------------------------------------------------------------------------
// Off-thread calls: run `work` on a thread of its own and settle a Promise with `convert(result)` on the
// JavaScript thread. Every exception is caught on that thread and becomes the rejection.

template <typename R>
struct OffThreadJob {
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction tsfn;
  std::function<R()> work;
  std::function<Napi::Value(Napi::Env, R&)> convert;
  R result{};
  std::string error;
  bool ok = false;
  explicit OffThreadJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

template <typename R>
Napi::Value RunOffThread(Napi::Env env, const char* name, std::function<R()> work,
                         std::function<Napi::Value(Napi::Env, R&)> convert) {
  auto* job = new OffThreadJob<R>(env);
  job->work = std::move(work);
  job->convert = std::move(convert);
  job->tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), name, 0, 1);
  Napi::Promise promise = job->deferred.Promise();
  std::thread([job]() {
    try {
      job->result = job->work();
      job->ok = true;
    } catch (const c10::Error& e) {
      job->error = e.what_without_backtrace();
    } catch (const std::exception& e) {
      job->error = e.what();
    } catch (...) {
      job->error = "unknown exception in native code";
    }
    auto settle = [](Napi::Env env, Napi::Function, OffThreadJob<R>* job) {
      if (static_cast<napi_env>(env) != nullptr) {
        if (job->ok) {
          try {
            job->deferred.Resolve(job->convert(env, job->result));
          } catch (const Napi::Error& e) {
            job->deferred.Reject(e.Value());
          } catch (const std::exception& e) {
            job->deferred.Reject(Napi::Error::New(env, e.what()).Value());
          }
        } else {
          job->deferred.Reject(Napi::Error::New(env, job->error).Value());
        }
      }
      delete job;
    };
    Napi::ThreadSafeFunction tsfn = job->tsfn;
    if (tsfn.BlockingCall(job, settle) != napi_ok) {
      // The environment is shutting down: nobody waits for the Promise any more.
    }
    tsfn.Release();
  }).detach();
  return promise;
}

// ---------------------------------------------------------------------------------------------------------
// Availability

Napi::Value DistInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("available", true);
  o.Set("gloo", true);
  o.Set("transportFailure", g_transport_failed.load() ? Napi::Value(Napi::String::New(env, [] {
    std::lock_guard<std::mutex> lock(g_failure_mutex);
    return g_failure_message;
  }())) : env.Null());
  return o;
}

// distSetDebugLevelFromEnv() -> 0 (OFF), 1 (INFO), 2 (DETAIL): reads TORCH_DISTRIBUTED_DEBUG into c10d, as
// `import torch.distributed` does (the Reducer and Logger consult c10d's level, not the environment).
Napi::Value DistSetDebugLevelFromEnv(const Napi::CallbackInfo& info) {
  c10d::setDebugLevelFromEnvironment();
  return Napi::Number::New(info.Env(), static_cast<int>(c10d::debug_level()));
}

// ---------------------------------------------------------------------------------------------------------
// Stores

// distTcpStore(host, port, worldSize (-1: none), isServer, timeoutMs, waitWorkers, multiTenant) -> Promise<store>
// Python's TCPStore(host, port, world_size, is_master, timeout, wait_for_workers, multi_tenant).
Napi::Value DistTcpStore(const Napi::CallbackInfo& info) {
  std::string host = Str(info[0]);
  int64_t port = Int(info[1]);
  if (port < 0 || port > 65535) throw Napi::RangeError::New(info.Env(), "TCPStore: port must be 0..65535, got " + std::to_string(port));
  int64_t world = Int(info[2]);
  c10d::TCPStoreOptions opts;
  opts.port = static_cast<uint16_t>(port);
  opts.isServer = Bool(info[3]);
  if (world > -1) opts.numWorkers = static_cast<size_t>(world);
  opts.timeout = milliseconds(Int(info[4]));
  opts.waitWorkers = Bool(info[5]);
  opts.multiTenant = Bool(info[6]);
  using R = c10::intrusive_ptr<Store>;
  return RunOffThread<R>(
      info.Env(), "tstorch.TCPStore", [host, opts]() -> R { return c10::make_intrusive<c10d::TCPStore>(host, opts); },
      [](Napi::Env env, R& s) { return NewBox(env, new StoreBox{kStoreTag, s}); });
}

Napi::Value DistTcpStorePort(const Napi::CallbackInfo& info) {
  auto* tcp = dynamic_cast<c10d::TCPStore*>(StoreOf(info[0], "TCPStore.port").get());
  if (tcp == nullptr) throw Napi::TypeError::New(info.Env(), "TCPStore.port: not a TCPStore");
  return Napi::Number::New(info.Env(), tcp->getPort());
}

Napi::Value DistFileStore(const Napi::CallbackInfo& info) {
  auto s = c10::make_intrusive<c10d::FileStore>(Str(info[0]), static_cast<int>(Int(info[1])));
  return NewBox(info.Env(), new StoreBox{kStoreTag, s});
}

Napi::Value DistHashStore(const Napi::CallbackInfo& info) {
  return NewBox(info.Env(), new StoreBox{kStoreTag, c10::make_intrusive<c10d::HashStore>()});
}

Napi::Value DistPrefixStore(const Napi::CallbackInfo& info) {
  auto s = c10::make_intrusive<c10d::PrefixStore>(Str(info[0]), StoreOf(info[1], "PrefixStore"));
  return NewBox(info.Env(), new StoreBox{kStoreTag, s});
}

Napi::Value DistStoreSet(const Napi::CallbackInfo& info) {
  StoreOf(info[0], "Store.set")->set(Str(info[1]), Bytes(info[2], "Store.set"));
  return info.Env().Undefined();
}

// distStoreGet(store, key) -> Promise<Buffer>: waits for the key up to the store's timeout.
Napi::Value DistStoreGet(const Napi::CallbackInfo& info) {
  auto store = StoreOf(info[0], "Store.get");
  std::string key = Str(info[1]);
  using R = std::vector<uint8_t>;
  return RunOffThread<R>(
      info.Env(), "tstorch.Store.get", [store, key]() { return store->get(key); },
      [](Napi::Env env, R& bytes) { return ToBuffer(env, bytes); });
}

Napi::Value DistStoreAdd(const Napi::CallbackInfo& info) {
  int64_t v = StoreOf(info[0], "Store.add")->add(Str(info[1]), Int(info[2]));
  return Napi::Number::New(info.Env(), static_cast<double>(v));
}

Napi::Value DistStoreCompareSet(const Napi::CallbackInfo& info) {
  auto out = StoreOf(info[0], "Store.compareSet")->compareSet(Str(info[1]), Bytes(info[2], "Store.compareSet"), Bytes(info[3], "Store.compareSet"));
  return ToBuffer(info.Env(), out);
}

Napi::Value DistStoreCheck(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), StoreOf(info[0], "Store.check")->check(Strings(info[1])));
}

// distStoreWait(store, keys, timeoutMs | undefined) -> Promise<void>
Napi::Value DistStoreWait(const Napi::CallbackInfo& info) {
  auto store = StoreOf(info[0], "Store.wait");
  auto keys = Strings(info[1]);
  bool has_timeout = info[2].IsNumber();
  milliseconds timeout(has_timeout ? Int(info[2]) : 0);
  return RunOffThread<bool>(
      info.Env(), "tstorch.Store.wait",
      [store, keys, has_timeout, timeout]() {
        if (has_timeout) store->wait(keys, timeout);
        else store->wait(keys);
        return true;
      },
      [](Napi::Env env, bool&) { return env.Undefined(); });
}

Napi::Value DistStoreDelete(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), StoreOf(info[0], "Store.deleteKey")->deleteKey(Str(info[1])));
}

Napi::Value DistStoreNumKeys(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(StoreOf(info[0], "Store.numKeys")->getNumKeys()));
}

Napi::Value DistStoreSetTimeout(const Napi::CallbackInfo& info) {
  StoreOf(info[0], "Store.setTimeout")->setTimeout(milliseconds(Int(info[1])));
  return info.Env().Undefined();
}

Napi::Value DistStoreTimeout(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(StoreOf(info[0], "Store.timeout")->getTimeout().count()));
}

// ---------------------------------------------------------------------------------------------------------
// Process groups

// distNewGloo(store, rank, size, timeoutMs, interfaces: string[]) -> Promise<group>. As Python's
// ProcessGroupGloo(store, rank, size, timeout): one device per GLOO_SOCKET_IFNAME interface (the caller
// passes them) or the default device, and two threads per device. The constructor connects the full mesh.
Napi::Value DistNewGloo(const Napi::CallbackInfo& info) {
  auto store = StoreOf(info[0], "ProcessGroupGloo");
  int rank = static_cast<int>(Int(info[1]));
  int size = static_cast<int>(Int(info[2]));
  milliseconds timeout(Int(info[3]));
  auto interfaces = Strings(info[4]);
  InstallTerminateHandler(info.Env());
  using R = c10::intrusive_ptr<ProcessGroup>;
  return RunOffThread<R>(
      info.Env(), "tstorch.ProcessGroupGloo",
      [store, rank, size, timeout, interfaces]() -> R {
        auto opts = c10d::ProcessGroupGloo::Options::create();
        for (const auto& iface : interfaces) opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
        if (interfaces.empty()) opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        opts->timeout = timeout;
        opts->threads = static_cast<int>(opts->devices.size() * 2);
        return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
      },
      [](Napi::Env env, R& pg) { return NewBox(env, new GroupBox{kGroupTag, pg}); });
}

// distNewWrapper(group, helperGlooGroup) -> group: TORCH_DISTRIBUTED_DEBUG=DETAIL's ProcessGroupWrapper, which
// checks on the helper group that every rank runs the same collective with the same shapes before running it.
Napi::Value DistNewWrapper(const Napi::CallbackInfo& info) {
  auto pg = GroupOf(info[0], "ProcessGroupWrapper");
  auto helper = c10::dynamic_intrusive_pointer_cast<c10d::ProcessGroupGloo>(GroupOf(info[1], "ProcessGroupWrapper"));
  if (!helper) throw Napi::TypeError::New(info.Env(), "ProcessGroupWrapper: the helper group must be a Gloo group");
  auto w = c10::make_intrusive<c10d::ProcessGroupWrapper>(pg, helper);
  return NewBox(info.Env(), new GroupBox{kGroupTag, w});
}

// distSetSequenceNumber(group) -> Promise<void>: rank 0 stores a sequence number, the others wait for it.
Napi::Value DistSetSequenceNumber(const Napi::CallbackInfo& info) {
  auto pg = GroupOf(info[0], "setSequenceNumberForGroup");
  return RunOffThread<bool>(
      info.Env(), "tstorch.setSequenceNumberForGroup",
      [pg]() {
        pg->setSequenceNumberForGroup();
        return true;
      },
      [](Napi::Env env, bool&) { return env.Undefined(); });
}

Napi::Value DistGroupInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& pg = GroupOf(info[0], "ProcessGroup");
  auto o = Napi::Object::New(env);
  o.Set("rank", pg->getRank());
  o.Set("size", pg->getSize());
  o.Set("backend", pg->getBackendName());
  return o;
}

Napi::Value DistGroupSequenceNumber(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(GroupOf(info[0], "ProcessGroup")->getSequenceNumberForGroup()));
}

// ---------------------------------------------------------------------------------------------------------
// Collectives: each issues on the calling (JavaScript) thread and returns a Work handle.

Napi::Value Issued(const Napi::CallbackInfo& info, c10::intrusive_ptr<Work> work) {
  ThrowIfTransportFailed();
  return WrapWork(info.Env(), std::move(work));
}

// distAllReduce(group, tensors, op)
Napi::Value DistAllReduce(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  c10d::AllreduceOptions opts;
  opts.reduceOp = ReduceOpOf(info[2]);
  return Issued(info, c10d::ops::allreduce(GroupOf(info[0], "allReduce"), Exposed(TensorArray(info[1], "allReduce")), opts));
}

// distBroadcast(group, tensors, rootRank)
Napi::Value DistBroadcast(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  c10d::BroadcastOptions opts;
  opts.rootRank = Int(info[2]);
  opts.rootTensor = 0;
  return Issued(info, c10d::ops::broadcast(GroupOf(info[0], "broadcast"), Exposed(TensorArray(info[1], "broadcast")), opts));
}

// distReduce(group, tensors, rootRank, op)
Napi::Value DistReduce(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  c10d::ReduceOptions opts;
  opts.rootRank = Int(info[2]);
  opts.rootTensor = 0;
  opts.reduceOp = ReduceOpOf(info[3]);
  return Issued(info, c10d::ops::reduce(GroupOf(info[0], "reduce"), Exposed(TensorArray(info[1], "reduce")), opts));
}

// distAllGather(group, outputLists, inputs)
Napi::Value DistAllGather(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  return Issued(info, c10d::ops::allgather(GroupOf(info[0], "allGather"), TensorLists(info[1], "allGather"), Exposed(TensorArray(info[2], "allGather"))));
}

// distAllGatherIntoTensor(group, output, input): Python's all_gather_into_tensor (_allgather_base).
Napi::Value DistAllGatherIntoTensor(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  at::Tensor out = TensorOf(info[1], "allGatherIntoTensor");
  MarkWrittenOutsideAten(out);
  at::Tensor in = TensorOf(info[2], "allGatherIntoTensor");
  return Issued(info, GroupOf(info[0], "allGatherIntoTensor")->_allgather_base(out, in));
}

// distGather(group, outputLists, inputs, rootRank)
Napi::Value DistGather(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  c10d::GatherOptions opts;
  opts.rootRank = Int(info[3]);
  return Issued(info, c10d::ops::gather(GroupOf(info[0], "gather"), TensorLists(info[1], "gather"), Exposed(TensorArray(info[2], "gather")), opts));
}

// distScatter(group, outputs, inputLists, rootRank)
Napi::Value DistScatter(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  c10d::ScatterOptions opts;
  opts.rootRank = Int(info[3]);
  return Issued(info, c10d::ops::scatter(GroupOf(info[0], "scatter"), Exposed(TensorArray(info[1], "scatter")), TensorLists(info[2], "scatter"), opts));
}

// distReduceScatter(group, outputs, inputLists, op)
Napi::Value DistReduceScatter(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  c10d::ReduceScatterOptions opts;
  opts.reduceOp = ReduceOpOf(info[3]);
  return Issued(info, c10d::ops::reduce_scatter(GroupOf(info[0], "reduceScatter"), Exposed(TensorArray(info[1], "reduceScatter")), TensorLists(info[2], "reduceScatter"), opts));
}

// distAllToAllSingle(group, output, input, outputSplits, inputSplits)
Napi::Value DistAllToAllSingle(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  at::Tensor out = TensorOf(info[1], "allToAllSingle");
  MarkWrittenOutsideAten(out);
  at::Tensor in = TensorOf(info[2], "allToAllSingle");
  auto out_splits = Ints(info[3]);
  auto in_splits = Ints(info[4]);
  return Issued(info, GroupOf(info[0], "allToAllSingle")->alltoall_base(out, in, out_splits, in_splits));
}

// distAllToAll(group, outputs, inputs)
Napi::Value DistAllToAll(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  return Issued(info, c10d::ops::alltoall(GroupOf(info[0], "allToAll"), Exposed(TensorArray(info[1], "allToAll")), Exposed(TensorArray(info[2], "allToAll"))));
}

Napi::Value DistBarrier(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  return Issued(info, c10d::ops::barrier(GroupOf(info[0], "barrier")));
}

// distMonitoredBarrier(group, timeoutMs, waitAllRanks): Gloo's barrier that names the ranks that did not arrive.
Napi::Value DistMonitoredBarrier(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  c10d::BarrierOptions opts;
  opts.timeout = milliseconds(Int(info[1]));
  GroupOf(info[0], "monitoredBarrier")->monitoredBarrier(opts, Bool(info[2]));
  return info.Env().Undefined();
}

// distSend(group, tensors, dstRank, tag)
Napi::Value DistSend(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  return Issued(info, c10d::ops::send(GroupOf(info[0], "send"), Exposed(TensorArray(info[1], "send")), Int(info[2]), Int(info[3])));
}

// distRecv(group, tensors, srcRank, tag)
Napi::Value DistRecv(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  return Issued(info, c10d::ops::recv(GroupOf(info[0], "recv"), Exposed(TensorArray(info[1], "recv")), Int(info[2]), Int(info[3])));
}

// distRecvAnysource(group, tensors, tag)
Napi::Value DistRecvAnysource(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  auto tensors = Exposed(TensorArray(info[1], "recv"));
  return Issued(info, GroupOf(info[0], "recv")->recvAnysource(tensors, static_cast<int>(Int(info[2]))));
}

// distWorkWait(work) -> true, blocking the calling thread (the group's timeout bounds it).
Napi::Value DistWorkWait(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), WaitWork(WorkOf(info[0], "Work.wait")));
}

// distWorkWaitAsync(work) -> Promise<true>, waiting on a thread of its own.
Napi::Value DistWorkWaitAsync(const Napi::CallbackInfo& info) {
  auto work = WorkOf(info[0], "Work.wait");
  return RunOffThread<bool>(
      info.Env(), "tstorch.Work.wait", [work]() { return WaitWork(work); },
      [](Napi::Env env, bool& ok) { return Napi::Boolean::New(env, ok); });
}

Napi::Value DistWorkIsCompleted(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), WorkOf(info[0], "Work.isCompleted")->isCompleted());
}

Napi::Value DistWorkSourceRank(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), WorkOf(info[0], "Work.sourceRank")->sourceRank());
}

Napi::Value DistWorkResult(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto res = WorkOf(info[0], "Work.result")->result();
  auto arr = Napi::Array::New(env, res.size());
  for (size_t i = 0; i < res.size(); i++) arr.Set(i, Wrap(env, res[i]));
  return arr;
}

// ---------------------------------------------------------------------------------------------------------
// DistributedDataParallel's machinery

// distVerifyParams(group, params): _verify_param_shape_across_processes (an allgather of the count, a
// broadcast of sizes and strides from rank 0; errors name the first mismatching parameter).
Napi::Value DistVerifyParams(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  c10d::verify_params_across_processes(GroupOf(info[0], "verifyParams"), TensorArray(info[1], "verifyParams"), c10::nullopt);
  return info.Env().Undefined();
}

// distBroadcastCoalesced(group, tensors, bufferSize, src): dist._broadcast_coalesced.
Napi::Value DistBroadcastCoalesced(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  auto tensors = TensorArray(info[1], "broadcastCoalesced");
  c10d::broadcast_coalesced(GroupOf(info[0], "broadcastCoalesced"), tensors, static_cast<size_t>(Int(info[2])), static_cast<int>(Int(info[3])));
  return info.Env().Undefined();
}

Napi::Value IndexLists(Napi::Env env, const std::vector<std::vector<size_t>>& lists) {
  auto arr = Napi::Array::New(env, lists.size());
  for (size_t i = 0; i < lists.size(); i++) {
    auto inner = Napi::Array::New(env, lists[i].size());
    for (size_t j = 0; j < lists[i].size(); j++) inner.Set(j, static_cast<double>(lists[i][j]));
    arr.Set(i, inner);
  }
  return arr;
}

std::vector<std::vector<size_t>> ToIndexLists(const Napi::Value& v) {
  std::vector<std::vector<size_t>> out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    std::vector<size_t> inner;
    for (int64_t x : Ints(arr.Get(i))) inner.push_back(static_cast<size_t>(x));
    out.push_back(std::move(inner));
  }
  return out;
}

std::vector<bool> Bools(const Napi::Value& v) {
  std::vector<bool> out;
  if (v.IsNull() || v.IsUndefined()) return out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(arr.Get(i).ToBoolean().Value());
  return out;
}

// distBucketAssignment(tensors, sizeLimits, expectSparse) -> [buckets, perBucketSizeLimits]:
// dist._compute_bucket_assignment_by_size.
Napi::Value DistBucketAssignment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto tensors = TensorArray(info[0], "computeBucketAssignmentBySize");
  std::vector<size_t> limits;
  for (int64_t x : Ints(info[1])) limits.push_back(static_cast<size_t>(x));
  auto [buckets, per_bucket] = c10d::compute_bucket_assignment_by_size(tensors, limits, Bools(info[2]));
  auto out = Napi::Array::New(env, 2);
  out.Set(0u, IndexLists(env, buckets));
  auto lim = Napi::Array::New(env, per_bucket.size());
  for (size_t i = 0; i < per_bucket.size(); i++) lim.Set(i, static_cast<double>(per_bucket[i]));
  out.Set(1u, lim);
  return out;
}

// distReducerNew(params, bucketIndices, perBucketSizeLimits, group, expectSparse, bucketBytesCap,
//                findUnusedParameters, gradientAsBucketView, paramNames (index -> name), firstBucketBytesCap)
// -> reducer, with its Logger as DDP's _ddp_init_helper makes them (neither issues a collective).
Napi::Value DistReducerNew(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  auto params = TensorArray(info[0], "Reducer");
  auto buckets = ToIndexLists(info[1]);
  std::vector<size_t> limits;
  for (int64_t x : Ints(info[2])) limits.push_back(static_cast<size_t>(x));
  auto pg = GroupOf(info[3], "Reducer");
  auto sparse = Bools(info[4]);
  int64_t cap = Int(info[5]);
  bool find_unused = Bool(info[6]);
  bool as_view = Bool(info[7]);
  std::unordered_map<size_t, std::string> names;
  auto name_list = Strings(info[8]);
  for (size_t i = 0; i < name_list.size(); i++) names.emplace(i, name_list[i]);
  int64_t first_cap = Int(info[9]);
  auto reducer = std::make_shared<c10d::Reducer>(std::move(params), std::move(buckets), std::move(limits), pg,
                                                 std::move(sparse), cap, find_unused, as_view, std::move(names), first_cap);
  auto logger = std::make_shared<c10d::Logger>(reducer);
  reducer->set_logger(logger);
  return NewBox(info.Env(), new ReducerBox{kReducerTag, reducer, logger});
}

// distLoggerConstruction(reducer, moduleName, broadcastBuffers, hasSyncBn, staticGraph)
Napi::Value DistLoggerConstruction(const Napi::CallbackInfo& info) {
  auto* box = ReducerOf(info[0], "Logger");
  box->logger->set_construction_data_and_log(Str(info[1]), {}, -1, Bool(info[2]), Bool(info[3]), Bool(info[4]));
  return info.Env().Undefined();
}

Napi::Value DistLoggerRuntimeStats(const Napi::CallbackInfo& info) {
  ReducerOf(info[0], "Logger")->logger->set_runtime_stats_and_log();
  return info.Env().Undefined();
}

Napi::Value DistLoggerUnevenInputJoin(const Napi::CallbackInfo& info) {
  ReducerOf(info[0], "Logger")->logger->set_uneven_input_join();
  return info.Env().Undefined();
}

// distLoggingData(reducer) -> {strs, ints}: DDP's _get_ddp_logging_data().
Napi::Value DistLoggingData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto data = ReducerOf(info[0], "Logger")->logger->get_ddp_logging_data();
  auto strs = Napi::Object::New(env);
  for (const auto& [k, v] : data.strs_map) strs.Set(k, v);
  auto ints = Napi::Object::New(env);
  for (const auto& [k, v] : data.ints_map) ints.Set(k, static_cast<double>(v));
  auto o = Napi::Object::New(env);
  o.Set("strs", strs);
  o.Set("ints", ints);
  return o;
}

Napi::Value DistReducerPrepareForForward(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  ReducerOf(info[0], "Reducer.prepareForForward")->reducer->prepare_for_forward();
  return info.Env().Undefined();
}

Napi::Value DistReducerPrepareForBackward(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  ReducerOf(info[0], "Reducer.prepareForBackward")->reducer->prepare_for_backward(TensorArray(info[1], "Reducer.prepareForBackward"));
  return info.Env().Undefined();
}

Napi::Value DistReducerRebuildBuckets(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  return Napi::Boolean::New(info.Env(), ReducerOf(info[0], "Reducer.rebuildBuckets")->reducer->rebuild_buckets());
}

Napi::Value DistReducerSetStaticGraph(const Napi::CallbackInfo& info) {
  auto* box = ReducerOf(info[0], "Reducer.setStaticGraph");
  box->reducer->set_static_graph();
  box->logger->set_static_graph();
  return info.Env().Undefined();
}

Napi::Value DistReducerSetForwardPassWork(const Napi::CallbackInfo& info) {
  ReducerOf(info[0], "Reducer.setForwardPassWorkHandle")->reducer->set_forward_pass_work_handle(WorkOf(info[1], "Reducer.setForwardPassWorkHandle"), Bool(info[2]));
  return info.Env().Undefined();
}

// distReducerMatchAllReduce(reducer): _DDPJoinHook's _match_all_reduce_for_bwd_pass: one allreduce per bucket
// (of zeros) through the reducer's communication hook, then waits for all of them.
Napi::Value DistReducerMatchAllReduce(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  auto& reducer = ReducerOf(info[0], "Reducer.matchAllReduce")->reducer;
  auto buckets = reducer->get_grad_buckets(/*return_zero_tensors=*/true);
  std::vector<c10::intrusive_ptr<c10::ivalue::Future>> futures;
  for (auto& b : buckets) futures.push_back(reducer->run_comm_hook(b));
  for (auto& f : futures) {
    f->wait();
    if (f->hasError()) std::rethrow_exception(f->exception_ptr());
  }
  return info.Env().Undefined();
}

// distReducerMatchUnusedAllReduce(reducer, group): _match_unused_params_allreduce (not awaited, as in PyTorch).
Napi::Value DistReducerMatchUnusedAllReduce(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  auto map = ReducerOf(info[0], "Reducer.matchUnusedAllReduce")->reducer->get_local_used_map_on_device();
  std::vector<at::Tensor> tensors{map};
  GroupOf(info[1], "Reducer.matchUnusedAllReduce")->allreduce(tensors);
  return info.Env().Undefined();
}

Napi::Value DistReducerPushAllRebuiltParams(const Napi::CallbackInfo& info) {
  ReducerOf(info[0], "Reducer.pushAllRebuiltParams")->reducer->push_rebuilt_params_for_all_indices();
  return info.Env().Undefined();
}

// DDP's _DDPSink: passes the outputs through a node of its own, so that with static_graph the first
// backward can queue the reducer's delayed allreduce once all gradients are computed.
struct DDPSinkBackward : torch::autograd::Node {
  std::weak_ptr<c10d::Reducer> reducer;
  bool delay_all_reduce = false;
  std::string name() const override { return "torch::autograd::CppNode<_DDPSink>"; }
  torch::autograd::variable_list apply(torch::autograd::variable_list&& grads) override {
    if (delay_all_reduce) {
      auto r = reducer.lock();
      if (r) torch::autograd::Engine::get_default_engine().queue_callback([r]() { r->delay_all_reduce(); });
    }
    return std::move(grads);
  }
};

// distDdpSink(reducer, outputs, staticGraph, numIterations) -> clones of the outputs attached to the sink.
Napi::Value DistDdpSink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& reducer = ReducerOf(info[0], "DDPSink")->reducer;
  auto inputs = TensorArray(info[1], "DDPSink");
  bool static_graph = Bool(info[2]);
  int64_t iterations = Int(info[3]);
  std::vector<at::Tensor> outputs;
  {
    at::AutoDispatchBelowADInplaceOrView guard;
    c10::AutoGradMode no_grad(false);
    for (const auto& t : inputs) outputs.push_back(t.clone());
  }
  if (torch::autograd::compute_requires_grad(inputs)) {
    auto node = std::shared_ptr<DDPSinkBackward>(new DDPSinkBackward(), torch::autograd::deleteNode);
    node->reducer = reducer;
    node->delay_all_reduce = static_graph && iterations == 1;
    node->set_next_edges(torch::autograd::collect_next_edges(inputs));
    for (auto& t : outputs) torch::autograd::set_history(t, node);
  }
  auto arr = Napi::Array::New(env, outputs.size());
  for (size_t i = 0; i < outputs.size(); i++) arr.Set(i, Wrap(env, outputs[i]));
  return arr;
}

// ---------------------------------------------------------------------------------------------------------
// SyncBatchNorm: torch/nn/modules/_functions.py's SyncBatchNorm (an allgather of [mean, invstd, count] per
// rank in forward, an allreduce of [sum_dy, sum_dy_xmu] in backward). PyTorch 1.13 has the five batch-norm
// kernels it uses for CUDA only; these are CPU versions written with ATen's operators, the same operators
// in the same order as test/helpers' Python twin, so that both sides compute the same bits.

std::vector<int64_t> ReduceDims(const at::Tensor& x) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); d++) dims.push_back(d);
  return dims;
}

std::vector<int64_t> ChannelShape(const at::Tensor& x) {
  std::vector<int64_t> shape(x.dim(), 1);
  shape[1] = x.size(1);
  return shape;
}

// batch_norm_stats: per-channel mean and 1/sqrt(biased var + eps).
std::tuple<at::Tensor, at::Tensor> BnStats(const at::Tensor& input, double eps) {
  auto [var, mean] = at::var_mean(input, ReduceDims(input), /*unbiased=*/false);
  return {mean, (var + eps).sqrt().reciprocal()};
}

// batch_norm_gather_stats_with_counts: the global mean and invstd from every rank's, weighted by counts;
// updates the running statistics (unbiased variance) as the CUDA kernel does.
std::tuple<at::Tensor, at::Tensor> BnGatherStats(const at::Tensor& mean_all, const at::Tensor& invstd_all,
                                                 const at::Tensor& running_mean, const at::Tensor& running_var,
                                                 double momentum, double eps, const at::Tensor& counts) {
  at::Tensor c = counts.view({-1, 1});
  at::Tensor total = counts.sum();
  at::Tensor mean = (mean_all * c).sum(0) / total;
  at::Tensor var_all = invstd_all.square().reciprocal() - eps;
  at::Tensor var = ((var_all + (mean_all - mean).square()) * c).sum(0) / total;
  at::Tensor invstd = (var + eps).sqrt().reciprocal();
  if (running_mean.defined()) running_mean.copy_(running_mean * (1 - momentum) + mean * momentum);
  if (running_var.defined()) running_var.copy_(running_var * (1 - momentum) + (var * total / (total - 1)) * momentum);
  return {mean, invstd};
}

at::Tensor BnElemt(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias, const at::Tensor& mean,
                   const at::Tensor& invstd) {
  auto shape = ChannelShape(input);
  at::Tensor out = (input - mean.view(shape)) * invstd.view(shape);
  if (weight.defined()) out = out * weight.view(shape);
  if (bias.defined()) out = out + bias.view(shape);
  return out;
}

std::tuple<at::Tensor, at::Tensor> BnBackwardReduce(const at::Tensor& grad_out, const at::Tensor& input,
                                                    const at::Tensor& mean) {
  auto dims = ReduceDims(input);
  at::Tensor sum_dy = grad_out.sum(dims);
  at::Tensor sum_dy_xmu = (grad_out * (input - mean.view(ChannelShape(input)))).sum(dims);
  return {sum_dy, sum_dy_xmu};
}

at::Tensor BnBackwardElemt(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& mean,
                           const at::Tensor& invstd, const at::Tensor& weight, const at::Tensor& sum_dy,
                           const at::Tensor& sum_dy_xmu, const at::Tensor& count) {
  auto shape = ChannelShape(input);
  at::Tensor total = count.sum();
  at::Tensor mean_dy = sum_dy / total;
  at::Tensor mean_dy_xmu = sum_dy_xmu / total;
  at::Tensor factor = weight.defined() ? invstd * weight : invstd;
  return (grad_out - mean_dy.view(shape) - (input - mean.view(shape)) * (invstd * invstd * mean_dy_xmu).view(shape)) *
         factor.view(shape);
}

struct SyncBatchNormBackward : torch::autograd::Node {
  at::Tensor input, weight, mean, invstd, count;
  c10::intrusive_ptr<ProcessGroup> pg;
  std::string name() const override { return "torch::autograd::CppNode<SyncBatchNorm>"; }
  void release_variables() override {
    input.reset();
    weight.reset();
    mean.reset();
    invstd.reset();
    count.reset();
  }
  torch::autograd::variable_list apply(torch::autograd::variable_list&& grads) override {
    TORCH_CHECK(input.defined(), "SyncBatchNorm: backward through the graph a second time (retainGraph was not set)");
    at::Tensor grad_out = grads[0].contiguous();
    bool need_input = should_compute_output(0);
    bool need_weight = weight.defined() && should_compute_output(1);
    bool need_bias = weight.defined() && should_compute_output(2);
    at::Tensor grad_input, grad_weight, grad_bias;
    if (input.numel() > 0) {
      auto [sum_dy, sum_dy_xmu] = BnBackwardReduce(grad_out, input, mean);
      if (need_weight) grad_weight = sum_dy_xmu * invstd;
      if (need_bias) grad_bias = sum_dy;
      if (need_input) {
        int64_t channels = sum_dy.size(0);
        std::vector<at::Tensor> combined{at::cat({sum_dy, sum_dy_xmu}, 0)};
        WaitWork(c10d::ops::allreduce(pg, combined));
        auto parts = at::split(combined[0], channels);
        grad_input = BnBackwardElemt(grad_out, input, mean, invstd, weight, parts[0], parts[1], count);
      }
    } else if (need_input) {
      // An empty input still takes part in the allreduce, so that the other ranks are not left waiting.
      std::vector<at::Tensor> combined{at::zeros({2 * input.size(1)}, input.options())};
      WaitWork(c10d::ops::allreduce(pg, combined));
    }
    return {grad_input, grad_weight, grad_bias};
  }
};

// distSyncBatchNorm(input, weight, bias, runningMean, runningVar, eps, momentum, group, worldSize) -> output.
Napi::Value DistSyncBatchNorm(const Napi::CallbackInfo& info) {
  ThrowIfTransportFailed();
  Napi::Env env = info.Env();
  at::Tensor input_arg = TensorOf(info[0], "SyncBatchNorm");
  auto optional_tensor = [&](int i) { return info[i].IsNull() || info[i].IsUndefined() ? at::Tensor() : TensorOf(info[i], "SyncBatchNorm"); };
  at::Tensor weight_arg = optional_tensor(1), bias = optional_tensor(2), running_mean = optional_tensor(3), running_var = optional_tensor(4);
  double eps = info[5].As<Napi::Number>().DoubleValue();
  double momentum = info[6].As<Napi::Number>().DoubleValue();
  auto pg = GroupOf(info[7], "SyncBatchNorm");
  int64_t world = Int(info[8]);

  bool requires_grad = torch::autograd::compute_requires_grad(input_arg, weight_arg, bias);
  at::Tensor output, input, weight, mean, invstd, count32;
  {
    c10::AutoGradMode no_grad(false);
    input = input_arg.is_contiguous(at::MemoryFormat::ChannelsLast) ? input_arg : input_arg.contiguous();
    weight = weight_arg.defined() ? weight_arg.contiguous() : weight_arg;
    int64_t channels = input.size(1);
    int64_t size = input.numel() / std::max<int64_t>(channels, 1);
    if (size == 1 && world < 2) {
      throw Napi::Error::New(env, "Expected more than 1 value per channel when training, got input size " + std::to_string(size));
    }
    at::Tensor combined;
    if (input.numel() > 0) {
      auto [m, s] = BnStats(input, eps);
      at::Tensor count = at::full({1}, static_cast<double>(input.numel() / input.size(1)), m.options());
      combined = at::cat({m, s, count}, 0);
    } else {
      combined = at::zeros({2 * channels + 1}, input.options());
    }
    std::vector<std::vector<at::Tensor>> gathered(1);
    for (int64_t r = 0; r < world; r++) gathered[0].push_back(at::empty_like(combined));
    std::vector<at::Tensor> in{combined};
    WaitWork(c10d::ops::allgather(pg, gathered, in));
    at::Tensor all = at::stack(gathered[0], 0);
    auto parts = at::split(all, channels, 1);
    at::Tensor mean_all = parts[0], invstd_all = parts[1], count_all = parts[2];
    at::Tensor mask = count_all.squeeze(-1) >= 1;
    count_all = count_all.index({mask});
    mean_all = mean_all.index({mask});
    invstd_all = invstd_all.index({mask});
    std::tie(mean, invstd) = BnGatherStats(mean_all, invstd_all, running_mean, running_var, momentum, eps, count_all.view(-1));
    count32 = count_all.to(at::kInt);
    output = input.numel() > 0 ? BnElemt(input, weight, bias, mean, invstd) : at::empty_like(input);
  }
  if (requires_grad) {
    auto node = std::shared_ptr<SyncBatchNormBackward>(new SyncBatchNormBackward(), torch::autograd::deleteNode);
    node->input = input;
    node->weight = weight;
    node->mean = mean;
    node->invstd = invstd;
    node->count = count32;
    node->pg = pg;
    node->set_next_edges(torch::autograd::collect_next_edges(input_arg, weight_arg, bias));
    torch::autograd::set_history(output, node);
  }
  return Wrap(env, output);
}

TSTORCH_EXPORT("distInfo", DistInfo);
TSTORCH_EXPORT("distSetDebugLevelFromEnv", DistSetDebugLevelFromEnv);
TSTORCH_EXPORT("distTcpStore", DistTcpStore);
TSTORCH_EXPORT("distTcpStorePort", DistTcpStorePort);
TSTORCH_EXPORT("distFileStore", DistFileStore);
TSTORCH_EXPORT("distHashStore", DistHashStore);
TSTORCH_EXPORT("distPrefixStore", DistPrefixStore);
TSTORCH_EXPORT("distStoreSet", DistStoreSet);
TSTORCH_EXPORT("distStoreGet", DistStoreGet);
TSTORCH_EXPORT("distStoreAdd", DistStoreAdd);
TSTORCH_EXPORT("distStoreCompareSet", DistStoreCompareSet);
TSTORCH_EXPORT("distStoreCheck", DistStoreCheck);
TSTORCH_EXPORT("distStoreWait", DistStoreWait);
TSTORCH_EXPORT("distStoreDelete", DistStoreDelete);
TSTORCH_EXPORT("distStoreNumKeys", DistStoreNumKeys);
TSTORCH_EXPORT("distStoreSetTimeout", DistStoreSetTimeout);
TSTORCH_EXPORT("distStoreTimeout", DistStoreTimeout);
TSTORCH_EXPORT("distNewGloo", DistNewGloo);
TSTORCH_EXPORT("distNewWrapper", DistNewWrapper);
TSTORCH_EXPORT("distSetSequenceNumber", DistSetSequenceNumber);
TSTORCH_EXPORT("distGroupInfo", DistGroupInfo);
TSTORCH_EXPORT("distGroupSequenceNumber", DistGroupSequenceNumber);
TSTORCH_EXPORT("distAllReduce", DistAllReduce);
TSTORCH_EXPORT("distBroadcast", DistBroadcast);
TSTORCH_EXPORT("distReduce", DistReduce);
TSTORCH_EXPORT("distAllGather", DistAllGather);
TSTORCH_EXPORT("distAllGatherIntoTensor", DistAllGatherIntoTensor);
TSTORCH_EXPORT("distGather", DistGather);
TSTORCH_EXPORT("distScatter", DistScatter);
TSTORCH_EXPORT("distReduceScatter", DistReduceScatter);
TSTORCH_EXPORT("distAllToAllSingle", DistAllToAllSingle);
TSTORCH_EXPORT("distAllToAll", DistAllToAll);
TSTORCH_EXPORT("distBarrier", DistBarrier);
TSTORCH_EXPORT("distMonitoredBarrier", DistMonitoredBarrier);
TSTORCH_EXPORT("distSend", DistSend);
TSTORCH_EXPORT("distRecv", DistRecv);
TSTORCH_EXPORT("distRecvAnysource", DistRecvAnysource);
TSTORCH_EXPORT("distWorkWait", DistWorkWait);
TSTORCH_EXPORT("distWorkWaitAsync", DistWorkWaitAsync);
TSTORCH_EXPORT("distWorkIsCompleted", DistWorkIsCompleted);
TSTORCH_EXPORT("distWorkSourceRank", DistWorkSourceRank);
TSTORCH_EXPORT("distWorkResult", DistWorkResult);
TSTORCH_EXPORT("distVerifyParams", DistVerifyParams);
TSTORCH_EXPORT("distBroadcastCoalesced", DistBroadcastCoalesced);
TSTORCH_EXPORT("distBucketAssignment", DistBucketAssignment);
TSTORCH_EXPORT("distReducerNew", DistReducerNew);
TSTORCH_EXPORT("distLoggerConstruction", DistLoggerConstruction);
TSTORCH_EXPORT("distLoggerRuntimeStats", DistLoggerRuntimeStats);
TSTORCH_EXPORT("distLoggerUnevenInputJoin", DistLoggerUnevenInputJoin);
TSTORCH_EXPORT("distLoggingData", DistLoggingData);
TSTORCH_EXPORT("distReducerPrepareForForward", DistReducerPrepareForForward);
TSTORCH_EXPORT("distReducerPrepareForBackward", DistReducerPrepareForBackward);
TSTORCH_EXPORT("distReducerRebuildBuckets", DistReducerRebuildBuckets);
TSTORCH_EXPORT("distReducerSetStaticGraph", DistReducerSetStaticGraph);
TSTORCH_EXPORT("distReducerSetForwardPassWork", DistReducerSetForwardPassWork);
TSTORCH_EXPORT("distReducerMatchAllReduce", DistReducerMatchAllReduce);
TSTORCH_EXPORT("distReducerMatchUnusedAllReduce", DistReducerMatchUnusedAllReduce);
TSTORCH_EXPORT("distReducerPushAllRebuiltParams", DistReducerPushAllRebuiltParams);
TSTORCH_EXPORT("distDdpSink", DistDdpSink);
TSTORCH_EXPORT("distSyncBatchNorm", DistSyncBatchNorm);

}  // namespace
}  // namespace tstorch

#else  // !TSTORCH_DISTRIBUTED

namespace tstorch {
namespace {

// Built without libtorch's c10d/Gloo: torch.distributed explains this when it is used.
Napi::Value DistInfo(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("available", false);
  o.Set("gloo", false);
  o.Set("transportFailure", info.Env().Null());
#if !defined(TSTORCH_HAVE_C10D_GLOO)
  o.Set("reason", "the build found no libtorch c10d with Gloo and Gloo's headers");
#elif defined(TORCH_VERSION_MAJOR)
  o.Set("reason", "it is written for libtorch 1.13's c10d, and this libtorch is " + std::to_string(TORCH_VERSION_MAJOR) + "." +
                      std::to_string(TORCH_VERSION_MINOR));
#else
  o.Set("reason", "this libtorch does not say its version");
#endif
  return o;
}

TSTORCH_EXPORT("distInfo", DistInfo);

}  // namespace
}  // namespace tstorch

#endif
