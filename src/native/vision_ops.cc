// torchvision's C++ operators on the CPU: nms, roi_align, roi_pool, ps_roi_align, ps_roi_pool and deform_conv2d,
// with their backward kernels, registered in libtorch's dispatcher under torchvision's own names and schemas
// (`torchvision::roi_align(Tensor input, Tensor rois, float spatial_scale, ...)`). TypeScript calls them like any
// ATen operator: `op('torchvision::roi_align')(...)` (src/vision/ops/*.ts).
//
// The kernels follow torchvision 0.14's CPU kernels (torchvision/csrc/ops/cpu/*.cpp) step for step, with the same
// floating-point expressions in the same order, so outputs and gradients equal torchvision's bit for bit on the
// same libtorch. What differs, and why:
//   - Bad input is an error instead of undefined behaviour: RoI batch indices outside the batch, non-finite RoI
//     coordinates, RoIs whose sampling grid does not fit an int, non-positive output sizes, argmax /
//     channel_mapping entries outside the input, gradients of the wrong shape. torchvision reads out of bounds.
//   - Index arithmetic is 64-bit (torchvision's int overflows past 2^31 elements).
//   - Work is split over libtorch's intra-op threads (at::parallel_for) where the outputs a thread writes are
//     disjoint, and every accumulation keeps torchvision's order, so results do not depend on the thread count.
//   - nms walks boxes gathered in score order, with a branch-free inner loop the compiler vectorises; it suppresses
//     exactly the boxes torchvision's loop suppresses (same IoU expression, same comparison with the threshold).
//
// Autograd: each differentiable operator has a torch::autograd::Function registered for the Autograd dispatch key,
// as torchvision does (csrc/ops/autograd/*.cpp): forward saves what backward needs, backward calls the
// `torchvision::_<op>_backward` operator. Double backward is refused with torchvision's message.
//
// A CUDA build would register CUDA kernels for the same schemas (TORCH_LIBRARY_IMPL(torchvision, CUDA, m)): the RoI
// kernels map one thread to one output element (the loops below are written per output element), their backward
// kernels need atomicAdd on grad_input (several RoIs and samples hit one input pixel), and nms needs the blocked
// bitmask algorithm of torchvision's nms_kernel.cu (64 x 64 box tiles, IoU masks, a final sequential sweep on the
// host). The autograd Functions below would serve both devices unchanged, since they call the operators through
// the dispatcher.
#include "common.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/library.h>

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

