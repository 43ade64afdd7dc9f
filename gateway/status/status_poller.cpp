#include "gateway/status/status_poller.hpp"

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <openssl/evp.h>

#include "gateway/log/log.hpp"
#include "gateway/model/json.hpp"

namespace gw::status {
namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

// The states worth asking about: the grocer has the order and has not finished with it.
constexpr std::string_view kOpenStates[] = {"submitted", "accepted", "partially_accepted", "picking",
                                            "out_for_delivery"};

std::string short_hash(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < 8 && i < length; ++i) {
        out.push_back(digits[digest[i] >> 4]);
        out.push_back(digits[digest[i] & 15]);
    }
    return out;
}

}  // namespace

std::string poll_event_id(const model::OrderEvent& event) {
    auto json = model::to_json(event);
    const auto lines = boost::json::serialize(json.as_object()["lines"]);
    return fmt::format("poll:{}:{}:{}", event.order_id, model::to_string(event.state), short_hash(lines));
}

struct StatusPoller::Impl : std::enable_shared_from_this<StatusPoller::Impl> {
    struct Tracked {
        SteadyClock::time_point next_at;
        std::chrono::milliseconds interval{0};
        bool in_flight = false;
    };
    struct Vendor {
        PollVendor spec;
        std::map<std::string, Tracked> orders;  // open orders of this vendor by id
        std::size_t in_flight = 0;
    };

    Impl(asio::io_context& io_context, store::Store& s, StatusIngest& i, PollerOptions o)
        : io(io_context), store(s), ingest(i), options(o), guard(asio::make_work_guard(work)), timer(work) {}

    asio::io_context& io;
    store::Store& store;
    StatusIngest& ingest;
    PollerOptions options;
    asio::io_context work;  // the poller thread: store calls, scheduling
    asio::executor_work_guard<asio::io_context::executor_type> guard;
    asio::steady_timer timer;
    std::vector<std::unique_ptr<Vendor>> vendors;
    std::thread thread;
    bool stopping = false;
    std::atomic<std::uint64_t> polls{0}, changes{0}, failures{0};

