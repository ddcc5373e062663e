// Video and audio files through FFmpeg's libraries (libavformat demuxes and muxes, libavcodec decodes and
// encodes, libswscale converts pixels, libswresample converts samples), for torchvision.io's read_video,
// write_video and VideoReader (src/vision/io/video*.ts).
//
// Decoding follows PyAV (python3-av 10), which torchvision's read_video uses, step for step, so that frames are
// byte-identical to PyAV's: decoders open with thread_count 0 and slice threading; frames convert to rgb24 with
// sws_getCachedContext(..., SWS_BILINEAR) into a buffer from av_image_alloc(..., align 16), as
// VideoFrame.to_rgb() does; a seek is av_seek_frame on the stream followed by avcodec_flush_buffers on every
// open decoder; the end of the file sends an empty packet to drain the decoder. Encoding follows PyAV's
// add_stream defaults (as torchvision's write_video gets them).
//
// Hostile files: only the named file is opened (no other protocol, and a demuxer that wants to open a second
// resource, as HLS playlists, concat lists or MP4 external references do, is refused), frames over
// kMaxPixels are refused by the decoder (AVCodecContext.max_pixels), and every FFmpeg error becomes a
// JavaScript exception naming the file and FFmpeg's message. FFmpeg's own threads never throw; its log lines
// (printed only when TSTORCH_FFMPEG_LOG is set) are kept per calling thread so errors can quote them.
//
// Without FFmpeg's headers at build time (scripts/build-addon.mjs detects them) every function here throws
// one clear error and videoBackend() says why.
#include "common.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef TSTORCH_HAVE_FFMPEG
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}
#endif

namespace tstorch {
namespace {

#ifndef TSTORCH_HAVE_FFMPEG

const char* kNoFfmpeg =
    "video support is not built in: tstorch's addon was compiled without FFmpeg's libraries. Install them "
    "(Debian: apt-get install libavformat-dev libavcodec-dev libswscale-dev libswresample-dev libavutil-dev) "
    "and rebuild the addon (npm run build:addon)";

Napi::Value VideoBackend(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("available", false);
  o.Set("reason", kNoFfmpeg);
  return o;
}

Napi::Value Unavailable(const Napi::CallbackInfo& info) { throw Napi::Error::New(info.Env(), kNoFfmpeg); }

TSTORCH_EXPORT("videoBackend", VideoBackend);
TSTORCH_EXPORT("videoOpen", Unavailable);
TSTORCH_EXPORT("videoInfo", Unavailable);
TSTORCH_EXPORT("videoSeek", Unavailable);
TSTORCH_EXPORT("videoNext", Unavailable);
TSTORCH_EXPORT("videoFrameData", Unavailable);
TSTORCH_EXPORT("videoFrameRelease", Unavailable);
TSTORCH_EXPORT("videoPacketPts", Unavailable);
TSTORCH_EXPORT("videoClose", Unavailable);
TSTORCH_EXPORT("videoWriterOpen", Unavailable);
TSTORCH_EXPORT("videoWriterVideo", Unavailable);
TSTORCH_EXPORT("videoWriterAudio", Unavailable);
TSTORCH_EXPORT("videoWriterClose", Unavailable);

#else

// Frames larger than this are refused (a hostile header could otherwise ask for gigabytes per frame); 2^28
// pixels is the addon's JPEG limit too (16384 x 16384).
constexpr int64_t kMaxPixels = int64_t{1} << 28;
constexpr uint32_t kReaderTag = 0x56524452;  // "VRDR"
constexpr uint32_t kWriterTag = 0x56575254;  // "VWRT"

// ---------------------------------------------------------------------------------------------------------
// FFmpeg's log: quiet unless TSTORCH_FFMPEG_LOG is set, and the last error line of each thread kept for messages.

thread_local std::string t_last_log;
// The demuxer being watched on this thread (set around our own calls) and the error lines it logged: a demuxer
// that meets the end of a truncated file logs an error ("File ended prematurely") and then reports a normal end.
thread_local const void* t_watch_ctx = nullptr;
thread_local std::string t_demux_error;

void LogCallback(void* avcl, int level, const char* fmt, va_list vl) {
  static const bool print = std::getenv("TSTORCH_FFMPEG_LOG") != nullptr;
  if (print) {
    va_list copy;
    va_copy(copy, vl);
    av_log_default_callback(avcl, level, fmt, copy);
    va_end(copy);
  }
  if (level > AV_LOG_ERROR) return;
  try {
    char line[1024];
    int prefix = 1;
    av_log_format_line2(avcl, level, fmt, vl, line, sizeof(line), &prefix);
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (!s.empty()) t_last_log = s;
    if (avcl != nullptr && avcl == t_watch_ctx && !s.empty() && t_demux_error.empty()) t_demux_error = s;
  } catch (...) {
    // A log line must never throw on one of FFmpeg's threads.
  }
}

void InitFfmpeg() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(std::getenv("TSTORCH_FFMPEG_LOG") ? AV_LOG_INFO : AV_LOG_ERROR);
    av_log_set_callback(LogCallback);
  });
}

std::string AvErr(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

[[noreturn]] void Fail(const std::string& what, int code) {
  std::string msg = what + ": " + AvErr(code);
  std::string log = t_last_log;
  const auto wl = log.find("Format not on whitelist");
  if (wl != std::string::npos) log = log.substr(0, wl) + "this format opens the files it lists and is not read";
  if (log.size() > 300) log = log.substr(0, 300) + "...";
  if (!log.empty()) msg += " (FFmpeg: " + log + ")";
  t_last_log.clear();
  throw std::runtime_error(msg);
}

std::string Str(const Napi::Value& v, const char* what) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a string");
  return v.As<Napi::String>().Utf8Value();
}

int64_t Int(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d))) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected an integer, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

Napi::Value Rational(Napi::Env env, AVRational r) {
  auto a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, r.num));
  a.Set(1u, Napi::Number::New(env, r.den));
  return a;
}

Napi::Value TsOrNull(Napi::Env env, int64_t ts) {
  if (ts == AV_NOPTS_VALUE) return env.Null();
  return Napi::Number::New(env, static_cast<double>(ts));
}