namespace tstorch {
namespace vision_ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::Variable;
using torch::autograd::variable_list;

// ---------------------------------------------------------------------------------------------------------------
// Checks shared by the RoI operators
// ---------------------------------------------------------------------------------------------------------------

void check_cpu(const char* op, const at::Tensor& t, const char* name) {
  TORCH_CHECK(t.device().is_cpu(), op, ": ", name, " must be a CPU tensor (this build has CPU kernels only)");
}

void check_feature_map(const char* op, const at::Tensor& input) {
  check_cpu(op, input, "input");
  TORCH_CHECK(input.dim() == 4, op, ": input must be a 4-d (N, C, H, W) tensor, got ", input.dim(), " dimensions");
}

void check_rois(const char* op, const at::Tensor& rois, const at::Tensor& like) {
  check_cpu(op, rois, "rois");
  TORCH_CHECK(rois.dim() == 2 && rois.size(1) == 5, op, ": rois must have shape [K, 5] (batch index, x1, y1, x2, y2), got ",
              rois.sizes());
  TORCH_CHECK(rois.scalar_type() == like.scalar_type(), op, ": rois (", rois.scalar_type(), ") must have the dtype of ",
              "the input (", like.scalar_type(), ")");
}

void check_pooled(const char* op, int64_t pooled_height, int64_t pooled_width, double spatial_scale) {
  TORCH_CHECK(std::isfinite(spatial_scale), op, ": spatial_scale must be finite, got ", spatial_scale);
  TORCH_CHECK(pooled_height > 0 && pooled_width > 0, op, ": output_size must be positive, got (", pooled_height, ", ",
              pooled_width, ")");
  TORCH_CHECK(pooled_height <= INT_MAX && pooled_width <= INT_MAX, op, ": output_size is too large");
}

// Every RoI's batch index (truncated to an integer, as torchvision's `int roi_batch_ind = rois[n * 5]`) must name
// an image of the batch, and its coordinates must be finite: torchvision would read outside the input otherwise.
template <typename T>
void check_roi_values(const char* op, const T* rois, int64_t num_rois, int64_t batch_size) {
  for (int64_t n = 0; n < num_rois; n++) {
    const T* r = rois + n * 5;
    for (int k = 0; k < 5; k++) {
      TORCH_CHECK(std::isfinite(static_cast<double>(r[k])), op, ": RoI ", n, " has a non-finite value (",
                  static_cast<double>(r[k]), ") in column ", k);
    }
    const double b = static_cast<double>(r[0]);
    TORCH_CHECK(b > -1.0 && b < static_cast<double>(batch_size), op, ": RoI ", n, " has batch index ", b,
                " outside the batch of ", batch_size, " image(s)");
  }
}

// The adaptive sampling grid of roi_align / ps_roi_align: ceil(roi size / output size) points per bin side unless
// sampling_ratio > 0. torchvision stores it in an int; a RoI far larger than the feature map would overflow it.
template <typename T>
int sampling_grid(const char* op, int64_t roi, int64_t sampling_ratio, T roi_extent, int64_t pooled) {
  if (sampling_ratio > 0) {
    TORCH_CHECK(sampling_ratio <= 1 << 16, op, ": sampling_ratio ", sampling_ratio, " is too large");
    return static_cast<int>(sampling_ratio);
  }
  const double g = std::ceil(static_cast<double>(roi_extent / static_cast<T>(pooled)));
  TORCH_CHECK(std::fabs(g) <= (1 << 16), op, ": RoI ", roi, " needs ", g, " sampling points per bin side; pass a positive ",
              "sampling_ratio for RoIs this large");
  return static_cast<int>(std::ceil(roi_extent / pooled));
}

// ---------------------------------------------------------------------------------------------------------------
// nms (torchvision/csrc/ops/cpu/nms_kernel.cpp)
// ---------------------------------------------------------------------------------------------------------------

// The float threshold t_f with (ovr > t_f) == (double(ovr) > t) for every float ovr: the largest float <= t.
// torchvision compares the float IoU with the double threshold; comparing floats lets the loop vectorise.
template <typename T>
T threshold_as(double t) {
  T f = static_cast<T>(t);
  if (static_cast<double>(f) > t) f = std::nextafter(f, -std::numeric_limits<T>::infinity());
  return f;
}

// Vectorised builds of the sweep: GCC's -O2 does not vectorise this loop, so the function asks for -O3 and, on
// x86-64 Linux, for an AVX2 clone chosen at load time (ifunc) next to the baseline one.
#if defined(__GNUC__) && !defined(__clang__)
#if defined(__x86_64__) && defined(__linux__)
#define TSTORCH_VECTORISE __attribute__((optimize("O3"), target_clones("avx2", "default")))
#else
#define TSTORCH_VECTORISE __attribute__((optimize("O3")))
#endif
#else
#define TSTORCH_VECTORISE
#endif

// Marks every box after i (in score order) whose IoU with box i exceeds thr: torchvision's inner loop, with
// torchvision's IoU expression. It runs over suppressed boxes too: marking a suppressed box again changes nothing,
// and without the branch the loop handles several boxes per instruction.
template <typename T>
TSTORCH_VECTORISE void nms_sweep(const T* __restrict X1, const T* __restrict Y1, const T* __restrict X2,
                                 const T* __restrict Y2, const T* __restrict A, uint8_t* __restrict S, int64_t i,
                                 int64_t n, T thr) {
  const T ix1 = X1[i], iy1 = Y1[i], ix2 = X2[i], iy2 = Y2[i], iarea = A[i];
  for (int64_t j = i + 1; j < n; j++) {
    const T xx1 = std::max(ix1, X1[j]);
    const T yy1 = std::max(iy1, Y1[j]);
    const T xx2 = std::min(ix2, X2[j]);
    const T yy2 = std::min(iy2, Y2[j]);
    const T w = std::max(static_cast<T>(0), xx2 - xx1);
    const T h = std::max(static_cast<T>(0), yy2 - yy1);
    const T inter = w * h;
    const T ovr = inter / (iarea + A[j] - inter);
    S[j] |= static_cast<uint8_t>(ovr > thr);
  }
}

template <typename T>
at::Tensor nms_impl(const at::Tensor& dets, const at::Tensor& scores, double iou_threshold) {
  const int64_t ndets = dets.size(0);
  // Score order from ATen's stable sort, as torchvision 0.14 does: boxes with tied scores stay in index order.
  const at::Tensor order_t = std::get<1>(scores.sort(/*stable=*/true, /*dim=*/0, /*descending=*/true));
  const int64_t* order = order_t.data_ptr<int64_t>();
  const at::Tensor d = dets.contiguous();
  const T* box = d.data_ptr<T>();

  // Boxes in score order, one array per coordinate, so the inner loop reads memory sequentially.
  std::vector<T> x1(ndets), y1(ndets), x2(ndets), y2(ndets), area(ndets);
  for (int64_t k = 0; k < ndets; k++) {
    const T* b = box + order[k] * 4;
    x1[k] = b[0];
    y1[k] = b[1];
    x2[k] = b[2];
    y2[k] = b[3];
    area[k] = (x2[k] - x1[k]) * (y2[k] - y1[k]);  // torchvision: (x2_t - x1_t) * (y2_t - y1_t)
  }
  const T thr = threshold_as<T>(iou_threshold);
  std::vector<uint8_t> suppressed(ndets, 0);
  at::Tensor keep_t = at::empty({ndets}, dets.options().dtype(at::kLong));
  int64_t* keep = keep_t.data_ptr<int64_t>();
  int64_t num_to_keep = 0;

  uint8_t* S = suppressed.data();
  for (int64_t i = 0; i < ndets; i++) {
    if (S[i]) continue;
    keep[num_to_keep++] = order[i];
    nms_sweep<T>(x1.data(), y1.data(), x2.data(), y2.data(), area.data(), S, i, ndets, thr);
  }
  return keep_t.narrow(0, 0, num_to_keep).clone();
}

at::Tensor nms_kernel(const at::Tensor& dets, const at::Tensor& scores, double iou_threshold) {
  check_cpu("nms", dets, "boxes");
  check_cpu("nms", scores, "scores");
  TORCH_CHECK(dets.dim() == 2, "nms: boxes should be a 2d tensor, got ", dets.dim(), "D");
  TORCH_CHECK(dets.size(1) == 4, "nms: boxes should have 4 elements in dimension 1, got ", dets.size(1));
  TORCH_CHECK(scores.dim() == 1, "nms: scores should be a 1d tensor, got ", scores.dim(), "D");
  TORCH_CHECK(dets.size(0) == scores.size(0), "nms: boxes and scores should have same number of elements in ",
              "dimension 0, got ", dets.size(0), " and ", scores.size(0));
  TORCH_CHECK(dets.scalar_type() == scores.scalar_type(), "nms: boxes (", dets.scalar_type(),
              ") should have the same type as scores (", scores.scalar_type(), ")");
  if (dets.numel() == 0) return at::empty({0}, dets.options().dtype(at::kLong));
  at::Tensor result;
  AT_DISPATCH_FLOATING_TYPES(dets.scalar_type(), "nms", [&] { result = nms_impl<scalar_t>(dets, scores, iou_threshold); });
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Bilinear sampling of RoIAlign (torchvision/csrc/ops/cpu/roi_align_common.h and roi_align_kernel.cpp)
// ---------------------------------------------------------------------------------------------------------------

// One sampling point: the four neighbouring pixels and their bilinear weights. pos1 < 0 marks a point outside the
// feature map (it contributes nothing, and backward skips it as torchvision's does).
template <typename T>
struct Sample {
  int64_t pos1, pos2, pos3, pos4;
  T w1, w2, w3, w4;
};

template <typename T>
Sample<T> bilinear_sample(int64_t height, int64_t width, T y, T x) {
  Sample<T> s;
  // Written as !(inside) so that NaN takes this branch rather than reaching the integer casts.
  if (!(y >= -1.0 && y <= height && x >= -1.0 && x <= width)) {
    s.pos1 = s.pos2 = s.pos3 = s.pos4 = -1;
    s.w1 = s.w2 = s.w3 = s.w4 = 0;
    return s;
  }
  if (y <= 0) y = 0;
  if (x <= 0) x = 0;
  int64_t y_low = static_cast<int64_t>(y);
  int64_t x_low = static_cast<int64_t>(x);
  int64_t y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = (T)y_low;
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = (T)x_low;
  } else {
    x_high = x_low + 1;
  }
  T ly = y - y_low;
  T lx = x - x_low;
  T hy = 1. - ly, hx = 1. - lx;
  s.w1 = hy * hx, s.w2 = hy * lx, s.w3 = ly * hx, s.w4 = ly * lx;
  s.pos1 = y_low * width + x_low;
  s.pos2 = y_low * width + x_high;
  s.pos3 = y_high * width + x_low;
  s.pos4 = y_high * width + x_high;
  return s;
}

// The geometry of one RoI in roi_align: start, bin size and sampling grid, from the RoI's row of `rois`.
template <typename T>
struct RoIGeometry {
  int64_t batch;
  T start_h, start_w, bin_h, bin_w;
  int grid_h, grid_w;
};

template <typename T>
RoIGeometry<T> roi_align_geometry(const T* roi, int64_t n, T spatial_scale, int64_t pooled_height, int64_t pooled_width,
                                  int64_t sampling_ratio, bool aligned) {
  RoIGeometry<T> g;
  g.batch = static_cast<int64_t>(static_cast<int>(roi[0]));
  // Do not use rounding; this implementation detail is critical (torchvision).
  T offset = aligned ? (T)0.5 : (T)0.0;
  T roi_start_w = roi[1] * spatial_scale - offset;
  T roi_start_h = roi[2] * spatial_scale - offset;
  T roi_end_w = roi[3] * spatial_scale - offset;
  T roi_end_h = roi[4] * spatial_scale - offset;
  T roi_width = roi_end_w - roi_start_w;
  T roi_height = roi_end_h - roi_start_h;
  if (!aligned) {
    // Force malformed RoIs to be 1x1.
    roi_width = std::max(roi_width, (T)1.);
    roi_height = std::max(roi_height, (T)1.);
  }
  g.start_h = roi_start_h;
  g.start_w = roi_start_w;
  g.bin_h = static_cast<T>(roi_height) / static_cast<T>(pooled_height);
  g.bin_w = static_cast<T>(roi_width) / static_cast<T>(pooled_width);
  g.grid_h = sampling_grid<T>("roi_align", n, sampling_ratio, roi_height, pooled_height);
  g.grid_w = sampling_grid<T>("roi_align", n, sampling_ratio, roi_width, pooled_width);
  return g;
}

// The sampling points of every bin of one RoI, in torchvision's order (ph, pw, iy, ix): shared by all channels.
template <typename T>
void roi_align_samples(const RoIGeometry<T>& g, int64_t height, int64_t width, int64_t pooled_height,
                       int64_t pooled_width, std::vector<Sample<T>>& out) {
  // A RoI of negative extent (aligned, x2 < x1) has a grid of <= 0 points: no samples, as in torchvision's loops.
  out.resize(static_cast<size_t>(std::max(g.grid_h, 0)) * std::max(g.grid_w, 0) * pooled_height * pooled_width);
  size_t k = 0;
  for (int64_t ph = 0; ph < pooled_height; ph++) {
    for (int64_t pw = 0; pw < pooled_width; pw++) {
      for (int iy = 0; iy < g.grid_h; iy++) {
        const T yy = g.start_h + ph * g.bin_h + static_cast<T>(iy + .5f) * g.bin_h / static_cast<T>(g.grid_h);
        for (int ix = 0; ix < g.grid_w; ix++) {
          const T xx = g.start_w + pw * g.bin_w + static_cast<T>(ix + .5f) * g.bin_w / static_cast<T>(g.grid_w);
          out[k++] = bilinear_sample<T>(height, width, yy, xx);
        }
      }
    }
  }
}

template <typename T>
void check_roi_grids(const char* op, const T* rois, int64_t num_rois, T spatial_scale, int64_t pooled_height,
                     int64_t pooled_width, int64_t sampling_ratio, bool aligned) {
  for (int64_t n = 0; n < num_rois; n++) {
    const RoIGeometry<T> g =
        roi_align_geometry<T>(rois + n * 5, n, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned);
    const double samples = static_cast<double>(std::max(g.grid_h, 0)) * std::max(g.grid_w, 0) * pooled_height * pooled_width;
    TORCH_CHECK(samples <= (1LL << 28), op, ": RoI ", n, " needs ", samples, " sampling points; pass a positive ",
                "sampling_ratio for RoIs this large");
  }
}

// ---------------------------------------------------------------------------------------------------------------
// roi_align
// ---------------------------------------------------------------------------------------------------------------

// torchvision's pre-calculated sampling point (roi_align_common.h): positions and weights; a point outside the
// feature map is position 0 with weight 0, so that the forward loop needs no branch.
template <typename T>
struct PreCalc {
  int32_t pos1, pos2, pos3, pos4;
  T w1, w2, w3, w4;
};

// The value of one output bin of one channel: torchvision's sum, in its order, then the average.
#define TSTORCH_ROI_ALIGN_ACC(v, in, p) \
  v += p.w1 * in[p.pos1] + p.w2 * in[p.pos2] + p.w3 * in[p.pos3] + p.w4 * in[p.pos4]

template <typename T>
void roi_align_forward_impl(int64_t num_rois, const T* input, T spatial_scale, int64_t channels, int64_t height,
                            int64_t width, int64_t pooled_height, int64_t pooled_width, int64_t sampling_ratio,
                            bool aligned, const T* rois, T* output) {
  const int64_t bins = pooled_height * pooled_width;
  const int64_t plane = height * width;
  // Each RoI writes its own rows of the output: RoIs are independent.
  at::parallel_for(0, num_rois, 1, [&](int64_t begin, int64_t end) {
    std::vector<Sample<T>> samples;
    std::vector<PreCalc<T>> pre;
    for (int64_t n = begin; n < end; n++) {
      const RoIGeometry<T> g =
          roi_align_geometry<T>(rois + n * 5, n, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned);
      // We do average (integral) pooling inside a bin; an empty grid gives zeros.
      const T count = std::max(g.grid_h * g.grid_w, 1);
      roi_align_samples<T>(g, height, width, pooled_height, pooled_width, samples);
      pre.resize(samples.size());
      for (size_t k = 0; k < samples.size(); k++) {
        const Sample<T>& a = samples[k];
        PreCalc<T>& b = pre[k];
        if (a.pos1 < 0) {
          b.pos1 = b.pos2 = b.pos3 = b.pos4 = 0;
        } else {
          b.pos1 = static_cast<int32_t>(a.pos1);
          b.pos2 = static_cast<int32_t>(a.pos2);
          b.pos3 = static_cast<int32_t>(a.pos3);
          b.pos4 = static_cast<int32_t>(a.pos4);
        }
        b.w1 = a.w1, b.w2 = a.w2, b.w3 = a.w3, b.w4 = a.w4;
      }
      const int64_t per_bin = static_cast<int64_t>(std::max(g.grid_h, 0)) * std::max(g.grid_w, 0);
      const T* in_n = input + g.batch * channels * plane;
      T* out_n = output + n * channels * bins;
      int64_t c = 0;
      // Four channels at a time share each sampling point's positions and weights; every output element is still
      // summed in torchvision's order.
      for (; c + 4 <= channels; c += 4) {
        const T* in0 = in_n + c * plane;
        const T* in1 = in0 + plane;
        const T* in2 = in1 + plane;
        const T* in3 = in2 + plane;
        T* out0 = out_n + c * bins;
        const PreCalc<T>* pc = pre.data();
        for (int64_t b = 0; b < bins; b++) {
          T v0 = 0., v1 = 0., v2 = 0., v3 = 0.;
          for (int64_t k = 0; k < per_bin; k++, pc++) {
            const PreCalc<T> p = *pc;
            TSTORCH_ROI_ALIGN_ACC(v0, in0, p);
            TSTORCH_ROI_ALIGN_ACC(v1, in1, p);
            TSTORCH_ROI_ALIGN_ACC(v2, in2, p);
            TSTORCH_ROI_ALIGN_ACC(v3, in3, p);
          }
          v0 /= count;
          v1 /= count;
          v2 /= count;
          v3 /= count;
          out0[b] = v0;
          out0[bins + b] = v1;
          out0[2 * bins + b] = v2;
          out0[3 * bins + b] = v3;
        }
      }
      for (; c < channels; c++) {
        const T* in0 = in_n + c * plane;
        T* out0 = out_n + c * bins;
        const PreCalc<T>* pc = pre.data();
        for (int64_t b = 0; b < bins; b++) {
          T v0 = 0.;
          for (int64_t k = 0; k < per_bin; k++, pc++) {
            const PreCalc<T> p = *pc;
            TSTORCH_ROI_ALIGN_ACC(v0, in0, p);
          }
          v0 /= count;
          out0[b] = v0;
        }
      }
    }
  });
}

#undef TSTORCH_ROI_ALIGN_ACC

template <typename T>
void roi_align_backward_impl(const T* grad_output, T spatial_scale, int64_t num_rois, int64_t channels,
                             int64_t height, int64_t width, int64_t pooled_height, int64_t pooled_width,
                             int64_t sampling_ratio, bool aligned, T* grad_input, const T* rois, int64_t n_stride,
                             int64_t c_stride, int64_t h_stride, int64_t w_stride) {
  // Channels are independent (each writes its own planes of grad_input); within a channel, RoIs, bins and samples
  // add in torchvision's order, so every sum is torchvision's.
  at::parallel_for(0, channels, 1, [&](int64_t c_begin, int64_t c_end) {
    std::vector<Sample<T>> samples;
    for (int64_t n = 0; n < num_rois; n++) {
      const RoIGeometry<T> g =
          roi_align_geometry<T>(rois + n * 5, n, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned);
      const T count = g.grid_h * g.grid_w;
      roi_align_samples<T>(g, height, width, pooled_height, pooled_width, samples);
      const int64_t per_bin = static_cast<int64_t>(std::max(g.grid_h, 0)) * std::max(g.grid_w, 0);
      for (int64_t c = c_begin; c < c_end; c++) {
        T* gin = grad_input + (g.batch * channels + c) * height * width;
        const T* gout = grad_output + n * n_stride + c * c_stride;
        const Sample<T>* s = samples.data();
        for (int64_t ph = 0; ph < pooled_height; ph++) {
          for (int64_t pw = 0; pw < pooled_width; pw++) {
            const T grad_output_this_bin = gout[ph * h_stride + pw * w_stride];
            for (int64_t k = 0; k < per_bin; k++, s++) {
              if (s->pos1 < 0) continue;
              T g1 = grad_output_this_bin * s->w1 / count;
              T g2 = grad_output_this_bin * s->w2 / count;
              T g3 = grad_output_this_bin * s->w3 / count;
              T g4 = grad_output_this_bin * s->w4 / count;
              gin[s->pos1] += static_cast<T>(g1);
              gin[s->pos2] += static_cast<T>(g2);
              gin[s->pos3] += static_cast<T>(g3);
              gin[s->pos4] += static_cast<T>(g4);
            }
          }
        }
      }
    }
  });
}

at::Tensor roi_align_forward_kernel(const at::Tensor& input, const at::Tensor& rois, double spatial_scale,
                                   int64_t pooled_height, int64_t pooled_width, int64_t sampling_ratio, bool aligned) {
  check_feature_map("roi_align", input);
  check_rois("roi_align", rois, input);
  TORCH_CHECK(input.size(2) * input.size(3) <= INT_MAX, "roi_align: feature maps over 2^31 pixels are not supported");
  check_pooled("roi_align", pooled_height, pooled_width, spatial_scale);
  const int64_t num_rois = rois.size(0), channels = input.size(1), height = input.size(2), width = input.size(3);
  at::Tensor output = at::zeros({num_rois, channels, pooled_height, pooled_width}, input.options());
  if (output.numel() == 0) return output;
  const at::Tensor input_ = input.contiguous(), rois_ = rois.contiguous();
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(input.scalar_type(), "roi_align", [&] {
    const scalar_t* r = rois_.data_ptr<scalar_t>();
    check_roi_values<scalar_t>("roi_align", r, num_rois, input.size(0));
    check_roi_grids<scalar_t>("roi_align", r, num_rois, spatial_scale, pooled_height, pooled_width, sampling_ratio,
                              aligned);
    roi_align_forward_impl<scalar_t>(num_rois, input_.data_ptr<scalar_t>(), spatial_scale, channels, height, width,
                                     pooled_height, pooled_width, sampling_ratio, aligned, r,
                                     output.data_ptr<scalar_t>());
  });
  return output;
}

void check_grad(const char* op, const at::Tensor& grad, const at::Tensor& rois, int64_t channels,
                int64_t pooled_height, int64_t pooled_width) {
  check_cpu(op, grad, "grad");
  TORCH_CHECK(grad.dim() == 4 && grad.size(0) == rois.size(0) && grad.size(1) == channels &&
                  grad.size(2) == pooled_height && grad.size(3) == pooled_width,
              op, ": grad must have shape [", rois.size(0), ", ", channels, ", ", pooled_height, ", ", pooled_width,
              "], got ", grad.sizes());
}

void check_input_shape(const char* op, int64_t batch_size, int64_t channels, int64_t height, int64_t width) {
  TORCH_CHECK(batch_size >= 0 && channels >= 0 && height >= 0 && width >= 0, op,
              ": the input shape must be non-negative, got [", batch_size, ", ", channels, ", ", height, ", ", width, "]");
}

at::Tensor roi_align_backward_kernel(const at::Tensor& grad, const at::Tensor& rois, double spatial_scale,
                                    int64_t pooled_height, int64_t pooled_width, int64_t batch_size, int64_t channels,
                                    int64_t height, int64_t width, int64_t sampling_ratio, bool aligned) {
  const char* op = "_roi_align_backward";
  check_rois(op, rois, grad);
  check_pooled(op, pooled_height, pooled_width, spatial_scale);
  check_input_shape(op, batch_size, channels, height, width);
  check_grad(op, grad, rois, channels, pooled_height, pooled_width);
  at::Tensor grad_input = at::zeros({batch_size, channels, height, width}, grad.options());
  if (grad.numel() == 0) return grad_input;
  const at::Tensor rois_ = rois.contiguous();
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(grad.scalar_type(), "_roi_align_backward", [&] {
    const scalar_t* r = rois_.data_ptr<scalar_t>();
    check_roi_values<scalar_t>(op, r, rois.size(0), batch_size);
    check_roi_grids<scalar_t>(op, r, rois.size(0), spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned);
    roi_align_backward_impl<scalar_t>(grad.data_ptr<scalar_t>(), spatial_scale, rois.size(0), channels, height, width,
                                      pooled_height, pooled_width, sampling_ratio, aligned,
                                      grad_input.data_ptr<scalar_t>(), r, grad.stride(0), grad.stride(1),
                                      grad.stride(2), grad.stride(3));
  });
  return grad_input;
}

// ---------------------------------------------------------------------------------------------------------------
// roi_pool (torchvision/csrc/ops/cpu/roi_pool_kernel.cpp)
// ---------------------------------------------------------------------------------------------------------------

template <typename T>
void roi_pool_forward_impl(const T* input, const T spatial_scale, int64_t channels, int64_t height, int64_t width,
                           int64_t pooled_height, int64_t pooled_width, const T* rois, int64_t num_rois, T* output,
                           int* argmax_data) {
  at::parallel_for(0, num_rois, 1, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const T* offset_rois = rois + n * 5;
      int64_t roi_batch_ind = static_cast<int>(offset_rois[0]);
      int64_t roi_start_w = std::llround(static_cast<double>(offset_rois[1] * spatial_scale));
      int64_t roi_start_h = std::llround(static_cast<double>(offset_rois[2] * spatial_scale));
      int64_t roi_end_w = std::llround(static_cast<double>(offset_rois[3] * spatial_scale));
      int64_t roi_end_h = std::llround(static_cast<double>(offset_rois[4] * spatial_scale));
      // Force malformed RoIs to be 1x1.
      int64_t roi_width = std::max<int64_t>(roi_end_w - roi_start_w + 1, 1);
      int64_t roi_height = std::max<int64_t>(roi_end_h - roi_start_h + 1, 1);
      T bin_size_h = static_cast<T>(roi_height) / static_cast<T>(pooled_height);
      T bin_size_w = static_cast<T>(roi_width) / static_cast<T>(pooled_width);

      for (int64_t ph = 0; ph < pooled_height; ++ph) {
        for (int64_t pw = 0; pw < pooled_width; ++pw) {
          int64_t hstart = static_cast<int64_t>(std::floor(static_cast<T>(ph) * bin_size_h));
          int64_t wstart = static_cast<int64_t>(std::floor(static_cast<T>(pw) * bin_size_w));
          int64_t hend = static_cast<int64_t>(std::ceil(static_cast<T>(ph + 1) * bin_size_h));
          int64_t wend = static_cast<int64_t>(std::ceil(static_cast<T>(pw + 1) * bin_size_w));
          // Add RoI offsets and clip to input boundaries.
          hstart = std::min(std::max<int64_t>(hstart + roi_start_h, 0), height);
          hend = std::min(std::max<int64_t>(hend + roi_start_h, 0), height);
          wstart = std::min(std::max<int64_t>(wstart + roi_start_w, 0), width);
          wend = std::min(std::max<int64_t>(wend + roi_start_w, 0), width);
          bool is_empty = (hend <= hstart) || (wend <= wstart);

          for (int64_t c = 0; c < channels; ++c) {
            // An empty pooling region is zero; argmax -1 makes backward skip it.
            T maxval = is_empty ? 0 : -FLT_MAX;
            int maxidx = -1;
            const T* input_offset = input + (roi_batch_ind * channels + c) * height * width;
            for (int64_t h = hstart; h < hend; ++h) {
              for (int64_t w = wstart; w < wend; ++w) {
                int64_t input_index = h * width + w;
                if (input_offset[input_index] > maxval) {
                  maxval = input_offset[input_index];
                  maxidx = static_cast<int>(input_index);
                }
              }
            }
            int64_t index = ((n * channels + c) * pooled_height + ph) * pooled_width + pw;
            output[index] = maxval;
            argmax_data[index] = maxidx;
          }
        }
      }
    }
  });
}

