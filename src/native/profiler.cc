// Per-operator timing through libtorch's RecordFunction, the hook torch.autograd.profiler is built on: every
// operator that goes through the dispatcher (aten::conv2d, aten::convolution, aten::mkldnn_convolution, ...)
// opens a RecordFunction, and a global callback registered here times it. The totals per operator name
// (calls, inclusive time, self time = inclusive minus the time of operators it called) are what
// torch.autograd.profiler's key_averages() reports as cpu_time_total and self_cpu_time_total, so a tstorch
// run and a PyTorch run of the same model can be compared op by op (bench/op-profile.ts).
//
// Nesting is tracked per thread (a thread-local stack); the totals are shared behind a mutex, so operators run
// on intra-op worker threads are counted too. The callbacks never throw (a std::map insertion that fails for
// lack of memory is the only possibility, and it terminates nothing: it is caught and the sample dropped).
#include "common.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tstorch {
namespace {

struct OpTotals {
  int64_t calls = 0;
  int64_t totalNs = 0;
  int64_t selfNs = 0;
};

struct Frame {
  int64_t startNs;
  int64_t childNs;
};

std::mutex gMutex;
std::map<std::string, OpTotals> gTotals;
bool gActive = false;
at::CallbackHandle gHandle = 0;
thread_local std::vector<Frame> tStack;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<at::ObserverContext> OnStart(const at::RecordFunction&) {
  tStack.push_back({NowNs(), 0});
  return nullptr;
}

void OnEnd(const at::RecordFunction& fn, at::ObserverContext*) {
  if (tStack.empty()) return;  // the operator started before the profiler did
  const int64_t total = NowNs() - tStack.back().startNs;
  const int64_t self = total - tStack.back().childNs;
  tStack.pop_back();
  if (!tStack.empty()) tStack.back().childNs += total;
  try {
    std::lock_guard<std::mutex> lock(gMutex);
    OpTotals& t = gTotals[fn.name()];
    t.calls += 1;
    t.totalNs += total;
    t.selfNs += self;
  } catch (...) {
  }
}

Napi::Value ProfilerStart(const Napi::CallbackInfo& info) {
  if (gActive) throw Napi::Error::New(info.Env(), "profilerStart: the operator profiler is already running");
  {
    std::lock_guard<std::mutex> lock(gMutex);
    gTotals.clear();
  }
  tStack.clear();
  gHandle = at::addGlobalCallback(
      at::RecordFunctionCallback(OnStart, OnEnd).needsInputs(false).scopes({at::RecordScope::FUNCTION}));
  gActive = true;
  return info.Env().Undefined();
}

// Stops the profiler and returns [{name, calls, totalMs, selfMs}] sorted by self time, largest first.
Napi::Value ProfilerStop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!gActive) throw Napi::Error::New(env, "profilerStop: the operator profiler is not running");
  at::removeCallback(gHandle);
  gActive = false;
  std::vector<std::pair<std::string, OpTotals>> rows;
  {
    std::lock_guard<std::mutex> lock(gMutex);
    rows.assign(gTotals.begin(), gTotals.end());
    gTotals.clear();
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.selfNs > b.second.selfNs; });
  Napi::Array out = Napi::Array::New(env, rows.size());
  for (size_t i = 0; i < rows.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", rows[i].first);
    o.Set("calls", Napi::Number::New(env, static_cast<double>(rows[i].second.calls)));
    o.Set("totalMs", Napi::Number::New(env, rows[i].second.totalNs / 1e6));
    o.Set("selfMs", Napi::Number::New(env, rows[i].second.selfNs / 1e6));
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

}  // namespace

TSTORCH_EXPORT("profilerStart", ProfilerStart);
TSTORCH_EXPORT("profilerStop", ProfilerStop);

}  // namespace tstorch