// An options object ({key: value}) as an AVDictionary (values as strings).
AVDictionary* DictOf(const Napi::Value& v, const char* what) {
  AVDictionary* d = nullptr;
  if (v.IsUndefined() || v.IsNull()) return d;
  if (!v.IsObject()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected an object of strings");
  auto o = v.As<Napi::Object>();
  auto keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string k = keys.Get(i).ToString().Utf8Value();
    std::string val = o.Get(k).ToString().Utf8Value();
    av_dict_set(&d, k.c_str(), val.c_str(), 0);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------------------
// Reading

struct Decoder {
  AVCodecContext* ctx = nullptr;
  bool draining = false;  // the end-of-stream packet was sent
};

struct Reader {
  uint32_t tag = kReaderTag;
  std::string path;
  AVFormatContext* fmt = nullptr;
  std::vector<Decoder> dec;
  AVPacket* pkt = nullptr;
  AVFrame* frame = nullptr;
  SwsContext* sws = nullptr;
  uint8_t* rgb[4] = {nullptr, nullptr, nullptr, nullptr};
  int rgbLinesize[4] = {0, 0, 0, 0};
  int rgbW = 0, rgbH = 0;
  bool demuxEof = false;
  int threads = 0;
  std::string demuxError;  // an error the demuxer logged (a truncated or damaged file)

  void FreeRgb() {
    if (rgb[0]) av_freep(&rgb[0]);
    rgbW = rgbH = 0;
  }
  void Close() {
    for (auto& d : dec) avcodec_free_context(&d.ctx);
    dec.clear();
    if (fmt) avformat_close_input(&fmt);
    av_packet_free(&pkt);
    av_frame_free(&frame);
    sws_freeContext(sws);
    sws = nullptr;
    FreeRgb();
  }
  ~Reader() { Close(); }
};

// Opens only the file itself: a demuxer asking for any other resource (an HLS segment, a concat entry, an MP4
// data reference) is refused, so a crafted file cannot make the reader open other files or URLs.
int OnlyTheFile(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary** options) {
  auto* r = static_cast<Reader*>(s->opaque);
  if (r == nullptr || r->path != url || (flags & AVIO_FLAG_WRITE)) {
    t_last_log = std::string("refused to open '") + url + "', which the file refers to";
    return AVERROR(EPERM);
  }
  return avio_open2(pb, url, flags, &s->interrupt_callback, options);
}

Reader* ReaderOf(const Napi::Value& v) {
  if (!v.IsExternal() || v.As<Napi::External<Reader>>().Data()->tag != kReaderTag) {
    throw Napi::TypeError::New(v.Env(), "expected a video reader handle");
  }
  Reader* r = v.As<Napi::External<Reader>>().Data();
  if (r->fmt == nullptr) throw Napi::Error::New(v.Env(), "the video reader was closed");
  return r;
}

const char* MediaType(AVMediaType t) {
  switch (t) {
    case AVMEDIA_TYPE_VIDEO: return "video";
    case AVMEDIA_TYPE_AUDIO: return "audio";
    case AVMEDIA_TYPE_SUBTITLE: return "subtitle";
    case AVMEDIA_TYPE_DATA: return "data";
    case AVMEDIA_TYPE_ATTACHMENT: return "attachment";
    default: return "unknown";
  }
}

// Every demuxer except those that open further files on their own (concat opens the files its list names
// through a fresh context, outside OnlyTheFile), as FFmpeg's format_whitelist.
const std::string& AllowedDemuxers() {
  static const std::string list = [] {
    std::string out;
    void* it = nullptr;
    while (const AVInputFormat* f = av_demuxer_iterate(&it)) {
      const std::string name = f->name;
      if (name == "concat" || name == "hls" || name == "dash") continue;
      if (!out.empty()) out += ',';
      out += name;
    }
    return out;
  }();
  return list;
}

// Watches the reader's demuxer for logged errors during one of our calls.
struct WatchDemuxer {
  explicit WatchDemuxer(const void* ctx) { t_watch_ctx = ctx; }
  ~WatchDemuxer() { t_watch_ctx = nullptr; }
};

// videoOpen(path, {threads}) -> reader handle. Errors name the file.
Napi::Value VideoOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  InitFfmpeg();
  t_last_log.clear();
  auto r = std::make_unique<Reader>();
  r->path = Str(info[0], "videoOpen path");
  if (info.Length() > 1 && info[1].IsObject()) {
    auto o = info[1].As<Napi::Object>();
    if (o.Has("threads") && !o.Get("threads").IsUndefined()) r->threads = static_cast<int>(Int(o.Get("threads"), "threads"));
  }
  r->fmt = avformat_alloc_context();
  if (!r->fmt) throw std::bad_alloc();
  r->fmt->opaque = r.get();
  r->fmt->io_open = OnlyTheFile;
  r->fmt->format_whitelist = av_strdup(AllowedDemuxers().c_str());
  // As PyAV: generate missing packet pts (AVI's B-frame streams have none on their anchor frames).
  r->fmt->flags |= AVFMT_FLAG_GENPTS;
  WatchDemuxer watch(r->fmt);
  t_demux_error.clear();
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "protocol_whitelist", "file", 0);
  int ret = avformat_open_input(&r->fmt, r->path.c_str(), nullptr, &opts);
  av_dict_free(&opts);
  if (ret < 0) {
    r->fmt = nullptr;  // avformat_open_input frees the context on failure
    Fail("cannot open video file '" + r->path + "'", ret);
  }
  ret = avformat_find_stream_info(r->fmt, nullptr);
  if (ret < 0) Fail("cannot read the streams of video file '" + r->path + "'", ret);
  r->demuxError = t_demux_error;
  r->dec.resize(r->fmt->nb_streams);
  r->pkt = av_packet_alloc();
  r->frame = av_frame_alloc();
  if (!r->pkt || !r->frame) throw std::bad_alloc();
  return Napi::External<Reader>::New(env, r.release(), [](Napi::Env, Reader* p) { delete p; });
}

