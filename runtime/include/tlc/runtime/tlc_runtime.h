/*===- tlc_runtime.h - the C ABI of the tlc runtime -----------------------===*
 *
 * A small, stable C interface over tlc::runtime::Session for bindings
 * (Python ctypes, Rust, Go, ...). Every function returns a status code;
 * on failure tlc_last_error() returns a message for the calling thread.
 * Objects returned through out-parameters are owned by the caller and freed
 * with the matching *_free function.
 *
 *   tlc_session *s;
 *   if (tlc_session_load("model.tlb", 0, &s) != TLC_OK) puts(tlc_last_error());
 *   tlc_tensor_in in = {"input", data, shape, 4};
 *   tlc_outputs *out;
 *   tlc_session_run_f32(s, &in, 1, &out);
 *   const float *logits = tlc_outputs_data(out, 0);
 *   tlc_outputs_free(out);
 *   tlc_session_free(s);
 *
 *===----------------------------------------------------------------------===*/

#ifndef TLC_RUNTIME_TLC_RUNTIME_H
#define TLC_RUNTIME_TLC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  TLC_OK = 0,
  TLC_INVALID_ARGUMENT = 1,
  TLC_NOT_FOUND = 2,
  TLC_DATA_LOSS = 3,
  TLC_UNIMPLEMENTED = 4,
  TLC_INTERNAL = 5,
  TLC_IO_ERROR = 6,
} tlc_status;

typedef struct tlc_session tlc_session;
typedef struct tlc_outputs tlc_outputs;

/* A float32 input tensor, row-major; the caller keeps it alive during run. */
typedef struct {
  const char *name;
  const float *data;
  const int64_t *shape;
  size_t rank;
} tlc_tensor_in;

/* The message of the last failure on this thread ("" if none). */
const char *tlc_last_error(void);

/* threads = 0: all cores. */
tlc_status tlc_session_load(const char *path, int threads, tlc_session **out);
void tlc_session_free(tlc_session *session);

size_t tlc_session_num_inputs(const tlc_session *session);
const char *tlc_session_input_name(const tlc_session *session, size_t index);
size_t tlc_session_num_outputs(const tlc_session *session);
const char *tlc_session_output_name(const tlc_session *session, size_t index);

tlc_status tlc_session_run_f32(tlc_session *session,
                               const tlc_tensor_in *inputs, size_t num_inputs,
                               tlc_outputs **out);

size_t tlc_outputs_count(const tlc_outputs *outputs);
const char *tlc_outputs_name(const tlc_outputs *outputs, size_t index);
const float *tlc_outputs_data(const tlc_outputs *outputs, size_t index);
/* Writes the rank to *rank and returns the dims. */
const int64_t *tlc_outputs_shape(const tlc_outputs *outputs, size_t index,
                                 size_t *rank);
void tlc_outputs_free(tlc_outputs *outputs);

#ifdef __cplusplus
}
#endif

#endif /* TLC_RUNTIME_TLC_RUNTIME_H */
