//===- Server.cpp - the Open Inference Protocol over tlc artifacts --------===//
//
// Routes (KServe v2 REST):
//   GET  /v2/health/live, /v2/health/ready, /v2
//   GET  /v2/models/{name}, /v2/models/{name}/ready
//   POST /v2/models/{name}/infer      JSON tensors, or the binary extension
//   POST /v2/models/{name}/classify   an encoded image -> top-k labels
// Errors are {"error": "..."}: 400 bad input, 404 unknown model or route,
// 411/415 for bodies this server refuses to stream (chunked, encoded), 413
// too large, 503 not ready.
//
//===----------------------------------------------------------------------===//

#include "Server.h"

#include "Batcher.h"
#include "Connection.h"
#include "Metrics.h"
#include "Protocol.h"
#include "WorkerPool.h"

#include "tlc/runtime/Data.h"
#include "tlc/runtime/Session.h"
#include "tlc/runtime/Train.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

using namespace tlc::runtime;
using namespace tlc::server;
using json = nlohmann::json;

//===----------------------------------------------------------------------===//
// The server
//===----------------------------------------------------------------------===//

struct InferenceServer::Impl {
  explicit Impl(ServerOptions o)
      : options(std::move(o)),
        http(std::chrono::milliseconds(options.requestDeadlineMs)) {}

  ServerOptions options;
  /// Runs in flight across models: the cores over the threads of a run.
  std::shared_ptr<RunSlots> slots = std::make_shared<RunSlots>(
      options.threads > 0
          ? int(std::max(1u, std::thread::hardware_concurrency()) /
                unsigned(options.threads))
          : 1);
  /// Handlers hold a model while they use it; a reload swaps the pointer.
  std::mutex modelsMutex;
  std::map<std::string, std::shared_ptr<Model>> models;
  std::map<std::string, std::string> paths;
  HttpServer http;

  StatusOr<std::shared_ptr<Model>> load(const std::string &name,
                                        const std::string &path) {
    SessionOptions sessionOptions;
    sessionOptions.threads = options.threads;
    sessionOptions.copyArtifact = true; // artifacts may be replaced in place
    auto session = Session::load(path, sessionOptions);
    if (!session)
      return session.status();
    auto model =
        std::make_shared<Model>(name, std::move(*session), options, slots);
    // A trained head enables /classify.
    if (auto head = Head::load(path)) {
      if (auto pre = Preprocessing::fromMetadata(head->metadata)) {
        model->head = std::move(*head);
        model->pre = *pre;
      }
    }
    return model;
  }

  Status reload(const std::string &name) {
    std::string path;
    {
      std::lock_guard<std::mutex> lock(modelsMutex);
      auto it = paths.find(name);
      if (it == paths.end())
        return Status(StatusCode::kNotFound, "unknown model '" + name + "'");
      path = it->second;
    }
    auto model = load(name, path);
    if (!model)
      return Status(model.status().code(), "reloading '" + name +
                                               "' failed, the old model keeps "
                                               "serving: " +
                                               model.status().message());
    std::lock_guard<std::mutex> lock(modelsMutex);
    models[name] = std::move(*model);
    return Status::ok();
  }

  std::string prometheus() {
    std::vector<std::shared_ptr<Model>> all;
    {
      std::lock_guard<std::mutex> lock(modelsMutex);
      for (auto &[n, m] : models)
        all.push_back(m);
    }
    return renderMetrics(all);
  }

  static void reply(httplib::Response &res, int status, const json &body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }
  static void error(httplib::Response &res, int status,
                    const std::string &message) {
    reply(res, status, json{{"error", message}});
  }

  std::shared_ptr<Model> find(const std::string &name, httplib::Response &res) {
    std::lock_guard<std::mutex> lock(modelsMutex);
    auto it = models.find(name);
    if (it == models.end()) {
      error(res, 404, "unknown model '" + name + "'");
      return nullptr;
    }
    return it->second;
  }

