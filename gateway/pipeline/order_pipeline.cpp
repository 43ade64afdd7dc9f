#include "gateway/pipeline/order_pipeline.hpp"

#include <set>

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "gateway/log/log.hpp"
#include "gateway/pipeline/order_id.hpp"

namespace gw::pipeline {

namespace json = boost::json;

struct OrderPipeline::Prepared {
    store::OrderWithDelivery order;
    std::string destination;
    std::string shadow;  // the route's shadow vendor, or empty
    bool cancel = false;  // a cancel, handled by on_cancel: no order to create (order.id names the one concerned)
};

namespace {

std::string text_at(const json::value& v, std::initializer_list<std::string_view> path) {
    const json::value* cur = &v;
    for (auto key : path) {
        const auto* obj = cur->if_object();
        if (!obj) return {};
        auto it = obj->find(key);
        if (it == obj->end()) return {};
        cur = &it->value();
    }
    const auto* s = cur->if_string();
    return s ? std::string(*s) : std::string();
}

}  // namespace

OrderPipeline::OrderPipeline(store::Store& store, PipelineOptions options)
    : store_(store), options_(std::move(options)) {
    if (!options_.config) {
        auto fixed = std::make_shared<PipelineConfig>();
        fixed->channels = options_.channels;
        fixed->router = options_.router;
        fixed_config_ = std::move(fixed);
    }
}

std::shared_ptr<const PipelineConfig> OrderPipeline::current_config() const {
    if (options_.config) {
        if (auto config = options_.config()) return config;
    }
    return fixed_config_ ? fixed_config_ : std::make_shared<const PipelineConfig>();
}

OrderPipeline::~OrderPipeline() { stop(); }

void OrderPipeline::start() {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    thread_ = std::thread([this] {
        if (auto found = recover(); !found) {
            log::error("pipeline.recover_failed", {{"error", found.error().to_string()}});
        } else if (*found > 0) {
            log::info("pipeline.recovered", {{"messages", *found}});
        }
        run();
    });
}

void OrderPipeline::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void OrderPipeline::submit(std::int64_t message_id) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;  // stays `received`; the next start recovers it
        if (queue_.size() >= options_.queue_capacity) {
            log::warn("pipeline.queue_full", {{"message_id", message_id}});
            return;
        }
        queue_.push_back(message_id);
    }
    wake_.notify_one();
}

OrderPipeline::Stats OrderPipeline::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void OrderPipeline::run() {
    std::vector<std::int64_t> batch;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            const auto has_work = [this] { return stopping_ || !queue_.empty(); };
            if (options_.sweep_every.count() <= 0) {
                wake_.wait(lock, has_work);
            } else if (!wake_.wait_for(lock, options_.sweep_every, has_work)) {
                lock.unlock();
                sweep();
                continue;
            }
            if (queue_.empty()) return;  // stopping, and everything queued is done
            batch.clear();
            while (!queue_.empty() && batch.size() < options_.max_batch) {
                batch.push_back(queue_.front());
                queue_.pop_front();
            }
        }
        process_batch(batch);
    }
}

Result<OrderPipeline::Prepared> OrderPipeline::prepare(std::int64_t message_id, const PipelineConfig& config) {
    auto message = store_.get_message(message_id);
    if (!message) return std::move(message).error();
    if (message->state != store::MessageState::received && message->state != store::MessageState::failed) {
        return make_error(ErrorCode::conflict,
                          fmt::format("message {} is {}, not waiting to become an order", message_id,
                                      store::to_string(message->state)));
    }
    auto channel = config.channels.find(message->channel);
    if (channel == config.channels.end()) {
        return make_error(ErrorCode::not_found, fmt::format("no inbound mapping for channel '{}'", message->channel));
    }
    auto canonical = mapping::translate_hl7_to_care_order(*channel->second, message->raw);
    if (!canonical) return std::move(canonical).error();
    if (text_at(*canonical, {"action"}) == "cancel") {
        // Without a handler cancels are kept as failed messages, so nothing is silently dropped.
        if (!options_.on_cancel) {
            return make_error(ErrorCode::unsupported, "cancel requests (ORC-1 = CA) are not forwarded");
        }
        auto concerned = options_.on_cancel(*message, *canonical);
        if (!concerned) return std::move(concerned).error();
        if (auto marked = store_.mark_message(message_id, store::MessageState::processed, std::nullopt); !marked) {
            return std::move(marked).error();
        }
        Prepared p;
        p.cancel = true;
        p.order.order.id = std::move(concerned).value();
        p.order.order.message_id = message_id;
        return p;
    }
    const auto municipality = text_at(*canonical, {"municipality", "number"});
    const auto district = text_at(*canonical, {"municipality", "district"});
    if (!config.router) return make_error(ErrorCode::not_found, "no routes configured");
    // The contract in force on the day the message arrived (Europe/Oslo): the order keeps this vendor for life.
    auto route = config.router->choose(municipality, district, message->received_at);
    if (!route) return std::move(route).error();

    Prepared p;
    auto& order = p.order.order;
    order.id = new_order_id(options_.clock());
    (*canonical).as_object()["gateway_id"] = order.id;
    order.message_id = message_id;
    order.canonical_json = json::serialize(*canonical);
    order.municipality = municipality;
    order.vendor = route->vendor;
    order.external_ref = text_at(*canonical, {"source", "placer_order_number"});
    order.state = "routed";
    p.destination = "vendor:" + route->vendor;
    p.shadow = route->shadow;
    auto& delivery = p.order.first_delivery;
    delivery.destination = p.destination;
    delivery.order_id = order.id;
    delivery.kind = store::OutboxKind::submit;
    delivery.payload = order.canonical_json;
    delivery.idempotency_key = order.id;
    return p;
}

