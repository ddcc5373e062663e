// SGD's update in one pass over each parameter (src/optim/sgd.ts), with PyTorch 1.13's roundings.
//
// Why: PyTorch 1.13's SGD with momentum makes three passes over memory per parameter (buf.mul_(momentum),
// buf.add_(grad, alpha=1 - dampening), param.add_(buf, alpha=-lr)), each reading and writing whole tensors:
// for ResNet-18's 45 MB of parameters about 360 MB of traffic a step, where one pass needs 225 MB. libtorch 1.13
// has no fused update on CPU (PyTorch 2.x added one), so this file is one, in the spirit of the addon's RoI
// kernels: small, and exact to the operators it replaces. Measured: ResNet-18's update with caches flushed,
// 10 ms against the three operators' 20 (BENCHMARKS.md, thirteenth session).
//
// Exactness: ATen's add with alpha computes `self + alpha * other` as one fused multiply-add, in its vectorised
// loop (vec::fmadd) and, on builds with FMA kernels, in the scalar tail too (the compiler contracts it); mul by
// a scalar rounds once. This kernel performs the same operations in the same order per element, each rounded as
// ATen rounds it (std::fma where ATen contracts), so the parameters and buffers are bit for bit PyTorch's. That
// holds only where libtorch's kernels really use FMA: a libtorch built for another CPU capability (DEFAULT, or
// another compiler's contraction) rounds twice. So before first use per dtype, the kernel is checked against
// ATen's own operators on a probe of values that tell the two roundings apart; if any element differs, the
// kernel is never used and every parameter takes the operators' path. Parameters that are not plain contiguous
// CPU float32/float64 tensors, with gradient and buffer of the same kind and no shared memory, take that path
// too: the function hands their indices back.
#include "common.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <mutex>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TSTORCH_FUSED_SGD 1
#endif

