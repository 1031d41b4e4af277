//===- Protocol.h - the Open Inference Protocol's tensor codec --*- C++ -*-===//
//
// KServe v2 / Open Inference Protocol: datatypes, an /infer request's
// tensors from JSON (numbers, or the binary extension's blobs after the
// JSON header) and the response's tensors back. Every error is an
// HttpError with the status to answer.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_SERVER_PROTOCOL_H
#define TLC_SERVER_PROTOCOL_H

#include "tlc/runtime/Session.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tlc::server {

using json = nlohmann::json;

/// The deepest a request's JSON may nest: tensors nest their data at most
/// kMaxRank deep, inside a few levels of request.
inline constexpr size_t kMaxJsonDepth = 64;

/// The protocol's name of a dtype ("FP32", ...).
const char *protocolType(runtime::DType t);

/// An HTTP error with its status; `reason` labels it in /metrics.
struct HttpError {
  HttpError(int status, std::string message, std::string reason = "")
      : status(status), message(std::move(message)), reason(std::move(reason)) {
  }
  int status;
  std::string message;
  /// The failure reason in /metrics; empty: derived from the status
  /// (UNAVAILABLE for 503, INTERNAL for other 5xx, else BAD_REQUEST).
  std::string reason;
};

/// Appends the numbers of `value` (nested arrays or flat) in row-major
/// order.

/// An /infer request: the parsed JSON header and the input tensors.
struct InferRequest {
  json header;
  std::vector<runtime::NamedTensor> inputs;
};

/// Decodes `body` (a JSON header of `headerLength` bytes, then the binary
/// extension's blobs) for a model named `model` with these input ports.
/// No input may need more than `maxTensorBytes`.
InferRequest decodeInferRequest(const std::string &body, size_t headerLength,
                                const std::string &model,
                                const std::vector<runtime::PortInfo> &ports,
                                uint64_t maxTensorBytes);

/// The response to `request`: the JSON header, and the binary blobs of the
/// outputs asked for as binary data (empty when none).
struct InferResponse {
  std::string header, blobs;
};
InferResponse
encodeInferResponse(const InferRequest &request, const std::string &model,
                    const std::vector<runtime::NamedTensor> &outputs);

} // namespace tlc::server

#endif // TLC_SERVER_PROTOCOL_H
