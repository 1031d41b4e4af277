//===- Server.h - the Open Inference Protocol over tlc artifacts -*- C++
//-*-===//
//
// `tlc-serve` (and `tlc serve`) serves compiled artifacts over HTTP with the
// KServe v2 / Open Inference Protocol REST API, on cpp-httplib. It links the
// runtime only: no MLIR, LLVM or protobuf.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_SERVER_SERVER_H
#define TLC_SERVER_SERVER_H

#include "tlc/runtime/Status.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tlc::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;
  /// HTTP worker threads, one per open connection (a keep-alive connection
  /// holds its worker between requests); connections beyond them wait in a
  /// bounded queue.
  int workers = 64;
  /// Requests served on one keep-alive connection before the server closes
  /// it, so that connections take turns on the workers.
  int keepAliveRequests = 100;
  /// Connections that may wait for a worker before accept() blocks.
  int queueLimit = 64;
  /// Kernel threads per model session (0: all cores).
  int threads = 0;
  /// Dynamic batching: requests of one model that arrive within
  /// `batchTimeoutUs` are run together, up to `maxBatch` samples.
  int64_t maxBatch = 1;
  int64_t batchTimeoutUs = 2000;
  /// The largest request body accepted, in bytes.
  size_t maxBodyBytes = size_t(256) << 20;
  /// Requests a model may hold waiting; beyond that, 503.
  int64_t maxQueue = 256;
  /// A request not answered within this is a 503 (0: no limit).
  int64_t requestTimeoutMs = 0;
  /// A request's headers and body must arrive within this of its first
  /// byte, and its response must be taken within this of its first byte
  /// sent; else the connection is closed (slow clients never hold a worker
  /// for longer).
  int64_t requestDeadlineMs = 30000;
  /// Seconds a keep-alive connection may idle between requests.
  int keepAliveTimeoutS = 5;
  /// The most pixels an image sent to /classify may have (2^26: 8192x8192).
  int64_t maxImagePixels = int64_t(1) << 26;
  /// Request log on stderr: 0 none, 1 errors, 2 every request.
  int logLevel = 1;
};

class InferenceServer {
public:
  explicit InferenceServer(ServerOptions options);
  ~InferenceServer();

  /// Loads the artifact at `path` as model `name`.
  runtime::Status addModel(const std::string &name, const std::string &path);
  /// Loads every model's artifact again; a model whose reload fails keeps
  /// serving the old one (the failures are returned, one per line).
  runtime::Status reloadAll();

  /// Binds and serves until stop(); fails if the address cannot be bound.
  /// `onReady` runs once listening, with the port (useful with port 0).
  runtime::Status serve(const std::function<void(int port)> &onReady = {});
  void stop();

  struct Impl;

private:
  std::unique_ptr<Impl> impl_;
};

} // namespace tlc::server

#endif // TLC_SERVER_SERVER_H
