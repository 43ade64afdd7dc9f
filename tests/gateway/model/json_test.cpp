#include "gateway/model/json.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/model/validation.hpp"
#include "sample_orders.hpp"

namespace gw::model {
namespace {

using testing::full_event;
using testing::full_order;
using testing::minimal_order;

// The documented contract (README.md): field names, order and formats. Changing this text is a breaking change
// for every consumer of stored orders.
constexpr std::string_view minimal_order_json =
    R"({"gateway_id":"g-1","source":{"channel":"msghead_http","control_id":"c-1","placer_order_number":"p-1"},)"
    R"("action":"new","municipality":{"number":"0301"},"recipient":{"reference":"r-1","name":{"given":"",)"
    R"("family":"Hansen"},"address":{"street":"Storgata 1","postal_code":"0155","city":"Oslo","country":"NO"}},)"
    R"("delivery":{"date":"2026-01-02"},"lines":[{"line_number":1,"vendor_sku":"SKU-1","description":"Brød",)"
    R"("quantity":"1","unit":{"code":"EA"},"substitution_allowed":false}],"ordered_by":{"staff_id":"s-1"},)"
    R"("created_at":"2026-01-01T09:00:00Z"})";

TEST(CareOrderJson, GoldenText) {
    EXPECT_EQ(to_json_string(minimal_order()), minimal_order_json);
}

TEST(CareOrderJson, FullOrderFields) {
    const auto v = to_json(full_order());
    const auto& o = v.as_object();
    EXPECT_EQ(o.at("created_at"), "2026-11-25T14:03:00.123+01:00");
    EXPECT_EQ(o.at("delivery").at("window_start"), "08:00");
    EXPECT_EQ(o.at("delivery").at("window_end"), "10:30");
    EXPECT_EQ(o.at("lines").at(1).at("quantity"), "0.50");
    EXPECT_EQ(o.at("lines").at(0).at("gtin"), "07038010069307");
    EXPECT_EQ(o.at("lines").at(0).at("substitution_allowed"), true);
    EXPECT_EQ(o.at("municipality").at("organisation_number"), "974760673");
    EXPECT_EQ(o.at("source").at("channel"), "hl7_mllp");
}

TEST(CareOrderJson, RoundTripsExactly) {
    CareOrder cancel = minimal_order();
    cancel.action = OrderAction::cancel;
    cancel.delivery.reset();
    cancel.lines.clear();
    for (const CareOrder& order : {full_order(), minimal_order(), cancel}) {
        const std::string text = to_json_string(order);
        auto parsed = care_order_from_json(text);
        ASSERT_TRUE(parsed) << parsed.error().to_string();
        EXPECT_EQ(*parsed, order);
        EXPECT_EQ(to_json_string(*parsed), text);
    }
}

TEST(CareOrderJson, DefaultsAndNulls) {
    auto v = boost::json::parse(minimal_order_json);
    auto& o = v.as_object();
    o["recipient"].as_object()["address"].as_object().erase("country");
    o["lines"].as_array()[0].as_object().erase("substitution_allowed");
    o["recipient"].as_object()["phone"] = nullptr;
    o["municipality"].as_object()["district"] = nullptr;
    o["recipient"].as_object()["name"].as_object().erase("given");
    auto parsed = care_order_from_value(v);
    ASSERT_TRUE(parsed) << parsed.error().to_string();
    EXPECT_EQ(parsed->recipient.address.country, "NO");
    EXPECT_FALSE(parsed->lines[0].substitution_allowed);
    EXPECT_FALSE(parsed->recipient.phone);
    EXPECT_FALSE(parsed->municipality.district);
    EXPECT_EQ(*parsed, minimal_order());
}

TEST(CareOrderJson, ParseDoesNotValidateDomainRules) {
    auto v = boost::json::parse(minimal_order_json);
    v.as_object()["lines"].as_array()[0].as_object()["quantity"] = "-1";
    auto parsed = care_order_from_value(v);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(validate(*parsed).at(0).to_string(), "lines[0].quantity: must be greater than 0, got -1");
}

struct ParseErrorCase {
    std::string name;
    std::string json;  // replaces the value at `pointer` in the minimal order, or the whole text if pointer is empty
    std::string pointer;
    ErrorCode code;
    std::string path;
    std::string message;
};

void PrintTo(const ParseErrorCase& c, std::ostream* os) {
    *os << c.name;
}

class CareOrderParseError : public ::testing::TestWithParam<ParseErrorCase> {};

TEST_P(CareOrderParseError, NamesTheJsonPath) {
    const auto& c = GetParam();
    auto v = boost::json::parse(minimal_order_json);
    const auto slash = c.pointer.rfind('/');
    auto& parent = v.at_pointer(c.pointer.substr(0, slash));
    const auto key = c.pointer.substr(slash + 1);
    if (parent.is_array())
        parent.as_array().at(std::stoul(key)) = boost::json::parse(c.json);
    else if (c.json == "<erase>")
        parent.as_object().erase(key);
    else
        parent.as_object()[key] = boost::json::parse(c.json);
    auto parsed = care_order_from_json(boost::json::serialize(v));
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, c.code) << to_string(parsed.error().code);
    EXPECT_EQ(parsed.error().where.path, c.path);
    EXPECT_EQ(parsed.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CareOrderParseError,
    ::testing::Values(
        ParseErrorCase{"quantity_number", "2", "/lines/0/quantity", ErrorCode::wrong_type, "/lines/0/quantity",
                       "expected a decimal string like \"2\" or \"0.5\", got a JSON number (quantities are strings so "
                       "they stay exact)"},
        ParseErrorCase{"quantity_text", R"("two")", "/lines/0/quantity", ErrorCode::invalid_value, "/lines/0/quantity",
                       "expected a decimal string like \"2\" or \"0.5\", got \"two\""},
        ParseErrorCase{"missing_control_id", "<erase>", "/source/control_id", ErrorCode::missing_required,
                       "/source/control_id", "required"},
        ParseErrorCase{"missing_created_at", "<erase>", "/created_at", ErrorCode::missing_required, "/created_at",
                       "required"},
        ParseErrorCase{"unit_code_missing", "<erase>", "/lines/0/unit/code", ErrorCode::missing_required,
                       "/lines/0/unit/code", "required"},
        ParseErrorCase{"bad_date", R"("2026-02-30")", "/delivery/date", ErrorCode::invalid_value, "/delivery/date",
                       "expected a date YYYY-MM-DD, got \"2026-02-30\""},
        ParseErrorCase{"bad_window", R"("8:00")", "/delivery/window_start", ErrorCode::invalid_value,
                       "/delivery/window_start", "expected a time HH:MM, got \"8:00\""},
        ParseErrorCase{"timestamp_without_offset", R"("2026-01-01T09:00:00")", "/created_at", ErrorCode::invalid_value,
                       "/created_at",
                       "expected an RFC 3339 timestamp with offset like 2026-11-25T14:03:00+01:00, got "
                       "\"2026-01-01T09:00:00\""},
        ParseErrorCase{"bad_action", R"("NW")", "/action", ErrorCode::invalid_value, "/action",
                       "expected one of new, cancel, replace, got \"NW\""},
        ParseErrorCase{"bad_channel", R"(1)", "/source/channel", ErrorCode::wrong_type, "/source/channel",
                       "expected one of hl7_mllp, msghead_http, api_json"},
        ParseErrorCase{"lines_not_array", R"({})", "/lines", ErrorCode::wrong_type, "/lines", "expected an array"},
        ParseErrorCase{"line_not_object", R"("x")", "/lines/0", ErrorCode::wrong_type, "/lines/0",
                       "expected an object"},
        ParseErrorCase{"line_number_negative", "-1", "/lines/0/line_number", ErrorCode::invalid_value,
                       "/lines/0/line_number", "expected an integer 0..4294967295"},
        ParseErrorCase{"line_number_too_big", "4294967296", "/lines/0/line_number", ErrorCode::invalid_value,
                       "/lines/0/line_number", "expected an integer 0..4294967295"},
        ParseErrorCase{"line_number_fraction", "1.5", "/lines/0/line_number", ErrorCode::wrong_type,
                       "/lines/0/line_number", "expected an integer"},
        ParseErrorCase{"substitution_string", R"("yes")", "/lines/0/substitution_allowed", ErrorCode::wrong_type,
                       "/lines/0/substitution_allowed", "expected true or false"},
        ParseErrorCase{"gtin_number", "7038010069307", "/lines/0/gtin", ErrorCode::wrong_type, "/lines/0/gtin",
                       "expected a string"},
        ParseErrorCase{"unknown_key", R"({"street":"a","postal_code":"1","city":"c","fnr":"x"})", "/recipient/address",
                       ErrorCode::unknown_key, "/recipient/address/fnr", "unknown key \"fnr\""},
        ParseErrorCase{"unknown_key_escaped", R"({"staff_id":"s","a/b~c":1})", "/ordered_by", ErrorCode::unknown_key,
                       "/ordered_by/a~1b~0c", "unknown key \"a/b~c\""}));

TEST(CareOrderJson, UnknownKeyHintListsKnownKeys) {
    auto parsed = care_order_from_json(R"({"gateway_idd":"x"})");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().where.path, "/gateway_idd");
    EXPECT_EQ(parsed.error().hint,
              "known keys: gateway_id, source, action, municipality, recipient, delivery, lines, ordered_by, "
              "created_at");
}

TEST(CareOrderJson, MalformedJsonNamesTheByteOffset) {
    auto parsed = care_order_from_json(R"({"gateway_id": "x",, })");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::parse_error);
    EXPECT_EQ(parsed.error().where.byte_offset, 19U);  // the second comma
    EXPECT_EQ(care_order_from_json("").error().code, ErrorCode::parse_error);
    EXPECT_EQ(care_order_from_json("{} x").error().code, ErrorCode::parse_error);
    EXPECT_EQ(care_order_from_json(std::string(100000, '[')).error().code, ErrorCode::parse_error);
}