// torchvision rounds RoI corners to ints (`int roi_start_w = round(x1 * spatial_scale)`); coordinates beyond the int
// range would overflow there.
template <typename T>
void check_roi_int_range(const char* op, const T* rois, int64_t num_rois, T spatial_scale) {
  for (int64_t n = 0; n < num_rois; n++) {
    for (int k = 1; k < 5; k++) {
      const double v = static_cast<double>(rois[n * 5 + k] * spatial_scale);
      TORCH_CHECK(std::isfinite(v) && std::fabs(v) < (1 << 30), op, ": RoI ", n, " coordinate ", k, " times ",
                  "spatial_scale (", v, ") is outside the range of pixel indices");
    }
  }
}

std::tuple<at::Tensor, at::Tensor> roi_pool_forward_kernel(const at::Tensor& input, const at::Tensor& rois,
                                                           double spatial_scale, int64_t pooled_height,
                                                           int64_t pooled_width) {
  check_feature_map("roi_pool", input);
  check_rois("roi_pool", rois, input);
  check_pooled("roi_pool", pooled_height, pooled_width, spatial_scale);
  TORCH_CHECK(input.size(2) * input.size(3) <= INT_MAX, "roi_pool: feature maps over 2^31 pixels are not supported");
  const int64_t num_rois = rois.size(0), channels = input.size(1), height = input.size(2), width = input.size(3);
  at::Tensor output = at::zeros({num_rois, channels, pooled_height, pooled_width}, input.options());
  at::Tensor argmax = at::zeros({num_rois, channels, pooled_height, pooled_width}, input.options().dtype(at::kInt));
  if (output.numel() == 0) return std::make_tuple(output, argmax);
  const at::Tensor input_ = input.contiguous(), rois_ = rois.contiguous();
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(input.scalar_type(), "roi_pool", [&] {
    const scalar_t* r = rois_.data_ptr<scalar_t>();
    check_roi_values<scalar_t>("roi_pool", r, num_rois, input.size(0));
    check_roi_int_range<scalar_t>("roi_pool", r, num_rois, spatial_scale);
    roi_pool_forward_impl<scalar_t>(input_.data_ptr<scalar_t>(), spatial_scale, channels, height, width, pooled_height,
                                    pooled_width, r, num_rois, output.data_ptr<scalar_t>(), argmax.data_ptr<int>());
  });
  return std::make_tuple(output, argmax);
}

void check_index_tensor(const char* op, const char* name, const at::Tensor& t, const at::Tensor& grad, int64_t lo,
                        int64_t hi) {
  check_cpu(op, t, name);
  TORCH_CHECK(t.scalar_type() == at::kInt, op, ": ", name, " must be int32, got ", t.scalar_type());
  TORCH_CHECK(t.sizes() == grad.sizes(), op, ": ", name, " must have the shape of grad ", grad.sizes(), ", got ",
              t.sizes());
  if (t.numel() == 0) return;
  const at::Tensor c = t.contiguous();
  const int* p = c.data_ptr<int>();
  for (int64_t i = 0, n = c.numel(); i < n; i++) {
    TORCH_CHECK(p[i] >= lo && p[i] < hi, op, ": ", name, " entry ", i, " is ", p[i], ", outside [", lo, ", ", hi, ")");
  }
}

at::Tensor roi_pool_backward_kernel(const at::Tensor& grad, const at::Tensor& rois, const at::Tensor& argmax,
                                   double spatial_scale, int64_t pooled_height, int64_t pooled_width,
                                   int64_t batch_size, int64_t channels, int64_t height, int64_t width) {
  const char* op = "_roi_pool_backward";
  check_rois(op, rois, grad);
  check_pooled(op, pooled_height, pooled_width, spatial_scale);
  check_input_shape(op, batch_size, channels, height, width);
  check_grad(op, grad, rois, channels, pooled_height, pooled_width);
  check_index_tensor(op, "argmax", argmax, grad, -1, height * width);
  const int64_t num_rois = rois.size(0);
  at::Tensor grad_input = at::zeros({batch_size, channels, height, width}, grad.options());
  if (grad.numel() == 0) return grad_input;
  const int64_t n_stride = grad.stride(0), c_stride = grad.stride(1), h_stride = grad.stride(2),
                w_stride = grad.stride(3);
  const at::Tensor rois_ = rois.contiguous(), argmax_ = argmax.contiguous();
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(grad.scalar_type(), "_roi_pool_backward", [&] {
    const scalar_t* r = rois_.data_ptr<scalar_t>();
    check_roi_values<scalar_t>(op, r, num_rois, batch_size);
    const scalar_t* grad_output = grad.data_ptr<scalar_t>();
    const int* argmax_data = argmax_.data_ptr<int>();
    scalar_t* gin = grad_input.data_ptr<scalar_t>();
    // Channels write disjoint planes; within a channel the RoIs add in torchvision's order.
    at::parallel_for(0, channels, 1, [&](int64_t c_begin, int64_t c_end) {
      for (int64_t n = 0; n < num_rois; ++n) {
        const int64_t roi_batch_ind = static_cast<int>(r[n * 5]);
        for (int64_t c = c_begin; c < c_end; ++c) {
          scalar_t* grad_input_offset = gin + (roi_batch_ind * channels + c) * height * width;
          const int* argmax_data_offset = argmax_data + (n * channels + c) * pooled_height * pooled_width;
          const int64_t output_offset = n * n_stride + c * c_stride;
          for (int64_t ph = 0; ph < pooled_height; ++ph) {
            for (int64_t pw = 0; pw < pooled_width; ++pw) {
              const int argmax_v = argmax_data_offset[ph * pooled_width + pw];
              if (argmax_v != -1) {
                grad_input_offset[argmax_v] += static_cast<scalar_t>(grad_output[output_offset + ph * h_stride + pw * w_stride]);
              }
            }
          }
        }
      }
    });
  });
  return grad_input;
}

// ---------------------------------------------------------------------------------------------------------------
// ps_roi_align (torchvision/csrc/ops/cpu/ps_roi_align_kernel.cpp): position-sensitive RoIAlign, each output bin
// reads its own input channel.
// ---------------------------------------------------------------------------------------------------------------

template <typename T>
T ps_bilinear_interpolate(const T* input, int64_t height, int64_t width, T y, T x) {
  const Sample<T> s = bilinear_sample<T>(height, width, y, x);
  if (s.pos1 < 0) return 0;
  T v1 = input[s.pos1];
  T v2 = input[s.pos2];
  T v3 = input[s.pos3];
  T v4 = input[s.pos4];
  T val = (s.w1 * v1 + s.w2 * v2 + s.w3 * v3 + s.w4 * v4);
  return val;
}

template <typename T>
struct PsRoI {
  int64_t batch;
  T start_h, start_w, roi_h, roi_w, bin_h, bin_w;
  int grid_h, grid_w;
};

template <typename T>
PsRoI<T> ps_roi_align_geometry(const T* offset_rois, int64_t n, T spatial_scale, int64_t pooled_height,
                               int64_t pooled_width, int64_t sampling_ratio) {
  PsRoI<T> g;
  g.batch = static_cast<int>(offset_rois[0]);
  // Do not use rounding; this implementation detail is critical (torchvision).
  g.start_w = offset_rois[1] * spatial_scale - static_cast<T>(0.5);
  g.start_h = offset_rois[2] * spatial_scale - static_cast<T>(0.5);
  T roi_end_w = offset_rois[3] * spatial_scale - static_cast<T>(0.5);
  T roi_end_h = offset_rois[4] * spatial_scale - static_cast<T>(0.5);
  g.roi_w = roi_end_w - g.start_w;
  g.roi_h = roi_end_h - g.start_h;
  g.bin_h = static_cast<T>(g.roi_h) / static_cast<T>(pooled_height);
  g.bin_w = static_cast<T>(g.roi_w) / static_cast<T>(pooled_width);
  g.grid_h = sampling_grid<T>("ps_roi_align", n, sampling_ratio, g.roi_h, pooled_height);
  g.grid_w = sampling_grid<T>("ps_roi_align", n, sampling_ratio, g.roi_w, pooled_width);
  return g;
}

template <typename T>
void ps_roi_align_forward_impl(int64_t num_rois, const T* input, const T spatial_scale, int64_t channels,
                               int64_t height, int64_t width, int64_t pooled_height, int64_t pooled_width,
                               int64_t sampling_ratio, const T* rois, int64_t channels_out, T* output,
                               int* channel_mapping) {
  at::parallel_for(0, num_rois, 1, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; n++) {
      const PsRoI<T> g = ps_roi_align_geometry<T>(rois + n * 5, n, spatial_scale, pooled_height, pooled_width,
                                                  sampling_ratio);
      int64_t c_in = 0;
      for (int64_t c_out = 0; c_out < channels_out; ++c_out) {
        for (int64_t ph = 0; ph < pooled_height; ++ph) {
          for (int64_t pw = 0; pw < pooled_width; ++pw) {
            int64_t index = ((n * channels_out + c_out) * pooled_height + ph) * pooled_width + pw;
            // Do not use floor/ceil; this implementation detail is critical (torchvision).
            T hstart = static_cast<T>(ph) * g.bin_h + g.start_h;
            T wstart = static_cast<T>(pw) * g.bin_w + g.start_w;
            const T count = g.grid_h * g.grid_w;
            const T* offset_input = input + (g.batch * channels + c_in) * height * width;
            T out_sum = 0;
            for (int iy = 0; iy < g.grid_h; iy++) {
              const T y = hstart + static_cast<T>(iy + .5f) * g.bin_h / static_cast<T>(g.grid_h);
              for (int ix = 0; ix < g.grid_w; ix++) {
                const T x = wstart + static_cast<T>(ix + .5f) * g.bin_w / static_cast<T>(g.grid_w);
                T val = ps_bilinear_interpolate<T>(offset_input, height, width, y, x);
                out_sum += val;
              }
            }
            out_sum /= count;
            output[index] = out_sum;
            channel_mapping[index] = static_cast<int>(c_in);
            c_in++;
          }
        }
      }
    }
  });
}

template <typename T>
void check_ps_grids(const char* op, const T* rois, int64_t num_rois, T spatial_scale, int64_t pooled_height,
                    int64_t pooled_width, int64_t sampling_ratio) {
  for (int64_t n = 0; n < num_rois; n++) {
    const PsRoI<T> g = ps_roi_align_geometry<T>(rois + n * 5, n, spatial_scale, pooled_height, pooled_width,
                                                sampling_ratio);
    (void)g;  // sampling_grid has checked the grid
  }
}

std::tuple<at::Tensor, at::Tensor> ps_roi_align_forward_kernel(const at::Tensor& input, const at::Tensor& rois,
                                                               double spatial_scale, int64_t pooled_height,
                                                               int64_t pooled_width, int64_t sampling_ratio) {
  check_feature_map("ps_roi_align", input);
  check_rois("ps_roi_align", rois, input);
  check_pooled("ps_roi_align", pooled_height, pooled_width, spatial_scale);
  const int64_t num_rois = rois.size(0), channels = input.size(1), height = input.size(2), width = input.size(3);
  TORCH_CHECK(channels % (pooled_height * pooled_width) == 0,
              "ps_roi_align: input channels must be a multiple of pooling height * pooling width, got ", channels,
              " channels for output size (", pooled_height, ", ", pooled_width, ")");
  const int64_t channels_out = channels / (pooled_height * pooled_width);
  at::Tensor output = at::zeros({num_rois, channels_out, pooled_height, pooled_width}, input.options());
  at::Tensor channel_mapping =
      at::zeros({num_rois, channels_out, pooled_height, pooled_width}, input.options().dtype(at::kInt));
  if (output.numel() == 0) return std::make_tuple(output, channel_mapping);
  const at::Tensor input_ = input.contiguous(), rois_ = rois.contiguous();
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(input.scalar_type(), "ps_roi_align", [&] {
    const scalar_t* r = rois_.data_ptr<scalar_t>();
    check_roi_values<scalar_t>("ps_roi_align", r, num_rois, input.size(0));
    check_ps_grids<scalar_t>("ps_roi_align", r, num_rois, spatial_scale, pooled_height, pooled_width, sampling_ratio);
    ps_roi_align_forward_impl<scalar_t>(num_rois, input_.data_ptr<scalar_t>(), spatial_scale, channels, height, width,
                                        pooled_height, pooled_width, sampling_ratio, r, channels_out,
                                        output.data_ptr<scalar_t>(), channel_mapping.data_ptr<int>());
  });
  return std::make_tuple(output, channel_mapping);
}

