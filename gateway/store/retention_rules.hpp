#pragma once
// What retention removes, shared by every Store implementation so SQLite and PostgreSQL purge the same things.

#include <string>
#include <string_view>

namespace gw::store {

// The canonical order without its personal parts: the recipient (name, address, phone, access notes, and the
// pseudonymous reference, which is still personal data) and the free-text delivery instructions. Unparseable JSON
// is replaced entirely: when in doubt, remove.
std::string strip_personal_data(std::string_view canonical_json);

// The settled order states as an SQL list; must list the same states as is_settled_order_state() (records.hpp).
inline constexpr std::string_view kSettledStatesSql =
    "('delivered', 'cancelled', 'rejected', 'failed', 'handed_over')";

}  // namespace gw::store