TEST(CareOrderJson, RootMustBeAnObject) {
    auto parsed = care_order_from_json("[]");
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, ErrorCode::wrong_type);
    EXPECT_EQ(parsed.error().where.path, "");
    EXPECT_EQ(parsed.error().to_string(), "error: expected an object");
}

TEST(CareOrderJson, ErrorToStringNamesThePath) {
    auto v = boost::json::parse(minimal_order_json);
    v.at_pointer("/lines/0/quantity") = 2;
    auto parsed = care_order_from_value(v);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().to_string().rfind("error: expected a decimal string", 0), 0U);
    EXPECT_NE(parsed.error().to_string().find(" at /lines/0/quantity"), std::string::npos);
}

TEST(OrderEventJson, RoundTripsExactly) {
    OrderEvent bare;
    bare.order_id = "g-1";
    bare.vendor = "kolonial";
    bare.state = OrderState::handed_over;
    bare.occurred_at = testing::ts("2026-01-01T09:00:00Z");
    OrderEvent changed = full_event();
    changed.lines.push_back({3, LineOutcomeKind::quantity_changed, std::nullopt, testing::dec("0.750")});
    changed.lines.push_back({4, LineOutcomeKind::out_of_stock, std::nullopt, std::nullopt});
    for (const OrderEvent& event : {full_event(), bare, changed}) {
        const std::string text = to_json_string(event);
        auto parsed = order_event_from_json(text);
        ASSERT_TRUE(parsed) << parsed.error().to_string();
        EXPECT_EQ(*parsed, event);
        EXPECT_EQ(to_json_string(*parsed), text);
    }
}