namespace tstorch {
namespace {

// Hyper-parameters as ATen converts them: each Scalar becomes the tensor's dtype before it is used.
template <typename T>
struct Hyper {
  T negLr;        // add_(params, dps, -lr)
  T momentum;     // mul_(bufs, momentum); with nesterov also add(dps, bufs, momentum)
  T oneMinusDamp; // add_(bufs, dps, 1 - dampening)
  T weightDecay;  // add(grads, params, weightDecay)
  bool hasBuf, nesterov, maximize, decay;
};

#ifdef TSTORCH_FUSED_SGD

// One element, in the operators' order: the gradient (negated for maximize, plus weightDecay * param), the
// buffer (scaled, then plus the gradient), the step (the buffer, or for Nesterov the gradient plus
// momentum * buffer), the parameter (plus -lr * step).
template <typename T>
__attribute__((target("avx2,fma"))) inline void StepOne(T* p, T* buf, const T* g, const Hyper<T>& h) {
  T d = *g;
  if (h.maximize) d = -d;
  if (h.decay) d = std::fma(*p, h.weightDecay, d);
  if (h.hasBuf) {
    T b = *buf * h.momentum;
    b = std::fma(d, h.oneMinusDamp, b);
    *buf = b;
    d = h.nesterov ? std::fma(b, h.momentum, d) : b;
  }
  *p = std::fma(d, h.negLr, *p);
}

// AVX2 lanes for float and double, the same operations as StepOne.
struct F32 {
  using V = __m256;
  static constexpr int64_t kLanes = 8;
  __attribute__((target("avx2,fma"))) static V Load(const float* x) { return _mm256_loadu_ps(x); }
  __attribute__((target("avx2,fma"))) static void Store(float* x, V v) { _mm256_storeu_ps(x, v); }
  __attribute__((target("avx2,fma"))) static V Set(float v) { return _mm256_set1_ps(v); }
  __attribute__((target("avx2,fma"))) static V Mul(V a, V b) { return _mm256_mul_ps(a, b); }
  __attribute__((target("avx2,fma"))) static V Fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  __attribute__((target("avx2,fma"))) static V Neg(V a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
};
struct F64 {
  using V = __m256d;
  static constexpr int64_t kLanes = 4;
  __attribute__((target("avx2,fma"))) static V Load(const double* x) { return _mm256_loadu_pd(x); }
  __attribute__((target("avx2,fma"))) static void Store(double* x, V v) { _mm256_storeu_pd(x, v); }
  __attribute__((target("avx2,fma"))) static V Set(double v) { return _mm256_set1_pd(v); }
  __attribute__((target("avx2,fma"))) static V Mul(V a, V b) { return _mm256_mul_pd(a, b); }
  __attribute__((target("avx2,fma"))) static V Fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  __attribute__((target("avx2,fma"))) static V Neg(V a) { return _mm256_xor_pd(a, _mm256_set1_pd(-0.0)); }
};
template <typename T> struct Lanes;
template <> struct Lanes<float> { using L = F32; };
template <> struct Lanes<double> { using L = F64; };

template <typename T>
__attribute__((target("avx2,fma"))) void StepRange(T* p, T* buf, const T* g, int64_t begin, int64_t end, const Hyper<T>& h) {
  using L = typename Lanes<T>::L;
  using V = typename L::V;
  const V negLr = L::Set(h.negLr), momentum = L::Set(h.momentum), damp = L::Set(h.oneMinusDamp), wd = L::Set(h.weightDecay);
  int64_t i = begin;
  for (; i + L::kLanes <= end; i += L::kLanes) {
    V pv = L::Load(p + i);
    V d = L::Load(g + i);
    if (h.maximize) d = L::Neg(d);
    if (h.decay) d = L::Fma(pv, wd, d);
    if (h.hasBuf) {
      V b = L::Mul(L::Load(buf + i), momentum);
      b = L::Fma(d, damp, b);
      L::Store(buf + i, b);
      d = h.nesterov ? L::Fma(b, momentum, d) : b;
    }
    L::Store(p + i, L::Fma(d, negLr, pv));
  }
  for (; i < end; i++) StepOne(p + i, h.hasBuf ? buf + i : nullptr, g + i, h);
}

template <typename T>
void Step(const at::Tensor& p, const at::Tensor& buf, const at::Tensor& g, const Hyper<T>& h) {
  T* pp = p.data_ptr<T>();
  T* bp = h.hasBuf ? buf.data_ptr<T>() : nullptr;
  const T* gp = g.data_ptr<T>();
  // as the operators do (param.add_ once, buf.mul_ and buf.add_ twice), and first: an inference tensor outside
  // inference mode is refused before anything is written
  p.unsafeGetTensorImpl()->bump_version();
  if (h.hasBuf) {
    buf.unsafeGetTensorImpl()->bump_version();
    buf.unsafeGetTensorImpl()->bump_version();
  }
  // ATen's grain: an update splits across intra-op threads as the operators it replaces do (elementwise, so
  // the split changes no value)
  at::parallel_for(0, p.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
    StepRange<T>(pp, bp, gp, begin, end, h);
  });
}

template <typename T>
Hyper<T> MakeHyper(double lr, double momentum, double dampening, double weightDecay, bool nesterov, bool maximize) {
  return Hyper<T>{static_cast<T>(-lr), static_cast<T>(momentum), static_cast<T>(1 - dampening),
                  static_cast<T>(weightDecay), momentum != 0, nesterov, maximize, weightDecay != 0};
}

// ATen's operators on the same tensors, as src/optim/sgd.ts calls them (the reference of the probe).
void StepWithOperators(at::Tensor& p, at::Tensor& buf, const at::Tensor& g, double lr, double momentum,
                       double dampening, double weightDecay, bool nesterov, bool maximize) {
  at::Tensor d = maximize ? g.neg() : g;
  if (weightDecay != 0) d = d.add(p, weightDecay);
  if (momentum != 0) {
    buf.mul_(momentum);
    buf.add_(d, 1 - dampening);
    d = nesterov ? d.add(buf, momentum) : buf;
  }
  p.add_(d, -lr);
}

// Whether this kernel gives ATen's values for dtype: every branch of the update, on tensors of 61 elements (a
// vector body and a tail for 8 and 4 lanes) and of 1-7 (tails only), with values spread over several binades and
// multipliers near 1, where an unfused multiply-add rounds differently from a fused one in about a quarter of
// the elements (with lr = 0.01, in 2 %: a probe with a realistic lr could miss a scalar tail that rounds twice).
bool MatchesOperators(at::ScalarType dtype) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
  at::NoGradGuard noGrad;
  auto opts = at::TensorOptions().dtype(at::kDouble);
  struct Case { double lr, momentum, dampening, weightDecay; bool nesterov, maximize; };
  const Case cases[] = {{0.73, 0.9, 0.3, 0.61, false, false}, {0.37, 0.8, 0, 1.3, true, true}, {1.51, 0, 0, 0, false, false},
                        {0.59, 0, 0, 0.77, false, true}, {0.87, 0.91, 0, 0, false, false}};
  for (int64_t n : {61, 7, 6, 5, 3, 2, 1}) {
    auto ramp = at::arange(n, opts);
    auto values = [&](double a, double b) { return at::sin(ramp * a + b).mul_(at::exp2(at::remainder(ramp, 7.0) - 3)).to(dtype); };
    for (const Case& c : cases) {
      at::Tensor p0 = values(0.7, 0.3), b0 = values(1.3, 0.1), g = values(2.1, 0.5);
      at::Tensor p1 = p0.clone(), b1 = b0.clone();
      StepWithOperators(p0, b0, g, c.lr, c.momentum, c.dampening, c.weightDecay, c.nesterov, c.maximize);
      if (dtype == at::kFloat) {
        Step<float>(p1, b1, g, MakeHyper<float>(c.lr, c.momentum, c.dampening, c.weightDecay, c.nesterov, c.maximize));
      } else {
        Step<double>(p1, b1, g, MakeHyper<double>(c.lr, c.momentum, c.dampening, c.weightDecay, c.nesterov, c.maximize));
      }
      if (!at::equal(p0, p1) || !at::equal(b0, b1)) return false;
    }
  }
  return true;
}

bool Usable(at::ScalarType dtype) {
  static std::once_flag once;
  static bool f32 = false, f64 = false;
  std::call_once(once, [] {
    f32 = MatchesOperators(at::kFloat);
    f64 = MatchesOperators(at::kDouble);
  });
  return dtype == at::kFloat ? f32 : dtype == at::kDouble ? f64 : false;
}

// Whether every hyper-parameter converts to T without overflow: ATen refuses an alpha that does not (Scalar::to
// checks), so such a step takes the operators' path and gets their error.
template <typename T>
bool Representable(std::initializer_list<double> values) {
  for (double v : values) {
    if (std::isfinite(v) && !std::isfinite(static_cast<T>(v))) return false;
  }
  return true;
}

bool Disjoint(const at::Tensor& a, const at::Tensor& b) {
  const auto* a0 = static_cast<const char*>(a.data_ptr());
  const auto* b0 = static_cast<const char*>(b.data_ptr());
  const auto* a1 = a0 + a.numel() * a.element_size();
  const auto* b1 = b0 + b.numel() * b.element_size();
  return a1 <= b0 || b1 <= a0;
}

bool Plain(const at::Tensor& t, const at::Tensor& like) {
  return t.defined() && t.device().is_cpu() && t.layout() == at::kStrided && t.scalar_type() == like.scalar_type() &&
         t.is_contiguous() && !t.is_neg() && !t.is_conj() && t.numel() == like.numel();
}

#endif  // TSTORCH_FUSED_SGD

// sgdFusedStep(params, grads, bufs | null, lr, momentum, dampening, weightDecay, nesterov, maximize): updates,
// in one pass each, the parameters that this kernel can take (see the top), with their momentum buffers when
// momentum is non-zero (bufs[i] must then exist), and returns the indices of the others, which the caller
// updates with ATen's operators. Runs under no_grad as torch.optim's step does.
Napi::Value SgdFusedStep(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto params = TensorArray(info[0], "sgdFusedStep: params");
    auto grads = TensorArray(info[1], "sgdFusedStep: grads");
    auto bufs = TensorArray(info[2], "sgdFusedStep: bufs");
    const double lr = info[3].As<Napi::Number>().DoubleValue();
    const double momentum = info[4].As<Napi::Number>().DoubleValue();
    const double dampening = info[5].As<Napi::Number>().DoubleValue();
    const double weightDecay = info[6].As<Napi::Number>().DoubleValue();
    const bool nesterov = info[7].As<Napi::Boolean>().Value();
    const bool maximize = info[8].As<Napi::Boolean>().Value();
    if (grads.size() != params.size()) throw Napi::RangeError::New(env, "sgdFusedStep: params and grads differ in length");
    if (momentum != 0 && bufs.size() != params.size()) throw Napi::RangeError::New(env, "sgdFusedStep: params and bufs differ in length");
    Napi::Array rest = Napi::Array::New(env);
    uint32_t nRest = 0;
    at::NoGradGuard noGrad;
    for (size_t i = 0; i < params.size(); i++) {
      const at::Tensor& p = params[i];
      bool done = false;
#ifdef TSTORCH_FUSED_SGD
      const at::Tensor& g = grads[i];
      const bool hasBuf = momentum != 0;
      const at::Tensor empty;
      const at::Tensor& b = hasBuf ? bufs[i] : empty;
      if (p.defined() && (p.scalar_type() == at::kFloat || p.scalar_type() == at::kDouble) && Plain(p, p) && Plain(g, p) &&
          (!hasBuf || (Plain(b, p) && Disjoint(b, p) && Disjoint(b, g))) && Disjoint(p, g) && Usable(p.scalar_type()) &&
          (p.scalar_type() == at::kDouble || Representable<float>({lr, momentum, 1 - dampening, weightDecay}))) {
        if (p.scalar_type() == at::kFloat) {
          Step<float>(p, b, g, MakeHyper<float>(lr, momentum, dampening, weightDecay, nesterov, maximize));
        } else {
          Step<double>(p, b, g, MakeHyper<double>(lr, momentum, dampening, weightDecay, nesterov, maximize));
        }
        done = true;
      }
#endif
      if (!done) rest.Set(nRest++, Napi::Number::New(env, static_cast<double>(i)));
    }
    return rest;
  });
}

// Whether the fused kernel is in use for a dtype ('float32' / 'float64'): the CPU has AVX2 and FMA and the probe
// against ATen's operators agreed (see the top). For tests and benchmarks.
Napi::Value SgdFusedUsable(const Napi::CallbackInfo& info) {
  return Guard(info, [&]() -> Napi::Value {
    const std::string dtype = info[0].As<Napi::String>().Utf8Value();
#ifdef TSTORCH_FUSED_SGD
    if (dtype == "float32") return Napi::Boolean::New(info.Env(), Usable(at::kFloat));
    if (dtype == "float64") return Napi::Boolean::New(info.Env(), Usable(at::kDouble));
#endif
    return Napi::Boolean::New(info.Env(), false);
  });
}

}  // namespace

TSTORCH_EXPORT("sgdFusedStep", SgdFusedStep);
TSTORCH_EXPORT("sgdFusedUsable", SgdFusedUsable);

}  // namespace tstorch
