#include "gateway/status/status_reporter.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <openssl/evp.h>

#include "gateway/model/json.hpp"

namespace gw::status {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxCachedOrigins = 10'000;

std::string text_at(const json::value& v, std::initializer_list<std::string_view> path) {
    const json::value* cur = &v;
    for (auto key : path) {
        const auto* obj = cur->if_object();
        if (!obj) return {};
        const auto* next = obj->if_contains(key);
        if (!next) return {};
        cur = next;
    }
    const auto* s = cur->if_string();
    return s ? std::string(*s) : std::string();
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(digits[digest[i] >> 4]);
        out.push_back(digits[digest[i] & 15]);
    }
    return out;
}

}  // namespace

StatusReporter::StatusReporter(store::Store& store, ReporterOptions options)
    : store_(store), options_(std::move(options)) {}

std::optional<StatusReporter::Origin> StatusReporter::origin_of(std::int64_t message_id) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = origins_.find(message_id); it != origins_.end()) return it->second;
    }
    auto message = store_.get_message(message_id);
    if (!message) return std::nullopt;
    Origin origin{message->channel, message->sender};
    std::lock_guard lock(mutex_);
    if (origins_.size() >= kMaxCachedOrigins) origins_.clear();
    origins_.emplace(message_id, origin);
    return origin;
}

std::optional<StatusDestination> StatusReporter::destination_for_channel(const std::string& channel) const {
    for (const auto& d : options_.destinations)
        if (d.channel == channel) return d;
    return std::nullopt;
}

std::optional<StatusDestination> StatusReporter::destination_for(const store::OrderRecord& order) {
    if (options_.destinations.empty() || !order.message_id) return std::nullopt;
    auto origin = origin_of(*order.message_id);
    if (!origin) return std::nullopt;
    auto d = destination_for_channel(origin->channel);
    if (!d) return std::nullopt;
    // Answer whoever sent the order, unless the deployment names the receiver.
    const auto caret = origin->sender.find('^');
    if (d->receiving_application.empty()) d->receiving_application = origin->sender.substr(0, caret);
    if (d->receiving_facility.empty() && caret != std::string::npos) {
        d->receiving_facility = origin->sender.substr(caret + 1);
    }
    return d;
}

Result<std::optional<store::NewOutboxItem>> StatusReporter::report(const store::OrderRecord& order,
                                                                   const model::OrderEvent& event,
                                                                   const ReportOverrides& overrides) {
    auto destination = destination_for(order);
    if (!destination) return std::optional<store::NewOutboxItem>{};
    boost::system::error_code ec;
    const auto canonical = json::parse(order.canonical_json, ec);
    if (ec) {
        return make_error(ErrorCode::internal, fmt::format("order {}: stored order is not JSON: {}", order.id,
                                                           ec.message()));
    }
    const auto event_json = model::to_json(event);
    const std::string event_text = model::to_json_string(event);
    // One id per distinct report: the same event (re-sent by the grocer, re-polled) gives the same id and key.
    const std::string control_id =
        "GW" + sha256_hex(order.id + "|" + event_text + "|" + overrides.order_control + "|" +
                          overrides.answers_control_id)
                   .substr(0, 18);
    const std::string order_control_id = text_at(canonical, {"source", "control_id"});
    const std::string answers = overrides.answers_control_id.empty() ? order_control_id : overrides.answers_control_id;
    std::string placer = text_at(canonical, {"source", "placer_order_number"});
    if (placer.empty()) placer = order.external_ref;

    mapping::Params params;
    const mapping::Mapping* m = destination->mapping.get();
    if (destination->format == ReportFormat::hl7_ors_o06) {
        params["original_control_id"] = answers;
        params["placer_order_number"] = placer;
        params["control_id"] = control_id;
        if (!overrides.order_control.empty()) params["order_control"] = overrides.order_control;
        if (!destination->receiving_application.empty()) {
            params["receiving_application"] = destination->receiving_application;
        }
        if (!destination->receiving_facility.empty()) params["receiving_facility"] = destination->receiving_facility;
    } else {
        params["original_msg_id"] = answers;
        params["original_issue_date"] = text_at(canonical, {"created_at"});
        params["receiver_name"] = destination->receiving_application;
    }
    if (!m) {
        return make_error(ErrorCode::internal,
                          fmt::format("no outbound mapping for channel {}'s status reports", destination->channel));
    }
    mapping::RunOptions run;
    run.params = &params;
    auto out = m->run_json(event_json, run);
    if (!out) {
        auto e = std::move(out).error();
        e.message = fmt::format("status report for order {} ({}): {}", order.id, m->file(), e.message);
        return e;
    }
    store::NewOutboxItem item;
    item.destination = destination->destination;
    item.order_id = order.id;
    item.kind = store::OutboxKind::status_report;
    item.payload = out->text;
    item.idempotency_key = "status:" + order.id + ":" + control_id;
    return std::optional<store::NewOutboxItem>(std::move(item));
}

}  // namespace gw::status
