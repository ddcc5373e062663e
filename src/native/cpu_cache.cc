// A caching CPU allocator for large tensors, fed by tidy scopes (src/memory.ts).
//
// Why: libtorch's default CPU allocator is malloc, and glibc serves every block over 32 MB (and, until its
// dynamic threshold has risen, every block over 128 kB) with a fresh mmap that free() unmaps again. A ResNet-50
// detector at 800 px allocates and frees about 2 GB of activations per pass in such blocks, so each pass
// page-faults in ~300,000 zeroed pages: measured here 0.6-0.9 s of system time in a 4.5 s pass, in PyTorch as
// in tstorch. Inside a tidy scope tstorch knows the tensors die with the scope, so it keeps the freed blocks
// and hands them back to the next allocation of the same size (the activations of the blocks of one ResNet
// stage, the levels of an FPN, the next pass's layers), as PyTorch's CUDA caching allocator does on GPUs.
//
// Between scopes: when the last tidy scope ends, the blocks it freed stay cached for the next scope, which is
// usually the next forward pass or training step of the same model and allocates the same sizes again. Freeing
// them there made every pass map and zero its activations afresh: ResNet-18 at batch 1 spent 4-5 % of a pass in
// page faults, PyTorch none (its blocks are freed while the pass runs, so glibc's heap reuses them). What the
// cache keeps is what the process held a moment before, so it never raises the peak.
//
// Blocks that no scope has reused during the last kKeepScopes outermost scopes are freed at a scope's end (sizes
// of some other work). Not after one scope: a training loop written as PyTorch users write it (zero_grad and
// step outside any scope, forward and backward in one) runs two outermost scopes per step, the optimizer's own
// tidy and the pass's, and a one-scope rule made each free the other's blocks: every step faulted its 18-50 MiB
// of ResNet-18 activations in again. Keeping them a few scopes longer does not raise the peak either: the scope
// that first stops reusing them ran with them cached. A large allocation outside any scope that the cache cannot
// serve frees the whole cache (the work has changed), and emptyCpuCache() frees it at once.
//
// Bounds: only blocks of at least kMinBlock bytes are cached (128 kB, glibc's smallest mmap threshold: below it
// glibc's heap reuses blocks; above it, even once the threshold has risen, a heap whose top grows and shrinks
// with each pass is trimmed and faulted in again: ResNet-18's 784 kB layer-1 activations took 196-350 page faults
// a pass with a 1 MB minimum here, none with this one), a block
// is reused for a request of its size up to 1/8 smaller, the cache holds at most TSTORCH_CPU_CACHE_MB
// megabytes (default 1024; 0 turns caching off). Thread-safe (a mutex): tensors are freed on whatever thread
// drops them. The allocator object is never destroyed, so tensors freed during process exit still find it.
#include "common.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <cstdlib>
#include <map>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <mutex>
#include <unordered_map>

namespace tstorch {
namespace {

constexpr size_t kMinBlock = 128 << 10;
constexpr size_t kPage = 4096;
// a cached block that this many outermost scopes in a row left unused is freed (see the top)
constexpr uint64_t kKeepScopes = 4;

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(size_t limit) : limit_(limit) {}

  c10::DataPtr allocate(size_t n) const override {
    if (n < kMinBlock) {
      void* p = c10::alloc_cpu(n);
      return {p, p, &c10::free_cpu, c10::Device(c10::DeviceType::CPU)};
    }
    const size_t want = (n + kPage - 1) / kPage * kPage;
    std::multimap<size_t, Block> release;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.lower_bound(want);
      if (it != free_.end() && it->first - want <= want / 8) {
        // the most recently freed block of that size (a multimap keeps equal keys in insertion order): the one
        // most likely still in cache, as glibc's bins hand back the last chunk freed
        it = std::prev(free_.upper_bound(it->first));
        void* p = it->second.p;
        cachedBytes_ -= it->first;
        free_.erase(it);
        hits_++;
        return {p, p, &Free, c10::Device(c10::DeviceType::CPU)};
      }
      // outside every scope, a size the cache cannot serve: the work has changed, its blocks go back
      if (scopes_ == 0) Take(release, /*keep_recent=*/false);
    }
    FreeAll(release);
    void* p = c10::alloc_cpu(want);
    std::lock_guard<std::mutex> lock(mutex_);
    sizes_[p] = want;
    misses_++;
    return {p, p, &Free, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &Free; }

  static void Free(void* p) { Instance()->Release(p); }

  void Release(void* p) {
    if (p == nullptr) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = sizes_.find(p);
      if (it != sizes_.end()) {
        const size_t size = it->second;
        if (scopes_ > 0 && cachedBytes_ + size <= limit_) {
          try {
            free_.emplace(size, Block{p, generation_});
            cachedBytes_ += size;
            return;
          } catch (...) {
            // no memory for the free-list node: free the block instead
          }
        }
        sizes_.erase(it);
      }
    }
    c10::free_cpu(p);
  }

