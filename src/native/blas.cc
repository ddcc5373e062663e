// OpenBLAS's own thread pool, found at run time: libtorch does its matrix products (mm, addmm, bmm, so the
// linear layers and attention) in whatever libblas.so.3 points to, and Debian's libopenblas0-pthread keeps a
// pool of one thread per core that at::set_num_threads does not bound (it sets OpenMP's and MKL's counts only).
// Python users pin it with OPENBLAS_NUM_THREADS before import or threadpoolctl after; a Node process has loaded
// the library by the time user code runs, so tstorch calls openblas_set_num_threads itself (src/blas.ts).
//
// The library is looked up among the objects already loaded (dl_iterate_phdr + dlopen RTLD_NOLOAD), never
// loaded by this file: with another BLAS (reference BLAS, MKL, BLIS) every function reports that OpenBLAS is
// not there instead of failing to link or load.
#include "common.h"

#include <dlfcn.h>
#include <link.h>

#include <string>
#include <vector>

namespace tstorch {
namespace {

struct OpenBlas {
  std::string path;
  int (*getNumThreads)() = nullptr;
  void (*setNumThreads)(int) = nullptr;
  char* (*getConfig)() = nullptr;
};

int CollectLoaded(struct dl_phdr_info* info, size_t, void* data) {
  if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') {
    static_cast<std::vector<std::string>*>(data)->push_back(info->dlpi_name);
  }
  return 0;
}

const OpenBlas& Find() {
  static const OpenBlas found = [] {
    OpenBlas b;
    std::vector<std::string> loaded;
    dl_iterate_phdr(CollectLoaded, &loaded);
    for (const auto& path : loaded) {
      const size_t slash = path.rfind('/');
      if (path.find("blas", slash == std::string::npos ? 0 : slash) == std::string::npos) continue;  // the file name
      void* h = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);  // a reference to the copy already mapped
      if (h == nullptr) continue;
      auto set = reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads"));
      auto get = reinterpret_cast<int (*)()>(dlsym(h, "openblas_get_num_threads"));
      if (set != nullptr && get != nullptr) {
        Dl_info where;  // the object that defines it (libblas.so.3 finds it in its dependency libopenblas.so.0)
        b.path = dladdr(reinterpret_cast<void*>(set), &where) != 0 && where.dli_fname != nullptr ? where.dli_fname : path;
        b.setNumThreads = set;
        b.getNumThreads = get;
        b.getConfig = reinterpret_cast<char* (*)()>(dlsym(h, "openblas_get_config"));
        return b;  // the handle stays open: the library is libtorch's dependency and never unloaded anyway
      }
      dlclose(h);
    }
    return b;
  }();
  return found;
}

// {library, config, numThreads}; all null when the BLAS in this process is not OpenBLAS.
Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const OpenBlas& b = Find();
  Napi::Object o = Napi::Object::New(env);
  const bool ok = b.getNumThreads != nullptr;
  o.Set("library", ok ? Napi::Value(Napi::String::New(env, b.path)) : env.Null());
  o.Set("config", ok && b.getConfig != nullptr ? Napi::Value(Napi::String::New(env, b.getConfig())) : env.Null());
  o.Set("numThreads", ok ? Napi::Value(Napi::Number::New(env, b.getNumThreads())) : env.Null());
  return o;
}

// (n): the count was validated in src/blas.ts; here only whether OpenBLAS is there.
Napi::Value BlasSetNumThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const OpenBlas& b = Find();
  if (b.setNumThreads == nullptr) {
    throw Napi::Error::New(env, "blas.setNumThreads: the BLAS libtorch uses in this process is not OpenBLAS "
                                "(no openblas_set_num_threads in any loaded library)");
  }
  b.setNumThreads(info[0].As<Napi::Number>().Int32Value());
  return env.Undefined();
}

}  // namespace

TSTORCH_EXPORT("blasInfo", BlasInfo);
TSTORCH_EXPORT("blasSetNumThreads", BlasSetNumThreads);

}  // namespace tstorch
