//===- Connection.h - one deadline for each whole request -------*- C++ -*-===//
//
// cpp-httplib's read timeout applies to each read: a client that sends a
// byte a second never times out and holds a worker for as long as it likes
// (a handful of them lock out the server). HttpServer takes over the
// connection loop: each request's headers and body must arrive within
// `requestDeadline` of its first byte, and its response must leave within
// `requestDeadline` of its first byte written; a keep-alive connection may
// idle `keepAliveTimeout` between requests. A request the server refused
// before reading its body (too large, chunked, encoded) closes the
// connection: the unread body is never parsed as the next request. The
// listening socket queues SOMAXCONN connections, not cpp-httplib's 5.
//
//===----------------------------------------------------------------------===//

#ifndef TLC_SERVER_CONNECTION_H
#define TLC_SERVER_CONNECTION_H

#include <httplib.h>

#include <arpa/inet.h>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tlc::server {

class HttpServer : public httplib::Server {
public:
  using Clock = std::chrono::steady_clock;

  explicit HttpServer(std::chrono::milliseconds requestDeadline)
      : requestDeadline(requestDeadline) {}

  /// Widens the queue of connections the kernel holds before the server
  /// accepts them: cpp-httplib listens with a backlog of 5, and a burst of
  /// clients beyond it on a busy machine sees its connections dropped or
  /// reset. Call after binding; false if the socket refuses.
  bool widenBacklog() { return ::listen(svr_sock_, SOMAXCONN) == 0; }

  /// Called by a handler that answers without reading the request's body:
  /// the connection closes after this response.
  static void closeAfterResponse() { closeRequested() = true; }

private:
  static bool &closeRequested() {
    thread_local bool flag = false;
    return flag;
  }

  /// A socket whose reads and writes share one deadline per direction.
  class DeadlineStream : public httplib::Stream {
  public:
    DeadlineStream(int sock, std::chrono::milliseconds budget)
        : sock(sock), budget(budget) {}

    /// A new request starts: its reading clock starts now.
    void startRequest() {
      deadline = Clock::now() + budget;
      writing = false;
    }
    /// Whether a read or write gave up: the deadline passed or the peer
    /// hung up. The connection is then closed, not kept alive.
    bool broken() const { return failed; }
    bool is_readable() const override { return wait(POLLIN); }
    bool is_writable() const override { return wait(POLLOUT); }
    ssize_t read(char *ptr, size_t size) override {
      if (writing) // a keep-alive client pipelining: a new reading clock
        startRequest();
      if (!wait(POLLIN))
        return -1;
      ssize_t n;
      do
        n = ::recv(sock, ptr, size, 0);
      while (n < 0 && errno == EINTR);
      return n;
    }
    ssize_t write(const char *ptr, size_t size) override {
      if (!writing) { // the response's clock starts with its first byte
        writing = true;
        deadline = Clock::now() + budget;
      }
      if (!wait(POLLOUT))
        return -1;
      ssize_t n;
      do
        n = ::send(sock, ptr, size, MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      return n;
    }
    void get_remote_ip_and_port(std::string &ip, int &port) const override {
      address(&::getpeername, ip, port);
    }
    void get_local_ip_and_port(std::string &ip, int &port) const override {
      address(&::getsockname, ip, port);
    }
    socket_t socket() const override { return sock; }

  private:
    /// Waits until the socket is ready for `events`, at most until the
    /// deadline; false when it passed or the peer hung up.
    bool wait(short events) const {
      for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - Clock::now())
                        .count();
        if (left <= 0) {
          failed = true;
          return false;
        }
        pollfd p{sock, events, 0};
        int rc = ::poll(&p, 1, int(std::min<int64_t>(left, 1 << 30)));
        if (rc < 0 && errno == EINTR)
          continue;
        bool ready = rc > 0 && (p.revents & (events | POLLHUP)) &&
                     !(p.revents & (POLLERR | POLLNVAL));
        if (!ready)
          failed = true;
        return ready;
      }
    }
    using NameFn = int (*)(int, sockaddr *, socklen_t *);
    void address(NameFn fn, std::string &ip, int &port) const {
      sockaddr_storage addr{};
      socklen_t len = sizeof(addr);
      ip.clear();
      port = 0;
      if (fn(sock, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
        return;
      char text[INET6_ADDRSTRLEN] = {};
      if (addr.ss_family == AF_INET) {
        auto *a = reinterpret_cast<sockaddr_in *>(&addr);
        ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
        port = ntohs(a->sin_port);
      } else if (addr.ss_family == AF_INET6) {
        auto *a = reinterpret_cast<sockaddr_in6 *>(&addr);
        ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
        port = ntohs(a->sin6_port);
      }
      ip = text;
    }

    int sock;
    std::chrono::milliseconds budget;
    Clock::time_point deadline = Clock::now();
    bool writing = false;
    mutable bool failed = false;
  };

  bool process_and_close_socket(socket_t sock) override {
    DeadlineStream stream(sock, requestDeadline);
    bool ok = true;
    for (size_t count = keep_alive_max_count_; count > 0 && is_running();
         --count) {
      // Idle between requests for at most the keep-alive timeout.
      pollfd p{sock, POLLIN, 0};
      int rc;
      do
        rc = ::poll(&p, 1, int(keep_alive_timeout_sec_ * 1000));
      while (rc < 0 && errno == EINTR);
      if (rc <= 0 || !(p.revents & POLLIN))
        break;
      stream.startRequest();
      closeRequested() = false;
      bool closed = false;
      ok = process_request(stream, /*close_connection=*/count == 1, closed,
                           nullptr);
      if (closeRequested()) {
        lingeringClose(sock);
        break;
      }
      if (!ok || closed || stream.broken())
        break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  /// After a response to a request whose body was not read: stop sending,
  /// and discard what the client still sends for a moment (at most 1 s and
  /// 16 MiB), so that it gets to read the answer instead of a reset.
  static void lingeringClose(socket_t sock) {
    ::shutdown(sock, SHUT_WR);
    auto until = Clock::now() + std::chrono::seconds(1);
    size_t drained = 0;
    char sink[1 << 16];
    while (drained < (size_t(16) << 20)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      until - Clock::now())
                      .count();
      pollfd p{sock, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, int(left)) <= 0)
        return;
      ssize_t n = ::recv(sock, sink, sizeof(sink), 0);
      if (n <= 0)
        return;
      drained += size_t(n);
    }
  }

  std::chrono::milliseconds requestDeadline;
};

} // namespace tlc::server

#endif // TLC_SERVER_CONNECTION_H