// videoInfo(reader) -> {format, duration (s or null), startTime, bitRate, streams: [...]}: what read_video and
// VideoReader's metadata need (time bases, rates, sizes, extradata for torchvision's DivX/Lavc checks).
Napi::Value VideoInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Reader* r = ReaderOf(info[0]);
  AVFormatContext* f = r->fmt;
  auto o = Napi::Object::New(env);
  o.Set("format", f->iformat && f->iformat->name ? f->iformat->name : "");
  o.Set("duration", f->duration == AV_NOPTS_VALUE ? env.Null() : Napi::Number::New(env, f->duration / static_cast<double>(AV_TIME_BASE)));
  o.Set("startTime", f->start_time == AV_NOPTS_VALUE ? env.Null() : Napi::Number::New(env, f->start_time / static_cast<double>(AV_TIME_BASE)));
  auto streams = Napi::Array::New(env, f->nb_streams);
  for (unsigned i = 0; i < f->nb_streams; i++) {
    AVStream* st = f->streams[i];
    AVCodecParameters* p = st->codecpar;
    auto s = Napi::Object::New(env);
    s.Set("index", i);
    s.Set("type", MediaType(p->codec_type));
    const AVCodecDescriptor* desc = avcodec_descriptor_get(p->codec_id);
    s.Set("codec", desc ? desc->name : "unknown");
    s.Set("timeBase", Rational(env, st->time_base));
    s.Set("averageRate", Rational(env, st->avg_frame_rate));
    s.Set("baseRate", Rational(env, st->r_frame_rate));
    s.Set("guessedRate", Rational(env, av_guess_frame_rate(f, st, nullptr)));
    s.Set("startTime", TsOrNull(env, st->start_time));
    s.Set("duration", TsOrNull(env, st->duration));
    s.Set("frames", Napi::Number::New(env, static_cast<double>(st->nb_frames)));
    s.Set("bitRate", Napi::Number::New(env, static_cast<double>(p->bit_rate)));
    if (p->codec_type == AVMEDIA_TYPE_VIDEO) {
      s.Set("width", p->width);
      s.Set("height", p->height);
      const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(p->format));
      s.Set("pixFmt", pf ? pf : "");
    } else if (p->codec_type == AVMEDIA_TYPE_AUDIO) {
      s.Set("sampleRate", p->sample_rate);
      s.Set("channels", p->ch_layout.nb_channels);
      const char* sf = av_get_sample_fmt_name(static_cast<AVSampleFormat>(p->format));
      s.Set("sampleFmt", sf ? sf : "");
    }
    auto extra = Napi::Buffer<uint8_t>::Copy(env, p->extradata ? p->extradata : reinterpret_cast<uint8_t*>(const_cast<char*>("")),
                                             p->extradata ? p->extradata_size : 0);
    s.Set("extradata", extra);
    streams.Set(i, s);
  }
  o.Set("streams", streams);
  return o;
}

Decoder& OpenDecoder(Reader* r, int index) {
  Decoder& d = r->dec[index];
  if (d.ctx) return d;
  AVStream* st = r->fmt->streams[index];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec) {
    const AVCodecDescriptor* desc = avcodec_descriptor_get(st->codecpar->codec_id);
    throw std::runtime_error("'" + r->path + "': no decoder for stream " + std::to_string(index) + "'s codec '" +
                             (desc ? desc->name : "unknown") + "' in this FFmpeg");
  }
  AVCodecContext* ctx = avcodec_alloc_context3(codec);
  if (!ctx) throw std::bad_alloc();
  int ret = avcodec_parameters_to_context(ctx, st->codecpar);
  if (ret < 0) {
    avcodec_free_context(&ctx);
    Fail("'" + r->path + "': cannot set up the decoder of stream " + std::to_string(index), ret);
  }
  // As PyAV's input container: the packets' time base (decoders shift timestamps by skipped samples in it).
  ctx->pkt_timebase = st->time_base;
  // PyAV's defaults: as many threads as there are CPUs, threading within a frame.
  ctx->thread_count = r->threads;
  ctx->thread_type = FF_THREAD_SLICE;
  ctx->max_pixels = kMaxPixels;
  ret = avcodec_open2(ctx, codec, nullptr);
  if (ret < 0) {
    avcodec_free_context(&ctx);
    Fail("'" + r->path + "': cannot open the " + codec->name + " decoder of stream " + std::to_string(index), ret);
  }
  d.ctx = ctx;
  d.draining = false;
  return d;
}

// At the end of the file: a demuxer that logged an error met a truncated or damaged file, although it reports a
// normal end; torchvision would return the frames read so far as if they were the whole file.
void CheckDemuxError(Reader* r) {
  if (r->demuxError.empty()) return;
  throw std::runtime_error("'" + r->path + "' is truncated or damaged: the demuxer reported '" + r->demuxError + "' before its end");
}

int StreamIndex(Reader* r, const Napi::Value& v) {
  int64_t i = Int(v, "stream index");
  if (i < 0 || i >= static_cast<int64_t>(r->fmt->nb_streams)) {
    throw std::range_error("'" + r->path + "' has no stream " + std::to_string(i) + " (it has " + std::to_string(r->fmt->nb_streams) + ")");
  }
  return static_cast<int>(i);
}

// videoSeek(reader, stream, timestamp, {backward, anyFrame}) -> null, or FFmpeg's message when the seek failed
// (read_video then returns no frames, as torchvision does). Every open decoder is flushed, as PyAV's seek does.
Napi::Value VideoSeek(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Reader* r = ReaderOf(info[0]);
  int index = StreamIndex(r, info[1]);
  int64_t ts = Int(info[2], "seek timestamp");
  int flags = 0;
  if (info.Length() > 3 && info[3].IsObject()) {
    auto o = info[3].As<Napi::Object>();
    if (o.Get("backward").ToBoolean()) flags |= AVSEEK_FLAG_BACKWARD;
    if (o.Get("anyFrame").ToBoolean()) flags |= AVSEEK_FLAG_ANY;
  }
  t_last_log.clear();
  int ret = av_seek_frame(r->fmt, index, ts, flags);
  for (auto& d : r->dec) {
    if (d.ctx) avcodec_flush_buffers(d.ctx);
    d.draining = false;
  }
  r->demuxEof = false;
  if (ret < 0) return Napi::String::New(env, AvErr(ret));
  return env.Null();
}

