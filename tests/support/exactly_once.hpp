#pragma once
// Test support for the "nothing ACKed is ever lost, nothing is delivered twice" tests (crash_test, multi_instance):
// unique orders made from a shipped sample, the accept-ACK check, what the grocer sandbox received, and the final
// verdict over the store and the grocer.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "gateway/httpclient/blocking_client.hpp"

namespace gw::testing {

// mappings/inbound/samples/oms-o05-one-line.hl7 with its control id (MSH-10) and placer order number (ORC-2) made
// unique; the placer order number is what the PEPPOL grocer records as its external reference.
inline std::string unique_order_message(const std::string& sample, const std::string& control_id,
                                        const std::string& placer) {
    std::string msg = sample;
    auto replace = [&msg](std::string_view from, const std::string& to) {
        auto pos = msg.find(from);
        if (pos != std::string::npos) msg.replace(pos, from.size(), to);
    };
    replace("|MSG00004|", "|" + control_id + "|");
    replace("ORC|NW|BK-2026-004714|", "ORC|NW|" + placer + "|");
    for (auto& c : msg) {
        if (c == '\n') c = '\r';
    }
    return msg;
}

// An accept ACK in original (AA) or enhanced (CA) mode.
inline bool accept_ack(std::string_view ack) {
    return ack.find("MSA|AA|") != std::string_view::npos || ack.find("MSA|CA|") != std::string_view::npos;
}

// The sandbox's accepted orders: external reference -> how many times it was received.
inline std::map<std::string, int> grocer_orders(httpclient::BlockingHttpClient& http, const std::string& orders_url) {
    std::map<std::string, int> out;
    auto r = http.request(httpclient::HttpRequest::get(orders_url));
    if (!r || r->status != 200) return out;
    boost::system::error_code ec;
    auto v = boost::json::parse(r->body, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& o : v.as_array()) {
        const auto* ref = o.as_object().if_contains("external_ref");
        if (ref && ref->is_string()) ++out[std::string(ref->as_string())];
    }
    return out;
}

// The verdict, once no delivery is open: no reference twice at the grocer, every acknowledged order there, and
// nothing half applied — every stored message is exactly one order with exactly one finished delivery, and the
// grocer has exactly the stored orders. `count` runs a `select count(*) ...` on the store.
inline void expect_exactly_once(const std::map<std::string, int>& grocer, const std::set<std::string>& acked,
                                const std::function<long long(const std::string&)>& count) {
    for (const auto& [ref, n] : grocer) EXPECT_EQ(n, 1) << ref << " reached the grocer " << n << " times";
    std::size_t missing = 0;
    for (const auto& ref : acked) {
        if (grocer.contains(ref)) continue;
        ADD_FAILURE() << "acknowledged order " << ref << " never reached the grocer";
        if (++missing > 10) break;
    }
    const long long messages = count("select count(*) from inbound_message");
    EXPECT_EQ(count("select count(*) from inbound_message where state <> 'processed'"), 0);
    EXPECT_EQ(count("select count(*) from orders"), messages);
    EXPECT_EQ(count("select count(*) from outbox where state = 'done'"), messages);
    EXPECT_EQ(count("select count(*) from outbox where state = 'dead'"), 0);
    EXPECT_EQ(static_cast<long long>(grocer.size()), messages);
    EXPECT_GE(messages, static_cast<long long>(acked.size()));
}

}  // namespace gw::testing
