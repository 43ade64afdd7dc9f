// The metrics registry and its text exposition, checked by a strict parser of the format (what Prometheus accepts).
#include <thread>

#include <gtest/gtest.h>

#include "gateway/ops/gateway_metrics.hpp"
#include "gateway/ops/metrics.hpp"
#include "tests/gateway/ops/exposition_parser.hpp"

namespace gw::ops {
namespace {

using testing::parse_exposition;

TEST(Metrics, CountersGaugesAndHistogramsRenderAsValidExposition) {
    Registry r;
    auto& requests = r.counter("app_requests_total", "Requests by code", {"code"});
    requests.with({"200"}).inc(3);
    requests.with({"500"}).inc();
    r.gauge("app_temperature_celsius", "A gauge").with({}).set(-1.5);
    auto& latency = r.histogram("app_latency_seconds", "Latency", {"route"}, {0.1, 0.5, 1});
    for (double v : {0.05, 0.1, 0.3, 0.7, 2.0}) latency.with({"/a"}).observe(v);

    const auto text = r.render();
    const auto parsed = parse_exposition(text);
    ASSERT_TRUE(parsed.ok()) << parsed.error << "\n" << text;
    const auto& req = parsed.families.at("app_requests_total");
    EXPECT_EQ(req.type, "counter");
    EXPECT_EQ(req.help, "Requests by code");
    EXPECT_EQ(req.value({{"code", "200"}}), 3);
    EXPECT_EQ(req.value({{"code", "500"}}), 1);
    EXPECT_EQ(parsed.families.at("app_temperature_celsius").value({}), -1.5);
    const auto& h = parsed.families.at("app_latency_seconds");
    EXPECT_EQ(h.type, "histogram");
    // le is inclusive: 0.1 falls into the 0.1 bucket.
    EXPECT_EQ(h.value({{"route", "/a"}, {"le", "0.1"}}, "_bucket"), 2);
    EXPECT_EQ(h.value({{"route", "/a"}, {"le", "0.5"}}, "_bucket"), 3);
    EXPECT_EQ(h.value({{"route", "/a"}, {"le", "1"}}, "_bucket"), 4);
    EXPECT_EQ(h.value({{"route", "/a"}, {"le", "+Inf"}}, "_bucket"), 5);
    EXPECT_EQ(h.value({{"route", "/a"}}, "_count"), 5);
    EXPECT_NEAR(*h.value({{"route", "/a"}}, "_sum"), 3.15, 1e-9);
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
    Registry r;
    r.counter("x_total", "line one\nback\\slash", {"v"}).with({"quote\" back\\ nl\n"}).inc();
    const auto text = r.render();
    EXPECT_NE(text.find(R"(# HELP x_total line one\nback\\slash)"), std::string::npos) << text;
    EXPECT_NE(text.find(R"(x_total{v="quote\" back\\ nl\n"} 1)"), std::string::npos) << text;
    const auto parsed = parse_exposition(text);
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    EXPECT_EQ(parsed.families.at("x_total").value({{"v", "quote\" back\\ nl\n"}}), 1);
}

TEST(Metrics, BadNamesAndConflictingRegistrationsAreRefused) {
    Registry r;
    EXPECT_FALSE(r.try_counter("9bad", "h"));
    EXPECT_FALSE(r.try_counter("has-dash_total", "h"));
    EXPECT_FALSE(r.try_counter("ok_total", "h", {"__reserved"}));
    EXPECT_FALSE(r.try_histogram("h_seconds", "h", {"le"}, {1}));
    EXPECT_FALSE(r.try_histogram("h2_seconds", "h", {}, {2, 1}));
    ASSERT_TRUE(r.try_counter("same_total", "h", {"a"}));
    EXPECT_TRUE(r.try_counter("same_total", "h", {"a"}));  // same shape: the same family
    auto conflict = r.try_gauge("same_total", "h", {"a"});
    ASSERT_FALSE(conflict);
    EXPECT_EQ(conflict.error().code, ErrorCode::conflict);
    EXPECT_TRUE(parse_exposition(r.render()).ok());
}

TEST(Metrics, CollectorsAddFamiliesOnceAndCannotShadowRegisteredOnes) {
    Registry r;
    r.counter("fixed_total", "fixed").with({}).inc();
    r.add_collector([](Scrape& s) {
        s.gauge("pulled_depth", "depth", {{"dest", "a"}}, 3);
        s.gauge("other_gauge", "other", {}, 1);
        s.gauge("pulled_depth", "depth", {{"dest", "b"}}, 4);  // interleaved: still one family block
        s.counter("fixed_total", "would duplicate", {}, 99);
    });
    const auto parsed = parse_exposition(r.render());
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    EXPECT_EQ(parsed.families.at("pulled_depth").value({{"dest", "b"}}), 4);
    EXPECT_EQ(parsed.families.at("fixed_total").value({}), 1);
}

TEST(Metrics, ValuesAreFormattedAsPrometheusSpellsThem) {
    EXPECT_EQ(format_value(3), "3");
    EXPECT_EQ(format_value(0.25), "0.25");
    EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
    EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Metrics, HistogramQuantilesInterpolateWithinTheBucket) {
    Histogram h({1, 2, 4});
    for (int i = 0; i < 10; ++i) h.observe(0.5);  // 10 in (0,1]
    for (int i = 0; i < 10; ++i) h.observe(3);    // 10 in (2,4]
    const auto s = h.snapshot();
    EXPECT_DOUBLE_EQ(s.quantile(0.5), 1.0);   // rank 10: the top of the first bucket
    EXPECT_DOUBLE_EQ(s.quantile(0.75), 3.0);  // rank 15: halfway through (2,4]
    EXPECT_DOUBLE_EQ(s.quantile(1.0), 4.0);
    Histogram later({1, 2, 4});
    EXPECT_EQ(later.snapshot().quantile(0.5), 0);  // empty
    auto delta = s.minus(s);
    EXPECT_EQ(delta.count, 0u);
}

TEST(Metrics, ConcurrentRecordingLosesNothing) {
    Registry r;
    auto& c = r.counter("c_total", "c", {"t"});
    auto& h = r.histogram("h_seconds", "h", {}, {0.5});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            auto& mine = c.with({t % 2 ? "odd" : "even"});
            for (int i = 0; i < 10'000; ++i) {
                mine.inc();
                h.with_values({}).observe(0.25);
            }
        });
    }
    for (auto& t : threads) t.join();
    const auto parsed = parse_exposition(r.render());
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    EXPECT_EQ(parsed.families.at("c_total").value({{"t", "odd"}}), 20'000);
    EXPECT_EQ(parsed.families.at("h_seconds").value({}, "_count"), 40'000);
}

TEST(GatewayMetrics, AcknowledgementsAreCountedByTheirMsaCode) {
    Registry r;
    GatewayMetrics m(r);
    auto channel = m.channel("care-system");
    channel.received();
    channel.answered("MSH|^~\\&|GW|X|||20261111||ACK^O05|1|P|2.5\rMSA|AA|CTRL-1\r");
    channel.received();
    channel.answered("MSH|^~\\&|GW|X|||20261111||ACK|2|P|2.5\nMSA|AR|CTRL-2\nERR|||203\n");
    channel.answered("<ACK><MSA><MSA.1>CE</MSA.1></MSA></ACK>");
    channel.answered("garbage");  // no MSA: counted as an application error
    EXPECT_EQ(ack_code("MSH|^~\\&|\rMSA|CA|X\r"), "CA");
    m.delivery_attempt("oda-web", "retryable", 0.3);
    m.store_commit(12, 0.004, true);
    m.admin_request(403);

    const auto parsed = parse_exposition(r.render());
    ASSERT_TRUE(parsed.ok()) << parsed.error;
    const auto& f = parsed.families;
    EXPECT_EQ(f.at("gateway_messages_received_total").value({{"channel", "care-system"}}), 2);
    EXPECT_EQ(f.at("gateway_messages_acknowledged_total").value({{"channel", "care-system"}, {"code", "AA"}}), 1);
    EXPECT_EQ(f.at("gateway_messages_rejected_total").value({{"channel", "care-system"}, {"code", "AR"}}), 1);
    EXPECT_EQ(f.at("gateway_messages_rejected_total").value({{"channel", "care-system"}, {"code", "CE"}}), 1);
    EXPECT_EQ(f.at("gateway_messages_rejected_total").value({{"channel", "care-system"}, {"code", "AE"}}), 1);
    EXPECT_EQ(f.at("gateway_delivery_attempts_total").value({{"vendor", "oda-web"}, {"outcome", "retryable"}}), 1);
    EXPECT_EQ(f.at("gateway_delivery_attempt_duration_seconds").value({{"vendor", "oda-web"}}, "_count"), 1);
    EXPECT_EQ(f.at("gateway_store_commit_batch_messages").value({{"le", "16"}}, "_bucket"), 1);
    EXPECT_EQ(f.at("gateway_store_commits_total").value({{"result", "ok"}}), 1);
    EXPECT_EQ(f.at("gateway_admin_requests_total").value({{"status", "4xx"}}), 1);
    EXPECT_EQ(f.at("gateway_config_reloads_total").value({{"result", "refused"}}), 0);
}

}  // namespace
}  // namespace gw::ops
