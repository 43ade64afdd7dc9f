#include "gateway/mapping/value.hpp"

namespace gw::mapping {

std::string_view to_string(Format format) noexcept {
    switch (format) {
        case Format::hl7: return "hl7";
        case Format::xml: return "xml";
        case Format::json: return "json";
        case Format::care_order: return "canonical:care_order";
        case Format::order_event: return "canonical:order_event";
    }
    return "?";
}

std::optional<Format> parse_format(std::string_view name) noexcept {
    if (name == "hl7") return Format::hl7;
    if (name == "xml") return Format::xml;
    if (name == "json") return Format::json;
    if (name == "canonical:care_order" || name == "care_order") return Format::care_order;
    if (name == "canonical:order_event" || name == "order_event") return Format::order_event;
    return std::nullopt;
}

std::string_view to_string(StaticType type) noexcept {
    switch (type) {
        case StaticType::any: return "text";
        case StaticType::text: return "text";
        case StaticType::number: return "number";
        case StaticType::boolean: return "boolean";
        case StaticType::date: return "date";
        case StaticType::time: return "time";
        case StaticType::datetime: return "datetime";
        case StaticType::list: return "list";
    }
    return "?";
}

bool compatible(StaticType expected, StaticType actual) noexcept {
    if (expected == actual || expected == StaticType::any || actual == StaticType::any) return true;
    if (expected == StaticType::list || actual == StaticType::list) return false;
    // Anything prints as text; text is converted (and checked) at run time.
    if (expected == StaticType::text || actual == StaticType::text) return true;
    return false;
}

bool Value::truthy() const noexcept {
    switch (type) {
        case ValueType::absent: return false;
        case ValueType::boolean: return flag;
        case ValueType::list: return !items.empty();
        default: return !text.empty();
    }
}

std::string Value::as_text() const {
    switch (type) {
        case ValueType::absent: return {};
        case ValueType::boolean: return flag ? "true" : "false";
        case ValueType::list: {
            std::string out;
            for (const auto& i : items) {
                if (!out.empty()) out += ',';
                out += i.as_text();
            }
            return out;
        }
        default: return text;
    }
}

}  // namespace gw::mapping
