#pragma once
// Valid canonical objects that tests start from and then break one field at a time.

#include "gateway/model/care_order.hpp"
#include "gateway/model/order_event.hpp"

namespace gw::model::testing {

inline Decimal dec(std::string_view text) {
    return *Decimal::parse(text);
}

inline Timestamp ts(std::string_view text) {
    return *parse_timestamp(text);
}

// Every optional field set, so a round trip covers them all.
inline CareOrder full_order() {
    CareOrder o;
    o.gateway_id = "01JD3QZ8K4M7T2W9X5Y6B1C0NA";
    o.source = {Channel::hl7_mllp, "MSG-20261125-0001", "PON-4711"};
    o.action = OrderAction::new_order;
    o.municipality = {"3201", std::string("974760673"), std::string("Sandvika øst")};
    o.recipient.reference = "PSEUDO-8f14e45f";
    o.recipient.name = {"Kari", "Nordmann"};
    o.recipient.address = {"Kirkeveien 12 B", "1337", "Sandvika", "NO"};
    o.recipient.phone = "+47 912 34 567";
    o.recipient.access_notes = "Nøkkelboks ved døren, kode hos hjemmetjenesten";
    Delivery d;
    d.date = {2026, 11, 26};
    d.window_start = LocalTime{8, 0};
    d.window_end = LocalTime{10, 30};
    d.instructions = "Ring på to ganger";
    o.delivery = d;

    OrderLine milk;
    milk.line_number = 1;
    milk.gtin = "07038010069307";
    milk.description = "Lettmelk 1 l";
    milk.quantity = dec("2");
    milk.unit = {"EA", std::string("stk")};
    milk.substitution_allowed = true;
    milk.note = "Helst laktosefri";

    OrderLine cheese;
    cheese.line_number = 2;
    cheese.vendor_sku = "ODA-123456";
    cheese.gtin = "05000112637922";
    cheese.description = "Norvegia 0.5 kg";
    cheese.quantity = dec("0.50");
    cheese.unit = {"KGM", std::string("kg")};

    o.lines = {milk, cheese};
    o.ordered_by = {"HT-0042", std::string("Ola Pleier")};
    o.created_at = ts("2026-11-25T14:03:00.123+01:00");
    return o;
}

// Only required fields.
inline CareOrder minimal_order() {
    CareOrder o;
    o.gateway_id = "g-1";
    o.source = {Channel::msghead_http, "c-1", "p-1"};
    o.municipality.number = "0301";
    o.recipient.reference = "r-1";
    o.recipient.name.family = "Hansen";
    o.recipient.address = {"Storgata 1", "0155", "Oslo", "NO"};
    o.delivery = Delivery{{2026, 1, 2}, std::nullopt, std::nullopt, std::nullopt};
    OrderLine line;
    line.line_number = 1;
    line.vendor_sku = "SKU-1";
    line.description = "Brød";
    line.quantity = dec("1");
    line.unit.code = "EA";
    o.lines = {line};
    o.ordered_by.staff_id = "s-1";
    o.created_at = ts("2026-01-01T09:00:00Z");
    return o;
}

inline OrderEvent full_event() {
    OrderEvent e;
    e.order_id = "01JD3QZ8K4M7T2W9X5Y6B1C0NA";
    e.vendor = "oda";
    e.vendor_order_ref = "ODA-998877";
    e.state = OrderState::partially_accepted;
    LineOutcome confirmed{1, LineOutcomeKind::confirmed, std::nullopt, std::nullopt};
    LineOutcome substituted{2, LineOutcomeKind::substituted,
                            Substitute{std::string("05000112637922"), std::string("ODA-555"), "Jarlsberg 0.5 kg",
                                       dec("1"), Unit{"EA", std::string("stk")}},
                            std::nullopt};
    e.lines = {confirmed, substituted};
    e.occurred_at = ts("2026-11-26T06:15:42.5-00:30");
    e.vendor_event_id = "18446744073709551617";  // > 2^64: must stay text
    e.reason = "Norvegia utsolgt, byttet til Jarlsberg";
    return e;
}

}  // namespace gw::model::testing