  json metadata(const Model &m) {
    auto ports = [](const std::vector<PortInfo> &list) {
      json out = json::array();
      for (const PortInfo &p : list)
        out.push_back({{"name", p.name},
                       {"datatype", protocolType(p.dtype)},
                       {"shape", p.shape}});
      return out;
    };
    return {{"name", m.name},
            {"versions", {"1"}},
            {"platform", "tlc"},
            {"inputs", ports(m.session.inputs())},
            {"outputs", ports(m.session.outputs())}};
  }

  void infer(Model &m, const httplib::Request &req, httplib::Response &res) {
    // The JSON header, and with the binary extension the blobs after it.
    size_t headerLength = req.body.size();
    if (req.has_header("Inference-Header-Content-Length")) {
      try {
        headerLength = std::stoull(
            req.get_header_value("Inference-Header-Content-Length"));
      } catch (...) {
        throw HttpError{400, "Inference-Header-Content-Length is not a number"};
      }
      if (headerLength > req.body.size())
        throw HttpError{400,
                        "Inference-Header-Content-Length exceeds the body"};
    }
    InferRequest request =
        decodeInferRequest(req.body, headerLength, m.name, m.session.inputs(),
                           uint64_t(options.maxBodyBytes) * 4);
    std::vector<NamedTensor> outputs = m.run(std::move(request.inputs));
    InferResponse response = encodeInferResponse(request, m.name, outputs);
    if (response.blobs.empty()) {
      res.set_content(response.header, "application/json");
    } else {
      res.set_header("Inference-Header-Content-Length",
                     std::to_string(response.header.size()));
      res.set_content(response.header + response.blobs,
                      "application/octet-stream");
    }
  }

  void classify(Model &m, const httplib::Request &req, httplib::Response &res) {
    if (!m.head || !m.pre)
      throw HttpError{400,
                      "model '" + m.name +
                          "' has no trained head (train it with tlc train)"};
    int64_t k = 5;
    if (req.has_param("top_k")) {
      try {
        k = std::stoll(req.get_param_value("top_k"));
      } catch (...) {
        throw HttpError{400, "top_k is not a number"};
      }
    }
    int64_t classes = m.head->classes();
    k = std::clamp<int64_t>(k, 1, classes);
    auto image = decodeImage(reinterpret_cast<const uint8_t *>(req.body.data()),
                             req.body.size(), "the request body",
                             options.maxImagePixels);
    if (!image)
      throw HttpError{400, image.status().message()};
    const Preprocessing &pre = *m.pre;
    Tensor input(DType::kF32, {1, 3, pre.crop, pre.crop});
    if (Status s = preprocess(*image, pre, input.dataAs<float>()); !s)
      throw HttpError{400, s.message()};
    std::vector<NamedTensor> outputs =
        m.run({{m.session.inputs()[0].name, std::move(input)}});
    json top = json::array();
    for (auto [c, probability] :
         topClasses(outputs[0].second.dataAs<float>(), classes, k)) {
      std::string label = size_t(c) < m.head->classNames.size()
                              ? m.head->classNames[c]
                              : std::to_string(c);
      top.push_back(
          {{"class", label}, {"index", c}, {"probability", probability}});
    }
    reply(res, 200, {{"model_name", m.name}, {"top", top}});
  }

  /// Wraps a model's handler: finds the model (404), counts the request
  /// once in /metrics (success, or failure by reason), and turns HttpError
  /// and JSON errors into {"error": ...}.
  template <typename Fn> httplib::Server::Handler modelRoute(Fn fn) {
    return [this, fn](const httplib::Request &req, httplib::Response &res) {
      std::shared_ptr<Model> m = find(req.matches[1], res);
      if (!m)
        return;
      try {
        (this->*fn)(*m, req, res);
        ++m->metrics.success;
      } catch (const HttpError &e) {
        m->metrics.fail(!e.reason.empty() ? e.reason
                        : e.status == 503 ? "UNAVAILABLE"
                        : e.status >= 500 ? "INTERNAL"
                                          : "BAD_REQUEST");
        error(res, e.status, e.message);
      } catch (const json::exception &e) {
        m->metrics.fail("BAD_REQUEST");
        error(res, 400, std::string("bad request: ") + e.what());
      } catch (const std::bad_alloc &) {
        m->metrics.fail("INTERNAL");
        error(res, 503, "out of memory for this request");
      }
    };
  }