TEST(OrderEventJson, GoldenText) {
    OrderEvent e;
    e.order_id = "g-1";
    e.vendor = "oda";
    e.state = OrderState::partially_accepted;
    e.lines = {{1, LineOutcomeKind::quantity_changed, std::nullopt, testing::dec("0.5")},
               {2, LineOutcomeKind::substituted,
                Substitute{std::string("05000112637922"), std::nullopt, "Ost", testing::dec("1"), std::nullopt},
                std::nullopt}};
    e.occurred_at = testing::ts("2026-11-26T06:15:00+01:00");
    e.vendor_event_id = "9007199254740993";
    EXPECT_EQ(to_json_string(e),
              R"({"order_id":"g-1","vendor":"oda","state":"partially_accepted","lines":[{"line_number":1,)"
              R"("outcome":"quantity_changed","new_quantity":"0.5"},{"line_number":2,"outcome":"substituted",)"
              R"("substitute":{"gtin":"05000112637922","description":"Ost","quantity":"1"}}],)"
              R"("occurred_at":"2026-11-26T06:15:00+01:00","vendor_event_id":"9007199254740993"})");
}

TEST(OrderEventJson, ParseErrorsNameThePath) {
    const auto error_of = [](std::string_view text) { return order_event_from_json(text).error(); };
    const std::string head = R"({"order_id":"g","vendor":"v","occurred_at":"2026-01-01T00:00:00Z",)";
    auto e = error_of(head + R"("state":"shipped"})");
    EXPECT_EQ(e.where.path, "/state");
    EXPECT_EQ(e.message,
              "expected one of received, routed, submitted, accepted, partially_accepted, rejected, picking, "
              "out_for_delivery, delivered, cancelled, failed, handed_over, got \"shipped\"");
    e = error_of(head + R"("state":"accepted","vendor_event_id":9007199254740993})");
    EXPECT_EQ(e.where.path, "/vendor_event_id");
    EXPECT_EQ(e.code, ErrorCode::wrong_type);
    e = error_of(head + R"("state":"accepted","lines":[{"line_number":1,"outcome":"lost"}]})");
    EXPECT_EQ(e.where.path, "/lines/0/outcome");
    e = error_of(head + R"("state":"accepted","lines":[{"line_number":1,"outcome":"substituted",)"
                        R"("substitute":{"description":"x","quantity":1}}]})");
    EXPECT_EQ(e.where.path, "/lines/0/substitute/quantity");
    e = error_of(R"({"vendor":"v","state":"accepted","occurred_at":"2026-01-01T00:00:00Z"})");
    EXPECT_EQ(e.where.path, "/order_id");
    EXPECT_EQ(e.code, ErrorCode::missing_required);
}

}  // namespace
}  // namespace gw::model