// The frame converted to rgb24 as PyAV's VideoFrame.to_rgb() converts it, as an HWC uint8 tensor.
at::Tensor FrameToRgb(Reader* r, const AVFrame* f) {
  const int w = f->width, h = f->height;
  if (w <= 0 || h <= 0 || f->format < 0) throw std::runtime_error("'" + r->path + "': the decoder returned a frame without size or format");
  if (static_cast<int64_t>(w) * h > kMaxPixels) {
    throw std::runtime_error("'" + r->path + "': a " + std::to_string(w) + "x" + std::to_string(h) + " frame is larger than the limit of 2^28 pixels");
  }
  at::Tensor out = at::empty({h, w, 3}, at::kByte);
  uint8_t* dst = out.data_ptr<uint8_t>();
  const uint8_t* src;
  int srcLinesize;
  if (f->format == AV_PIX_FMT_RGB24) {  // PyAV returns such a frame untouched
    src = f->data[0];
    srcLinesize = f->linesize[0];
  } else {
    r->sws = sws_getCachedContext(r->sws, w, h, static_cast<AVPixelFormat>(f->format), w, h, AV_PIX_FMT_RGB24,
                                  SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (!r->sws) {
      const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
      throw std::runtime_error("'" + r->path + "': cannot convert pixel format " + (name ? name : "unknown") + " to rgb24");
    }
    if (r->rgbW != w || r->rgbH != h) {
      r->FreeRgb();
      int ret = av_image_alloc(r->rgb, r->rgbLinesize, w, h, AV_PIX_FMT_RGB24, 16);
      if (ret < 0) Fail("'" + r->path + "': cannot allocate a frame", ret);
      r->rgbW = w;
      r->rgbH = h;
    }
    sws_scale(r->sws, f->data, f->linesize, 0, h, r->rgb, r->rgbLinesize);
    src = r->rgb[0];
    srcLinesize = r->rgbLinesize[0];
  }
  const size_t row = static_cast<size_t>(w) * 3;
  for (int y = 0; y < h; y++) std::memcpy(dst + y * row, src + static_cast<ptrdiff_t>(y) * srcLinesize, row);
  return out;
}

// The samples as PyAV's AudioFrame.to_ndarray() gives them: planar formats [channels, samples], packed formats
// [1, samples * channels], in the format's own type.
at::Tensor FrameToSamples(Reader* r, const AVFrame* f) {
  const auto fmt = static_cast<AVSampleFormat>(f->format);
  at::ScalarType type;
  switch (av_get_packed_sample_fmt(fmt)) {
    case AV_SAMPLE_FMT_U8: type = at::kByte; break;
    case AV_SAMPLE_FMT_S16: type = at::kShort; break;
    case AV_SAMPLE_FMT_S32: type = at::kInt; break;
    case AV_SAMPLE_FMT_S64: type = at::kLong; break;
    case AV_SAMPLE_FMT_FLT: type = at::kFloat; break;
    case AV_SAMPLE_FMT_DBL: type = at::kDouble; break;
    default: {
      const char* name = av_get_sample_fmt_name(fmt);
      throw std::runtime_error("'" + r->path + "': audio sample format " + (name ? name : "unknown") + " is not supported");
    }
  }
  const int channels = f->ch_layout.nb_channels;
  const int64_t n = f->nb_samples;
  if (channels <= 0 || n < 0) throw std::runtime_error("'" + r->path + "': the decoder returned an audio frame without channels");
  const size_t bytes = static_cast<size_t>(av_get_bytes_per_sample(fmt));
  const bool planar = av_sample_fmt_is_planar(fmt);
  at::Tensor out = planar ? at::empty({channels, n}, type) : at::empty({1, n * channels}, type);
  auto* dst = static_cast<uint8_t*>(out.data_ptr());
  if (planar) {
    for (int c = 0; c < channels; c++) std::memcpy(dst + c * n * bytes, f->extended_data[c], n * bytes);
  } else {
    std::memcpy(dst, f->extended_data[0], n * channels * bytes);
  }
  return out;
}

// A decoded frame kept for later conversion (read_video decodes from the keyframe before the range but converts
// only the frames it returns). It holds a reference to the decoder's buffer, not a copy.
constexpr uint32_t kFrameTag = 0x5646524d;  // "VFRM"
struct HeldFrame {
  uint32_t tag = kFrameTag;
  AVFrame* frame = nullptr;
  AVMediaType type = AVMEDIA_TYPE_UNKNOWN;
  ~HeldFrame() { av_frame_free(&frame); }
};

HeldFrame* HeldFrameOf(const Napi::Value& v) {
  if (!v.IsExternal() || v.As<Napi::External<HeldFrame>>().Data()->tag != kFrameTag) {
    throw Napi::TypeError::New(v.Env(), "expected a decoded-frame handle");
  }
  return v.As<Napi::External<HeldFrame>>().Data();
}

at::Tensor ConvertFrame(Reader* r, const AVFrame* f, AVMediaType type) {
  return type == AVMEDIA_TYPE_VIDEO ? FrameToRgb(r, f) : FrameToSamples(r, f);
}

// videoNext(reader, stream, {mode}) -> {pts, bestEffortTs, keyFrame, sampleRate?, data | frame} for the stream's
// next decoded frame, or null at the end of the file. Packets of other streams are skipped (as PyAV's
// container.decode(video=0)). mode 'convert' (default) converts the frame (data: a tensor), 'hold' returns a
// handle to convert later with videoFrameData (frame), 'pts' neither (timestamps only).
Napi::Value VideoNext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Reader* r = ReaderOf(info[0]);
  int index = StreamIndex(r, info[1]);
  std::string mode = "convert";
  if (info.Length() > 2 && info[2].IsObject()) {
    auto m = info[2].As<Napi::Object>().Get("mode");
    if (!m.IsUndefined()) mode = Str(m, "mode");
  }
  if (mode != "convert" && mode != "hold" && mode != "pts") throw std::invalid_argument("videoNext: mode must be 'convert', 'hold' or 'pts'");
  AVMediaType type = r->fmt->streams[index]->codecpar->codec_type;
  if (type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO) {
    throw std::runtime_error("'" + r->path + "': stream " + std::to_string(index) + " is a " + MediaType(type) + " stream; only video and audio streams decode");
  }
  t_last_log.clear();
  Decoder& d = OpenDecoder(r, index);
  const std::string where = "'" + r->path + "' (stream " + std::to_string(index) + ")";
  WatchDemuxer watch(r->fmt);
  for (;;) {
    int ret = avcodec_receive_frame(d.ctx, r->frame);
    if (ret == 0) break;
    if (ret == AVERROR_EOF) return env.Null();
    if (ret != AVERROR(EAGAIN)) Fail("cannot decode " + where, ret);
    if (r->demuxEof) {
      if (d.draining) return env.Null();
      d.draining = true;
      ret = avcodec_send_packet(d.ctx, nullptr);
      if (ret < 0 && ret != AVERROR_EOF) Fail("cannot decode " + where, ret);
      continue;
    }
    t_demux_error.clear();
    ret = av_read_frame(r->fmt, r->pkt);
    if (!t_demux_error.empty() && r->demuxError.empty()) r->demuxError = t_demux_error;
    if (ret == AVERROR_EOF) {
      r->demuxEof = true;
      CheckDemuxError(r);
      continue;
    }
    if (ret < 0) Fail("cannot read " + where, ret);
    if (r->pkt->stream_index != index) {
      av_packet_unref(r->pkt);
      continue;
    }
    ret = avcodec_send_packet(d.ctx, r->pkt);
    av_packet_unref(r->pkt);
    if (ret < 0) Fail("cannot decode " + where, ret);
  }
  AVFrame* f = r->frame;
  auto o = Napi::Object::New(env);
  o.Set("pts", TsOrNull(env, f->pts));
  o.Set("bestEffortTs", TsOrNull(env, f->best_effort_timestamp));
  o.Set("keyFrame", f->key_frame != 0);
  if (type == AVMEDIA_TYPE_AUDIO) {
    o.Set("sampleRate", f->sample_rate);
    o.Set("samples", f->nb_samples);
    o.Set("channels", f->ch_layout.nb_channels);
    o.Set("planar", av_sample_fmt_is_planar(static_cast<AVSampleFormat>(f->format)) != 0);
  }
  try {
    if (mode == "convert") {
      o.Set("data", Wrap(env, ConvertFrame(r, f, type)));
    } else if (mode == "hold") {
      auto held = std::make_unique<HeldFrame>();
      held->frame = av_frame_clone(f);
      if (!held->frame) throw std::bad_alloc();
      held->type = type;
      o.Set("frame", Napi::External<HeldFrame>::New(env, held.release(), [](Napi::Env, HeldFrame* p) { delete p; }));
    }
  } catch (...) {
    av_frame_unref(f);
    throw;
  }
  av_frame_unref(f);
  return o;
}

