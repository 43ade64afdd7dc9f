#pragma once
// The shape of the canonical model's JSON (gateway/model/json.hpp) as the mapping compiler needs it: which field
// names exist, their types, which are required, and which carry personal data. Lets a mapping that reads or writes
// `canonical:care_order` fail at load time on `recipient.adress.street` instead of at run time.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/mapping/value.hpp"

namespace gw::mapping {

enum class FieldKind : std::uint8_t { text, integer, decimal, boolean, date, time, datetime, enumeration, object, array };

struct FieldDef {
    std::string_view name;
    FieldKind kind = FieldKind::text;
    bool required = false;
    bool personal = false;                       // personal data: needs the vendor's allow-list to leave
    std::span<const FieldDef> children;          // object fields; for arrays, the element's fields
    std::span<const std::string_view> values;    // enumeration values
};

// Root fields of a canonical document.
std::span<const FieldDef> canonical_fields(Format format) noexcept;
const FieldDef* find_field(std::span<const FieldDef> fields, std::string_view name) noexcept;
std::vector<std::string> field_names(std::span<const FieldDef> fields);
// The static type a value of this field has when read by a mapping.
StaticType static_type(FieldKind kind) noexcept;
std::string_view to_string(FieldKind kind) noexcept;

}  // namespace gw::mapping