at::Tensor ps_roi_align_backward_kernel(const at::Tensor& grad, const at::Tensor& rois,
                                       const at::Tensor& channel_mapping, double spatial_scale, int64_t pooled_height,
                                       int64_t pooled_width, int64_t sampling_ratio, int64_t batch_size,
                                       int64_t channels, int64_t height, int64_t width) {
  const char* op = "_ps_roi_align_backward";
  check_rois(op, rois, grad);
  check_pooled(op, pooled_height, pooled_width, spatial_scale);
  check_input_shape(op, batch_size, channels, height, width);
  const int64_t channels_out = channels / (pooled_height * pooled_width);
  check_grad(op, grad, rois, channels_out, pooled_height, pooled_width);
  check_index_tensor(op, "channel_mapping", channel_mapping, grad, 0, channels);
  at::Tensor grad_input = at::zeros({batch_size, channels, height, width}, grad.options());
  if (grad.numel() == 0) return grad_input;
  const at::Tensor grad_ = grad.contiguous(), rois_ = rois.contiguous(), mapping_ = channel_mapping.contiguous();
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(grad.scalar_type(), "_ps_roi_align_backward", [&] {
    using T = scalar_t;
    const T* r = rois_.data_ptr<T>();
    check_roi_values<T>(op, r, rois.size(0), batch_size);
    check_ps_grids<T>(op, r, rois.size(0), spatial_scale, pooled_height, pooled_width, sampling_ratio);
    const T* grad_output = grad_.data_ptr<T>();
    const int* mapping = mapping_.data_ptr<int>();
    T* gin = grad_input.data_ptr<T>();
    const T scale = spatial_scale;
    // One output element after another, in torchvision's order: several RoIs may add to the same input pixel.
    const int64_t nthreads = grad.numel();
    for (int64_t index = 0; index < nthreads; index++) {
      int64_t pw = index % pooled_width;
      int64_t ph = (index / pooled_width) % pooled_height;
      int64_t n = index / pooled_width / pooled_height / channels_out;
      const PsRoI<T> g = ps_roi_align_geometry<T>(r + n * 5, n, scale, pooled_height, pooled_width, sampling_ratio);
      int64_t c_in = mapping[index];
      T* grad_input_offset = gin + (g.batch * channels + c_in) * height * width;
      // Do not use floor/ceil; this implementation detail is critical (torchvision).
      T hstart = static_cast<T>(ph) * g.bin_h + g.start_h;
      T wstart = static_cast<T>(pw) * g.bin_w + g.start_w;
      const T grad_output_this_bin = grad_output[index];
      const T count = g.grid_h * g.grid_w;
      for (int iy = 0; iy < g.grid_h; iy++) {
        const T y = hstart + static_cast<T>(iy + .5f) * g.bin_h / static_cast<T>(g.grid_h);
        for (int ix = 0; ix < g.grid_w; ix++) {
          const T x = wstart + static_cast<T>(ix + .5f) * g.bin_w / static_cast<T>(g.grid_w);
          const Sample<T> s = bilinear_sample<T>(height, width, y, x);
          if (s.pos1 < 0) continue;
          T g1 = grad_output_this_bin * s.w1 / count;
          T g2 = grad_output_this_bin * s.w2 / count;
          T g3 = grad_output_this_bin * s.w3 / count;
          T g4 = grad_output_this_bin * s.w4 / count;
          grad_input_offset[s.pos1] += g1;
          grad_input_offset[s.pos2] += g2;
          grad_input_offset[s.pos3] += g3;
          grad_input_offset[s.pos4] += g4;
        }
      }
    }
  });
  return grad_input;
}

// ---------------------------------------------------------------------------------------------------------------
// ps_roi_pool (torchvision/csrc/ops/cpu/ps_roi_pool_kernel.cpp). torchvision's forward clips bins to height - 1 and
// width - 1 while its backward clips to height and width; both are kept, since both define torchvision's numbers.
// ---------------------------------------------------------------------------------------------------------------

struct PsPoolRoI {
  int64_t batch, start_w, start_h, width, height;
};

template <typename T>
PsPoolRoI ps_roi_pool_geometry(const T* offset_rois, T spatial_scale) {
  PsPoolRoI g;
  g.batch = static_cast<int>(offset_rois[0]);
  g.start_w = std::llround(static_cast<double>(offset_rois[1] * spatial_scale));
  g.start_h = std::llround(static_cast<double>(offset_rois[2] * spatial_scale));
  int64_t roi_end_w = std::llround(static_cast<double>(offset_rois[3] * spatial_scale));
  int64_t roi_end_h = std::llround(static_cast<double>(offset_rois[4] * spatial_scale));
  // Force too small RoIs to be 1x1.
  g.width = std::max<int64_t>(roi_end_w - g.start_w, 1);
  g.height = std::max<int64_t>(roi_end_h - g.start_h, 1);
  return g;
}

std::tuple<at::Tensor, at::Tensor> ps_roi_pool_forward_kernel(const at::Tensor& input, const at::Tensor& rois,
                                                              double spatial_scale, int64_t pooled_height,
                                                              int64_t pooled_width) {
  check_feature_map("ps_roi_pool", input);
  check_rois("ps_roi_pool", rois, input);
  check_pooled("ps_roi_pool", pooled_height, pooled_width, spatial_scale);
  const int64_t num_rois = rois.size(0), channels = input.size(1), height = input.size(2), width = input.size(3);
  TORCH_CHECK(channels % (pooled_height * pooled_width) == 0,
              "ps_roi_pool: input channels must be a multiple of pooling height * pooling width, got ", channels,
              " channels for output size (", pooled_height, ", ", pooled_width, ")");
  const int64_t channels_out = channels / (pooled_height * pooled_width);
  at::Tensor output = at::zeros({num_rois, channels_out, pooled_height, pooled_width}, input.options());
  at::Tensor channel_mapping =
      at::zeros({num_rois, channels_out, pooled_height, pooled_width}, input.options().dtype(at::kInt));
  if (output.numel() == 0) return std::make_tuple(output, channel_mapping);
  const at::Tensor input_ = input.contiguous(), rois_ = rois.contiguous();
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(input.scalar_type(), "ps_roi_pool", [&] {
    using T = scalar_t;
    const T* r = rois_.data_ptr<T>();
    check_roi_values<T>("ps_roi_pool", r, num_rois, input.size(0));
    check_roi_int_range<T>("ps_roi_pool", r, num_rois, spatial_scale);
    const T* in = input_.data_ptr<T>();
    T* out = output.data_ptr<T>();
    int* mapping = channel_mapping.data_ptr<int>();
    const T scale = spatial_scale;
    at::parallel_for(0, num_rois, 1, [&](int64_t begin, int64_t end) {
      for (int64_t n = begin; n < end; ++n) {
        const PsPoolRoI g = ps_roi_pool_geometry<T>(r + n * 5, scale);
        T bin_size_h = static_cast<T>(g.height) / static_cast<T>(pooled_height);
        T bin_size_w = static_cast<T>(g.width) / static_cast<T>(pooled_width);
        int64_t c_in = 0;
        for (int64_t c_out = 0; c_out < channels_out; ++c_out) {
          for (int64_t ph = 0; ph < pooled_height; ++ph) {
            for (int64_t pw = 0; pw < pooled_width; ++pw) {
              int64_t hstart = static_cast<int64_t>(std::floor(static_cast<T>(ph) * bin_size_h));
              int64_t wstart = static_cast<int64_t>(std::floor(static_cast<T>(pw) * bin_size_w));
              int64_t hend = static_cast<int64_t>(std::ceil(static_cast<T>(ph + 1) * bin_size_h));
              int64_t wend = static_cast<int64_t>(std::ceil(static_cast<T>(pw + 1) * bin_size_w));
              // Add RoI offsets and clip to input boundaries.
              hstart = std::min(std::max<int64_t>(hstart + g.start_h, 0), height - 1);
              hend = std::min(std::max<int64_t>(hend + g.start_h, 0), height - 1);
              wstart = std::min(std::max<int64_t>(wstart + g.start_w, 0), width - 1);
              wend = std::min(std::max<int64_t>(wend + g.start_w, 0), width - 1);
              bool is_empty = (hend <= hstart) || (wend <= wstart);
              const T* offset_input = in + (g.batch * channels + c_in) * height * width;
              T out_sum = 0;
              for (int64_t h = hstart; h < hend; ++h) {
                for (int64_t w = wstart; w < wend; ++w) {
                  out_sum += offset_input[h * width + w];
                }
              }
              int64_t index = ((n * channels_out + c_out) * pooled_height + ph) * pooled_width + pw;
              T bin_area = (hend - hstart) * (wend - wstart);
              out[index] = is_empty ? static_cast<T>(0) : out_sum / bin_area;
              mapping[index] = static_cast<int>(c_in);
              c_in++;
            }
          }
        }
      }
    });
  });
  return std::make_tuple(output, channel_mapping);
}

at::Tensor ps_roi_pool_backward_kernel(const at::Tensor& grad, const at::Tensor& rois,
                                      const at::Tensor& channel_mapping, double spatial_scale, int64_t pooled_height,
                                      int64_t pooled_width, int64_t batch_size, int64_t channels, int64_t height,
                                      int64_t width) {
  const char* op = "_ps_roi_pool_backward";
  check_rois(op, rois, grad);
  check_pooled(op, pooled_height, pooled_width, spatial_scale);
  check_input_shape(op, batch_size, channels, height, width);
  const int64_t channels_out = channels / (pooled_height * pooled_width);
  check_grad(op, grad, rois, channels_out, pooled_height, pooled_width);
  check_index_tensor(op, "channel_mapping", channel_mapping, grad, 0, channels);
  const int64_t num_rois = rois.size(0);
  at::Tensor grad_input = at::zeros({batch_size, channels, height, width}, grad.options());
  if (grad.numel() == 0) return grad_input;
  const at::Tensor grad_ = grad.contiguous(), rois_ = rois.contiguous(), mapping_ = channel_mapping.contiguous();
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(grad.scalar_type(), "_ps_roi_pool_backward", [&] {
    using T = scalar_t;
    const T* r = rois_.data_ptr<T>();
    check_roi_values<T>(op, r, num_rois, batch_size);
    check_roi_int_range<T>(op, r, num_rois, spatial_scale);
    const T* grad_output = grad_.data_ptr<T>();
    const int* mapping = mapping_.data_ptr<int>();
    T* gin = grad_input.data_ptr<T>();
    const T scale = spatial_scale;
    for (int64_t n = 0; n < num_rois; ++n) {
      // torchvision's backward rounds with roundf; for float and double RoIs that is the same integer as round.
      const PsPoolRoI g = ps_roi_pool_geometry<T>(r + n * 5, scale);
      T bin_size_h = static_cast<T>(g.height) / static_cast<T>(pooled_height);
      T bin_size_w = static_cast<T>(g.width) / static_cast<T>(pooled_width);
      for (int64_t ph = 0; ph < pooled_height; ++ph) {
        for (int64_t pw = 0; pw < pooled_width; ++pw) {
          int64_t hstart = static_cast<int64_t>(std::floor(static_cast<T>(ph) * bin_size_h));
          int64_t wstart = static_cast<int64_t>(std::floor(static_cast<T>(pw) * bin_size_w));
          int64_t hend = static_cast<int64_t>(std::ceil(static_cast<T>(ph + 1) * bin_size_h));
          int64_t wend = static_cast<int64_t>(std::ceil(static_cast<T>(pw + 1) * bin_size_w));
          // Add RoI offsets and clip to input boundaries.
          hstart = std::min(std::max<int64_t>(hstart + g.start_h, 0), height);
          hend = std::min(std::max<int64_t>(hend + g.start_h, 0), height);
          wstart = std::min(std::max<int64_t>(wstart + g.start_w, 0), width);
          wend = std::min(std::max<int64_t>(wend + g.start_w, 0), width);
          bool is_empty = (hend <= hstart) || (wend <= wstart);
          for (int64_t c_out = 0; c_out < channels_out; ++c_out) {
            int64_t index = ((n * channels_out + c_out) * pooled_height + ph) * pooled_width + pw;
            int64_t c_in = mapping[index];
            T* grad_input_offset = gin + (g.batch * channels + c_in) * height * width;
            T bin_area = (hend - hstart) * (wend - wstart);
            T diff_val = is_empty ? static_cast<T>(0) : grad_output[index] / bin_area;
            for (int64_t h = hstart; h < hend; ++h) {
              for (int64_t w = wstart; w < wend; ++w) {
                grad_input_offset[h * width + w] += diff_val;
              }
            }
          }
        }
      }
    }
  });
  return grad_input;
}

// ---------------------------------------------------------------------------------------------------------------
// deform_conv2d (torchvision/csrc/ops/cpu/deform_conv2d_kernel.cpp): deformable convolution v1/v2 as
// im2col at offset sampling points (times the mask in v2), then a matrix product per weight group.
// ---------------------------------------------------------------------------------------------------------------

const int kMaxParallelImgs = 32;

