#pragma once
// Output writers (internal to gateway/mapping): each walks its compiled template with an EvalContext and builds
// the output document. They return false with ctx.error set on the first data error.

#include <string>

#include <boost/json/value.hpp>

#include "gateway/mapping/evaluator.hpp"

namespace gw::mapping {

// JSON and canonical outputs. Canonical fields are converted to the model's JSON types (line_number an integer,
// quantity a decimal string, ...); vendor JSON keeps numbers as numbers and booleans as booleans.
bool write_json(EvalContext& ctx, boost::json::value& out);
// XML with the mapping's namespaces declared on the root; UTF-8 with an XML declaration, indented.
bool write_xml(EvalContext& ctx, std::string& out);
// HL7 v2 ER7 with the default delimiters |^~\& and CR segment terminators; values are escaped.
bool write_hl7(EvalContext& ctx, std::string& out);

}  // namespace gw::mapping