// videoFrameData(reader, frame) -> the held frame converted (rgb24 HWC uint8, or PyAV's audio layout).
Napi::Value VideoFrameData(const Napi::CallbackInfo& info) {
  Reader* r = ReaderOf(info[0]);
  HeldFrame* h = HeldFrameOf(info[1]);
  if (!h->frame) throw Napi::Error::New(info.Env(), "videoFrameData: the frame was released");
  return Wrap(info.Env(), ConvertFrame(r, h->frame, h->type));
}

// videoFrameRelease(frame): gives the decoder's buffer back now rather than at garbage collection.
Napi::Value VideoFrameRelease(const Napi::CallbackInfo& info) {
  av_frame_free(&HeldFrameOf(info[0])->frame);
  return info.Env().Undefined();
}

// videoPacketPts(reader, stream) -> Float64Array of the pts of the stream's remaining packets (those that have
// one), read without decoding: torchvision's fast path for files written by libavcodec.
Napi::Value VideoPacketPts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Reader* r = ReaderOf(info[0]);
  int index = StreamIndex(r, info[1]);
  t_last_log.clear();
  std::vector<double> pts;
  WatchDemuxer watch(r->fmt);
  while (!r->demuxEof) {
    t_demux_error.clear();
    int ret = av_read_frame(r->fmt, r->pkt);
    if (!t_demux_error.empty() && r->demuxError.empty()) r->demuxError = t_demux_error;
    if (ret == AVERROR_EOF) {
      r->demuxEof = true;
      CheckDemuxError(r);
      break;
    }
    if (ret < 0) Fail("cannot read '" + r->path + "'", ret);
    if (r->pkt->stream_index == index && r->pkt->pts != AV_NOPTS_VALUE) pts.push_back(static_cast<double>(r->pkt->pts));
    av_packet_unref(r->pkt);
  }
  auto out = Napi::Float64Array::New(env, pts.size());
  if (!pts.empty()) std::memcpy(out.Data(), pts.data(), pts.size() * sizeof(double));
  return out;
}

Napi::Value VideoClose(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal() || info[0].As<Napi::External<Reader>>().Data()->tag != kReaderTag) {
    throw Napi::TypeError::New(info.Env(), "videoClose: expected a video reader handle");
  }
  info[0].As<Napi::External<Reader>>().Data()->Close();
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------------------
// Writing (PyAV's OutputContainer.add_stream defaults, as torchvision's write_video uses them)

struct Writer {
  uint32_t tag = kWriterTag;
  std::string path, tmpPath;
  AVFormatContext* fmt = nullptr;
  AVCodecContext* venc = nullptr;
  AVStream* vst = nullptr;
  AVCodecContext* aenc = nullptr;
  AVStream* ast = nullptr;
  SwsContext* sws = nullptr;
  AVFrame* rgb = nullptr;  // the input frame, as PyAV's VideoFrame.from_ndarray(..., 'rgb24') allocates it
  AVFrame* yuv = nullptr;
  AVFrame* aframe = nullptr;
  AVPacket* pkt = nullptr;
  AVAudioFifo* fifo = nullptr;
  SwrContext* swr = nullptr;
  int64_t nextVideoPts = 0;
  int64_t nextAudioPts = 0;
  bool open = false;    // the file is open and its header written
  bool done = false;