template <typename scalar_t>
scalar_t deform_bilinear_interpolate(const scalar_t* in, int64_t height, int64_t width, scalar_t h, scalar_t w) {
  // A NaN offset gives a NaN sample (torchvision's integer casts of NaN read outside the input).
  if (std::isnan(static_cast<double>(h)) || std::isnan(static_cast<double>(w))) return h + w;
  if (h <= -1 || height <= h || w <= -1 || width <= w) {
    return 0;
  }
  int64_t h_low = static_cast<int64_t>(std::floor(static_cast<double>(h)));
  int64_t w_low = static_cast<int64_t>(std::floor(static_cast<double>(w)));
  int64_t h_high = h_low + 1;
  int64_t w_high = w_low + 1;
  scalar_t lh = h - h_low;
  scalar_t lw = w - w_low;
  scalar_t hh = 1 - lh, hw = 1 - lw;
  scalar_t v1 = 0;
  if (h_low >= 0 && w_low >= 0) v1 = in[h_low * width + w_low];
  scalar_t v2 = 0;
  if (h_low >= 0 && w_high <= width - 1) v2 = in[h_low * width + w_high];
  scalar_t v3 = 0;
  if (h_high <= height - 1 && w_low >= 0) v3 = in[h_high * width + w_low];
  scalar_t v4 = 0;
  if (h_high <= height - 1 && w_high <= width - 1) v4 = in[h_high * width + w_high];
  scalar_t w1 = hh * hw, w2 = hh * lw, w3 = lh * hw, w4 = lh * lw;
  scalar_t val = (w1 * v1 + w2 * v2 + w3 * v3 + w4 * v4);
  return val;
}

struct DeformGeometry {
  int64_t height, width, weight_h, weight_w, pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w, out_h, out_w;
  int64_t n_offset_grps;
  bool use_mask;
};

// columns[(c * kh * kw + i * kw + j), (b * out_h + y) * out_w + x] = mask * input sampled at the offset point.
template <typename scalar_t>
void deformable_im2col_kernel(const DeformGeometry& G, const scalar_t* input, const scalar_t* offset,
                              const scalar_t* mask, int64_t batch_sz, int64_t n_in_channels, scalar_t* columns) {
  const int64_t out_h = G.out_h, out_w = G.out_w, weight_h = G.weight_h, weight_w = G.weight_w;
  const int64_t n = n_in_channels * out_h * out_w * batch_sz;
  // Every index writes its own column entries.
  at::parallel_for(0, n, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t index = begin; index < end; ++index) {
      const int64_t out_x = index % out_w;
      const int64_t out_y = (index / out_w) % out_h;
      const int64_t out_b = (index / (out_w * out_h)) % batch_sz;
      const int64_t in_c = index / (out_w * out_h * batch_sz);
      const int64_t out_c = in_c * weight_h * weight_w;
      int64_t c_per_offset_grp = n_in_channels / G.n_offset_grps;
      const int64_t grp_idx = in_c / c_per_offset_grp;
      auto columns_ptr = columns + (out_c * (batch_sz * out_h * out_w) + out_b * (out_h * out_w) + out_y * out_w + out_x);
      auto input_ptr = input + (out_b * (n_in_channels * G.height * G.width) + in_c * (G.height * G.width));
      auto offset_ptr = offset + (out_b * G.n_offset_grps + grp_idx) * 2 * weight_h * weight_w * out_h * out_w;
      auto mask_ptr = mask;
      if (G.use_mask) mask_ptr += (out_b * G.n_offset_grps + grp_idx) * weight_h * weight_w * out_h * out_w;
      for (int64_t i = 0; i < weight_h; ++i) {
        for (int64_t j = 0; j < weight_w; ++j) {
          const int64_t mask_idx = i * weight_w + j;
          const int64_t offset_idx = 2 * mask_idx;
          scalar_t mask_value = 1;
          if (G.use_mask) mask_value = mask_ptr[mask_idx * (out_h * out_w) + out_y * out_w + out_x];
          const scalar_t offset_h = offset_ptr[offset_idx * (out_h * out_w) + out_y * out_w + out_x];
          const scalar_t offset_w = offset_ptr[(offset_idx + 1) * (out_h * out_w) + out_y * out_w + out_x];
          const scalar_t y = (out_y * G.stride_h - G.pad_h) + i * G.dilation_h + offset_h;
          const scalar_t x = (out_x * G.stride_w - G.pad_w) + j * G.dilation_w + offset_w;
          *columns_ptr = mask_value * deform_bilinear_interpolate(input_ptr, G.height, G.width, y, x);
          columns_ptr += batch_sz * out_h * out_w;
        }
      }
    }
  });
}

void deformable_im2col(const DeformGeometry& G, const at::Tensor& input, const at::Tensor& data_offset,
                       const at::Tensor& data_mask, int64_t n_in_channels, int64_t parallel_imgs, at::Tensor data_col) {
  AT_DISPATCH_FLOATING_TYPES_AND_HALF(input.scalar_type(), "deformable_im2col", ([&] {
    deformable_im2col_kernel<scalar_t>(G, input.data_ptr<scalar_t>(), data_offset.data_ptr<scalar_t>(),
                                       data_mask.data_ptr<scalar_t>(), parallel_imgs, n_in_channels,
                                       data_col.data_ptr<scalar_t>());
  }));
}

// The largest divisor of n not above bound (torchvision 0.14): images are processed in blocks of that many.
int64_t get_greatest_divisor_below_bound(int64_t n, int64_t bound) {
  for (int64_t k = bound; k > 1; --k) {
    if (n % k == 0) return k;
  }
  return 1;
}

// Gradient of the input: every column entry adds its bilinear weights to up to four input pixels (serial: entries
// of different columns hit the same pixel).
template <typename scalar_t>
void deformable_col2im_kernel(const DeformGeometry& G, const scalar_t* col, const scalar_t* offset,
                              const scalar_t* mask, int64_t channels, int64_t batch_sz, scalar_t* grad_im) {
  const int64_t out_h = G.out_h, out_w = G.out_w, kernel_h = G.weight_h, kernel_w = G.weight_w;
  const int64_t height = G.height, width = G.width;
  const int64_t n = channels * kernel_h * kernel_w * out_h * out_w * batch_sz;
  for (int64_t index = 0; index != n; ++index) {
    const int64_t out_x = index % out_w;
    const int64_t out_y = (index / out_w) % out_h;
    const int64_t b = (index / (out_w * out_h)) % batch_sz;
    const int64_t j = (index / (out_w * out_h * batch_sz)) % kernel_w;
    const int64_t i = (index / (out_w * out_h * batch_sz * kernel_w)) % kernel_h;
    const int64_t c = index / (out_w * out_h * batch_sz * kernel_w * kernel_h);
    int64_t c_per_offset_grp = channels / G.n_offset_grps;
    const int64_t offset_grp = c / c_per_offset_grp;
    auto offset_ptr = offset + (b * G.n_offset_grps + offset_grp) * 2 * kernel_h * kernel_w * out_h * out_w;
    auto mask_ptr = mask;
    if (G.use_mask) mask_ptr += (b * G.n_offset_grps + offset_grp) * kernel_h * kernel_w * out_h * out_w;
    const int64_t mask_idx = i * kernel_w + j;
    const int64_t offset_idx = 2 * mask_idx;
    const int64_t offset_h_ptr = ((offset_idx)*out_h + out_y) * out_w + out_x;
    const int64_t offset_w_ptr = ((offset_idx + 1) * out_h + out_y) * out_w + out_x;
    const scalar_t offset_h = offset_ptr[offset_h_ptr];
    const scalar_t offset_w = offset_ptr[offset_w_ptr];
    scalar_t mask_value = 1;
    if (G.use_mask) mask_value = mask_ptr[(mask_idx * out_h + out_y) * out_w + out_x];
    const scalar_t y = (out_y * G.stride_h - G.pad_h) + i * G.dilation_h + offset_h;
    const scalar_t x = (out_x * G.stride_w - G.pad_w) + j * G.dilation_w + offset_w;
    // Far or NaN points touch no pixel (torchvision's int casts of such values are undefined).
    if (!(y > -2 && y < height + 1 && x > -2 && x < width + 1)) continue;
    for (int dy = -1; dy <= 1; dy++) {
      for (int dx = -1; dx <= 1; dx++) {
        int64_t yp = static_cast<int64_t>(static_cast<int>(y)) + dy;
        int64_t xp = static_cast<int64_t>(static_cast<int>(x)) + dx;
        if (0 <= yp && yp < height && 0 <= xp && xp < width && std::abs(y - yp) < 1 && std::abs(x - xp) < 1) {
          int64_t grad_pos = ((b * channels + c) * height + yp) * width + xp;
          scalar_t weight = (1 - std::abs(y - yp)) * (1 - std::abs(x - xp));
          grad_im[grad_pos] += mask_value * weight * col[index];
        }
      }
    }
  }
}

template <typename scalar_t>
scalar_t get_coordinate_weight(const scalar_t* im_data, int64_t height, int64_t width, scalar_t y, scalar_t x,
                               bool is_y_direction) {
  if (!(y > -2 && y < height + 1 && x > -2 && x < width + 1)) {
    // No pixel in reach: every value below would be zero (NaN stays NaN, as torchvision's arithmetic would give).
    return std::isnan(static_cast<double>(y)) || std::isnan(static_cast<double>(x)) ? static_cast<scalar_t>(y + x) : static_cast<scalar_t>(0);
  }
  int64_t y_l = static_cast<int64_t>(std::floor(static_cast<double>(y)));
  int64_t x_l = static_cast<int64_t>(std::floor(static_cast<double>(x)));
  int64_t y_h = y_l + 1;
  int64_t x_h = x_l + 1;
  bool valid_y_l = 0 <= y_l && y_l < height;
  bool valid_y_h = 0 <= y_h && y_h < height;
  bool valid_x_l = 0 <= x_l && x_l < width;
  bool valid_x_h = 0 <= x_h && x_h < width;
  scalar_t zero = 0;
  scalar_t v_yx = (valid_y_l && valid_x_l) ? im_data[y_l * width + x_l] : zero;
  scalar_t v_yX = (valid_y_l && valid_x_h) ? im_data[y_l * width + x_h] : zero;
  scalar_t v_Yx = (valid_y_h && valid_x_l) ? im_data[y_h * width + x_l] : zero;
  scalar_t v_YX = (valid_y_h && valid_x_h) ? im_data[y_h * width + x_h] : zero;
  if (is_y_direction) {
    scalar_t dx = x - x_l;
    return dx * (v_YX - v_yX) + (1 - dx) * (v_Yx - v_yx);
  } else {
    scalar_t dy = y - y_l;
    return dy * (v_YX - v_Yx) + (1 - dy) * (v_yX - v_yx);
  }
}

// Gradients of the offsets and the mask: each (image, offset channel, output pixel) sums over the input channels
// of its offset group; every index writes its own entries.
template <typename scalar_t>
void deformable_col2im_coord_kernel(const DeformGeometry& G, const scalar_t* col, const scalar_t* im,
                                    const scalar_t* offset, const scalar_t* mask, int64_t channels, int64_t batch_sz,
                                    scalar_t* grad_offset, scalar_t* grad_mask) {
  const int64_t out_h = G.out_h, out_w = G.out_w, weight_h = G.weight_h, weight_w = G.weight_w;
  const int64_t height = G.height, width = G.width, n_offset_grps = G.n_offset_grps;
  const int64_t offset_channels = 2 * weight_h * weight_w * n_offset_grps;
  const int64_t n = out_h * out_w * offset_channels * batch_sz;
  at::parallel_for(0, n, 256, [&](int64_t begin, int64_t end) {
    for (int64_t index = begin; index != end; ++index) {
      scalar_t grad_offset_val = 0;
      scalar_t grad_mask_val = 0;
      int64_t w = index % out_w;
      int64_t h = (index / out_w) % out_h;
      int64_t w_w = (index / (out_w * out_h * 2)) % weight_w;
      int64_t w_h = (index / (out_w * out_h * 2 * weight_w)) % weight_h;
      int64_t c = (index / (out_w * out_h)) % offset_channels;
      int64_t b = index / (out_w * out_h * offset_channels);
      const int64_t offset_grp = c / (2 * weight_h * weight_w);
      const int64_t col_step = weight_h * weight_w;
      int64_t c_per_offset_grp = channels / n_offset_grps;
      auto col_ptr = col + offset_grp * c_per_offset_grp * weight_h * weight_w * batch_sz * out_w * out_h;
      auto im_ptr = im + (b * n_offset_grps + offset_grp) * c_per_offset_grp * height * width;
      auto offset_ptr = offset + (b * n_offset_grps + offset_grp) * 2 * weight_h * weight_w * out_h * out_w;
      auto mask_ptr = mask;
      if (G.use_mask) mask_ptr += (b * n_offset_grps + offset_grp) * weight_h * weight_w * out_h * out_w;
      const int64_t offset_c = c - offset_grp * 2 * weight_h * weight_w;
      const bool is_y_direction = offset_c % 2 == 0;
      const int64_t c_bound = c_per_offset_grp * weight_h * weight_w;
      for (int64_t col_c = (offset_c / 2); col_c < c_bound; col_c += col_step) {
        const int64_t col_pos = (((col_c * batch_sz + b) * out_h) + h) * out_w + w;
        int64_t out_x = col_pos % out_w;
        int64_t out_y = (col_pos / out_w) % out_h;
        int64_t j = (col_pos / (out_w * out_h * batch_sz)) % weight_w;
        int64_t i = (col_pos / (out_w * out_h * batch_sz * weight_w)) % weight_h;
        const int64_t mask_idx = i * weight_w + j;
        const int64_t offset_h_idx = (((2 * mask_idx) * out_h + out_y) * out_w + out_x);
        const int64_t offset_w_idx = (((2 * mask_idx + 1) * out_h + out_y) * out_w + out_x);
        const scalar_t offset_h = offset_ptr[offset_h_idx];
        const scalar_t offset_w = offset_ptr[offset_w_idx];
        scalar_t mask_value = 1;
        if (G.use_mask) mask_value = mask_ptr[(mask_idx * out_h + out_y) * out_w + out_x];
        scalar_t y = (out_y * G.stride_h - G.pad_h) + i * G.dilation_h + offset_h;
        scalar_t x = (out_x * G.stride_w - G.pad_w) + j * G.dilation_w + offset_w;
        const scalar_t weight = get_coordinate_weight(im_ptr, height, width, y, x, is_y_direction);
        grad_offset_val += mask_value * weight * col_ptr[col_pos];
        if (G.use_mask && is_y_direction) {
          grad_mask_val += col_ptr[col_pos] * deform_bilinear_interpolate(im_ptr, height, width, y, x);
        }
        im_ptr += height * width;
      }
      grad_offset[index] = grad_offset_val;
      if (G.use_mask && is_y_direction) {
        const int64_t idx = ((((b * n_offset_grps + offset_grp) * weight_h + w_h) * weight_w + w_w) * out_h + h) * out_w + w;
        grad_mask[idx] = grad_mask_val;
      }
    }
  });
}