  void routes() {
    http.new_task_queue = [this] {
      return new BoundedPool(options.workers, options.queueLimit);
    };
    http.set_payload_max_length(options.maxBodyBytes);
    // Responses go out as several writes: without TCP_NODELAY, Nagle and
    // the client's delayed ACK add ~40 ms to every request.
    http.set_tcp_nodelay(true);
    // cpp-httplib closes a keep-alive connection after 5 requests by
    // default: every fifth request paid a new connection (a latency tail).
    http.set_keep_alive_max_count(size_t(options.keepAliveRequests));
    http.set_keep_alive_timeout(options.keepAliveTimeoutS);
    // Bodies are read before handlers run; refuse, before reading them,
    // the ones too large for the limit, those whose size it cannot bound
    // (chunked) and those that would be inflated (Content-Encoding). The
    // connection then closes: the unread body is not the next request.
    http.set_pre_routing_handler([this](const httplib::Request &req,
                                        httplib::Response &res) {
      auto refuse = [&](int status, const std::string &message) {
        error(res, status, message);
        res.set_header("Connection", "close");
        HttpServer::closeAfterResponse();
        return httplib::Server::HandlerResponse::Handled;
      };
      if (req.has_header("Content-Length")) {
        const std::string &text = req.get_header_value("Content-Length");
        if (text.empty() ||
            text.find_first_not_of("0123456789") != std::string::npos)
          return refuse(400, "Content-Length '" + text.substr(0, 32) +
                                 "' is not a byte count");
        // Over 19 digits is past any limit (and past uint64 at 20).
        if (text.size() > 19 || std::stoull(text) > options.maxBodyBytes)
          return refuse(413, "the request body of " + text.substr(0, 32) +
                                 " bytes is larger than the server's limit "
                                 "of " +
                                 std::to_string(options.maxBodyBytes) +
                                 " (--max-body-mb)");
      }
      if (req.method == "POST") {
        std::string te = req.get_header_value("Transfer-Encoding");
        std::transform(te.begin(), te.end(), te.begin(), ::tolower);
        if (te.find("chunked") != std::string::npos)
          return refuse(411, "chunked request bodies are not accepted; send "
                             "Content-Length");
        if (req.has_header("Content-Encoding") &&
            req.get_header_value("Content-Encoding") != "identity")
          return refuse(415, "encoded request bodies are not accepted");
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    // Anything else a handler throws is a 500 with a JSON body, never a
    // dead worker.
    http.set_exception_handler([](const httplib::Request &,
                                  httplib::Response &res,
                                  std::exception_ptr thrown) {
      std::string what = "unknown error";
      try {
        std::rethrow_exception(thrown);
      } catch (const std::exception &e) {
        what = e.what();
      } catch (...) {
      }
      error(res, 500, "internal error: " + what);
    });
    http.set_error_handler([](const httplib::Request &,
                              httplib::Response &res) {
      if (res.body.empty()) {
        std::string what = res.status == 404   ? "no such route"
                           : res.status == 413 ? "the request body is too large"
                                               : "request failed";
        error(res, res.status, what);
      }
    });
    http.Get("/v2/health/live",
             [](const httplib::Request &, httplib::Response &res) {
               reply(res, 200, {{"live", true}});
             });
    http.Get("/v2/health/ready", [this](const httplib::Request &,
                                        httplib::Response &res) {
      std::lock_guard<std::mutex> lock(modelsMutex);
      reply(res, models.empty() ? 503 : 200, {{"ready", !models.empty()}});
    });
    http.Get("/v2", [](const httplib::Request &, httplib::Response &res) {
      reply(res, 200,
            {{"name", "tlc"},
             {"version", "0.1.0"},
             {"extensions",
              {"binary_tensor_data", "classification", "model_repository"}}});
    });
    http.Get(R"(/v2/models/([A-Za-z0-9_.\-]+))",
             [this](const httplib::Request &req, httplib::Response &res) {
               if (auto m = find(req.matches[1], res))
                 reply(res, 200, metadata(*m));
             });
    http.Get(R"(/v2/models/([A-Za-z0-9_.\-]+)/ready)",
             [this](const httplib::Request &req, httplib::Response &res) {
               if (auto m = find(req.matches[1], res))
                 reply(res, 200, {{"name", m->name}, {"ready", true}});
             });
    http.Get("/metrics",
             [this](const httplib::Request &, httplib::Response &res) {
               res.set_content(prometheus(), "text/plain; version=0.0.4");
             });
    // The repository extension's load: reread a model's artifact.
    http.Post(R"(/v2/repository/models/([A-Za-z0-9_.\-]+)/load)",
              [this](const httplib::Request &req, httplib::Response &res) {
                Status s = reload(req.matches[1]);
                if (s)
                  reply(res, 200, {{"name", req.matches[1]}, {"loaded", true}});
                else
                  error(res, s.code() == StatusCode::kNotFound ? 404 : 400,
                        s.message());
              });
    if (options.logLevel > 0)
      http.set_logger(
          [this](const httplib::Request &req, const httplib::Response &res) {
            if (options.logLevel < 2 && res.status < 400)
              return;
            std::string line = req.method + " " + req.path + " " +
                               std::to_string(res.status) + " " +
                               std::to_string(req.body.size()) + "B -> " +
                               std::to_string(res.body.size()) + "B";
            if (res.status >= 400 && res.body.size() < 300)
              line += " " + res.body;
            std::fprintf(stderr, "tlc-serve: %s\n", line.c_str());
          });
    http.Post(R"(/v2/models/([A-Za-z0-9_.\-]+)/infer)",
              modelRoute(&Impl::infer));
    http.Post(R"(/v2/models/([A-Za-z0-9_.\-]+)/classify)",
              modelRoute(&Impl::classify));
  }
};

InferenceServer::InferenceServer(ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->routes();
}

InferenceServer::~InferenceServer() = default;

Status InferenceServer::addModel(const std::string &name,
                                 const std::string &path) {
  if (name.empty() || name.find_first_not_of(
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "0123456789_.-") != std::string::npos)
    return invalidArgument("model name '" + name +
                           "' must be letters, digits, '_', '.' or '-'");
  if (impl_->models.count(name))
    return invalidArgument("model '" + name + "' is given twice");
  auto model = impl_->load(name, path);
  if (!model)
    return model.status();
  std::lock_guard<std::mutex> lock(impl_->modelsMutex);
  impl_->models[name] = std::move(*model);
  impl_->paths[name] = path;
  return Status::ok();
}

Status InferenceServer::reloadAll() {
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(impl_->modelsMutex);
    for (auto &[name, path] : impl_->paths)
      names.push_back(name);
  }
  std::string failures;
  for (const std::string &name : names)
    if (Status s = impl_->reload(name); !s)
      failures += (failures.empty() ? "" : "\n") + s.message();
  return failures.empty() ? Status::ok() : invalidArgument(failures);
}

Status InferenceServer::serve(const std::function<void(int)> &onReady) {
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(impl_->options.host);
    if (port <= 0)
      return ioError("cannot bind " + impl_->options.host);
  } else if (!impl_->http.bind_to_port(impl_->options.host, port)) {
    return ioError("cannot bind " + impl_->options.host + ":" +
                   std::to_string(port) + " (in use, or not allowed)");
  }
  if (!impl_->http.widenBacklog())
    return ioError("cannot listen on " + impl_->options.host + ":" +
                   std::to_string(port));
  if (onReady)
    onReady(port);
  if (!impl_->http.listen_after_bind())
    return ioError("the server stopped with an error");
  return Status::ok();
}

void InferenceServer::stop() { impl_->http.stop(); }
