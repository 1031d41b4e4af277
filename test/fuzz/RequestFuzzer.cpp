//===- RequestFuzzer.cpp - untrusted inference requests -------------------===//
//
// libFuzzer target: the bytes are an /infer request body as the server
// reads it: the first two bytes say how long its JSON header is (the
// Inference-Header-Content-Length of the binary extension; 0: all of it),
// the rest is the body. The codec must answer every body with tensors that
// match the model's ports or an HttpError (the server's 400); a request
// that decodes is answered (its inputs echoed as outputs) through the
// response encoder. Any other exception, a crash or a sanitizer report is
// a finding.
//
//===----------------------------------------------------------------------===//

#include "Protocol.h"

#include <cstdint>
#include <cstdlib>

using namespace tlc::runtime;
using namespace tlc::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  size_t split = size_t(data[0]) << 8 | data[1];
  std::string body(reinterpret_cast<const char *>(data) + 2, size - 2);
  size_t header = split == 0 || split > body.size() ? body.size() : split;
  static const std::vector<PortInfo> ports = {{"x", DType::kF32, {-1, 3, 2, 2}},
                                              {"ids", DType::kI64, {-1}},
                                              {"mask", DType::kBool, {-1, 4}},
                                              {"half", DType::kF16, {2}}};
  try {
    InferRequest request = decodeInferRequest(body, header, "net", ports,
                                              /*maxTensorBytes=*/1 << 20);
    for (const NamedTensor &t : request.inputs) {
      const PortInfo *port = nullptr;
      for (const PortInfo &p : ports)
        if (p.name == t.first)
          port = &p;
      if (!port || t.second.dtype() != port->dtype)
        std::abort();
    }
    encodeInferResponse(request, "net", request.inputs);
  } catch (const HttpError &) {
  } catch (const json::exception &) { // the server's 400 "bad request"
  }
  return 0;
}