struct DeformArgs {
  int64_t stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, n_weight_grps, n_offset_grps;
  bool use_mask;
};

// torchvision's shape checks, with messages that name the argument.
DeformGeometry check_deform(const char* op, const at::Tensor& input, const at::Tensor& weight,
                            const at::Tensor& offset, const at::Tensor& mask, const at::Tensor& bias,
                            const DeformArgs& a) {
  check_cpu(op, input, "input");
  TORCH_CHECK(input.dim() == 4, op, ": input must be 4-d (N, C, H, W), got ", input.sizes());
  TORCH_CHECK(offset.dim() == 4, op, ": offset must be 4-d (N, 2 * offset_groups * kH * kW, out_H, out_W), got ",
              offset.sizes());
  TORCH_CHECK(weight.dim() == 4, op, ": weight must be 4-d (C_out, C_in / groups, kH, kW), got ", weight.sizes());
  TORCH_CHECK(!a.use_mask || mask.dim() == 4, op, ": mask must be 4-d (N, offset_groups * kH * kW, out_H, out_W), ",
              "got ", mask.sizes());
  for (const at::Tensor* t : {&weight, &offset, &mask, &bias}) {
    TORCH_CHECK(t->scalar_type() == input.scalar_type(), op, ": input, weight, offset, mask and bias must share a ",
                "dtype; got input ", input.scalar_type(), " and ", t->scalar_type());
    check_cpu(op, *t, "every argument");
  }
  DeformGeometry G;
  G.height = input.size(2);
  G.width = input.size(3);
  G.weight_h = weight.size(2);
  G.weight_w = weight.size(3);
  G.pad_h = a.pad_h;
  G.pad_w = a.pad_w;
  G.stride_h = a.stride_h;
  G.stride_w = a.stride_w;
  G.dilation_h = a.dilation_h;
  G.dilation_w = a.dilation_w;
  G.n_offset_grps = a.n_offset_grps;
  G.use_mask = a.use_mask;
  TORCH_CHECK(G.weight_h > 0 && G.weight_w > 0, op, ": weight_h: ", G.weight_h, " weight_w: ", G.weight_w);
  TORCH_CHECK(a.stride_h > 0 && a.stride_w > 0, op, ": stride_h: ", a.stride_h, " stride_w: ", a.stride_w);
  TORCH_CHECK(a.pad_h >= 0 && a.pad_w >= 0, op, ": pad_h: ", a.pad_h, " pad_w: ", a.pad_w);
  TORCH_CHECK(a.dilation_h > 0 && a.dilation_w > 0, op, ": dilation_h: ", a.dilation_h, " dilation_w: ", a.dilation_w);
  TORCH_CHECK(a.n_weight_grps > 0 && a.n_offset_grps > 0, op, ": groups (", a.n_weight_grps, ") and offset_groups (",
              a.n_offset_grps, ") must be positive");
  const int64_t ker_h = a.dilation_h * (G.weight_h - 1) + 1;
  const int64_t ker_w = a.dilation_w * (G.weight_w - 1) + 1;
  G.out_h = ((G.height + 2 * a.pad_h - ker_h) / a.stride_h) + 1;
  G.out_w = ((G.width + 2 * a.pad_w - ker_w) / a.stride_w) + 1;
  TORCH_CHECK(weight.size(1) * a.n_weight_grps == input.size(1), op, ": weight of shape ", weight.sizes(),
              " with groups=", a.n_weight_grps, " expects ", weight.size(1) * a.n_weight_grps,
              " input channels, got ", input.size(1));
  TORCH_CHECK(weight.size(0) % a.n_weight_grps == 0, op, ": out channels (", weight.size(0),
              ") must be a multiple of groups (", a.n_weight_grps, ")");
  TORCH_CHECK(offset.size(1) == a.n_offset_grps * 2 * G.weight_h * G.weight_w, op,
              ": offset.shape[1] is not valid: got: ", offset.size(1), " expected: ",
              a.n_offset_grps * 2 * G.weight_h * G.weight_w);
  TORCH_CHECK(!a.use_mask || mask.size(1) == a.n_offset_grps * G.weight_h * G.weight_w, op,
              ": mask.shape[1] is not valid: got: ", mask.size(1), " expected: ",
              a.n_offset_grps * G.weight_h * G.weight_w);
  TORCH_CHECK(input.size(1) % a.n_offset_grps == 0, op, ": input channels (", input.size(1),
              ") must be a multiple of offset_groups (", a.n_offset_grps, ")");
  TORCH_CHECK(offset.size(0) == input.size(0), op, ": invalid batch size of offset (", offset.size(0),
              ", input has ", input.size(0), ")");
  TORCH_CHECK(offset.size(2) == G.out_h && offset.size(3) == G.out_w, op, ": offset output dims: (", offset.size(2),
              ", ", offset.size(3), ") - computed output dims: (", G.out_h, ", ", G.out_w, ")");
  TORCH_CHECK(mask.dim() >= 1 && mask.size(0) == input.size(0), op, ": invalid batch size of mask (",
              mask.dim() >= 1 ? mask.size(0) : -1, ", input has ", input.size(0), ")");
  TORCH_CHECK(!a.use_mask || (mask.size(2) == G.out_h && mask.size(3) == G.out_w), op, ": mask output dims: (",
              mask.size(2), ", ", mask.size(3), ") - computed output dims: (", G.out_h, ", ", G.out_w, ")");
  TORCH_CHECK(G.out_h > 0 && G.out_w > 0, op, ": Calculated output size too small - out_h: ", G.out_h, " out_w: ",
              G.out_w);
  TORCH_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), op, ": bias must have shape [", weight.size(0),
              "], got ", bias.sizes());
  return G;
}

at::Tensor deform_conv2d_forward_kernel(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                                       const at::Tensor& mask, const at::Tensor& bias, int64_t stride_h,
                                       int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h,
                                       int64_t dilation_w, int64_t n_weight_grps, int64_t n_offset_grps,
                                       bool use_mask) {
  const DeformArgs a{stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, n_weight_grps, n_offset_grps, use_mask};
  const DeformGeometry G = check_deform("deform_conv2d", input, weight, offset, mask, bias, a);
  at::Tensor input_c = input.contiguous();
  at::Tensor offset_c = offset.contiguous();
  at::Tensor weight_c = weight.contiguous();
  at::Tensor mask_c = mask.contiguous();
  at::Tensor bias_c = bias.contiguous();
  const int64_t batch_sz = input_c.size(0), n_in_channels = input_c.size(1), in_h = G.height, in_w = G.width;
  const int64_t n_parallel_imgs = get_greatest_divisor_below_bound(batch_sz, kMaxParallelImgs);
  const int64_t out_channels = weight_c.size(0), weight_h = G.weight_h, weight_w = G.weight_w;
  const int64_t out_h = G.out_h, out_w = G.out_w;

  auto out = at::zeros({batch_sz, out_channels, out_h, out_w}, input_c.options());
  if (batch_sz == 0) return out;

  // Separate batches into blocks.
  out = out.view({batch_sz / n_parallel_imgs, n_parallel_imgs, out_channels, out_h, out_w});
  input_c = input_c.view({batch_sz / n_parallel_imgs, n_parallel_imgs, n_in_channels, in_h, in_w});
  offset_c = offset_c.view({batch_sz / n_parallel_imgs, n_parallel_imgs, n_offset_grps * 2 * weight_h * weight_w, out_h, out_w});
  if (use_mask) {
    mask_c = mask_c.view({batch_sz / n_parallel_imgs, n_parallel_imgs, n_offset_grps * weight_h * weight_w, out_h, out_w});
  }
  at::Tensor out_buf = at::zeros({batch_sz / n_parallel_imgs, out_channels, n_parallel_imgs * out_h, out_w}, out.options());
  // Separate channels into convolution groups.
  out_buf = out_buf.view({out_buf.size(0), n_weight_grps, out_buf.size(1) / n_weight_grps, out_buf.size(2), out_buf.size(3)});
  weight_c = weight_c.view({n_weight_grps, weight_c.size(0) / n_weight_grps, weight_c.size(1), weight_c.size(2), weight_c.size(3)});

  // Sample points and perform convolution.
  auto columns = at::zeros({n_in_channels * weight_h * weight_w, n_parallel_imgs * out_h * out_w}, input_c.options());
  for (int64_t b = 0; b < batch_sz / n_parallel_imgs; b++) {
    deformable_im2col(G, input_c[b], offset_c[b], mask_c[b], n_in_channels, n_parallel_imgs, columns);
    columns = columns.view({n_weight_grps, columns.size(0) / n_weight_grps, columns.size(1)});
    for (int64_t g = 0; g < n_weight_grps; g++) {
      out_buf[b][g].flatten(1).addmm_(weight_c[g].flatten(1), columns[g]);
    }
    columns = columns.view({columns.size(0) * columns.size(1), columns.size(2)});
  }
  out_buf = out_buf.view({batch_sz / n_parallel_imgs, out_channels, n_parallel_imgs, out_h, out_w});
  out_buf.transpose_(1, 2);
  out.copy_(out_buf);
  out = out.view({batch_sz, out_channels, out_h, out_w});
  return out + bias_c.view({1, out_channels, 1, 1});
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> backward_gradient_inputs(const DeformGeometry& G, at::Tensor input,
                                                                        at::Tensor weight, at::Tensor offset,
                                                                        at::Tensor mask, at::Tensor grad_out,
                                                                        int64_t n_weight_grps, int64_t n_parallel_imgs) {
  const int64_t batch_sz = input.size(0), n_in_channels = input.size(1), in_h = input.size(2), in_w = input.size(3);
  n_parallel_imgs = std::min(batch_sz, n_parallel_imgs);
  const int64_t n_out_channels = weight.size(0), weight_h = weight.size(2), weight_w = weight.size(3);
  const int64_t out_h = G.out_h, out_w = G.out_w, n_offset_grps = G.n_offset_grps;
  auto grad_input = at::zeros_like(input);
  auto grad_offset = at::zeros_like(offset);
  auto grad_mask = at::zeros_like(mask);
  if (batch_sz == 0) return std::make_tuple(grad_input, grad_offset, grad_mask);

  auto columns = at::empty({n_in_channels * weight_w * weight_h, n_parallel_imgs * out_h * out_w}, input.options());
  // Separate into blocks.
  grad_input = grad_input.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_in_channels, in_h, in_w});
  input = input.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_in_channels, in_h, in_w});
  grad_offset = grad_offset.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_offset_grps * 2 * weight_h * weight_w, out_h, out_w});
  offset = offset.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_offset_grps * 2 * weight_h * weight_w, out_h, out_w});
  if (G.use_mask) {
    grad_mask = grad_mask.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_offset_grps * weight_h * weight_w, out_h, out_w});
    mask = mask.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_offset_grps * weight_h * weight_w, out_h, out_w});
  }
  grad_out = grad_out.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_weight_grps, n_out_channels / n_weight_grps, out_h, out_w})
                 .permute({0, 2, 3, 1, 4, 5});
  weight = weight.reshape({n_weight_grps, weight.size(0) / n_weight_grps, weight.size(1), weight.size(2), weight.size(3)});
  columns = columns.view({n_weight_grps, columns.size(0) / n_weight_grps, columns.size(1)});
  for (int64_t elt = 0; elt < batch_sz / n_parallel_imgs; elt++) {
    columns.zero_();
    // Separate into weight groups.
    for (int64_t g = 0; g < n_weight_grps; g++) {
      columns[g].addmm_(weight[g].flatten(1).transpose(0, 1), grad_out[elt][g].flatten(1));
    }
    const at::Tensor input_e = input[elt], offset_e = offset[elt], mask_e = mask[elt];
    at::Tensor grad_offset_e = grad_offset[elt], grad_mask_e = grad_mask[elt], grad_input_e = grad_input[elt];
    AT_DISPATCH_FLOATING_TYPES_AND_HALF(columns.scalar_type(), "_deform_conv2d_backward", ([&] {
      deformable_col2im_coord_kernel<scalar_t>(G, columns.data_ptr<scalar_t>(), input_e.data_ptr<scalar_t>(),
                                               offset_e.data_ptr<scalar_t>(), mask_e.data_ptr<scalar_t>(),
                                               n_in_channels, n_parallel_imgs, grad_offset_e.data_ptr<scalar_t>(),
                                               grad_mask_e.data_ptr<scalar_t>());
      deformable_col2im_kernel<scalar_t>(G, columns.data_ptr<scalar_t>(), offset_e.data_ptr<scalar_t>(),
                                         mask_e.data_ptr<scalar_t>(), n_in_channels, n_parallel_imgs,
                                         grad_input_e.data_ptr<scalar_t>());
    }));
  }
  grad_input = grad_input.view({batch_sz, n_in_channels, in_h, in_w});
  grad_offset = grad_offset.view({batch_sz, n_offset_grps * 2 * weight_h * weight_w, out_h, out_w});
  if (G.use_mask) grad_mask = grad_mask.view({batch_sz, n_offset_grps * weight_h * weight_w, out_h, out_w});
  return std::make_tuple(grad_input, grad_offset, grad_mask);
}

