#pragma once
// The closed set of functions a mapping may call (internal to gateway/mapping). Each has a fixed signature that the
// loader checks (argument count, static types, constant arguments such as table names, patterns and time zones),
// so a mapping that loads can only fail at run time on the data it is given. mappings/README.md documents them.

#include <string>
#include <string_view>
#include <vector>

#include "gateway/mapping/plan.hpp"

namespace gw::mapping {

const FunctionDef* find_function(std::string_view name) noexcept;
std::vector<std::string> function_names();

// Resolves the constant arguments of a call (table/map names, columns, patterns, zones, rounding modes, units)
// into call.aux/aux2. Returns "" when fine, otherwise the problem; `arg` names the argument at fault (0-based).
std::string resolve_call(Expr& call, const Plan& plan, std::size_t& arg);

}  // namespace gw::mapping