  void Free() {
    avcodec_free_context(&venc);
    avcodec_free_context(&aenc);
    if (fmt) {
      if (fmt->pb && !(fmt->oformat->flags & AVFMT_NOFILE)) avio_closep(&fmt->pb);
      avformat_free_context(fmt);
      fmt = nullptr;
    }
    sws_freeContext(sws);
    sws = nullptr;
    av_frame_free(&rgb);
    av_frame_free(&yuv);
    av_frame_free(&aframe);
    av_packet_free(&pkt);
    if (fifo) av_audio_fifo_free(fifo);
    fifo = nullptr;
    swr_free(&swr);
  }
  // An unfinished file is removed: the destination only ever holds a complete file.
  void Abort() {
    Free();
    if (!done && !tmpPath.empty()) std::remove(tmpPath.c_str());
    done = true;
  }
  ~Writer() { Abort(); }
};

Writer* WriterOf(const Napi::Value& v) {
  if (!v.IsExternal() || v.As<Napi::External<Writer>>().Data()->tag != kWriterTag) {
    throw Napi::TypeError::New(v.Env(), "expected a video writer handle");
  }
  Writer* w = v.As<Napi::External<Writer>>().Data();
  if (w->done) throw Napi::Error::New(v.Env(), "the video writer was closed");
  return w;
}

const AVCodec* FindEncoder(const std::string& name, AVMediaType type, const std::string& path) {
  const AVCodec* c = avcodec_find_encoder_by_name(name.c_str());
  if (!c) {
    const AVCodecDescriptor* d = avcodec_descriptor_get_by_name(name.c_str());
    if (d) c = avcodec_find_encoder(d->id);
  }
  if (!c) throw std::runtime_error("writing '" + path + "': FFmpeg has no encoder named '" + name + "'");
  if (c->type != type) throw std::runtime_error("writing '" + path + "': '" + name + "' is not " + (type == AVMEDIA_TYPE_VIDEO ? "a video" : "an audio") + " encoder");
  return c;
}

// Sends one frame (or null: flush) to an encoder and muxes every packet it returns.
void Encode(Writer* w, AVCodecContext* enc, AVStream* st, AVFrame* frame) {
  int ret = avcodec_send_frame(enc, frame);
  if (ret < 0) Fail("writing '" + w->path + "': cannot encode", ret);
  for (;;) {
    ret = avcodec_receive_packet(enc, w->pkt);
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (ret < 0) Fail("writing '" + w->path + "': cannot encode", ret);
    av_packet_rescale_ts(w->pkt, enc->time_base, st->time_base);
    w->pkt->stream_index = st->index;
    ret = av_interleaved_write_frame(w->fmt, w->pkt);
    if (ret < 0) Fail("writing '" + w->path + "'", ret);
  }
}