at::Tensor backward_gradient_parameters(const DeformGeometry& G, at::Tensor input, const at::Tensor& weight,
                                        at::Tensor offset, at::Tensor mask, const at::Tensor& grad_out,
                                        int64_t n_weight_grps, int64_t n_parallel_imgs) {
  const int64_t batch_sz = input.size(0), n_in_channels = input.size(1), in_h = input.size(2), in_w = input.size(3);
  n_parallel_imgs = std::min(batch_sz, n_parallel_imgs);
  const int64_t n_out_channels = weight.size(0), weight_h = weight.size(2), weight_w = weight.size(3);
  const int64_t out_h = grad_out.size(2), out_w = grad_out.size(3), n_offset_grps = G.n_offset_grps;
  auto grad_weight = at::zeros_like(weight);
  if (batch_sz == 0) return grad_weight;
  at::Tensor grad_out_buf =
      grad_out.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_weight_grps, n_out_channels / n_weight_grps, out_h, out_w})
          .permute({0, 2, 3, 1, 4, 5})
          .contiguous();
  input = input.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_in_channels, in_h, in_w});
  offset = offset.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_offset_grps * 2 * weight_h * weight_w, out_h, out_w});
  if (G.use_mask) {
    mask = mask.reshape({batch_sz / n_parallel_imgs, n_parallel_imgs, n_offset_grps * weight_h * weight_w, out_h, out_w});
  }
  grad_weight = grad_weight.view({n_weight_grps, grad_weight.size(0) / n_weight_grps, grad_weight.size(1), grad_weight.size(2), grad_weight.size(3)});
  auto columns = at::empty({n_weight_grps, n_in_channels * weight_w * weight_h / n_weight_grps, n_parallel_imgs * out_h * out_w},
                           input.options());
  for (int64_t elt = 0; elt < batch_sz / n_parallel_imgs; elt++) {
    deformable_im2col(G, input[elt], offset[elt], mask[elt], n_in_channels, n_parallel_imgs, columns);
    for (int64_t g = 0; g < n_weight_grps; g++) {
      grad_weight[g].flatten(1).addmm_(grad_out_buf[elt][g].flatten(1), columns[g].transpose(1, 0));
    }
  }
  return grad_weight.view({grad_weight.size(0) * grad_weight.size(1), grad_weight.size(2), grad_weight.size(3), grad_weight.size(4)});
}

std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> deform_conv2d_backward_kernel(
    const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
    const at::Tensor& mask, const at::Tensor& bias, int64_t stride_h, int64_t stride_w, int64_t pad_h, int64_t pad_w,
    int64_t dilation_h, int64_t dilation_w, int64_t n_weight_grps, int64_t n_offset_grps, bool use_mask) {
  const DeformArgs a{stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, n_weight_grps, n_offset_grps, use_mask};
  const DeformGeometry G = check_deform("_deform_conv2d_backward", input, weight, offset, mask, bias, a);
  TORCH_CHECK(grad_out.dim() == 4 && grad_out.size(0) == input.size(0) && grad_out.size(1) == weight.size(0) &&
                  grad_out.size(2) == G.out_h && grad_out.size(3) == G.out_w,
              "_deform_conv2d_backward: grad must have shape [", input.size(0), ", ", weight.size(0), ", ", G.out_h,
              ", ", G.out_w, "], got ", grad_out.sizes());
  at::Tensor grad_out_c = grad_out.contiguous();
  at::Tensor input_c = input.contiguous();
  at::Tensor weight_c = weight.contiguous();
  at::Tensor offset_c = offset.contiguous();
  at::Tensor mask_c = mask.contiguous();
  at::Tensor bias_c = bias.contiguous();
  const int64_t n_parallel_imgs = get_greatest_divisor_below_bound(input_c.size(0), kMaxParallelImgs);
  auto inputs = backward_gradient_inputs(G, input_c, weight_c, offset_c, mask_c, grad_out_c, n_weight_grps, n_parallel_imgs);
  auto grad_weight = backward_gradient_parameters(G, input_c, weight_c, offset_c, mask_c, grad_out_c, n_weight_grps, n_parallel_imgs);
  auto grad_bias = at::ones_like(bias_c) * grad_out_c.sum({0, 2, 3});
  return std::make_tuple(std::get<0>(inputs), grad_weight, std::get<1>(inputs), std::get<2>(inputs), grad_bias);
}

// ---------------------------------------------------------------------------------------------------------------
// Calling the operators through the dispatcher (so that the autograd Functions reach any device's kernel)
// ---------------------------------------------------------------------------------------------------------------

c10::OperatorHandle handle(const char* name) { return c10::Dispatcher::singleton().findSchemaOrThrow(name, ""); }

at::Tensor call_roi_align(const at::Tensor& input, const at::Tensor& rois, double spatial_scale, int64_t ph, int64_t pw,
                          int64_t sampling_ratio, bool aligned) {
  static auto op = handle("torchvision::roi_align").typed<decltype(roi_align_forward_kernel)>();
  return op.call(input, rois, spatial_scale, ph, pw, sampling_ratio, aligned);
}
at::Tensor call_roi_align_backward(const at::Tensor& grad, const at::Tensor& rois, double spatial_scale, int64_t ph,
                                   int64_t pw, int64_t b, int64_t c, int64_t h, int64_t w, int64_t sampling_ratio,
                                   bool aligned) {
  static auto op = handle("torchvision::_roi_align_backward").typed<decltype(roi_align_backward_kernel)>();
  return op.call(grad, rois, spatial_scale, ph, pw, b, c, h, w, sampling_ratio, aligned);
}
std::tuple<at::Tensor, at::Tensor> call_roi_pool(const at::Tensor& input, const at::Tensor& rois, double spatial_scale,
                                                 int64_t ph, int64_t pw) {
  static auto op = handle("torchvision::roi_pool").typed<decltype(roi_pool_forward_kernel)>();
  return op.call(input, rois, spatial_scale, ph, pw);
}
at::Tensor call_roi_pool_backward(const at::Tensor& grad, const at::Tensor& rois, const at::Tensor& argmax,
                                  double spatial_scale, int64_t ph, int64_t pw, int64_t b, int64_t c, int64_t h,
                                  int64_t w) {
  static auto op = handle("torchvision::_roi_pool_backward").typed<decltype(roi_pool_backward_kernel)>();
  return op.call(grad, rois, argmax, spatial_scale, ph, pw, b, c, h, w);
}
std::tuple<at::Tensor, at::Tensor> call_ps_roi_align(const at::Tensor& input, const at::Tensor& rois,
                                                     double spatial_scale, int64_t ph, int64_t pw,
                                                     int64_t sampling_ratio) {
  static auto op = handle("torchvision::ps_roi_align").typed<decltype(ps_roi_align_forward_kernel)>();
  return op.call(input, rois, spatial_scale, ph, pw, sampling_ratio);
}
at::Tensor call_ps_roi_align_backward(const at::Tensor& grad, const at::Tensor& rois, const at::Tensor& mapping,
                                      double spatial_scale, int64_t ph, int64_t pw, int64_t sampling_ratio, int64_t b,
                                      int64_t c, int64_t h, int64_t w) {
  static auto op = handle("torchvision::_ps_roi_align_backward").typed<decltype(ps_roi_align_backward_kernel)>();
  return op.call(grad, rois, mapping, spatial_scale, ph, pw, sampling_ratio, b, c, h, w);
}
std::tuple<at::Tensor, at::Tensor> call_ps_roi_pool(const at::Tensor& input, const at::Tensor& rois,
                                                    double spatial_scale, int64_t ph, int64_t pw) {
  static auto op = handle("torchvision::ps_roi_pool").typed<decltype(ps_roi_pool_forward_kernel)>();
  return op.call(input, rois, spatial_scale, ph, pw);
}
at::Tensor call_ps_roi_pool_backward(const at::Tensor& grad, const at::Tensor& rois, const at::Tensor& mapping,
                                     double spatial_scale, int64_t ph, int64_t pw, int64_t b, int64_t c, int64_t h,
                                     int64_t w) {
  static auto op = handle("torchvision::_ps_roi_pool_backward").typed<decltype(ps_roi_pool_backward_kernel)>();
  return op.call(grad, rois, mapping, spatial_scale, ph, pw, b, c, h, w);
}
at::Tensor call_deform_conv2d(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                              const at::Tensor& mask, const at::Tensor& bias, int64_t sh, int64_t sw, int64_t ph,
                              int64_t pw, int64_t dh, int64_t dw, int64_t groups, int64_t offset_groups, bool use_mask) {
  static auto op = handle("torchvision::deform_conv2d").typed<decltype(deform_conv2d_forward_kernel)>();
  return op.call(input, weight, offset, mask, bias, sh, sw, ph, pw, dh, dw, groups, offset_groups, use_mask);
}
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> call_deform_conv2d_backward(
    const at::Tensor& grad, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
    const at::Tensor& mask, const at::Tensor& bias, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
    int64_t dw, int64_t groups, int64_t offset_groups, bool use_mask) {
  static auto op = handle("torchvision::_deform_conv2d_backward").typed<decltype(deform_conv2d_backward_kernel)>();
  return op.call(grad, input, weight, offset, mask, bias, sh, sw, ph, pw, dh, dw, groups, offset_groups, use_mask);
}

// ---------------------------------------------------------------------------------------------------------------
// Autograd (torchvision/csrc/ops/autograd/*.cpp)
// ---------------------------------------------------------------------------------------------------------------

variable_list no_double_backward(const char* op) {
  TORCH_CHECK(false, "double backwards on ", op, " not supported");
  return {};
}

class ROIAlignFunction : public torch::autograd::Function<ROIAlignFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Variable& input, const Variable& rois, double spatial_scale,
                               int64_t pooled_height, int64_t pooled_width, int64_t sampling_ratio, bool aligned) {
    ctx->saved_data["spatial_scale"] = spatial_scale;
    ctx->saved_data["pooled_height"] = pooled_height;
    ctx->saved_data["pooled_width"] = pooled_width;
    ctx->saved_data["sampling_ratio"] = sampling_ratio;
    ctx->saved_data["aligned"] = aligned;
    ctx->saved_data["input_shape"] = input.sizes();
    ctx->save_for_backward({rois});
    at::AutoDispatchBelowADInplaceOrView g;
    return {call_roi_align(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned)};
  }
  static variable_list backward(AutogradContext* ctx, const variable_list& grad_output) {
    auto rois = ctx->get_saved_variables()[0];
    auto s = ctx->saved_data["input_shape"].toIntList();
    auto grad_in = call_roi_align_backward(grad_output[0], rois, ctx->saved_data["spatial_scale"].toDouble(),
                                           ctx->saved_data["pooled_height"].toInt(),
                                           ctx->saved_data["pooled_width"].toInt(), s[0], s[1], s[2], s[3],
                                           ctx->saved_data["sampling_ratio"].toInt(),
                                           ctx->saved_data["aligned"].toBool());
    return {grad_in, Variable(), Variable(), Variable(), Variable(), Variable(), Variable()};
  }
};

class ROIAlignBackwardFunction : public torch::autograd::Function<ROIAlignBackwardFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Variable& grad, const Variable& rois, double spatial_scale,
                               int64_t ph, int64_t pw, int64_t b, int64_t c, int64_t h, int64_t w,
                               int64_t sampling_ratio, bool aligned) {
    at::AutoDispatchBelowADInplaceOrView g;
    return {call_roi_align_backward(grad, rois, spatial_scale, ph, pw, b, c, h, w, sampling_ratio, aligned)};
  }
  static variable_list backward(AutogradContext*, const variable_list&) { return no_double_backward("roi_align"); }
};

class ROIPoolFunction : public torch::autograd::Function<ROIPoolFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Variable& input, const Variable& rois, double spatial_scale,
                               int64_t pooled_height, int64_t pooled_width) {
    ctx->saved_data["spatial_scale"] = spatial_scale;
    ctx->saved_data["pooled_height"] = pooled_height;
    ctx->saved_data["pooled_width"] = pooled_width;
    ctx->saved_data["input_shape"] = input.sizes();
    at::AutoDispatchBelowADInplaceOrView g;
    auto result = call_roi_pool(input, rois, spatial_scale, pooled_height, pooled_width);
    auto output = std::get<0>(result);
    auto argmax = std::get<1>(result);
    ctx->save_for_backward({rois, argmax});
    ctx->mark_non_differentiable({argmax});
    return {output, argmax};
  }
  static variable_list backward(AutogradContext* ctx, const variable_list& grad_output) {
    auto saved = ctx->get_saved_variables();
    auto s = ctx->saved_data["input_shape"].toIntList();
    auto grad_in = call_roi_pool_backward(grad_output[0], saved[0], saved[1],
                                          ctx->saved_data["spatial_scale"].toDouble(),
                                          ctx->saved_data["pooled_height"].toInt(),
                                          ctx->saved_data["pooled_width"].toInt(), s[0], s[1], s[2], s[3]);
    return {grad_in, Variable(), Variable(), Variable(), Variable()};
  }
};

class ROIPoolBackwardFunction : public torch::autograd::Function<ROIPoolBackwardFunction> {
 public:
  static variable_list forward(AutogradContext*, const Variable& grad, const Variable& rois, const Variable& argmax,
                               double spatial_scale, int64_t ph, int64_t pw, int64_t b, int64_t c, int64_t h,
                               int64_t w) {
    at::AutoDispatchBelowADInplaceOrView g;
    return {call_roi_pool_backward(grad, rois, argmax, spatial_scale, ph, pw, b, c, h, w)};
  }
  static variable_list backward(AutogradContext*, const variable_list&) { return no_double_backward("roi_pool"); }
};

class PSRoIAlignFunction : public torch::autograd::Function<PSRoIAlignFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Variable& input, const Variable& rois, double spatial_scale,
                               int64_t pooled_height, int64_t pooled_width, int64_t sampling_ratio) {
    ctx->saved_data["spatial_scale"] = spatial_scale;
    ctx->saved_data["pooled_height"] = pooled_height;
    ctx->saved_data["pooled_width"] = pooled_width;
    ctx->saved_data["sampling_ratio"] = sampling_ratio;
    ctx->saved_data["input_shape"] = input.sizes();
    at::AutoDispatchBelowADInplaceOrView g;
    auto result = call_ps_roi_align(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio);
    auto output = std::get<0>(result);
    auto channel_mapping = std::get<1>(result);
    ctx->save_for_backward({rois, channel_mapping});
    ctx->mark_non_differentiable({channel_mapping});
    return {output, channel_mapping};
  }
  static variable_list backward(AutogradContext* ctx, const variable_list& grad_output) {
    auto saved = ctx->get_saved_variables();
    auto s = ctx->saved_data["input_shape"].toIntList();
    auto grad_in = call_ps_roi_align_backward(grad_output[0], saved[0], saved[1],
                                              ctx->saved_data["spatial_scale"].toDouble(),
                                              ctx->saved_data["pooled_height"].toInt(),
                                              ctx->saved_data["pooled_width"].toInt(),
                                              ctx->saved_data["sampling_ratio"].toInt(), s[0], s[1], s[2], s[3]);
    return {grad_in, Variable(), Variable(), Variable(), Variable(), Variable()};
  }
};

