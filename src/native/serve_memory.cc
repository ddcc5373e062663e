// Memory the model server hands back to the system (src/vision/serve/server.ts): after the worker count is timed
// at start, the stopped workers' forward passes leave their freed activations in glibc's per-thread arenas,
// which glibc keeps for reuse; malloc_trim returns the free pages of every arena (about 200 MiB of RSS for
// MobileNet v3 at batch 8 with two workers stopped to one, measured in BENCHMARKS.md).
#include "common.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tstorch {
namespace {

// true when the C library could trim (glibc), false elsewhere (nothing to do there).
Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  malloc_trim(0);
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

TSTORCH_EXPORT("mallocTrim", MallocTrim);

}  // namespace tstorch