    void schedule() {
        if (stopping) return;
        timer.expires_after(options.tick);
        timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
            auto self = weak.lock();
            if (!ec && self) self->round();
        });
    }

    void round() {
        // Several gateways on one PostgreSQL store: one of them polls the grocers (an advisory lock; SQLite: always
        // this one). An instance that takes the lead over rebuilds its list of open orders in refresh().
        if (auto lead = store.try_lead("status.poll"); lead && *lead) {
            for (auto& v : vendors) refresh(*v);
            for (auto& v : vendors) launch_due(*v);
        }
        schedule();
    }

    // Which orders are open now: new ones are polled at once, the ones that left the open states are forgotten.
    void refresh(Vendor& v) {
        std::set<std::string> open;
        for (auto state : kOpenStates) {
            store::OrderQuery q;
            q.vendor = v.spec.config.vendor;
            q.state = std::string(state);
            q.page.limit = v.spec.config.poll->batch;
            auto page = store.find_orders(q);
            if (!page) {
                log::warn("status.poll_list_failed", {{"vendor", q.vendor}, {"error", page.error().to_string()}});
                return;  // keep what we know; try again next round
            }
            for (const auto& o : page->items) open.insert(o.id);
        }
        const auto now = SteadyClock::now();
        for (auto it = v.orders.begin(); it != v.orders.end();) {
            if (!open.count(it->first) && !it->second.in_flight) {
                it = v.orders.erase(it);
            } else {
                ++it;
            }
        }
        for (const auto& id : open) v.orders.try_emplace(id, Tracked{now, v.spec.config.poll->interval, false});
    }

    void launch_due(Vendor& v) {
        const auto now = SteadyClock::now();
        for (auto& [id, t] : v.orders) {
            if (stopping || v.in_flight >= options.max_in_flight) return;
            if (t.in_flight || t.next_at > now) continue;
            poll(v, id, t);
        }
    }

    void poll(Vendor& v, const std::string& id, Tracked& t) {
        auto order = store.get_order(id);
        if (!order) {
            log::warn("status.poll_order_unreadable", {{"order_id", id}, {"error", order.error().to_string()}});
            t.next_at = SteadyClock::now() + t.interval;
            return;
        }
        adapters::DeliveryRequest request;
        request.order_id = id;
        request.idempotency_key = "poll:" + id;
        request.vendor_order_ref = order->vendor_order_ref;
        request.timeout = options.operation_timeout;
        boost::system::error_code ec;
        request.order = boost::json::parse(order->canonical_json, ec);
        t.in_flight = true;
        ++v.in_flight;
        polls.fetch_add(1);
        v.spec.adapter->run(adapters::Operation::status, std::move(request),
                            // Weak: an answer that comes after stop() must not keep the poller alive.
                            [weak = weak_from_this(), vp = &v, id](adapters::DeliveryOutcome outcome) {
                                auto self = weak.lock();
                                if (!self) return;
                                asio::post(self->work, [weak, vp, id, outcome = std::move(outcome)]() mutable {
                                    if (auto alive = weak.lock()) alive->answered(*vp, id, std::move(outcome));
                                });
                            });
    }

    void answered(Vendor& v, const std::string& id, adapters::DeliveryOutcome outcome) {
        --v.in_flight;
        auto it = v.orders.find(id);
        if (stopping || it == v.orders.end()) return;
        Tracked& t = it->second;
        t.in_flight = false;
        const bool changed = outcome.outcome == adapters::Outcome::success && ingest_answer(v, id, outcome.body);
        if (outcome.outcome != adapters::Outcome::success) {
            failures.fetch_add(1);
            log::warn("status.poll_failed", {{"vendor", v.spec.config.vendor},
                                             {"order_id", id},
                                             {"outcome", adapters::to_string(outcome.outcome)},
                                             {"error", outcome.error}});
        }
        const auto& poll = *v.spec.config.poll;
        t.interval = changed ? poll.interval : std::min(t.interval * 2, poll.max_interval);
        t.next_at = SteadyClock::now() + t.interval;
        launch_due(v);
    }

    // True when the order's state moved.
    bool ingest_answer(Vendor& v, const std::string& id, const std::string& body) {
        IncomingStatus in;
        in.vendor = v.spec.config.vendor;
        in.key = v.spec.config.order_key;
        in.source = "poll";
        in.raw = body;
        in.known_order_id = id;
        mapping::Params params = v.spec.params;
        params["vendor"] = in.vendor;
        params["order_id"] = id;
        mapping::RunOptions run;
        run.params = &params;
        auto mapped = v.spec.config.mapping->run(body, run);
        if (!mapped) {
            in.error = std::move(mapped).error();
        } else if (auto event = model::order_event_from_value(mapped->json); !event) {
            in.error = std::move(event).error();
        } else {
            in.event = std::move(event).value();
            in.event.order_id = id;
            if (!in.event.vendor_event_id) in.event.vendor_event_id = poll_event_id(in.event);
        }
        if (in.error) failures.fetch_add(1);
        const auto result = ingest.process(std::move(in));
        if (result.state_changed) changes.fetch_add(1);
        return result.state_changed;
    }
};

StatusPoller::StatusPoller(asio::io_context& io, store::Store& store, StatusIngest& ingest,
                           std::vector<PollVendor> vendors, PollerOptions options)
    : impl_(std::make_shared<Impl>(io, store, ingest, options)) {
    for (auto& v : vendors) {
        if (!v.adapter || !v.config.poll) continue;
        auto vendor = std::make_unique<Impl::Vendor>();
        vendor->spec = std::move(v);
        impl_->vendors.push_back(std::move(vendor));
    }
}

StatusPoller::~StatusPoller() { stop(); }

void StatusPoller::start() {
    if (impl_->thread.joinable() || impl_->vendors.empty()) return;
    asio::post(impl_->work, [impl = impl_] { impl->round(); });
    impl_->thread = std::thread([impl = impl_] { impl->work.run(); });
}

void StatusPoller::stop() {
    if (!impl_->thread.joinable()) return;
    asio::post(impl_->work, [impl = impl_] {
        impl->stopping = true;
        impl->timer.cancel();
        impl->guard.reset();
        impl->work.stop();
    });
    impl_->thread.join();
}

PollerStats StatusPoller::stats() const {
    return PollerStats{impl_->polls.load(), impl_->changes.load(), impl_->failures.load()};
}

}  // namespace gw::status