class PSRoIAlignBackwardFunction : public torch::autograd::Function<PSRoIAlignBackwardFunction> {
 public:
  static variable_list forward(AutogradContext*, const Variable& grad, const Variable& rois, const Variable& mapping,
                               double spatial_scale, int64_t ph, int64_t pw, int64_t sampling_ratio, int64_t b,
                               int64_t c, int64_t h, int64_t w) {
    at::AutoDispatchBelowADInplaceOrView g;
    return {call_ps_roi_align_backward(grad, rois, mapping, spatial_scale, ph, pw, sampling_ratio, b, c, h, w)};
  }
  static variable_list backward(AutogradContext*, const variable_list&) { return no_double_backward("ps_roi_align"); }
};

class PSRoIPoolFunction : public torch::autograd::Function<PSRoIPoolFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Variable& input, const Variable& rois, double spatial_scale,
                               int64_t pooled_height, int64_t pooled_width) {
    ctx->saved_data["spatial_scale"] = spatial_scale;
    ctx->saved_data["pooled_height"] = pooled_height;
    ctx->saved_data["pooled_width"] = pooled_width;
    ctx->saved_data["input_shape"] = input.sizes();
    at::AutoDispatchBelowADInplaceOrView g;
    auto result = call_ps_roi_pool(input, rois, spatial_scale, pooled_height, pooled_width);
    auto output = std::get<0>(result);
    auto channel_mapping = std::get<1>(result);
    ctx->save_for_backward({rois, channel_mapping});
    ctx->mark_non_differentiable({channel_mapping});
    return {output, channel_mapping};
  }
  static variable_list backward(AutogradContext* ctx, const variable_list& grad_output) {
    auto saved = ctx->get_saved_variables();
    auto s = ctx->saved_data["input_shape"].toIntList();
    auto grad_in = call_ps_roi_pool_backward(grad_output[0], saved[0], saved[1],
                                             ctx->saved_data["spatial_scale"].toDouble(),
                                             ctx->saved_data["pooled_height"].toInt(),
                                             ctx->saved_data["pooled_width"].toInt(), s[0], s[1], s[2], s[3]);
    return {grad_in, Variable(), Variable(), Variable(), Variable()};
  }
};

class PSRoIPoolBackwardFunction : public torch::autograd::Function<PSRoIPoolBackwardFunction> {
 public:
  static variable_list forward(AutogradContext*, const Variable& grad, const Variable& rois, const Variable& mapping,
                               double spatial_scale, int64_t ph, int64_t pw, int64_t b, int64_t c, int64_t h,
                               int64_t w) {
    at::AutoDispatchBelowADInplaceOrView g;
    return {call_ps_roi_pool_backward(grad, rois, mapping, spatial_scale, ph, pw, b, c, h, w)};
  }
  static variable_list backward(AutogradContext*, const variable_list&) { return no_double_backward("ps_roi_pool"); }
};

class DeformConv2dFunction : public torch::autograd::Function<DeformConv2dFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, const Variable& input, const Variable& weight,
                               const Variable& offset, const Variable& mask, const Variable& bias, int64_t stride_h,
                               int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w,
                               int64_t groups, int64_t offset_groups, bool use_mask) {
    at::AutoDispatchBelowADInplaceOrView g;
    auto output = call_deform_conv2d(input, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w, dilation_h,
                                     dilation_w, groups, offset_groups, use_mask);
    ctx->save_for_backward({input, weight, offset, mask, bias});
    ctx->saved_data["stride_h"] = stride_h;
    ctx->saved_data["stride_w"] = stride_w;
    ctx->saved_data["pad_h"] = pad_h;
    ctx->saved_data["pad_w"] = pad_w;
    ctx->saved_data["dilation_h"] = dilation_h;
    ctx->saved_data["dilation_w"] = dilation_w;
    ctx->saved_data["groups"] = groups;
    ctx->saved_data["offset_groups"] = offset_groups;
    ctx->saved_data["use_mask"] = use_mask;
    return {output};
  }
  static variable_list backward(AutogradContext* ctx, const variable_list& grad_output) {
    auto saved = ctx->get_saved_variables();
    auto d = [&](const char* k) { return ctx->saved_data[k].toInt(); };
    auto grads = call_deform_conv2d_backward(grad_output[0], saved[0], saved[1], saved[2], saved[3], saved[4],
                                             d("stride_h"), d("stride_w"), d("pad_h"), d("pad_w"), d("dilation_h"),
                                             d("dilation_w"), d("groups"), d("offset_groups"),
                                             ctx->saved_data["use_mask"].toBool());
    return {std::get<0>(grads), std::get<1>(grads), std::get<2>(grads), std::get<3>(grads), std::get<4>(grads),
            Variable(), Variable(), Variable(), Variable(), Variable(), Variable(), Variable(), Variable(), Variable()};
  }
};

class DeformConv2dBackwardFunction : public torch::autograd::Function<DeformConv2dBackwardFunction> {
 public:
  static variable_list forward(AutogradContext*, const Variable& grad, const Variable& input, const Variable& weight,
                               const Variable& offset, const Variable& mask, const Variable& bias, int64_t stride_h,
                               int64_t stride_w, int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w,
                               int64_t groups, int64_t offset_groups, bool use_mask) {
    at::AutoDispatchBelowADInplaceOrView g;
    auto r = call_deform_conv2d_backward(grad, input, weight, offset, mask, bias, stride_h, stride_w, pad_h, pad_w,
                                         dilation_h, dilation_w, groups, offset_groups, use_mask);
    return {std::get<0>(r), std::get<1>(r), std::get<2>(r), std::get<3>(r), std::get<4>(r)};
  }
  static variable_list backward(AutogradContext*, const variable_list&) { return no_double_backward("deform_conv2d"); }
};

at::Tensor roi_align_autograd(const at::Tensor& input, const at::Tensor& rois, double spatial_scale, int64_t ph,
                              int64_t pw, int64_t sampling_ratio, bool aligned) {
  return ROIAlignFunction::apply(input, rois, spatial_scale, ph, pw, sampling_ratio, aligned)[0];
}
at::Tensor roi_align_backward_autograd(const at::Tensor& grad, const at::Tensor& rois, double spatial_scale,
                                       int64_t ph, int64_t pw, int64_t b, int64_t c, int64_t h, int64_t w,
                                       int64_t sampling_ratio, bool aligned) {
  return ROIAlignBackwardFunction::apply(grad, rois, spatial_scale, ph, pw, b, c, h, w, sampling_ratio, aligned)[0];
}
std::tuple<at::Tensor, at::Tensor> roi_pool_autograd(const at::Tensor& input, const at::Tensor& rois,
                                                     double spatial_scale, int64_t ph, int64_t pw) {
  auto r = ROIPoolFunction::apply(input, rois, spatial_scale, ph, pw);
  return std::make_tuple(r[0], r[1]);
}
at::Tensor roi_pool_backward_autograd(const at::Tensor& grad, const at::Tensor& rois, const at::Tensor& argmax,
                                      double spatial_scale, int64_t ph, int64_t pw, int64_t b, int64_t c, int64_t h,
                                      int64_t w) {
  return ROIPoolBackwardFunction::apply(grad, rois, argmax, spatial_scale, ph, pw, b, c, h, w)[0];
}
std::tuple<at::Tensor, at::Tensor> ps_roi_align_autograd(const at::Tensor& input, const at::Tensor& rois,
                                                         double spatial_scale, int64_t ph, int64_t pw,
                                                         int64_t sampling_ratio) {
  auto r = PSRoIAlignFunction::apply(input, rois, spatial_scale, ph, pw, sampling_ratio);
  return std::make_tuple(r[0], r[1]);
}
at::Tensor ps_roi_align_backward_autograd(const at::Tensor& grad, const at::Tensor& rois, const at::Tensor& mapping,
                                          double spatial_scale, int64_t ph, int64_t pw, int64_t sampling_ratio,
                                          int64_t b, int64_t c, int64_t h, int64_t w) {
  return PSRoIAlignBackwardFunction::apply(grad, rois, mapping, spatial_scale, ph, pw, sampling_ratio, b, c, h, w)[0];
}
std::tuple<at::Tensor, at::Tensor> ps_roi_pool_autograd(const at::Tensor& input, const at::Tensor& rois,
                                                        double spatial_scale, int64_t ph, int64_t pw) {
  auto r = PSRoIPoolFunction::apply(input, rois, spatial_scale, ph, pw);
  return std::make_tuple(r[0], r[1]);
}
at::Tensor ps_roi_pool_backward_autograd(const at::Tensor& grad, const at::Tensor& rois, const at::Tensor& mapping,
                                         double spatial_scale, int64_t ph, int64_t pw, int64_t b, int64_t c,
                                         int64_t h, int64_t w) {
  return PSRoIPoolBackwardFunction::apply(grad, rois, mapping, spatial_scale, ph, pw, b, c, h, w)[0];
}
at::Tensor deform_conv2d_autograd(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
                                  const at::Tensor& mask, const at::Tensor& bias, int64_t sh, int64_t sw, int64_t ph,
                                  int64_t pw, int64_t dh, int64_t dw, int64_t groups, int64_t offset_groups,
                                  bool use_mask) {
  return DeformConv2dFunction::apply(input, weight, offset, mask, bias, sh, sw, ph, pw, dh, dw, groups, offset_groups,
                                     use_mask)[0];
}
std::tuple<at::Tensor, at::Tensor, at::Tensor, at::Tensor, at::Tensor> deform_conv2d_backward_autograd(
    const at::Tensor& grad, const at::Tensor& input, const at::Tensor& weight, const at::Tensor& offset,
    const at::Tensor& mask, const at::Tensor& bias, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
    int64_t dw, int64_t groups, int64_t offset_groups, bool use_mask) {
  auto r = DeformConv2dBackwardFunction::apply(grad, input, weight, offset, mask, bias, sh, sw, ph, pw, dh, dw, groups,
                                               offset_groups, use_mask);
  return std::make_tuple(r[0], r[1], r[2], r[3], r[4]);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Registration: torchvision 0.14's schemas (torchvision/csrc/ops/*.cpp), CPU kernels, autograd kernels.
// ---------------------------------------------------------------------------------------------------------------

TORCH_LIBRARY_FRAGMENT(torchvision, m) {
  m.def("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor");
  m.def("roi_align(Tensor input, Tensor rois, float spatial_scale, int pooled_height, int pooled_width, "
        "int sampling_ratio, bool aligned) -> Tensor");
  m.def("_roi_align_backward(Tensor grad, Tensor rois, float spatial_scale, int pooled_height, int pooled_width, "
        "int batch_size, int channels, int height, int width, int sampling_ratio, bool aligned) -> Tensor");
  m.def("roi_pool(Tensor input, Tensor rois, float spatial_scale, int pooled_height, int pooled_width) "
        "-> (Tensor, Tensor)");
  m.def("_roi_pool_backward(Tensor grad, Tensor rois, Tensor argmax, float spatial_scale, int pooled_height, "
        "int pooled_width, int batch_size, int channels, int height, int width) -> Tensor");
  m.def("ps_roi_align(Tensor input, Tensor rois, float spatial_scale, int pooled_height, int pooled_width, "
        "int sampling_ratio) -> (Tensor, Tensor)");
  m.def("_ps_roi_align_backward(Tensor grad, Tensor rois, Tensor channel_mapping, float spatial_scale, "
        "int pooled_height, int pooled_width, int sampling_ratio, int batch_size, int channels, int height, "
        "int width) -> Tensor");
  m.def("ps_roi_pool(Tensor input, Tensor rois, float spatial_scale, int pooled_height, int pooled_width) "
        "-> (Tensor, Tensor)");
  m.def("_ps_roi_pool_backward(Tensor grad, Tensor rois, Tensor channel_mapping, float spatial_scale, "
        "int pooled_height, int pooled_width, int batch_size, int channels, int height, int width) -> Tensor");
  m.def("deform_conv2d(Tensor input, Tensor weight, Tensor offset, Tensor mask, Tensor bias, int stride_h, "
        "int stride_w, int pad_h, int pad_w, int dilation_h, int dilation_w, int groups, int offset_groups, "
        "bool use_mask) -> Tensor");
  m.def("_deform_conv2d_backward(Tensor grad, Tensor input, Tensor weight, Tensor offset, Tensor mask, Tensor bias, "
        "int stride_h, int stride_w, int pad_h, int pad_w, int dilation_h, int dilation_w, int groups, "
        "int offset_groups, bool use_mask) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(torchvision, CPU, m) {
  m.impl("nms", TORCH_FN(nms_kernel));
  m.impl("roi_align", TORCH_FN(roi_align_forward_kernel));
  m.impl("_roi_align_backward", TORCH_FN(roi_align_backward_kernel));
  m.impl("roi_pool", TORCH_FN(roi_pool_forward_kernel));
  m.impl("_roi_pool_backward", TORCH_FN(roi_pool_backward_kernel));
  m.impl("ps_roi_align", TORCH_FN(ps_roi_align_forward_kernel));
  m.impl("_ps_roi_align_backward", TORCH_FN(ps_roi_align_backward_kernel));
  m.impl("ps_roi_pool", TORCH_FN(ps_roi_pool_forward_kernel));
  m.impl("_ps_roi_pool_backward", TORCH_FN(ps_roi_pool_backward_kernel));
  m.impl("deform_conv2d", TORCH_FN(deform_conv2d_forward_kernel));
  m.impl("_deform_conv2d_backward", TORCH_FN(deform_conv2d_backward_kernel));
}

TORCH_LIBRARY_IMPL(torchvision, Autograd, m) {
  m.impl("roi_align", roi_align_autograd);
  m.impl("_roi_align_backward", roi_align_backward_autograd);
  m.impl("roi_pool", roi_pool_autograd);
  m.impl("_roi_pool_backward", roi_pool_backward_autograd);
  m.impl("ps_roi_align", ps_roi_align_autograd);
  m.impl("_ps_roi_align_backward", ps_roi_align_backward_autograd);
  m.impl("ps_roi_pool", ps_roi_pool_autograd);
  m.impl("_ps_roi_pool_backward", ps_roi_pool_backward_autograd);
  m.impl("deform_conv2d", deform_conv2d_autograd);
  m.impl("_deform_conv2d_backward", deform_conv2d_backward_autograd);
}

}  // namespace vision_ops
}  // namespace tstorch
