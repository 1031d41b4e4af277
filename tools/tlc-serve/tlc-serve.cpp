//===- tlc-serve.cpp - serve compiled artifacts over HTTP -----------------===//
//
//   tlc-serve MODEL.tlb [--model NAME=PATH]... [--host H] [--port P]
//             [--workers N] [--threads N] [--max-batch-size B]
//             [--batch-timeout-us T] [--max-body-mb M]
//             [--request-deadline-ms T] [--max-image-pixels N] ...
//
// The KServe v2 / Open Inference Protocol REST API (runtime/server). Links
// the runtime only. Stops cleanly on SIGINT/SIGTERM.
//
//===----------------------------------------------------------------------===//

#include "Server.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <pthread.h>
#include <thread>

int main(int argc, char **argv) {
  CLI::App app{"tlc-serve: serve tlc artifacts with the Open Inference "
               "Protocol (KServe v2 REST)"};
  tlc::server::ServerOptions options;
  std::vector<std::string> positional, named;
  int maxBodyMb = 256;
  app.add_option("MODEL.tlb", positional,
                 "Artifacts to serve, named after their file (stem)");
  app.add_option("--model", named, "NAME=PATH; repeatable");
  app.add_option("--host", options.host, "Address to listen on")
      ->capture_default_str();
  app.add_option("--port", options.port, "Port (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  app.add_option("--workers", options.workers,
                 "HTTP worker threads (one per open connection)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--keep-alive-requests", options.keepAliveRequests,
                 "Requests per keep-alive connection before it is closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 30));
  app.add_option("--queue", options.queueLimit,
                 "Connections waiting for a worker before accept() blocks")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 16));
  app.add_option("--threads", options.threads,
                 "Kernel threads per model (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("--max-batch-size", options.maxBatch,
                 "Dynamic batching: run concurrent requests of a model "
                 "together, up to this many samples (1: off)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t(1), int64_t(1) << 20));
  app.add_option("--batch-timeout-us", options.batchTimeoutUs,
                 "How long a batch waits for more requests")
      ->capture_default_str()
      ->check(CLI::Range(int64_t(0), int64_t(10000000)));
  app.add_option("--max-queue", options.maxQueue,
                 "Requests a model holds waiting; beyond that, 503")
      ->capture_default_str()
      ->check(CLI::Range(int64_t(1), int64_t(1) << 20));
  app.add_option("--request-timeout-ms", options.requestTimeoutMs,
                 "Answer 503 to a request not done in time (0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t(0), int64_t(1) << 30));
  app.add_option("--request-deadline-ms", options.requestDeadlineMs,
                 "Time a client has to send a whole request, and to take "
                 "its whole response; then the connection is closed")
      ->capture_default_str()
      ->check(CLI::Range(int64_t(100), int64_t(1) << 30));
  app.add_option("--keep-alive-timeout", options.keepAliveTimeoutS,
                 "Seconds a keep-alive connection may idle between requests")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--max-image-pixels", options.maxImagePixels,
                 "The most pixels of an image sent to /classify")
      ->capture_default_str()
      ->check(CLI::Range(int64_t(1), int64_t(1) << 28));
  std::string logLevel = "errors";
  app.add_option("--log", logLevel,
                 "Request log on stderr: none, errors or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "errors", "all"}));
  app.add_option("--max-body-mb", maxBodyMb, "Largest request body, in MiB")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 14));
  CLI11_PARSE(app, argc, argv);
  options.maxBodyBytes = size_t(maxBodyMb) << 20;
  options.logLevel = logLevel == "none" ? 0 : logLevel == "errors" ? 1 : 2;

  std::vector<std::pair<std::string, std::string>> models;
  for (const std::string &path : positional)
    models.emplace_back(std::filesystem::path(path).stem().string(), path);
  for (const std::string &spec : named) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      std::cerr << "tlc-serve: error: --model expects NAME=PATH, got '" << spec
                << "'\n";
      return 2;
    }
    models.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
  }
  if (models.empty()) {
    std::cerr << "tlc-serve: error: no model to serve (tlc-serve MODEL.tlb)\n";
    return 2;
  }

  // Signals go to one thread that acts on them outside signal context:
  // SIGINT/SIGTERM stop accepting and let in-flight and queued requests
  // finish; SIGHUP reloads every artifact (a failed reload keeps the old
  // model serving). Every other thread inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  tlc::server::InferenceServer server(options);
  for (const auto &[name, path] : models)
    if (auto s = server.addModel(name, path); !s) {
      std::cerr << "tlc-serve: error: " << s.message() << "\n";
      return 1;
    }
  std::thread signalThread([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0)
        continue;
      if (sig == SIGHUP) {
        auto s = server.reloadAll();
        std::cerr << "tlc-serve: "
                  << (s ? std::string("reloaded every model")
                        : "reload: " + s.message())
                  << std::endl;
        continue;
      }
      std::cerr << "tlc-serve: stopping (signal " << sig << ")" << std::endl;
      server.stop();
      return;
    }
  });
  auto status = server.serve([&](int port) {
    std::cout << "tlc-serve: " << models.size() << " model(s) on http://"
              << options.host << ":" << port << "/v2" << std::endl;
  });
  if (!status) {
    std::cerr << "tlc-serve: error: " << status.message() << "\n";
    pthread_kill(signalThread.native_handle(), SIGTERM);
    signalThread.join();
    return 1;
  }
  signalThread.join();
  return 0;
}
