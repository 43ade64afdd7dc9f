#include "gateway/store/retention_rules.hpp"

#include <boost/json.hpp>

namespace gw::store {

std::string strip_personal_data(std::string_view canonical_json) {
    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(canonical_json, ec);
    if (ec || !doc.is_object()) return R"({"purged":true})";
    auto& order = doc.as_object();
    if (order.contains("recipient")) order["recipient"] = boost::json::object{{"purged", true}};
    if (auto* delivery = order.if_contains("delivery"); delivery != nullptr && delivery->is_object()) {
        delivery->as_object().erase("instructions");
    }
    order["purged"] = true;
    return boost::json::serialize(doc);
}

}  // namespace gw::store