// videoWriterOpen(path, tmpPath, {video: {codec, fps: [num, den], width, height, pixFmt, options},
//   audio?: {codec, rate, channels, options}}) -> writer handle. The file is written to tmpPath and renamed by
// the caller once closed.
Napi::Value VideoWriterOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  InitFfmpeg();
  t_last_log.clear();
  auto w = std::make_unique<Writer>();
  w->path = Str(info[0], "writeVideo path");
  std::string tmp = Str(info[1], "writeVideo temporary path");
  if (!info[2].IsObject()) throw Napi::TypeError::New(env, "videoWriterOpen: expected options");
  auto o = info[2].As<Napi::Object>();
  int ret = avformat_alloc_output_context2(&w->fmt, nullptr, nullptr, w->path.c_str());
  if (ret < 0 || !w->fmt) Fail("writing '" + w->path + "': cannot choose a container format from the file name", ret < 0 ? ret : AVERROR(EINVAL));
  w->pkt = av_packet_alloc();
  if (!w->pkt) throw std::bad_alloc();
  const bool globalHeader = (w->fmt->oformat->flags & AVFMT_GLOBALHEADER) != 0;

  auto v = o.Get("video").As<Napi::Object>();
  {
    const std::string name = Str(v.Get("codec"), "videoCodec");
    const AVCodec* codec = FindEncoder(name, AVMEDIA_TYPE_VIDEO, w->path);
    if (!avformat_query_codec(w->fmt->oformat, codec->id, FF_COMPLIANCE_NORMAL)) {
      throw std::runtime_error("writing '" + w->path + "': the " + w->fmt->oformat->name + " format does not support the " + codec->name + " codec");
    }
    w->vst = avformat_new_stream(w->fmt, codec);
    w->venc = avcodec_alloc_context3(codec);
    if (!w->vst || !w->venc) throw std::bad_alloc();
    auto fps = v.Get("fps").As<Napi::Array>();
    AVRational rate{static_cast<int>(Int(fps.Get(0u), "fps")), static_cast<int>(Int(fps.Get(1u), "fps"))};
    const int width = static_cast<int>(Int(v.Get("width"), "width"));
    const int height = static_cast<int>(Int(v.Get("height"), "height"));
    const std::string pixFmt = Str(v.Get("pixFmt"), "pixFmt");
    AVPixelFormat pf = av_get_pix_fmt(pixFmt.c_str());
    if (pf == AV_PIX_FMT_NONE) throw std::runtime_error("writing '" + w->path + "': unknown pixel format '" + pixFmt + "'");
    AVCodecContext* c = w->venc;
    c->pix_fmt = pf;
    c->width = width;
    c->height = height;
    c->bit_rate = 1024000;
    c->bit_rate_tolerance = 128000;
    c->ticks_per_frame = 1;
    c->framerate = rate;
    c->time_base = AVRational{rate.den, rate.num};
    c->thread_count = 0;
    c->thread_type = FF_THREAD_SLICE;
    w->vst->avg_frame_rate = rate;
    w->vst->time_base = c->time_base;
    if (globalHeader) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* opts = DictOf(v.Get("options"), "options");
    ret = avcodec_open2(c, codec, &opts);
    std::string unused;
    for (AVDictionaryEntry* e = nullptr; (e = av_dict_get(opts, "", e, AV_DICT_IGNORE_SUFFIX));) unused += std::string(unused.empty() ? "" : ", ") + e->key;
    av_dict_free(&opts);
    if (ret < 0) Fail("writing '" + w->path + "': cannot open the " + codec->name + " encoder", ret);
    if (!unused.empty()) throw std::runtime_error("writing '" + w->path + "': the " + std::string(codec->name) + " encoder does not know the options " + unused);
    ret = avcodec_parameters_from_context(w->vst->codecpar, c);
    if (ret < 0) Fail("writing '" + w->path + "'", ret);
    w->rgb = av_frame_alloc();
    w->yuv = av_frame_alloc();
    if (!w->rgb || !w->yuv) throw std::bad_alloc();
    w->rgb->format = AV_PIX_FMT_RGB24;
    w->rgb->width = width;
    w->rgb->height = height;
    if ((ret = av_image_alloc(w->rgb->data, w->rgb->linesize, width, height, AV_PIX_FMT_RGB24, 16)) < 0) Fail("writing '" + w->path + "'", ret);
    w->yuv->format = pf;
    w->yuv->width = width;
    w->yuv->height = height;
    if ((ret = av_image_alloc(w->yuv->data, w->yuv->linesize, width, height, pf, 16)) < 0) Fail("writing '" + w->path + "'", ret);
    w->sws = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, pf, SWS_BILINEAR, nullptr, nullptr, nullptr);
    if (!w->sws) throw std::runtime_error("writing '" + w->path + "': cannot convert rgb24 to " + pixFmt);
  }

  auto a = o.Get("audio");
  if (a.IsObject()) {
    auto ao = a.As<Napi::Object>();
    const std::string name = Str(ao.Get("codec"), "audioCodec");
    const AVCodec* codec = FindEncoder(name, AVMEDIA_TYPE_AUDIO, w->path);
    if (!avformat_query_codec(w->fmt->oformat, codec->id, FF_COMPLIANCE_NORMAL)) {
      throw std::runtime_error("writing '" + w->path + "': the " + w->fmt->oformat->name + " format does not support the " + codec->name + " codec");
    }
    w->ast = avformat_new_stream(w->fmt, codec);
    w->aenc = avcodec_alloc_context3(codec);
    if (!w->ast || !w->aenc) throw std::bad_alloc();
    AVCodecContext* c = w->aenc;
    const int rate = static_cast<int>(Int(ao.Get("rate"), "audioFps"));
    const int channels = static_cast<int>(Int(ao.Get("channels"), "audio channels"));
    c->sample_fmt = codec->sample_fmts ? codec->sample_fmts[0] : AV_SAMPLE_FMT_FLTP;
    c->bit_rate = 128000;
    c->bit_rate_tolerance = 32000;
    c->sample_rate = rate;
    av_channel_layout_default(&c->ch_layout, channels);
    c->time_base = AVRational{1, rate};
    c->thread_count = 0;
    c->thread_type = FF_THREAD_SLICE;
    w->ast->time_base = c->time_base;
    if (globalHeader) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* opts = DictOf(ao.Get("options"), "audioOptions");
    ret = avcodec_open2(c, codec, &opts);
    av_dict_free(&opts);
    if (ret < 0) Fail("writing '" + w->path + "': cannot open the " + codec->name + " encoder", ret);
    ret = avcodec_parameters_from_context(w->ast->codecpar, c);
    if (ret < 0) Fail("writing '" + w->path + "'", ret);
    w->fifo = av_audio_fifo_alloc(c->sample_fmt, channels, 1024);
    w->aframe = av_frame_alloc();
    if (!w->fifo || !w->aframe) throw std::bad_alloc();
  }

  ret = avio_open(&w->fmt->pb, tmp.c_str(), AVIO_FLAG_WRITE);
  if (ret < 0) Fail("cannot create '" + tmp + "'", ret);
  w->tmpPath = tmp;
  ret = avformat_write_header(w->fmt, nullptr);
  if (ret < 0) Fail("writing '" + w->path + "': cannot write the header", ret);
  w->open = true;
  return Napi::External<Writer>::New(env, w.release(), [](Napi::Env, Writer* p) { delete p; });
}

// videoWriterVideo(writer, frames): encodes [T, H, W, 3] uint8 (contiguous) frames.
Napi::Value VideoWriterVideo(const Napi::CallbackInfo& info) {
  Writer* w = WriterOf(info[0]);
  const at::Tensor& t = TensorOf(info[1], "videoArray");
  AVCodecContext* c = w->venc;
  if (t.dim() != 4 || t.size(1) != c->height || t.size(2) != c->width || t.size(3) != 3 || t.scalar_type() != at::kByte) {
    throw std::invalid_argument("writeVideo: videoArray must be uint8 [T, " + std::to_string(c->height) + ", " + std::to_string(c->width) + ", 3]");
  }
  at::Tensor frames = t.contiguous();
  const uint8_t* src = frames.data_ptr<uint8_t>();
  const size_t row = static_cast<size_t>(c->width) * 3;
  t_last_log.clear();
  for (int64_t i = 0; i < frames.size(0); i++) {
    const uint8_t* img = src + i * row * c->height;
    for (int y = 0; y < c->height; y++) std::memcpy(w->rgb->data[0] + static_cast<ptrdiff_t>(y) * w->rgb->linesize[0], img + y * row, row);
    // The frame's buffers are ours (av_image_alloc, as PyAV's): the encoder copies a frame it keeps.
    sws_scale(w->sws, w->rgb->data, w->rgb->linesize, 0, c->height, w->yuv->data, w->yuv->linesize);
    w->yuv->pts = w->nextVideoPts++;
    w->yuv->pict_type = AV_PICTURE_TYPE_NONE;
    Encode(w, c, w->vst, w->yuv);
  }
  return info.Env().Undefined();
}

