#pragma once
// Shadow mode's translation for the http_json / http_xml kinds: renders every request an operation would send —
// each step's path, headers and body, `for_each: lines` steps once per line, `when:` conditions honoured — without
// sending anything. What only the grocer's answers would give (variables a step captures) gets a stand-in value
// ("shadow-NAME"), as if every earlier step had succeeded. The first mapping or template error ends the run.

#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/http/adapter_yaml.hpp"
#include "gateway/core/result.hpp"

namespace gw::adapters::http {

Result<std::vector<RenderedRequest>> render_operation(const AdapterConfig& config, const VendorSettings& settings,
                                                      Operation op, const DeliveryRequest& request);

}  // namespace gw::adapters::http
