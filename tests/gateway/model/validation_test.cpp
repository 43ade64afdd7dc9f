#include "gateway/model/validation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sample_orders.hpp"

namespace gw::model {
namespace {

using testing::dec;
using ::testing::ElementsAre;
using testing::full_event;
using testing::full_order;
using ::testing::IsEmpty;
using testing::minimal_order;

std::vector<std::string> messages(const std::vector<Problem>& problems) {
    std::vector<std::string> out;
    for (const auto& p : problems) out.push_back(p.to_string());
    return out;
}

template <class Mutate>
std::vector<std::string> order_problems(Mutate mutate) {
    CareOrder o = full_order();
    mutate(o);
    return messages(validate(o));
}

template <class Mutate>
std::vector<std::string> event_problems(Mutate mutate) {
    OrderEvent e = full_event();
    mutate(e);
    return messages(validate(e));
}

const std::string national_id_message =
    "contains what looks like a national identity number (fødselsnummer) at character ";

TEST(ValidateOrder, SamplesAreValid) {
    EXPECT_THAT(messages(validate(full_order())), IsEmpty());
    EXPECT_THAT(messages(validate(minimal_order())), IsEmpty());
}

TEST(ValidateOrder, GatewayId) {
    EXPECT_THAT(order_problems([](CareOrder& o) { o.gateway_id.clear(); }), ElementsAre("gateway_id: required"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.gateway_id = "a b"; }),
                ElementsAre("gateway_id: expected 1-64 characters from A-Z a-z 0-9 - _ . ~"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.gateway_id = std::string(65, 'a'); }),
                ElementsAre("gateway_id: expected 1-64 characters from A-Z a-z 0-9 - _ . ~"));
    CareOrder o = full_order();
    o.gateway_id.clear();
    EXPECT_THAT(validate(o, ValidationOptions{false}), IsEmpty());
}

TEST(ValidateOrder, Source) {
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.source.control_id.clear();
                    o.source.placer_order_number = "  ";
                }),
                ElementsAre("source.control_id: required", "source.placer_order_number: must not be blank"));
}

TEST(ValidateOrder, Municipality) {
    EXPECT_THAT(order_problems([](CareOrder& o) { o.municipality.number = "320"; }),
                ElementsAre("municipality.number: expected 4 digits (kommunenummer), got \"320\""));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.municipality.number = "32O1"; }),
                ElementsAre("municipality.number: expected 4 digits (kommunenummer), got \"32O1\""));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.municipality.organisation_number = "974760674"; }),
                ElementsAre("municipality.organisation_number: expected 9 digits with a valid mod-11 check digit, "
                            "got \"974760674\""));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.municipality.district = ""; }),
                ElementsAre("municipality.district: must not be empty when present (omit it instead)"));
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.municipality.organisation_number.reset();
                    o.municipality.district.reset();
                }),
                IsEmpty());
}

TEST(ValidateOrder, RecipientReferenceAndName) {
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.reference.clear(); }),
                ElementsAre("recipient.reference: required"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.name = {}; }),
                ElementsAre("recipient.name: given or family name required"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.name.given.clear(); }), IsEmpty());
}

TEST(ValidateOrder, Address) {
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.recipient.address.street.clear();
                    o.recipient.address.city.clear();
                }),
                ElementsAre("recipient.address.street: required", "recipient.address.city: required"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.address.postal_code = "133"; }),
                ElementsAre("recipient.address.postal_code: expected 4 digits, got \"133\""));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.address.postal_code = "13370"; }),
                ElementsAre("recipient.address.postal_code: expected 4 digits, got \"13370\""));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.address.country = "no"; }),
                ElementsAre("recipient.address.country: expected an ISO 3166-1 alpha-2 code like \"NO\", got \"no\""));
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.recipient.address = {"Drottninggatan 1", "111 51", "Stockholm", "SE"};
                }),
                IsEmpty());
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.recipient.address = {"Drottninggatan 1", "", "Stockholm", "SE"};
                }),
                ElementsAre("recipient.address.postal_code: required"));
}

TEST(ValidateOrder, Phone) {
    for (std::string ok : {"91234567", "+4791234567", "+47 912 34 567"}) {
        EXPECT_THAT(order_problems([&](CareOrder& o) { o.recipient.phone = ok; }), IsEmpty()) << ok;
    }
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.phone = "9123-4567"; }),
                ElementsAre("recipient.phone: expected 8-15 digits with optional leading '+', got \"9123-4567\""));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.phone = "1234"; }),
                ElementsAre("recipient.phone: expected 8-15 digits with optional leading '+', got \"1234\""));
}

