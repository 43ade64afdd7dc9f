#pragma once
// {{...}} placeholders in auth values. Deployment values ({{secret.NAME}}, {{param.NAME}}) are resolved once, when
// the scheme is built; names a scheme fills per request (hmac: {{timestamp}}, {{body}} ...) are kept verbatim and
// expanded by expand_runtime() on each request.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/auth/auth_config.hpp"
#include "gateway/core/result.hpp"

namespace gw::adapters::auth {

using SecretLookup = std::function<const std::string*(std::string_view kind, std::string_view name)>;

// Syntax and names: an unterminated "{{", an empty name, or a name that is neither secret.X, param.X nor one of
// `runtime_names`. Returns the problem's description, or nullopt.
std::optional<std::string> template_syntax_problem(std::string_view text, std::span<const std::string_view> runtime_names);

// Replaces {{secret.X}} and {{param.X}} through `lookup` (which returns null for an unknown one: an error naming the
// value's position), keeps runtime placeholders as they are.
Result<std::string> resolve_template(const ValueTemplate& value, const SecretLookup& lookup,
                                     std::span<const std::string_view> runtime_names = {});

// Expands the remaining {{name}} placeholders through `value_of`; unknown names expand to "".
std::string expand_runtime(std::string_view text, const std::function<std::string(std::string_view)>& value_of);

}  // namespace gw::adapters::auth
