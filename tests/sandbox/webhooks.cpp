#include "webhooks.hpp"

#include <memory>

#include <boost/asio/steady_timer.hpp>

namespace sandbox {

namespace {

constexpr int max_attempts = 3;
constexpr std::chrono::milliseconds retry_pause{250};

void attempt(Sandbox& sandbox, std::shared_ptr<const Callback> callback, int number);

void schedule(Sandbox& sandbox, std::shared_ptr<const Callback> callback, int number, std::chrono::milliseconds delay) {
    auto timer = std::make_shared<boost::asio::steady_timer>(sandbox.io(), delay);
    timer->async_wait([&sandbox, timer, callback, number](const boost::system::error_code& ec) {
        if (!ec) attempt(sandbox, callback, number);
    });
}

void attempt(Sandbox& sandbox, std::shared_ptr<const Callback> callback, int number) {
    gw::httpclient::HttpRequest request;
    request.method = gw::httpclient::Verb::post;
    request.url = callback->url;
    request.headers = callback->headers;
    request.body = callback->body;
    request.total_timeout = std::chrono::seconds(5);
    sandbox.client().request(std::move(request), [&sandbox, callback, number](gw::Result<gw::httpclient::HttpResponse> r) {
        boost::json::object entry{{"vendor", name_of(callback->vendor)},
                                  {"url", callback->url},
                                  {"what", callback->label},
                                  {"attempt", number},
                                  {"at", sandbox.now_iso()}};
        bool retry = false;
        if (r) {
            entry["status"] = r->status;
            retry = r->status >= 500;
        } else {
            entry["error"] = r.error().message;
            retry = true;
        }
        sandbox.log_webhook(std::move(entry));
        if (retry && number < max_attempts) schedule(sandbox, callback, number + 1, retry_pause);
    });
}

}  // namespace

void send_later(Sandbox& sandbox, Callback callback, std::chrono::milliseconds delay) {
    if (callback.url.empty()) return;
    schedule(sandbox, std::make_shared<const Callback>(std::move(callback)), 1, delay);
}

}  // namespace sandbox
