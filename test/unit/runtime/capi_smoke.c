/* capi_smoke.c - drives the C ABI: load MODEL.tlb, feed 0.01 * i to its
 * single input of the given shape, print the first output's values one per
 * line. test/artifact/check_capi.py compares them with `tlc run`. */
#include "tlc/runtime/tlc_runtime.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: capi_smoke MODEL.tlb D0 [D1 ...]\n");
    return 2;
  }
  size_t rank = (size_t)(argc - 2), count = 1;
  int64_t shape[16];
  for (size_t i = 0; i < rank && i < 16; ++i) {
    shape[i] = atoll(argv[i + 2]);
    count *= (size_t)shape[i];
  }
  tlc_session *session;
  if (tlc_session_load(argv[1], 1, &session) != TLC_OK) {
    fprintf(stderr, "load: %s\n", tlc_last_error());
    return 1;
  }
  float *data = malloc(count * sizeof(float));
  for (size_t i = 0; i < count; ++i)
    data[i] = 0.01f * (float)(i % 100);
  tlc_tensor_in in = {tlc_session_input_name(session, 0), data, shape, rank};
  tlc_outputs *out;
  if (tlc_session_run_f32(session, &in, 1, &out) != TLC_OK) {
    fprintf(stderr, "run: %s\n", tlc_last_error());
    /* Everything is released on errors too (LeakSanitizer checks). */
    tlc_session_free(session);
    free(data);
    return 1;
  }
  size_t outRank;
  const int64_t *dims = tlc_outputs_shape(out, 0, &outRank);
  size_t n = 1;
  for (size_t i = 0; i < outRank; ++i)
    n *= (size_t)dims[i];
  const float *values = tlc_outputs_data(out, 0);
  for (size_t i = 0; i < n; ++i)
    printf("%.9g\n", values[i]);
  /* A wrong input name is an error with a message, not a crash. */
  tlc_tensor_in bad = {"no-such-input", data, shape, rank};
  tlc_outputs *none;
  if (tlc_session_run_f32(session, &bad, 1, &none) != TLC_INVALID_ARGUMENT ||
      tlc_last_error()[0] == '\0') {
    fprintf(stderr, "a bad input name was not rejected\n");
    tlc_outputs_free(out);
    tlc_session_free(session);
    free(data);
    return 1;
  }
  tlc_outputs_free(out);
  tlc_session_free(session);
  free(data);
  return 0;
}
