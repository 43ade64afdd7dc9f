#pragma once
// The values a mapping computes with. Every value read from an input is text; functions turn text into numbers,
// dates, booleans. A value remembers where in the input it came from (Origin), so an error about an output field can
// name the HL7 path / XPath / JSON pointer and the offending text without any bookkeeping on the success path.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::mapping {

// The document kinds a mapping reads or writes. The canonical kinds are JSON documents with the model's shape.
enum class Format : std::uint8_t { hl7, xml, json, care_order, order_event };
std::string_view to_string(Format format) noexcept;
std::optional<Format> parse_format(std::string_view name) noexcept;  // "hl7", "xml", "json", "canonical:care_order"
inline bool is_canonical(Format f) noexcept { return f == Format::care_order || f == Format::order_event; }

// Runtime type of a Value. `absent` is "nothing here": an empty HL7 field, a missing element or key.
enum class ValueType : std::uint8_t { absent, text, number, boolean, date, time, datetime, list };

// Compile-time type of an expression; `any` is input text whose meaning is only known when it is converted.
enum class StaticType : std::uint8_t { any, text, number, boolean, date, time, datetime, list };
std::string_view to_string(StaticType type) noexcept;
// False when a value of `actual` can never be used where `expected` is needed (e.g. a date where a number goes).
bool compatible(StaticType expected, StaticType actual) noexcept;

struct SourceRef;

// Variables a caller hands to a run: `params:` of the mapping (vendor customer number, the original order's
// placer number for a status message, ...). Read in the mapping as `$name`.
using Params = std::map<std::string, std::string, std::less<>>;

// Where a value was read: the compiled source and which occurrence (segment / array item / node), or -1 when the
// source names it fully.
struct Origin {
    const SourceRef* source = nullptr;
    std::int32_t index = -1;
};

struct Value {
    ValueType type = ValueType::absent;
    bool flag = false;         // boolean
    std::string text;          // text; number as a decimal string; date "YYYY-MM-DD"; time "HH:MM"; RFC 3339
    std::vector<Value> items;  // list
    Origin origin;

    static Value make_text(std::string s, Origin o = {}) {
        Value v;
        v.type = ValueType::text;
        v.text = std::move(s);
        v.origin = o;
        return v;
    }
    static Value make_typed(ValueType t, std::string s, Origin o = {}) {
        Value v = make_text(std::move(s), o);
        v.type = t;
        return v;
    }
    static Value make_bool(bool b, Origin o = {}) {
        Value v;
        v.type = ValueType::boolean;
        v.flag = b;
        v.origin = o;
        return v;
    }

    bool present() const noexcept { return type != ValueType::absent; }
    // Conditions: absent, false, "" and an empty list are false; everything else is true.
    bool truthy() const noexcept;
    // The value as text, as it would be printed into an output ("true"/"false" for booleans, lists joined by ",").
    std::string as_text() const;
};

}  // namespace gw::mapping
