#pragma once
// The compiled, immutable form of a mapping file (internal to gateway/mapping). The loader resolves every path,
// function, table and template once; the evaluator walks these structures and never sees YAML or path strings.

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/json/value.hpp>
#include <pugixml.hpp>

#include "gateway/hl7/path.hpp"
#include "gateway/mapping/canonical_schema.hpp"
#include "gateway/mapping/value.hpp"

namespace gw::mapping {

struct EvalContext;
struct Expr;

// One place in the input a mapping reads: an HL7 path, an XPath, a JSON pointer or a canonical field.
struct SourceRef {
    Format kind = Format::json;
    std::string text;  // as written in the mapping, for messages
    int frame = -1;    // -1: from the document root; otherwise relative to that iteration frame
    const SourceRef* parent = nullptr;  // the `$each` source of that frame, to print "/items/3/sku"
    bool all = false;  // every match as a list (all(...)), instead of the first
    hl7::Path hl7;
    std::vector<std::string> keys;                // JSON pointer tokens / canonical field names
    std::shared_ptr<pugi::xpath_query> xpath;     // compiled against the mapping's namespace prefixes
    StaticType type = StaticType::any;            // canonical fields know their type
};

using FunctionImpl = bool (*)(EvalContext& ctx, const Expr& call, Value* args, std::size_t count, Value& out);

struct FunctionDef {
    std::string_view name;
    int min_args = 0;
    int max_args = 0;  // -1: any number (up to kMaxArgs)
    StaticType args[4] = {StaticType::any, StaticType::any, StaticType::any, StaticType::any};  // last repeats
    StaticType result = StaticType::text;
    bool lazy = false;           // evaluates its own arguments (if, default, and, or)
    FunctionImpl impl = nullptr;
    std::string_view signature;  // for messages: "substring(text, start, length?)"
};
inline constexpr std::size_t kMaxArgs = 8;

struct Expr {
    enum class Kind : std::uint8_t { constant, source, variable, call };
    Kind kind = Kind::constant;
    StaticType type = StaticType::any;
    Value constant;
    const SourceRef* source = nullptr;
    const FunctionDef* fn = nullptr;
    int index = -1;  // variable slot
    int aux = -1;    // resolved helper: table / map index, column, zone, rounding
    int aux2 = -1;
    std::vector<Expr> args;
    const SourceRef* primary = nullptr;  // the first source inside, named when the value is missing
};

// `$each` / `$when` on a template node.
struct Each {
    const SourceRef* source = nullptr;  // what to iterate: segments (HL7), nodes (XPath), array (JSON/canonical)
    int depth = 0;                      // the frame it fills
};
struct Control {
    std::optional<Each> each;
    std::optional<Expr> when;
};

struct JsonNode {
    enum class Kind : std::uint8_t { constant, expr, object, array };
    Kind kind = Kind::constant;
    std::string key;  // member name inside an object
    boost::json::value constant;
    Expr expr;
    std::vector<JsonNode> children;
    Control control;
    const FieldDef* field = nullptr;  // canonical output: what the model expects here
    bool force_string = false;        // vendor JSON: `$string:` keeps numbers as strings
};

struct XmlNode {
    enum class Kind : std::uint8_t { element, attribute, text };
    Kind kind = Kind::element;
    std::string name;  // "cbc:ID", "@schemeID" without the '@'
    bool has_expr = false;
    Expr expr;
    std::string constant;
    std::vector<XmlNode> children;
    Control control;
};

struct Hl7Field {
    std::uint32_t field = 0, repetition = 1, component = 0, subcomponent = 0;
    std::string label;  // "MSA-2"
    bool has_expr = false;
    Expr expr;
    std::string constant;
};

struct Hl7Node {
    enum class Kind : std::uint8_t { segment, group };
    Kind kind = Kind::segment;
    std::string name;  // segment name
    std::vector<Hl7Field> fields;
    std::vector<Hl7Node> children;  // group
    Control control;
};

struct Table {
    std::string name;
    std::vector<std::string> columns;
    std::unordered_map<std::string, std::vector<std::string>> rows;  // key (first column) -> all columns
};

struct ValueMap {
    std::string name;
    std::unordered_map<std::string, std::string> entries;
};

struct Variable {
    std::string name;
    bool is_param = false;  // supplied by the caller, not computed
    Expr expr;
};

struct Plan {
    std::string name;
    std::string file;
    std::string description;
    Format input = Format::json;
    Format output = Format::json;
    std::vector<std::pair<std::string, std::string>> namespaces;  // prefix -> URI (XML input and output)
    std::deque<SourceRef> sources;                                // stable addresses: Origins point here
    std::vector<Variable> variables;
    std::vector<Table> tables;
    std::vector<ValueMap> maps;
    int frames = 0;  // deepest iteration nesting
    // `item: {each: lines, as: line}`: the mapping renders ONE element of a canonical list, chosen by the caller
    // (RunOptions::item). Frame 0 holds that element for the whole run, so `line.gtin` reads it everywhere.
    std::optional<Each> item;
    std::string item_list;  // "lines": the iterated list's canonical path, for messages and Mapping::item_list()
    std::vector<std::string> personal_data;  // allow-list the mapping was checked against

    JsonNode json;                 // json / canonical output
    XmlNode xml;                   // xml output: the root element
    std::vector<Hl7Node> hl7;      // hl7 output: segments in order
};

}  // namespace gw::mapping
