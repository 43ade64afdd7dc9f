#pragma once
// `{{...}}` placeholders in adapter.yaml paths, headers and `when:` conditions. A template is compiled once when
// adapter.yaml is read (unknown names are errors at their FILE:LINE:COL, captured variables must come from an earlier
// step, `line.*` only inside `for_each` steps) and rendered on the data path from a TemplateScope.
//
//   secret.NAME  param.NAME  var.NAME (captured)  order_id  idempotency_key  vendor_order_ref  line.FIELD

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "gateway/core/result.hpp"

namespace gw::adapters::http {

using StringMap = std::map<std::string, std::string, std::less<>>;

class Template {
public:
    enum class Kind { text, secret, param, var, order_id, idempotency_key, vendor_order_ref, line };
    struct Part {
        Kind kind = Kind::text;
        std::string text;  // literal text, or the NAME / FIELD
    };

    // What may be named when compiling: the deployment's secrets and params, variables captured by earlier steps,
    // and whether a current line exists.
    struct Names {
        const StringMap* secrets = nullptr;
        const StringMap* params = nullptr;
        const std::set<std::string>* vars = nullptr;
        bool line = false;
    };

    // Parses `text`; on error returns a message (and the 0-based offset of the bad placeholder in `error_offset`).
    static Result<Template> compile(std::string_view text, const Names& names, std::size_t* error_offset = nullptr);

    bool empty() const noexcept { return parts_.empty(); }
    bool constant() const noexcept { return parts_.empty() || (parts_.size() == 1 && parts_[0].kind == Kind::text); }
    const std::vector<Part>& parts() const noexcept { return parts_; }
    const std::string& source() const noexcept { return source_; }

private:
    std::vector<Part> parts_;
    std::string source_;
};

// The values one render sees. `line` is the current canonical order line (for_each steps) or null.
struct TemplateScope {
    const StringMap* secrets = nullptr;
    const StringMap* params = nullptr;
    const StringMap* vars = nullptr;
    std::string_view order_id;
    std::string_view idempotency_key;
    std::string_view vendor_order_ref;
    const boost::json::value* line = nullptr;
};

// Renders; `escape` (for URL paths) percent-encodes substituted values except unreserved characters. A value that is
// missing at run time (a capture that found nothing, an empty vendor_order_ref) is an error naming the placeholder.
Result<std::string> render(const Template& t, const TemplateScope& scope, bool escape = false);

// The canonical line fields a `{{line.FIELD}}` may name.
const std::vector<std::string>& line_fields();

}  // namespace gw::adapters::http