TEST(ValidateOrder, NoNationalIdentityNumberInFreeText) {
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.reference = "01019010046"; }),
                ElementsAre("recipient.reference: " + national_id_message + "0; the gateway must not receive one"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.access_notes = "Pnr 010190 10046 - nøkkel i boks"; }),
                ElementsAre("recipient.access_notes: " + national_id_message + "4; the gateway must not receive one"));
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.recipient.name.family = "Nordmann 15057510061";
                    o.recipient.address.street = "15057510061";
                    o.delivery->instructions = "id 15057510061";
                    o.lines[1].note = "15057510061";
                    o.ordered_by.name = "15057510061";
                }),
                ElementsAre(::testing::StartsWith("recipient.name.family: " + national_id_message),
                            ::testing::StartsWith("recipient.address.street: " + national_id_message),
                            ::testing::StartsWith("delivery.instructions: " + national_id_message),
                            ::testing::StartsWith("lines[1].note: " + national_id_message),
                            ::testing::StartsWith("ordered_by.name: " + national_id_message)));
    // The message never repeats the number itself: problems end up in logs and NAKs.
    for (const auto& m : order_problems([](CareOrder& o) { o.recipient.access_notes = "01019010046"; }))
        EXPECT_EQ(m.find("01019010046"), std::string::npos);
    // An ordinary 11-digit number that fails the check digits is fine.
    EXPECT_THAT(order_problems([](CareOrder& o) { o.recipient.access_notes = "Kode 12345678901"; }), IsEmpty());
}

TEST(ValidateOrder, Delivery) {
    EXPECT_THAT(order_problems([](CareOrder& o) { o.delivery.reset(); }), ElementsAre("delivery: required"));
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.delivery->date = {2026, 2, 30};
                }),
                ElementsAre("delivery.date: not a valid date: 2026-02-30"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.delivery->window_end.reset(); }),
                ElementsAre("delivery.window_end: window_start and window_end come together"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.delivery->window_start.reset(); }),
                ElementsAre("delivery.window_start: window_start and window_end come together"));
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.delivery->window_end = LocalTime{8, 0};
                }),
                ElementsAre("delivery.window_end: window end 08:00 must be after start 08:00"));
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.delivery->window_end = LocalTime{7, 0};
                }),
                ElementsAre("delivery.window_end: window end 07:00 must be after start 08:00"));
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.delivery->window_start = LocalTime{25, 0};
                }),
                ElementsAre("delivery.window_start: not a valid time"));
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.delivery->window_start.reset();
                    o.delivery->window_end.reset();
                }),
                IsEmpty());
}

TEST(ValidateOrder, CancelNeedsNoDeliveryOrLines) {
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.action = OrderAction::cancel;
                    o.delivery.reset();
                    o.lines.clear();
                }),
                IsEmpty());
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.action = OrderAction::replace;
                    o.lines.clear();
                }),
                ElementsAre("lines: at least one line required for action replace"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines.clear(); }),
                ElementsAre("lines: at least one line required for action new"));
}

TEST(ValidateOrder, LineNumbers) {
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].line_number = 0; }),
                ElementsAre("lines[0].line_number: must be 1 or more"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[1].line_number = 1; }),
                ElementsAre("lines[1].line_number: duplicate line number 1 (also lines[0])"));
}

TEST(ValidateOrder, LineItemIdentity) {
    EXPECT_THAT(order_problems([](CareOrder& o) {
                    o.lines[1].gtin.reset();
                    o.lines[1].vendor_sku.reset();
                }),
                ElementsAre("lines[1]: gtin or vendor_sku required"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].gtin = "07038010069303"; }),
                ElementsAre("lines[0].gtin: check digit 3 does not match computed 7 for \"07038010069303\""));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].gtin = "7038010069307"; }),
                ElementsAre("lines[0].gtin: expected 14 digits (GTIN-14), got 13: normalise GTIN-8/12/13 with "
                            "normalize_gtin"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].gtin = "ABC"; }),
                ElementsAre("lines[0].gtin: GTIN must be digits only, got \"ABC\""));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[1].vendor_sku = ""; }),
                ElementsAre("lines[1].vendor_sku: must not be empty when present (omit it instead)"));
}

TEST(ValidateOrder, LineContent) {
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].description.clear(); }),
                ElementsAre("lines[0].description: required"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].quantity = dec("0"); }),
                ElementsAre("lines[0].quantity: must be greater than 0, got 0"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[1].quantity = dec("-0.5"); }),
                ElementsAre("lines[1].quantity: must be greater than 0, got -0.5"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].unit.code.clear(); }),
                ElementsAre("lines[0].unit.code: required"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].unit.code = "stk"; }),
                ElementsAre("lines[0].unit.code: expected a UN/ECE Rec 20 code (2-3 uppercase letters/digits), got "
                            "\"stk\""));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].unit.code = "H87"; }), IsEmpty());
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].unit.text = ""; }),
                ElementsAre("lines[0].unit.text: must not be empty when present (omit it instead)"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.lines[0].note = ""; }),
                ElementsAre("lines[0].note: must not be empty when present (omit it instead)"));
}

TEST(ValidateOrder, OrderedByAndCreatedAt) {
    EXPECT_THAT(order_problems([](CareOrder& o) { o.ordered_by.staff_id.clear(); }),
                ElementsAre("ordered_by.staff_id: required"));
    EXPECT_THAT(order_problems([](CareOrder& o) { o.created_at = {}; }),
                ElementsAre("created_at: not a valid timestamp"));
}

