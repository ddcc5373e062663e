// Stand-in for PyTorch's torch/csrc/distributed/autograd/context/context.h, which reducer.hpp includes and
// Debian's libtorch-dev does not ship (the build puts this folder on the include path only when the real
// header is missing: scripts/distributed-flags.mjs).
//
// c10d::Reducer names DistAutogradContext in three places only: a std::shared_ptr and a std::atomic pointer
// to it (Reducer::RpcContext) and its GradCallback type (a static_assert). The layout of a shared_ptr<T> and
// of an atomic<T*> does not depend on T, so a declaration without the class's members keeps sizeof(Reducer)
// and every member offset as libtorch compiled them: distributed.cc asserts both against the values of a
// build with the real header (libtorch 1.13.1, x86-64). Nothing here is ever constructed: libtorch's own
// code (ThreadLocalDistAutogradContext::getContextPtr, RpcContext::set) handles the real objects.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
  DistAutogradContext() = delete;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
