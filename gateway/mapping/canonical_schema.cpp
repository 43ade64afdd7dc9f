#include "gateway/mapping/canonical_schema.hpp"

#include <array>

namespace gw::mapping {
namespace {

using K = FieldKind;
constexpr bool R = true;   // required
constexpr bool P = true;   // personal

constexpr std::array<std::string_view, 3> kChannels{"hl7_mllp", "msghead_http", "api_json"};
constexpr std::array<std::string_view, 3> kActions{"new", "cancel", "replace"};
constexpr std::array<std::string_view, 12> kStates{"received", "routed", "submitted", "accepted",
                                                   "partially_accepted", "rejected", "picking", "out_for_delivery",
                                                   "delivered", "cancelled", "failed", "handed_over"};
constexpr std::array<std::string_view, 4> kOutcomes{"confirmed", "substituted", "out_of_stock", "quantity_changed"};

constexpr std::array<FieldDef, 3> kSource{{{"channel", K::enumeration, R, false, {}, kChannels},
                                           {"control_id", K::text, R, false, {}, {}},
                                           {"placer_order_number", K::text, R, false, {}, {}}}};
constexpr std::array<FieldDef, 3> kMunicipality{{{"number", K::text, R, false, {}, {}},
                                                 {"organisation_number", K::text, false, false, {}, {}},
                                                 {"district", K::text, false, false, {}, {}}}};
constexpr std::array<FieldDef, 2> kName{{{"given", K::text, false, P, {}, {}}, {"family", K::text, false, P, {}, {}}}};
constexpr std::array<FieldDef, 4> kAddress{{{"street", K::text, R, P, {}, {}},
                                            {"postal_code", K::text, R, P, {}, {}},
                                            {"city", K::text, R, P, {}, {}},
                                            {"country", K::text, false, P, {}, {}}}};
constexpr std::array<FieldDef, 5> kRecipient{{{"reference", K::text, R, P, {}, {}},
                                              {"name", K::object, R, P, kName, {}},
                                              {"address", K::object, R, P, kAddress, {}},
                                              {"phone", K::text, false, P, {}, {}},
                                              {"access_notes", K::text, false, P, {}, {}}}};
constexpr std::array<FieldDef, 4> kDelivery{{{"date", K::date, R, false, {}, {}},
                                             {"window_start", K::time, false, false, {}, {}},
                                             {"window_end", K::time, false, false, {}, {}},
                                             {"instructions", K::text, false, false, {}, {}}}};
constexpr std::array<FieldDef, 2> kUnit{{{"code", K::text, R, false, {}, {}}, {"text", K::text, false, false, {}, {}}}};
constexpr std::array<FieldDef, 8> kLine{{{"line_number", K::integer, R, false, {}, {}},
                                         {"gtin", K::text, false, false, {}, {}},
                                         {"vendor_sku", K::text, false, false, {}, {}},
                                         {"description", K::text, R, false, {}, {}},
                                         {"quantity", K::decimal, R, false, {}, {}},
                                         {"unit", K::object, R, false, kUnit, {}},
                                         {"substitution_allowed", K::boolean, false, false, {}, {}},
                                         {"note", K::text, false, false, {}, {}}}};
constexpr std::array<FieldDef, 2> kStaff{{{"staff_id", K::text, R, false, {}, {}},
                                          {"name", K::text, false, P, {}, {}}}};
constexpr std::array<FieldDef, 9> kCareOrder{{{"gateway_id", K::text, false, false, {}, {}},
                                              {"source", K::object, R, false, kSource, {}},
                                              {"action", K::enumeration, R, false, {}, kActions},
                                              {"municipality", K::object, R, false, kMunicipality, {}},
                                              {"recipient", K::object, R, P, kRecipient, {}},
                                              {"delivery", K::object, false, false, kDelivery, {}},
                                              {"lines", K::array, false, false, kLine, {}},
                                              {"ordered_by", K::object, R, false, kStaff, {}},
                                              {"created_at", K::datetime, R, false, {}, {}}}};

constexpr std::array<FieldDef, 5> kSubstitute{{{"gtin", K::text, false, false, {}, {}},
                                               {"vendor_sku", K::text, false, false, {}, {}},
                                               {"description", K::text, R, false, {}, {}},
                                               {"quantity", K::decimal, R, false, {}, {}},
                                               {"unit", K::object, false, false, kUnit, {}}}};
constexpr std::array<FieldDef, 4> kOutcome{{{"line_number", K::integer, R, false, {}, {}},
                                            {"outcome", K::enumeration, R, false, {}, kOutcomes},
                                            {"substitute", K::object, false, false, kSubstitute, {}},
                                            {"new_quantity", K::decimal, false, false, {}, {}}}};
constexpr std::array<FieldDef, 8> kOrderEvent{{{"order_id", K::text, R, false, {}, {}},
                                               {"vendor", K::text, R, false, {}, {}},
                                               {"vendor_order_ref", K::text, false, false, {}, {}},
                                               {"state", K::enumeration, R, false, {}, kStates},
                                               {"lines", K::array, false, false, kOutcome, {}},
                                               {"occurred_at", K::datetime, R, false, {}, {}},
                                               {"vendor_event_id", K::text, false, false, {}, {}},
                                               {"reason", K::text, false, false, {}, {}}}};

}  // namespace

std::span<const FieldDef> canonical_fields(Format format) noexcept {
    if (format == Format::care_order) return kCareOrder;
    if (format == Format::order_event) return kOrderEvent;
    return {};
}

const FieldDef* find_field(std::span<const FieldDef> fields, std::string_view name) noexcept {
    for (const auto& f : fields)
        if (f.name == name) return &f;
    return nullptr;
}

std::vector<std::string> field_names(std::span<const FieldDef> fields) {
    std::vector<std::string> out;
    for (const auto& f : fields) out.emplace_back(f.name);
    return out;
}

StaticType static_type(FieldKind kind) noexcept {
    switch (kind) {
        case K::integer:
        case K::decimal: return StaticType::number;
        case K::boolean: return StaticType::boolean;
        case K::date: return StaticType::date;
        case K::time: return StaticType::time;
        case K::datetime: return StaticType::datetime;
        case K::array: return StaticType::list;
        case K::object: return StaticType::list;
        default: return StaticType::text;
    }
}

std::string_view to_string(FieldKind kind) noexcept {
    switch (kind) {
        case K::text: return "text";
        case K::integer: return "integer";
        case K::decimal: return "decimal";
        case K::boolean: return "boolean";
        case K::date: return "date";
        case K::time: return "time";
        case K::datetime: return "datetime";
        case K::enumeration: return "enumeration";
        case K::object: return "object";
        case K::array: return "list";
    }
    return "?";
}

}  // namespace gw::mapping