TEST(ValidateOrder, ReportsEveryProblemAtOnceInFieldOrder) {
    CareOrder o;
    o.lines.resize(1);
    EXPECT_THAT(
        messages(validate(o)),
        ElementsAre("gateway_id: required", "source.control_id: required", "source.placer_order_number: required",
                    "municipality.number: expected 4 digits (kommunenummer), got \"\"", "recipient.reference: required",
                    "recipient.name: given or family name required", "recipient.address.street: required",
                    "recipient.address.city: required", "recipient.address.postal_code: expected 4 digits, got \"\"",
                    "delivery: required", "lines[0].line_number: must be 1 or more",
                    "lines[0]: gtin or vendor_sku required", "lines[0].description: required",
                    "lines[0].quantity: must be greater than 0, got 0", "lines[0].unit.code: required",
                    "ordered_by.staff_id: required", "created_at: not a valid timestamp"));
}

TEST(ValidateOrder, ToErrorJoinsProblems) {
    CareOrder o = full_order();
    o.municipality.number = "1";
    o.lines[0].gtin = "07038010069303";
    const Error e = to_error(validate(o));
    EXPECT_EQ(e.code, ErrorCode::invalid_value);
    EXPECT_EQ(e.message,
              "municipality.number: expected 4 digits (kommunenummer), got \"1\"; lines[0].gtin: check digit 3 does "
              "not match computed 7 for \"07038010069303\"");
}

TEST(ValidateEvent, SampleIsValid) {
    EXPECT_THAT(messages(validate(full_event())), IsEmpty());
}

TEST(ValidateEvent, RequiredFields) {
    EXPECT_THAT(event_problems([](OrderEvent& e) {
                    e.order_id.clear();
                    e.vendor.clear();
                    e.vendor_order_ref = "";
                    e.occurred_at = {};
                    e.vendor_event_id = "";
                    e.reason = "";
                }),
                ElementsAre("order_id: required", "vendor: required",
                            "vendor_order_ref: must not be empty when present (omit it instead)",
                            "occurred_at: not a valid timestamp",
                            "vendor_event_id: must not be empty when present (omit it instead)",
                            "reason: must not be empty when present (omit it instead)"));
}

TEST(ValidateEvent, OutcomeDetailsMatchTheirKind) {
    EXPECT_THAT(event_problems([](OrderEvent& e) { e.lines[1].substitute.reset(); }),
                ElementsAre("lines[1].substitute: required when outcome is substituted"));
    EXPECT_THAT(event_problems([](OrderEvent& e) { e.lines[1].outcome = LineOutcomeKind::out_of_stock; }),
                ElementsAre("lines[1].substitute: only allowed when outcome is substituted, not out_of_stock"));
    EXPECT_THAT(event_problems([](OrderEvent& e) { e.lines[0].outcome = LineOutcomeKind::quantity_changed; }),
                ElementsAre("lines[0].new_quantity: required when outcome is quantity_changed"));
    EXPECT_THAT(event_problems([](OrderEvent& e) { e.lines[0].new_quantity = dec("1"); }),
                ElementsAre("lines[0].new_quantity: only allowed when outcome is quantity_changed, not confirmed"));
    EXPECT_THAT(event_problems([](OrderEvent& e) {
                    e.lines[0].outcome = LineOutcomeKind::quantity_changed;
                    e.lines[0].new_quantity = dec("0");
                }),
                ElementsAre("lines[0].new_quantity: must be greater than 0, got 0"));
}

TEST(ValidateEvent, Substitute) {
    EXPECT_THAT(event_problems([](OrderEvent& e) {
                    auto& s = *e.lines[1].substitute;
                    s.gtin = "05000112637921";
                    s.description.clear();
                    s.quantity = dec("0");
                    s.unit->code = "kg";
                }),
                ElementsAre("lines[1].substitute.gtin: check digit 1 does not match computed 2 for \"05000112637921\"",
                            "lines[1].substitute.description: required",
                            "lines[1].substitute.quantity: must be greater than 0, got 0",
                            "lines[1].substitute.unit.code: expected a UN/ECE Rec 20 code (2-3 uppercase "
                            "letters/digits), got \"kg\""));
}

TEST(ValidateEvent, LineNumbers) {
    EXPECT_THAT(event_problems([](OrderEvent& e) { e.lines[1].line_number = 1; }),
                ElementsAre("lines[1].line_number: duplicate line number 1 (also lines[0])"));
}

TEST(ValidateEvent, AgainstItsOrder) {
    EXPECT_THAT(messages(validate(full_event(), full_order())), IsEmpty());
    OrderEvent e = full_event();
    e.order_id = "other";
    e.lines[1].line_number = 7;
    EXPECT_THAT(messages(validate(e, full_order())),
                ElementsAre("order_id: event is for order \"other\", not \"01JD3QZ8K4M7T2W9X5Y6B1C0NA\"",
                            "lines[1].line_number: order \"01JD3QZ8K4M7T2W9X5Y6B1C0NA\" has no line 7"));
}

}  // namespace
}  // namespace gw::model