  void Enter() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (scopes_++ == 0) generation_++;
  }

  // The last scope's end keeps the blocks freed during it and the kKeepScopes - 1 scopes before, and frees
  // those that have waited longer.
  void Leave() {
    std::multimap<size_t, Block> release;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (scopes_ > 0) scopes_--;
      if (scopes_ > 0) return;
      Take(release, /*keep_recent=*/true);
    }
    FreeAll(release);
  }

  // Every cached block back to the system (emptyCpuCache()).
  void Empty() {
    std::multimap<size_t, Block> release;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Take(release, /*keep_recent=*/false);
    }
    FreeAll(release);
  }

  Napi::Object Stats(Napi::Env env) const {
    std::lock_guard<std::mutex> lock(mutex_);
    Napi::Object o = Napi::Object::New(env);
    o.Set("cachedBytes", Napi::Number::New(env, static_cast<double>(cachedBytes_)));
    o.Set("limitBytes", Napi::Number::New(env, static_cast<double>(limit_)));
    o.Set("hits", Napi::Number::New(env, static_cast<double>(hits_)));
    o.Set("misses", Napi::Number::New(env, static_cast<double>(misses_)));
    o.Set("scopes", Napi::Number::New(env, static_cast<double>(scopes_)));
    return o;
  }

  static CachingCpuAllocator* Instance() {
    // never destroyed: tensors freed by static destructors at exit still need it
    static CachingCpuAllocator* instance = [] {
      const char* env = std::getenv("TSTORCH_CPU_CACHE_MB");
      const double mb = env != nullptr ? std::strtod(env, nullptr) : 1024.0;
      auto* a = new CachingCpuAllocator(mb > 0 ? static_cast<size_t>(mb * 1024 * 1024) : 0);
      // priority 1: above libtorch's default allocator (0)
      if (mb > 0) c10::SetCPUAllocator(a, 1);
      return a;
    }();
    return instance;
  }

 private:
  struct Block {
    void* p;
    uint64_t generation;  // the outermost scope during which it was last freed
  };

  // Moves the cached blocks into `out` (the caller frees them after unlocking): all of them, or with
  // `keep_recent` those not freed during the last kKeepScopes generations. Holds the mutex.
  void Take(std::multimap<size_t, Block>& out, bool keep_recent) const {
    for (auto it = free_.begin(); it != free_.end();) {
      if (keep_recent && generation_ - it->second.generation < kKeepScopes) {
        ++it;
        continue;
      }
      sizes_.erase(it->second.p);
      cachedBytes_ -= it->first;
      out.insert(*it);
      it = free_.erase(it);
    }
  }

  static void FreeAll(const std::multimap<size_t, Block>& blocks) {
    for (const auto& [size, b] : blocks) c10::free_cpu(b.p);
  }

  const size_t limit_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<void*, size_t> sizes_;  // every large block this allocator made and has not freed
  mutable std::multimap<size_t, Block> free_;        // cached blocks by size
  mutable size_t cachedBytes_ = 0;
  mutable size_t hits_ = 0;
  mutable size_t misses_ = 0;
  int scopes_ = 0;
  uint64_t generation_ = 0;
};

// The outermost tidy scope of a JavaScript thread begins: freed large blocks are kept for reuse from now on.
Napi::Value CpuCacheEnter(const Napi::CallbackInfo& info) {
  CachingCpuAllocator::Instance()->Enter();
  return info.Env().Undefined();
}

// It ends: when no thread is inside a tidy scope any more, the blocks that the last few scopes left unused go
// back to the system; the others stay for the next scope.
Napi::Value CpuCacheLeave(const Napi::CallbackInfo& info) {
  CachingCpuAllocator::Instance()->Leave();
  return info.Env().Undefined();
}

// Every cached block goes back to the system now.
Napi::Value CpuCacheEmpty(const Napi::CallbackInfo& info) {
  CachingCpuAllocator::Instance()->Empty();
  return info.Env().Undefined();
}

Napi::Value CpuCacheStats(const Napi::CallbackInfo& info) {
  return CachingCpuAllocator::Instance()->Stats(info.Env());
}

// Memory the model server hands back to the system (src/vision/serve/server.ts): after the worker count is
// timed at start, the stopped workers' forward passes leave their freed activations in glibc's per-thread
// arenas, which glibc keeps for reuse; malloc_trim returns the free pages of every arena (about 200 MiB of RSS
// for MobileNet v3 at batch 8 with two workers stopped to one, measured in BENCHMARKS.md). True when the C
// library could trim (glibc), false elsewhere (nothing to do there). Here, beside the allocator's own cache,
// rather than in a translation unit of its own: each one that includes the libtorch headers costs a compile.
Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  malloc_trim(0);
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace

TSTORCH_EXPORT("cpuCacheEnter", CpuCacheEnter);
TSTORCH_EXPORT("cpuCacheLeave", CpuCacheLeave);
TSTORCH_EXPORT("cpuCacheStats", CpuCacheStats);
TSTORCH_EXPORT("cpuCacheEmpty", CpuCacheEmpty);
TSTORCH_EXPORT("mallocTrim", MallocTrim);

}  // namespace tstorch
