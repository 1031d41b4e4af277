//===- Protocol.cpp - the Open Inference Protocol's tensor codec ----------===//

#include "Protocol.h"

#include "tlc/runtime/Limits.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

using namespace tlc::runtime;
using namespace tlc::server;

const char *tlc::server::protocolType(DType t) {
  switch (t) {
  case DType::kF32:
    return "FP32";
  case DType::kF64:
    return "FP64";
  case DType::kF16:
    return "FP16";
  case DType::kBF16:
    return "BF16";
  case DType::kI8:
    return "INT8";
  case DType::kI16:
    return "INT16";
  case DType::kI32:
    return "INT32";
  case DType::kI64:
    return "INT64";
  case DType::kU8:
    return "UINT8";
  case DType::kBool:
    return "BOOL";
  }
  return "UNKNOWN";
}

namespace {

/// The deepest nesting of arrays and objects in JSON text (brackets inside
/// strings do not count); malformed text is the parser's to report.
size_t nestingDepth(const char *text, size_t size) {
  size_t depth = 0, deepest = 0;
  bool inString = false;
  for (size_t i = 0; i < size; ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i; // the escaped character
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

/// The leaves of nested arrays, in order; each must be a number or a bool.
void flatten(const json &value, std::vector<const json *> &out) {
  if (value.is_array()) {
    for (const json &v : value)
      flatten(v, out);
  } else if (value.is_number() || value.is_boolean()) {
    out.push_back(&value);
  } else {
    throw HttpError{400, "tensor data must be numbers"};
  }
}

/// Converts each value to T exactly, or refuses it: an integer type takes
/// integers within its range (a JSON integer beyond int64 parses as a
/// double, and casting it was undefined), a float type finite values within
/// its range. Integers are read as integers, never through a double, so
/// INT64 values above 2^53 keep their digits.
template <typename T>
void store(Tensor &t, const std::vector<const json *> &v) {
  T *p = t.dataAs<T>();
  auto refuse = [&](const json &x) {
    throw HttpError{400, "tensor value " + x.dump() + " does not fit " +
                             protocolType(t.dtype())};
  };
  for (size_t i = 0; i < v.size(); ++i) {
    const json &x = *v[i];
    if (x.is_boolean()) {
      p[i] = static_cast<T>(x.get<bool>());
    } else if constexpr (std::is_integral_v<T>) {
      if (x.is_number_unsigned()) {
        uint64_t u = x.get<uint64_t>();
        if (u > uint64_t(std::numeric_limits<T>::max()))
          refuse(x);
        p[i] = static_cast<T>(u);
      } else if (x.is_number_integer()) {
        int64_t n = x.get<int64_t>();
        if (n < int64_t(std::numeric_limits<T>::min()) ||
            uint64_t(std::max<int64_t>(n, 0)) >
                uint64_t(std::numeric_limits<T>::max()))
          refuse(x);
        p[i] = static_cast<T>(n);
      } else {
        double d = x.get<double>();
        // [min, max + 1) as doubles: both bounds are powers of two.
        double lo = double(std::numeric_limits<T>::min());
        double hi = 2.0 * double(std::numeric_limits<T>::max() / 2 + 1);
        if (!(d >= lo && d < hi) || std::floor(d) != d)
          refuse(x);
        p[i] = static_cast<T>(d);
      }
    } else {
      double d = x.get<double>();
      if (!(std::fabs(d) <= double(std::numeric_limits<T>::max())))
        refuse(x);
      p[i] = static_cast<T>(d);
    }
  }
}

void fillFromNumbers(Tensor &t, const std::vector<const json *> &v) {
  switch (t.dtype()) {
  case DType::kF32:
    return store<float>(t, v);
  case DType::kF64:
    return store<double>(t, v);
  case DType::kI8:
    return store<int8_t>(t, v);
  case DType::kI16:
    return store<int16_t>(t, v);
  case DType::kI32:
    return store<int32_t>(t, v);
  case DType::kI64:
    return store<int64_t>(t, v);
  case DType::kU8:
  case DType::kBool:
    return store<uint8_t>(t, v);
  case DType::kF16:
  case DType::kBF16:
    throw HttpError{400, std::string(protocolType(t.dtype())) +
                             " tensors must be sent as binary data"};
  }
}

template <typename T> json numbers(const Tensor &t) {
  const T *p = t.dataAs<T>();
  return json(std::vector<T>(p, p + t.numElements()));
}

json toJson(const Tensor &t) {
  switch (t.dtype()) {
  case DType::kF32:
    return numbers<float>(t);
  case DType::kF64:
    return numbers<double>(t);
  case DType::kI8:
    return numbers<int8_t>(t);
  case DType::kI16:
    return numbers<int16_t>(t);
  case DType::kI32:
    return numbers<int32_t>(t);
  case DType::kI64:
    return numbers<int64_t>(t);
  case DType::kU8:
    return numbers<uint8_t>(t);
  case DType::kBool: {
    json out = json::array();
    for (int64_t i = 0; i < t.numElements(); ++i)
      out.push_back(t.dataAs<uint8_t>()[i] != 0);
    return out;
  }
  case DType::kF16:
  case DType::kBF16:
    break;
  }
  throw HttpError{400, std::string(protocolType(t.dtype())) +
                           " outputs must be requested as binary data"};
}

} // namespace

InferRequest tlc::server::decodeInferRequest(const std::string &body,
                                             size_t headerLength,
                                             const std::string &model,
                                             const std::vector<PortInfo> &ports,
                                             uint64_t maxTensorBytes) {
  // Code that walks a JSON value recurses (ours, and json::dump when the
  // request's id is echoed): a body nested 100,000 levels deep would
  // overflow the stack, so depth is checked on the bytes first.
  if (nestingDepth(body.data(), headerLength) > kMaxJsonDepth)
    throw HttpError{400, "the request nests deeper than " +
                             std::to_string(kMaxJsonDepth) + " levels"};
  json request;
  try {
    request = json::parse(body.begin(), body.begin() + long(headerLength));
  } catch (const json::parse_error &e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 9:
    // syntax error while parsing value - number overflow ..." -> the part
    // after the exception's tag.
    std::string what = e.what();
    size_t tag = what.find("] ");
    throw HttpError{
        400, "the request is not valid JSON: " +
                 (tag == std::string::npos ? what : what.substr(tag + 2))};
  }
  if (!request.is_object())
    throw HttpError{400, "the request is not a JSON object"};
  if (!request.contains("inputs") || !request["inputs"].is_array())
    throw HttpError{400, "the request has no `inputs` array"};
  size_t blob = headerLength;
  std::vector<NamedTensor> inputs;
  for (const json &in : request["inputs"]) {
    if (!in.is_object() || !in.contains("name") || !in["name"].is_string() ||
        !in.contains("shape") || !in["shape"].is_array() ||
        !in.contains("datatype") || !in["datatype"].is_string())
      throw HttpError{400, "each input needs name, shape and datatype"};
    std::string name = in["name"];
    const PortInfo *port = nullptr;
    for (const PortInfo &p : ports)
      if (p.name == name)
        port = &p;
    if (!port)
      throw HttpError{400, "model '" + model + "' has no input '" + name + "'"};
    for (const NamedTensor &seen : inputs)
      if (seen.first == name)
        throw HttpError{400, "input '" + name + "' is given twice"};
    if (in["shape"].size() > size_t(tlc::kMaxRank))
      throw HttpError{400, "input '" + name + "' has more than " +
                               std::to_string(tlc::kMaxRank) + " dims"};
    if (in["datatype"] != protocolType(port->dtype))
      throw HttpError{400, "input '" + name + "' is " +
                               protocolType(port->dtype) + ", not " +
                               in["datatype"].get<std::string>()};
    std::vector<int64_t> shape;
    for (const json &d : in["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0 ||
          d.get<int64_t>() > (int64_t(1) << 32))
        throw HttpError{400, "input '" + name + "' has a bad shape"};
      shape.push_back(d.get<int64_t>());
    }
    uint64_t count = 1;
    for (int64_t d : shape) {
      if (d && count > (uint64_t(1) << 40) / uint64_t(d))
        throw HttpError{400, "input '" + name + "' is too large"};
      count *= uint64_t(d);
    }
    uint64_t bytes = count * dtypeSize(port->dtype);
    if (bytes > maxTensorBytes)
      throw HttpError{400, "input '" + name + "' is too large"};
    // The data actually sent is checked against the declared shape before
    // the tensor is allocated: a 76-byte request declaring a gigabyte is
    // refused without touching it.
    const json *params =
        in.contains("parameters") ? &in["parameters"] : nullptr;
    if (params && params->contains("binary_data_size")) {
      const json &sizeField = (*params)["binary_data_size"];
      if (!sizeField.is_number_unsigned())
        throw HttpError{400, "input '" + name +
                                 "': binary_data_size is not a byte count"};
      uint64_t size = sizeField.get<uint64_t>();
      if (size != bytes)
        throw HttpError{400, "input '" + name + "': binary_data_size " +
                                 std::to_string(size) +
                                 " but the shape needs " +
                                 std::to_string(bytes) + " bytes"};
      if (size > body.size() - blob)
        throw HttpError{400,
                        "input '" + name + "': the binary data is cut short"};
      Tensor t(port->dtype, shape);
      std::memcpy(t.data(), body.data() + blob, size);
      blob += size;
      inputs.emplace_back(name, std::move(t));
    } else {
      if (!in.contains("data"))
        throw HttpError{400, "input '" + name + "' has no data"};
      std::vector<const json *> values;
      flatten(in["data"], values);
      if (values.size() != count)
        throw HttpError{
            400, "input '" + name + "' has " + std::to_string(values.size()) +
                     " values, its shape needs " + std::to_string(count)};
      Tensor t(port->dtype, shape);
      fillFromNumbers(t, values);
      inputs.emplace_back(name, std::move(t));
    }
  }
  if (blob != body.size())
    throw HttpError{400, "the body has bytes no input claims"};

  return {std::move(request), std::move(inputs)};
}

InferResponse
tlc::server::encodeInferResponse(const InferRequest &req,
                                 const std::string &model,
                                 const std::vector<NamedTensor> &outputs) {
  const json &request = req.header;
  // Which outputs, and which of them as binary data.
  bool binaryDefault = false;
  if (request.contains("parameters") && request["parameters"].is_object() &&
      request["parameters"].contains("binary_data_output"))
    binaryDefault = request["parameters"]["binary_data_output"].get<bool>();
  std::vector<std::pair<const NamedTensor *, bool>> chosen;
  if (request.contains("outputs") && request["outputs"].is_array()) {
    for (const json &o : request["outputs"]) {
      if (!o.is_object() || !o.contains("name") || !o["name"].is_string())
        throw HttpError{400, "each requested output needs a name"};
      const NamedTensor *found = nullptr;
      for (const NamedTensor &t : outputs)
        if (t.first == o["name"])
          found = &t;
      if (!found)
        throw HttpError{400, "model '" + model + "' has no output '" +
                                 o["name"].get<std::string>() + "'"};
      bool binary = binaryDefault;
      if (o.contains("parameters") && o["parameters"].is_object() &&
          o["parameters"].contains("binary_data"))
        binary = o["parameters"]["binary_data"].get<bool>();
      chosen.emplace_back(found, binary);
    }
  } else {
    for (const NamedTensor &t : outputs)
      chosen.emplace_back(&t, binaryDefault);
  }
  json response = {{"model_name", model}, {"model_version", "1"}};
  if (request.contains("id"))
    response["id"] = request["id"];
  std::string blobs;
  response["outputs"] = json::array();
  for (auto [t, binary] : chosen) {
    json out = {{"name", t->first},
                {"datatype", protocolType(t->second.dtype())},
                {"shape", t->second.shape()}};
    if (binary) {
      out["parameters"] = {{"binary_data_size", t->second.byteSize()}};
      blobs.append(reinterpret_cast<const char *>(t->second.data()),
                   t->second.byteSize());
    } else {
      out["data"] = toJson(t->second);
    }
    response["outputs"].push_back(std::move(out));
  }
  return {response.dump(), std::move(blobs)};
}
