#pragma once
// Routes by method and path to handlers. Patterns are literal segments and {name} parameters:
// "/api/v1/orders/{id}" matches "/api/v1/orders/42" with param("id") == "42" (percent-decoded). A literal segment
// wins over a parameter at the same position, so "/orders/export" can sit next to "/orders/{id}".
//
// Three kinds of handler:
//   sync   Response(const Request&)                  runs on the connection's strand; keep it short
//   async  void(const Request&, Responder)           call the Responder later, from any thread (after a store
//                                                    commit, say); the Request stays valid until then
//   sse    void(const Request&, SseStream)           Server-Sent Events, GET only (see sse.hpp)
//
// Build the Router completely before HttpServer::start(); it is read-only (and so thread-safe) afterwards.
// Registration errors (bad pattern, duplicate route) do not throw: the first is kept and start() returns it.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/core/result.hpp"
#include "gateway/http/message.hpp"
#include "gateway/http/sse.hpp"

namespace gw::http {

// Hands an asynchronous handler's response back to its connection. Copyable and thread-safe; the first call wins,
// later calls are ignored. If every copy is destroyed without a call, the client gets a 500 problem instead of a
// connection that hangs until its deadline.
class Responder {
  public:
    explicit Responder(std::function<void(Response)> deliver);
    void operator()(Response response) const;
    bool responded() const;

  private:
    struct State;
    std::shared_ptr<State> state_;
};

using SyncHandler = std::function<Response(const Request&)>;
using AsyncHandler = std::function<void(const Request&, Responder)>;
using SseHandler = std::function<void(const Request&, SseStream)>;

struct RouteOptions {
    std::optional<std::size_t> body_limit;  // overrides ServerOptions::body_limit (bigger for uploads)
};

struct Route {
    Verb method = Verb::get;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    std::variant<SyncHandler, AsyncHandler, SseHandler> handler;
    RouteOptions options;
};

struct RouteMatch {
    enum class Outcome { found, not_found, method_not_allowed };
    Outcome outcome = Outcome::not_found;
    const Route* route = nullptr;  // when found
    Params params;                 // when found
    std::string allow;             // when method_not_allowed: "GET, POST"
};

class Router {
  public:
    Router& add(Verb method, std::string_view pattern, SyncHandler handler, RouteOptions options = {});
    Router& add_async(Verb method, std::string_view pattern, AsyncHandler handler, RouteOptions options = {});
    Router& add_sse(std::string_view pattern, SseHandler handler);

    Router& get(std::string_view pattern, SyncHandler handler) { return add(Verb::get, pattern, std::move(handler)); }
    Router& post(std::string_view pattern, SyncHandler handler, RouteOptions options = {}) {
        return add(Verb::post, pattern, std::move(handler), options);
    }
    Router& put(std::string_view pattern, SyncHandler handler, RouteOptions options = {}) {
        return add(Verb::put, pattern, std::move(handler), options);
    }
    Router& del(std::string_view pattern, SyncHandler handler) {
        return add(Verb::delete_, pattern, std::move(handler));
    }

    // The first registration error, if any.
    Result<void> status() const;

    // segments: the request's percent-decoded path segments ("/a/b" -> {"a","b"}, "/" -> {}).
    RouteMatch match(Verb method, const std::vector<std::string>& segments) const;

    const std::vector<Route>& routes() const { return routes_; }

  private:
    Router& insert(Route route);

    std::vector<Route> routes_;
    std::optional<Error> error_;
};

// Splits a path pattern into segments; "/" -> {}. Exposed for tests.
Result<std::vector<std::string>> split_pattern(std::string_view pattern);

}  // namespace gw::http