// Encodes whole frames of frame_size samples from the FIFO (all that is left when flushing).
void DrainAudio(Writer* w, bool flush) {
  AVCodecContext* c = w->aenc;
  const int frameSize = c->frame_size > 0 && !(c->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) ? c->frame_size : 1024;
  while (av_audio_fifo_size(w->fifo) >= frameSize || (flush && av_audio_fifo_size(w->fifo) > 0)) {
    const int n = std::min(frameSize, av_audio_fifo_size(w->fifo));
    AVFrame* f = w->aframe;
    av_frame_unref(f);
    f->nb_samples = n;
    f->format = c->sample_fmt;
    f->sample_rate = c->sample_rate;
    int ret = av_channel_layout_copy(&f->ch_layout, &c->ch_layout);
    if (ret >= 0) ret = av_frame_get_buffer(f, 0);
    if (ret < 0) Fail("writing '" + w->path + "'", ret);
    if (av_audio_fifo_read(w->fifo, reinterpret_cast<void**>(f->data), n) < n) throw std::runtime_error("writing '" + w->path + "': audio buffer underrun");
    f->pts = w->nextAudioPts;
    w->nextAudioPts += n;
    Encode(w, c, w->ast, f);
  }
}

// videoWriterAudio(writer, samples): float32 [channels, samples] (planar) converted to the encoder's format.
Napi::Value VideoWriterAudio(const Napi::CallbackInfo& info) {
  Writer* w = WriterOf(info[0]);
  if (!w->aenc) throw std::invalid_argument("writeVideo: this writer has no audio stream");
  const at::Tensor& t = TensorOf(info[1], "audioArray");
  AVCodecContext* c = w->aenc;
  const int channels = c->ch_layout.nb_channels;
  if (t.dim() != 2 || t.size(0) != channels) throw std::invalid_argument("writeVideo: audioArray must be [" + std::to_string(channels) + ", samples]");
  at::Tensor s = t.to(at::kFloat).contiguous();
  const int n = static_cast<int>(s.size(1));
  t_last_log.clear();
  if (!w->swr) {
    AVChannelLayout in;
    av_channel_layout_default(&in, channels);
    int ret = swr_alloc_set_opts2(&w->swr, &c->ch_layout, c->sample_fmt, c->sample_rate, &in, AV_SAMPLE_FMT_FLTP, c->sample_rate, 0, nullptr);
    if (ret >= 0) ret = swr_init(w->swr);
    if (ret < 0) Fail("writing '" + w->path + "': cannot convert the audio", ret);
  }
  std::vector<const uint8_t*> in(channels);
  for (int ch = 0; ch < channels; ch++) in[ch] = reinterpret_cast<const uint8_t*>(s.data_ptr<float>() + static_cast<int64_t>(ch) * n);
  uint8_t** out = nullptr;
  int ret = av_samples_alloc_array_and_samples(&out, nullptr, channels, n, c->sample_fmt, 0);
  if (ret < 0) Fail("writing '" + w->path + "'", ret);
  int got = swr_convert(w->swr, out, n, in.data(), n);
  if (got >= 0 && av_audio_fifo_write(w->fifo, reinterpret_cast<void**>(out), got) < got) got = AVERROR(ENOMEM);
  av_freep(&out[0]);
  av_freep(&out);
  if (got < 0) Fail("writing '" + w->path + "': cannot convert the audio", got);
  DrainAudio(w, false);
  return info.Env().Undefined();
}

// videoWriterClose(writer, {abort}): flushes the encoders and writes the trailer (or, with abort, drops the
// unfinished file). The caller renames the temporary file.
Napi::Value VideoWriterClose(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal() || info[0].As<Napi::External<Writer>>().Data()->tag != kWriterTag) {
    throw Napi::TypeError::New(info.Env(), "videoWriterClose: expected a video writer handle");
  }
  Writer* w = info[0].As<Napi::External<Writer>>().Data();
  if (w->done) return info.Env().Undefined();
  const bool abort = info.Length() > 1 && info[1].IsObject() && info[1].As<Napi::Object>().Get("abort").ToBoolean();
  if (abort) {
    w->Abort();
    return info.Env().Undefined();
  }
  try {
    t_last_log.clear();
    if (w->aenc) {
      DrainAudio(w, true);
      Encode(w, w->aenc, w->ast, nullptr);
    }
    Encode(w, w->venc, w->vst, nullptr);
    int ret = av_write_trailer(w->fmt);
    if (ret < 0) Fail("writing '" + w->path + "': cannot finish the file", ret);
    ret = avio_closep(&w->fmt->pb);
    if (ret < 0) Fail("writing '" + w->path + "'", ret);
  } catch (...) {
    w->Abort();
    throw;
  }
  w->Free();
  w->done = true;
  return info.Env().Undefined();
}

Napi::Value VideoBackend(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("available", true);
  auto ver = [](unsigned v) { return std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff); };
  o.Set("libavformat", ver(avformat_version()));
  o.Set("libavcodec", ver(avcodec_version()));
  o.Set("libswscale", ver(swscale_version()));
  o.Set("libswresample", ver(swresample_version()));
  o.Set("libavutil", ver(avutil_version()));
  return o;
}

TSTORCH_EXPORT("videoBackend", VideoBackend);
TSTORCH_EXPORT("videoOpen", VideoOpen);
TSTORCH_EXPORT("videoInfo", VideoInfo);
TSTORCH_EXPORT("videoSeek", VideoSeek);
TSTORCH_EXPORT("videoNext", VideoNext);
TSTORCH_EXPORT("videoFrameData", VideoFrameData);
TSTORCH_EXPORT("videoFrameRelease", VideoFrameRelease);
TSTORCH_EXPORT("videoPacketPts", VideoPacketPts);
TSTORCH_EXPORT("videoClose", VideoClose);
TSTORCH_EXPORT("videoWriterOpen", VideoWriterOpen);
TSTORCH_EXPORT("videoWriterVideo", VideoWriterVideo);
TSTORCH_EXPORT("videoWriterAudio", VideoWriterAudio);
TSTORCH_EXPORT("videoWriterClose", VideoWriterClose);

#endif  // TSTORCH_HAVE_FFMPEG

}  // namespace
}  // namespace tstorch
