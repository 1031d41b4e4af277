//===- CApi.cpp - the C ABI of the tlc runtime ----------------------------===//

#include "tlc/runtime/tlc_runtime.h"

#include "tlc/runtime/Session.h"

#include <new>

using namespace tlc::runtime;

struct tlc_session {
  Session session;
};

struct tlc_outputs {
  std::vector<NamedTensor> tensors;
};

namespace {

thread_local std::string lastError;

tlc_status fail(const Status &status) {
  lastError = status.message();
  return static_cast<tlc_status>(status.code());
}

tlc_status invalid(const char *message) {
  lastError = message;
  return TLC_INVALID_ARGUMENT;
}

} // namespace

extern "C" {

const char *tlc_last_error(void) { return lastError.c_str(); }

tlc_status tlc_session_load(const char *path, int threads, tlc_session **out) {
  if (!path || !out)
    return invalid("tlc_session_load: null argument");
  SessionOptions options;
  options.threads = threads;
  auto session = Session::load(path, options);
  if (!session)
    return fail(session.status());
  *out = new (std::nothrow) tlc_session{std::move(session.value())};
  return *out ? TLC_OK : fail(Status(StatusCode::kInternal, "out of memory"));
}

void tlc_session_free(tlc_session *session) { delete session; }

size_t tlc_session_num_inputs(const tlc_session *s) {
  return s ? s->session.inputs().size() : 0;
}
const char *tlc_session_input_name(const tlc_session *s, size_t i) {
  return s && i < s->session.inputs().size()
             ? s->session.inputs()[i].name.c_str()
             : nullptr;
}
size_t tlc_session_num_outputs(const tlc_session *s) {
  return s ? s->session.outputs().size() : 0;
}
const char *tlc_session_output_name(const tlc_session *s, size_t i) {
  return s && i < s->session.outputs().size()
             ? s->session.outputs()[i].name.c_str()
             : nullptr;
}

tlc_status tlc_session_run_f32(tlc_session *session,
                               const tlc_tensor_in *inputs, size_t num_inputs,
                               tlc_outputs **out) {
  if (!session || !out || (num_inputs && !inputs))
    return invalid("tlc_session_run_f32: null argument");
  // The caller's buffers are read in place.
  std::vector<NamedView> feeds;
  for (size_t i = 0; i < num_inputs; ++i) {
    const tlc_tensor_in &in = inputs[i];
    if (!in.name || !in.data || (in.rank && !in.shape))
      return invalid("tlc_session_run_f32: incomplete input");
    std::vector<int64_t> shape(in.shape, in.shape + in.rank);
    for (int64_t d : shape)
      if (d < 0)
        return invalid("tlc_session_run_f32: negative dim");
    feeds.emplace_back(in.name, TensorView{DType::kF32, shape, in.data});
  }
  auto results = session->session.run(feeds);
  if (!results)
    return fail(results.status());
  *out = new (std::nothrow) tlc_outputs{std::move(results.value())};
  return *out ? TLC_OK : fail(Status(StatusCode::kInternal, "out of memory"));
}

size_t tlc_outputs_count(const tlc_outputs *o) {
  return o ? o->tensors.size() : 0;
}
const char *tlc_outputs_name(const tlc_outputs *o, size_t i) {
  return o && i < o->tensors.size() ? o->tensors[i].first.c_str() : nullptr;
}
const float *tlc_outputs_data(const tlc_outputs *o, size_t i) {
  if (!o || i >= o->tensors.size() ||
      o->tensors[i].second.dtype() != DType::kF32)
    return nullptr;
  return o->tensors[i].second.dataAs<float>();
}
const int64_t *tlc_outputs_shape(const tlc_outputs *o, size_t i, size_t *rank) {
  if (!o || i >= o->tensors.size())
    return nullptr;
  const auto &shape = o->tensors[i].second.shape();
  if (rank)
    *rank = shape.size();
  return shape.data();
}
void tlc_outputs_free(tlc_outputs *outputs) { delete outputs; }

} // extern "C"