void OrderPipeline::fail(std::int64_t message_id, const Error& error) {
    log::warn("pipeline.message_failed", {{"message_id", message_id}, {"error", error.to_string()}});
    if (error.code == ErrorCode::conflict) return;  // already an order: nothing to mark
    if (auto marked = store_.mark_message(message_id, store::MessageState::failed, error); !marked) {
        log::error("pipeline.mark_failed", {{"message_id", message_id}, {"error", marked.error().to_string()}});
    }
    std::lock_guard lock(mutex_);
    ++stats_.failed;
}

void OrderPipeline::shadow(const PipelineConfig& config, const Prepared& prepared) {
    if (prepared.shadow.empty() || !config.shadow) return;
    const auto& order = prepared.order.order;
    config.shadow(ShadowOrder{order.id, order.vendor, prepared.shadow, order.municipality, order.canonical_json});
}

void OrderPipeline::process_batch(const std::vector<std::int64_t>& ids) {
    // One config for the whole batch, even if a reload swaps it meanwhile.
    const auto config = current_config();
    std::vector<store::OrderWithDelivery> orders;
    std::vector<Prepared> prepared;
    for (const auto id : ids) {
        auto p = prepare(id, *config);
        if (!p) {
            fail(id, p.error());
            continue;
        }
        if (p->cancel) continue;  // handled by on_cancel: no order to create
        orders.push_back(p->order);
        prepared.push_back(std::move(*p));
    }
    if (orders.empty()) return;
    auto created = store_.create_orders(orders);
    if (!created) {
        // The store is unavailable: the messages stay `received` and are recovered at the next start.
        log::error("pipeline.store_failed", {{"orders", orders.size()}, {"error", created.error().to_string()}});
        return;
    }
    std::set<std::string> destinations;
    std::uint64_t ok = 0;
    for (std::size_t i = 0; i < created->size(); ++i) {
        const auto& order = prepared[i].order.order;
        if (!(*created)[i]) {
            fail(*order.message_id, (*created)[i].error());
            continue;
        }
        ++ok;
        destinations.insert(prepared[i].destination);
        log::info("pipeline.order_created", {{"message_id", *order.message_id},
                                             {"order_id", order.id},
                                             {"vendor", order.vendor},
                                             {"external_ref", order.external_ref},
                                             {"config", config->generation}});
        shadow(*config, prepared[i]);
    }
    {
        std::lock_guard lock(mutex_);
        stats_.orders += ok;
        ++stats_.batches;
    }
    if (options_.on_queued) {
        for (const auto& d : destinations) options_.on_queued(d);
    }
}

Result<Processed> OrderPipeline::process(std::int64_t message_id) {
    const auto config = current_config();
    auto p = prepare(message_id, *config);
    if (!p) {
        fail(message_id, p.error());
        return std::move(p).error();
    }
    if (p->cancel) return Processed{message_id, p->order.order.id, {}, {}, 0};
    auto outbox_id = store_.create_order(p->order.order, p->order.first_delivery);
    if (!outbox_id) return std::move(outbox_id).error();
    shadow(*config, *p);
    if (options_.on_queued) options_.on_queued(p->destination);
    return Processed{message_id, p->order.order.id, p->order.order.vendor, p->destination, *outbox_id};
}

void OrderPipeline::sweep() {
    // Idle here, so nothing of ours is queued: a message still `received` this long after it arrived was left by
    // another instance that died between its ACK and the order, or by a store failure. Another instance working on
    // the same message at the same moment is harmless: a message becomes at most one order.
    auto found = recover(options_.clock() - options_.sweep_older_than);
    if (!found) {
        log::warn("pipeline.sweep_failed", {{"error", found.error().to_string()}});
    } else if (*found > 0) {
        log::info("pipeline.swept", {{"messages", *found}});
    }
}

Result<std::size_t> OrderPipeline::recover(std::optional<store::TimePoint> received_before) {
    std::size_t found = 0;
    store::MessageQuery query;
    query.state = store::MessageState::received;
    query.to = received_before;
    query.page.limit = 500;
    std::vector<std::int64_t> ids;
    for (;;) {
        auto page = store_.find_messages(query);
        if (!page) return std::move(page).error();
        for (const auto& m : page->items) ids.push_back(m.id);
        if (!page->next_cursor) break;
        query.page.cursor = page->next_cursor;
    }
    // Pages come newest first; orders are made in arrival order.
    std::sort(ids.begin(), ids.end());
    found = ids.size();
    for (std::size_t i = 0; i < ids.size(); i += options_.max_batch) {
        const auto end = std::min(ids.size(), i + options_.max_batch);
        process_batch(std::vector<std::int64_t>(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                                ids.begin() + static_cast<std::ptrdiff_t>(end)));
    }
    return found;
}

}  // namespace gw::pipeline
