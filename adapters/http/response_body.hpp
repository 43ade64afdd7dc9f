#pragma once
// A grocer's answer body, parsed once per response: JSON or XML (by Content-Type, else by its first character), and
// what can be read from it: captures by JSON pointer (JSON) or XPath 1.0 (XML, names as the grocer wrote them;
// `local-name()` matches namespaced elements whatever their prefix), the grocer's error text, a readable excerpt of
// anything else (HTML error pages, garbage).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>
#include <pugixml.hpp>

#include "gateway/core/result.hpp"
#include "gateway/httpclient/message.hpp"

namespace gw::adapters::http {

struct ResponseBody {
    enum class Kind { empty, json, xml, other };
    Kind kind = Kind::empty;
    boost::json::value json;
    std::shared_ptr<pugi::xml_document> xml;
    std::string problem;  // why a body that claimed to be JSON/XML is not ("malformed JSON: ...")
};

ResponseBody parse_response_body(const httpclient::HttpResponse& response);

// The text at `path`: a JSON pointer into a JSON body, an XPath into an XML body. Strings as they are, numbers and
// booleans as JSON text; a missing value, an object/array or an empty text is an error naming the path.
Result<std::string> capture_value(const ResponseBody& body, const std::string& path);

// The JSON value at a pointer, or null when absent (also for non-JSON bodies).
const boost::json::value* json_at(const ResponseBody& body, std::string_view pointer);

// The grocer's own words: the first of `pointers` that holds a text in a JSON body, the text of a few well-known
// XML error elements, else a short readable excerpt (HTML title/text, printable characters) of at most 200 bytes.
std::string grocer_error_text(const httpclient::HttpResponse& response, const ResponseBody& body,
                              const std::vector<std::string>& pointers);

// At most `limit` bytes of `text` made readable: tags of HTML dropped, control bytes and invalid UTF-8 as '?',
// runs of white space as one blank, "..." when cut.
std::string readable_excerpt(std::string_view text, std::size_t limit = 200);

}  // namespace gw::adapters::http
