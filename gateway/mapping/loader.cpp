#include "gateway/mapping/loader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/mapping/functions.hpp"
#include "gateway/mapping/tables.hpp"

namespace gw::mapping {
namespace {

namespace fs = std::filesystem;
using config::Diagnostics;
using config::did_you_mean;

const std::vector<std::string> kTopKeys{"mapping", "description", "input",  "output", "namespaces", "params",
                                        "vars",    "tables",      "maps",   "personal_data", "template", "item"};

bool is_ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Where one iteration frame came from, while compiling the nodes inside it.
struct Scope {
    int depth = 0;
    Format kind = Format::json;
    std::string as;                    // canonical: the name the item is read by ("line")
    std::string canonical_path;        // canonical: dotted path of the iterated list ("lines")
    std::span<const FieldDef> fields;  // canonical: fields of one item
    const SourceRef* source = nullptr;
    std::vector<std::string> group;    // HL7: segment names read relative to the current group
};

class Compiler {
public:
    Compiler(Plan& plan, Diagnostics& diag, std::string base_dir)
        : plan_(plan), diag_(diag), base_dir_(std::move(base_dir)) {}

    void run(const YAML::Node& root);

private:
    // ---- diagnostics ----
    YAML::Mark at(const YAML::Node& n, std::size_t offset = 0) const {
        YAML::Mark m = n.Mark();
        if (offset > 0) m.column += static_cast<int>(offset) + (n.Tag() == "!" ? 1 : 0);
        return m;
    }
    void error(const YAML::Mark& m, ErrorCode code, std::string message, std::string hint = {}) {
        diag_.add(m, code, std::move(message), std::move(hint));
    }

    // ---- top level ----
    void read_header(const YAML::Node& root);
    void read_namespaces(const YAML::Node& n);
    void read_tables(const YAML::Node& n);
    void read_maps(const YAML::Node& n);
    void read_params(const YAML::Node& n);
    void read_item(const YAML::Node& n);
    void read_vars(const YAML::Node& n);

    // ---- expressions ----
    // Compiles a template scalar: "=expr" is an expression, anything else a constant.
    bool scalar_expr(const YAML::Node& n, Expr& out, bool& is_expr);
    bool expression(const YAML::Node& n, std::string_view text, std::size_t offset, Expr& out);

    struct Parser {
        Compiler& c;
        const YAML::Node& node;
        std::string_view text;
        std::size_t offset;  // of text inside the YAML scalar
        std::size_t pos = 0;
        bool failed = false;

        void err(std::size_t p, std::string message, std::string hint = {}) {
            if (failed) return;
            failed = true;
            c.error(c.at(node, offset + p), ErrorCode::invalid_value, std::move(message), std::move(hint));
        }
        void skip() {
            while (pos < text.size() && is_space(text[pos])) ++pos;
        }
        bool peek(char ch) {
            skip();
            return pos < text.size() && text[pos] == ch;
        }
        bool pipeline(Expr& out);
        bool primary(Expr& out);
        bool call(std::string_view name, std::size_t name_pos, std::vector<Expr> args, bool parens, Expr& out);
        bool string_literal(Expr& out);
        std::string_view path_token();
    };

    bool source(const YAML::Node& n, std::size_t pos, std::string_view token, Expr& out, bool for_each);
    bool hl7_source(const YAML::Node& n, std::size_t pos, std::string_view token, SourceRef& s, bool for_each);
    bool xml_source(const YAML::Node& n, std::size_t pos, std::string_view token, SourceRef& s);
    bool json_source(const YAML::Node& n, std::size_t pos, std::string_view token, SourceRef& s);
    bool canonical_source(const YAML::Node& n, std::size_t pos, std::string_view token, SourceRef& s,
                          const FieldDef** field_out, std::string* abs_path);
    void check_personal(const YAML::Node& n, std::size_t pos, const std::string& abs_path);

    // ---- control keys ----
    // Reads $each / $as / $group / $when of a template map. Pushes a scope when there is an $each (caller pops).
    bool control(const YAML::Node& map, Control& out, bool each_allowed, bool& pushed);
    bool is_control_key(const std::string& k) const {
        return k == "$each" || k == "$as" || k == "$when" || k == "$group";
    }

    // ---- templates ----
    void json_node(const YAML::Node& n, JsonNode& out, const FieldDef* field, std::span<const FieldDef> fields,
                   const std::string& where);
    void json_object(const YAML::Node& n, JsonNode& out, std::span<const FieldDef> fields, bool canonical,
                     const std::string& where);
    void check_canonical_scalar(const YAML::Node& n, const FieldDef& f, const Expr* e, const std::string& where);
    void xml_element(const std::string& name, const YAML::Node& n, std::vector<XmlNode>& out);
    void check_xml_name(const YAML::Node& key, const std::string& name);
    void hl7_items(const YAML::Node& list, std::vector<Hl7Node>& out);
    void hl7_segment(const YAML::Node& key, const YAML::Node& fields, Hl7Node& out);

    Plan& plan_;
    Diagnostics& diag_;
    std::string base_dir_;
    std::vector<Scope> scopes_;
    bool personal_check_ = false;
    std::set<std::string> var_names_;
};

// ---------------------------------------------------------------------------------------------------------------

void Compiler::run(const YAML::Node& root) {
    if (!root.IsMap()) {
        error(root.Mark(), ErrorCode::wrong_type, "a mapping file must be a YAML mapping (keys: mapping, input, ...)");
        return;
    }
    for (auto it = root.begin(); it != root.end(); ++it) {
        const auto key = it->first.Scalar();
        if (std::find(kTopKeys.begin(), kTopKeys.end(), key) == kTopKeys.end())
            error(it->first.Mark(), ErrorCode::unknown_key, fmt::format("unknown key '{}'", key),
                  did_you_mean(key, kTopKeys));
    }
    read_header(root);
    if (root["namespaces"]) read_namespaces(root["namespaces"]);
    if (root["tables"]) read_tables(root["tables"]);
    if (root["maps"]) read_maps(root["maps"]);
    // Before params/vars/template: the item's scope (frame 0) is visible to all of them.
    if (root["item"]) read_item(root["item"]);
    if (root["params"]) read_params(root["params"]);
    if (root["vars"]) read_vars(root["vars"]);

    const YAML::Node t = root["template"];
    if (!t) {
        error(root.Mark(), ErrorCode::missing_required, "missing required key 'template'",
              "the template describes the output document");
        return;
    }
    switch (plan_.output) {
        case Format::json:
        case Format::care_order:
        case Format::order_event: {
            const bool canonical = is_canonical(plan_.output);
            if (canonical && !t.IsMap()) {
                error(t.Mark(), ErrorCode::wrong_type, "a canonical template must be a mapping of canonical fields");
                return;
            }
            if (canonical) {
                json_object(t, plan_.json, canonical_fields(plan_.output), true, "");
            } else {
                json_node(t, plan_.json, nullptr, {}, "");
            }
            break;
        }
        case Format::xml: {
            if (!t.IsMap() || t.size() != 1) {
                error(t.Mark(), ErrorCode::wrong_type, "an XML template is a mapping with exactly one root element");
                return;
            }
            std::vector<XmlNode> roots;
            const auto it = t.begin();
            check_xml_name(it->first, it->first.Scalar());
            xml_element(it->first.Scalar(), it->second, roots);
            if (roots.size() == 1 && !roots[0].control.each) {
                plan_.xml = std::move(roots[0]);
            } else {
                error(it->first.Mark(), ErrorCode::invalid_value, "the root element cannot repeat");
            }
            break;
        }
        case Format::hl7: {
            if (!t.IsSequence()) {
                error(t.Mark(), ErrorCode::wrong_type, "an HL7 template is a list of segments (- MSH: {...})");
                return;
            }
            hl7_items(t, plan_.hl7);
            if (plan_.hl7.empty() || plan_.hl7[0].name != "MSH")
                error(t.Mark(), ErrorCode::invalid_value, "an HL7 template must start with the MSH segment");
            break;
        }
    }
}

void Compiler::read_header(const YAML::Node& root) {
    auto scalar = [&](const char* key, bool required) -> std::optional<std::string> {
        const YAML::Node n = root[key];
        if (!n) {
            if (required) error(root.Mark(), ErrorCode::missing_required, fmt::format("missing required key '{}'", key));
            return std::nullopt;
        }
        if (!n.IsScalar()) {
            error(n.Mark(), ErrorCode::wrong_type, fmt::format("'{}' must be a text value", key));
            return std::nullopt;
        }
        return n.Scalar();
    };
    if (auto name = scalar("mapping", false)) plan_.name = *name;
    if (auto d = scalar("description", false)) plan_.description = *d;
    const std::vector<std::string> formats{"hl7", "xml", "json", "canonical:care_order", "canonical:order_event"};
    auto format = [&](const char* key, Format& out) {
        const auto v = scalar(key, true);
        if (!v) return;
        const auto f = parse_format(*v);
        if (!f) {
            auto hint = did_you_mean(*v, formats);
            error(root[key].Mark(), ErrorCode::invalid_value, fmt::format("unknown {} format '{}'", key, *v),
                  hint.empty() ? "one of: hl7, xml, json, canonical:care_order, canonical:order_event" : hint);
            return;
        }
        out = *f;
    };
    format("input", plan_.input);
    format("output", plan_.output);
    personal_check_ = is_canonical(plan_.input) && !is_canonical(plan_.output);
    if (const YAML::Node p = root["personal_data"]) {
        if (!p.IsSequence()) {
            error(p.Mark(), ErrorCode::wrong_type, "'personal_data' must be a list of canonical fields");
        } else {
            for (const auto& item : p) {
                const std::string f = item.Scalar();
                // Each entry must name a real canonical field, or the allow-list silently allows nothing.
                std::span<const FieldDef> fields = canonical_fields(Format::care_order);
                std::string_view rest = f;
                bool ok = true;
                while (!rest.empty() && ok) {
                    const auto dot = rest.find('.');
                    const auto part = rest.substr(0, dot);
                    const FieldDef* def = find_field(fields, part);
                    if (!def) {
                        error(item.Mark(), ErrorCode::invalid_value,
                              fmt::format("personal_data: unknown canonical field '{}'", f),
                              did_you_mean(std::string(part), field_names(fields)));
                        ok = false;
                        break;
                    }
                    fields = def->children;
                    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
                }
                plan_.personal_data.push_back(f);
            }
        }
    }
}

void Compiler::read_namespaces(const YAML::Node& n) {
    if (!n.IsMap()) {
        error(n.Mark(), ErrorCode::wrong_type, "'namespaces' must map prefixes to namespace URIs");
        return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string prefix = it->first.Scalar();
        if (!it->second.IsScalar() || it->second.Scalar().empty()) {
            error(it->second.Mark(), ErrorCode::wrong_type, fmt::format("namespace '{}' needs a URI", prefix));
            continue;
        }
        if (!prefix.empty() && (!is_ident_start(prefix[0]) ||
                                !std::all_of(prefix.begin(), prefix.end(), [](char ch) { return is_ident_char(ch) || ch == '-' || ch == '.'; }))) {
            error(it->first.Mark(), ErrorCode::invalid_value, fmt::format("'{}' is not a valid XML prefix", prefix));
            continue;
        }
        plan_.namespaces.emplace_back(prefix, it->second.Scalar());
    }
}

void Compiler::read_tables(const YAML::Node& n) {
    if (!n.IsMap()) {
        error(n.Mark(), ErrorCode::wrong_type, "'tables' must map table names to CSV files");
        return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string name = it->first.Scalar();
        const std::string file = it->second.Scalar();
        const std::string path = fs::path(file).is_absolute() ? file : (fs::path(base_dir_) / file).string();
        std::error_code ec;
        if (!fs::exists(path, ec)) {
            error(it->second.Mark(), ErrorCode::not_found, fmt::format("lookup table file '{}' not found", file),
                  fmt::format("CSV files are read relative to the mapping's folder ({})", base_dir_.empty() ? "." : base_dir_));
            continue;
        }
        auto table = load_csv_table(name, path);
        if (!table) {
            diag_.add(it->second.Mark(), table.error().code, table.error().to_string());
            continue;
        }
        plan_.tables.push_back(std::move(table).value());
    }
}

void Compiler::read_maps(const YAML::Node& n) {
    if (!n.IsMap()) {
        error(n.Mark(), ErrorCode::wrong_type, "'maps' must map names to {from: to} value maps");
        return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        ValueMap m;
        m.name = it->first.Scalar();
        if (!it->second.IsMap()) {
            error(it->second.Mark(), ErrorCode::wrong_type, fmt::format("map '{}' must be a mapping of from: to", m.name));
            continue;
        }
        for (auto e = it->second.begin(); e != it->second.end(); ++e) {
            if (!e->second.IsScalar()) {
                error(e->second.Mark(), ErrorCode::wrong_type, "map values must be text");
                continue;
            }
            m.entries.emplace(e->first.Scalar(), e->second.Scalar());
        }
        plan_.maps.push_back(std::move(m));
    }
}

void Compiler::read_item(const YAML::Node& n) {
    if (!is_canonical(plan_.input)) {
        error(n.Mark(), ErrorCode::invalid_value, "'item' is only used with canonical input",
              "it selects one element of a canonical list, e.g. item: {each: lines, as: line}");
        return;
    }
    if (!n.IsMap()) {
        error(n.Mark(), ErrorCode::wrong_type, "'item' takes {each: LIST, as: NAME}", "item: {each: lines, as: line}");
        return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const auto key = it->first.Scalar();
        if (key != "each" && key != "as")
            error(it->first.Mark(), ErrorCode::unknown_key, fmt::format("unknown key '{}' in item", key),
                  did_you_mean(key, {"each", "as"}));
    }
    const YAML::Node each = n["each"];
    if (!each || !each.IsScalar()) {
        error(n.Mark(), ErrorCode::missing_required, "'item' needs each: LIST", "item: {each: lines, as: line}");
        return;
    }
    // Reuse $each's compilation: same list checks, same `$as` rules, and the scope stays pushed for the whole file.
    YAML::Node as_control(YAML::NodeType::Map);
    as_control.force_insert("$each", each);
    if (const YAML::Node as = n["as"]) as_control.force_insert("$as", as);
    Control ctl;
    bool pushed = false;
    if (!control(as_control, ctl, true, pushed) || !pushed) return;
    plan_.item = ctl.each;
    plan_.item_list = scopes_.back().canonical_path;
}

void Compiler::read_params(const YAML::Node& n) {
    if (!n.IsSequence()) {
        error(n.Mark(), ErrorCode::wrong_type, "'params' must be a list of names the caller supplies");
        return;
    }
    for (const auto& item : n) {
        const std::string name = item.Scalar();
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_ident_char)) {
            error(item.Mark(), ErrorCode::invalid_value, fmt::format("'{}' is not a valid parameter name", name));
            continue;
        }
        if (!var_names_.insert(name).second) {
            error(item.Mark(), ErrorCode::conflict, fmt::format("duplicate parameter '{}'", name));
            continue;
        }
        Variable v;
        v.name = name;
        v.is_param = true;
        plan_.variables.push_back(std::move(v));
    }
}

void Compiler::read_vars(const YAML::Node& n) {
    if (!n.IsMap()) {
        error(n.Mark(), ErrorCode::wrong_type, "'vars' must map names to expressions");
        return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string name = it->first.Scalar();
        if (!var_names_.insert(name).second) {
            error(it->first.Mark(), ErrorCode::conflict, fmt::format("'{}' is defined twice (vars/params)", name));
            continue;
        }
        Variable v;
        v.name = name;
        bool is_expr = false;
        if (!it->second.IsScalar()) {
            error(it->second.Mark(), ErrorCode::wrong_type, "a variable is one expression (=...) or a constant");
            continue;
        }
        if (!scalar_expr(it->second, v.expr, is_expr)) continue;
        plan_.variables.push_back(std::move(v));
    }
}

// ---- expressions --------------------------------------------------------------------------------------------

bool Compiler::scalar_expr(const YAML::Node& n, Expr& out, bool& is_expr) {
    const std::string& s = n.Scalar();
    is_expr = !s.empty() && s[0] == '=';
    if (!is_expr) {
        out = Expr{};
        out.kind = Expr::Kind::constant;
        out.type = StaticType::text;
        out.constant = s.empty() ? Value{} : Value::make_text(s);
        if (n.Tag() != "!" && (s == "true" || s == "false")) {
            out.constant = Value::make_bool(s == "true");
            out.type = StaticType::boolean;
        }
        return true;
    }
    return expression(n, std::string_view(s).substr(1), 1, out);
}

bool Compiler::expression(const YAML::Node& n, std::string_view text, std::size_t offset, Expr& out) {
    Parser p{*this, n, text, offset};
    if (!p.pipeline(out)) return false;
    p.skip();
    if (p.pos != text.size()) {
        p.err(p.pos, fmt::format("unexpected '{}' in expression", text.substr(p.pos, 1)),
              "functions chain with '|', arguments are separated by ','");
        return false;
    }
    return true;
}

bool Compiler::Parser::pipeline(Expr& out) {
    if (!primary(out)) return false;
    while (peek('|')) {
        ++pos;
        skip();
        const std::size_t name_pos = pos;
        while (pos < text.size() && is_ident_char(text[pos])) ++pos;
        const auto name = text.substr(name_pos, pos - name_pos);
        if (name.empty()) {
            err(name_pos, "expected a function name after '|'");
            return false;
        }
        std::vector<Expr> args;
        args.push_back(std::move(out));
        out = Expr{};
        const bool parens = peek('(');
        if (!call(name, name_pos, std::move(args), parens, out)) return false;
    }
    return true;
}

bool Compiler::Parser::string_literal(Expr& out) {
    const char q = text[pos];
    const std::size_t start = pos++;
    std::string s;
    while (pos < text.size()) {
        const char ch = text[pos++];
        if (ch == q) {
            if (q == '\'' && pos < text.size() && text[pos] == '\'') {
                s += '\'';
                ++pos;
                continue;
            }
            out = Expr{};
            out.kind = Expr::Kind::constant;
            out.type = StaticType::text;
            out.constant = Value::make_text(std::move(s));
            if (out.constant.text.empty()) out.constant = Value{};
            return true;
        }
        if (q == '"' && ch == '\\' && pos < text.size()) {
            s += text[pos++];
            continue;
        }
        s += ch;
    }
    err(start, "unterminated string constant");
    return false;
}

// A path token runs to the next blank, '|', ',' or ')' outside brackets and quotes.
std::string_view Compiler::Parser::path_token() {
    const std::size_t start = pos;
    int depth = 0;
    char quote = 0;
    while (pos < text.size()) {
        const char ch = text[pos];
        if (quote) {
            if (ch == quote) quote = 0;
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
        } else if (ch == '[' || ch == '(') {
            ++depth;
        } else if (ch == ']' || (ch == ')' && depth > 0)) {
            --depth;
        } else if (depth == 0 && (is_space(ch) || ch == '|' || ch == ',' || ch == ')')) {
            break;
        }
        ++pos;
    }
    return text.substr(start, pos - start);
}

bool Compiler::Parser::primary(Expr& out) {
    skip();
    if (pos >= text.size()) {
        err(pos, "expected a value: a path, 'text', a number, $variable or function(...)");
        return false;
    }
    const char ch = text[pos];
    if (ch == '\'' || ch == '"') return string_literal(out);
    if ((ch >= '0' && ch <= '9') || (ch == '-' && pos + 1 < text.size() && text[pos + 1] >= '0' && text[pos + 1] <= '9')) {
        const std::size_t start = pos++;
        while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.')) ++pos;
        out = Expr{};
        out.kind = Expr::Kind::constant;
        out.type = StaticType::number;
        out.constant = Value::make_typed(ValueType::number, std::string(text.substr(start, pos - start)));
        return true;
    }
    if (ch == '(') {
        ++pos;
        if (!pipeline(out)) return false;
        if (!peek(')')) {
            err(pos, "expected ')'");
            return false;
        }
        ++pos;
        return true;
    }
    if (ch == '$') {
        const std::size_t start = ++pos;
        while (pos < text.size() && is_ident_char(text[pos])) ++pos;
        const std::string name(text.substr(start, pos - start));
        for (std::size_t i = 0; i < c.plan_.variables.size(); ++i) {
            if (c.plan_.variables[i].name != name) continue;
            out = Expr{};
            out.kind = Expr::Kind::variable;
            out.index = static_cast<int>(i);
            out.type = c.plan_.variables[i].is_param ? StaticType::text : c.plan_.variables[i].expr.type;
            out.primary = c.plan_.variables[i].expr.primary;
            return true;
        }
        std::vector<std::string> known;
        for (const auto& v : c.plan_.variables) known.push_back(v.name);
        err(start - 1, fmt::format("unknown variable '${}'", name),
            did_you_mean(name, known).empty() ? "declare it under vars: (computed) or params: (given by the caller)"
                                              : did_you_mean(name, known));
        return false;
    }
    const std::size_t start = pos;
    if (is_ident_start(ch)) {
        while (pos < text.size() && is_ident_char(text[pos])) ++pos;
        const auto ident = text.substr(start, pos - start);
        if (pos < text.size() && text[pos] == '(') return call(ident, start, {}, true, out);
        if (ident == "true" || ident == "false") {
            out = Expr{};
            out.kind = Expr::Kind::constant;
            out.type = StaticType::boolean;
            out.constant = Value::make_bool(ident == "true");
            return true;
        }
        if (ident == "null") {
            out = Expr{};
            return true;
        }
        pos = start;
    }
    const auto token = path_token();
    if (token.empty()) {
        err(start, fmt::format("unexpected '{}'", text.substr(start, 1)));
        return false;
    }
    if (!c.source(node, offset + start, token, out, false)) {
        failed = true;
        return false;
    }
    return true;
}

bool Compiler::Parser::call(std::string_view name, std::size_t name_pos, std::vector<Expr> args, bool parens,
                            Expr& out) {
    const FunctionDef* fn = find_function(name);
    if (!fn) {
        const std::string n(name);
        auto hint = did_you_mean(n, function_names());
        err(name_pos, fmt::format("unknown function '{}'", n), hint.empty() ? "see mappings/README.md for the functions" : hint);
        return false;
    }
    if (parens) {
        skip();
        ++pos;  // '('
        if (!peek(')')) {
            while (true) {
                Expr a;
                const std::size_t arg_pos = pos;
                if (name == "all") {
                    skip();
                    const auto token = path_token();
                    if (token.empty() || !c.source(node, offset + arg_pos, token, a, false)) {
                        if (token.empty()) err(arg_pos, "all(...) takes a source path");
                        failed = true;
                        return false;
                    }
                    const_cast<SourceRef*>(a.source)->all = true;
                    a.type = StaticType::list;
                } else if (!pipeline(a)) {
                    return false;
                }
                args.push_back(std::move(a));
                if (peek(',')) {
                    ++pos;
                    continue;
                }
                break;
            }
        }
        if (!peek(')')) {
            err(pos, fmt::format("expected ',' or ')' in the arguments of {}", fn->signature));
            return false;
        }
        ++pos;
    }
    const int n = static_cast<int>(args.size());
    if (n < fn->min_args || (fn->max_args >= 0 && n > fn->max_args) || args.size() > kMaxArgs) {
        err(name_pos, fmt::format("wrong number of arguments to '{}': {}", fn->name, fn->signature),
            args.empty() ? "" : "a piped value ('x | f') is the first argument");
        return false;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        const StaticType expected = fn->args[std::min<std::size_t>(i, 3)];
        if (!compatible(expected, args[i].type)) {
            err(name_pos, fmt::format("type mismatch: argument {} of {} must be {}, but is {}", i + 1, fn->signature,
                                      to_string(expected), to_string(args[i].type)));
            return false;
        }
    }
    out = Expr{};
    out.kind = Expr::Kind::call;
    out.fn = fn;
    out.type = fn->result;
    for (const auto& a : args) {
        if (a.primary) {
            out.primary = a.primary;
            break;
        }
        if (a.kind == Expr::Kind::source) {
            out.primary = a.source;
            break;
        }
    }
    if ((fn->name == "default" || fn->name == "coalesce" || fn->name == "required" || fn->name == "first" ||
         fn->name == "nth" || fn->name == "lookup_or" || fn->name == "map_or") && !args.empty())
        out.type = fn->name == "first" || fn->name == "nth" ? StaticType::any : args[fn->name == "lookup_or" || fn->name == "map_or" ? 1 : 0].type;
    if (fn->name == "if") out.type = args.size() > 1 ? args[1].type : StaticType::any;
    out.args = std::move(args);
    std::size_t bad = 0;
    const std::string problem = resolve_call(out, c.plan_, bad);
    if (!problem.empty()) {
        err(name_pos, problem);
        return false;
    }
    return true;
}

bool Compiler::source(const YAML::Node& n, std::size_t pos, std::string_view token, Expr& out, bool for_each) {
    SourceRef s;
    s.kind = plan_.input;
    s.text = std::string(token);
    bool ok = false;
    switch (plan_.input) {
        case Format::hl7: ok = hl7_source(n, pos, token, s, for_each); break;
        case Format::xml: ok = xml_source(n, pos, token, s); break;
        case Format::json: ok = json_source(n, pos, token, s); break;
        default: ok = canonical_source(n, pos, token, s, nullptr, nullptr); break;
    }
    if (!ok) return false;
    plan_.sources.push_back(std::move(s));
    out = Expr{};
    out.kind = Expr::Kind::source;
    out.source = &plan_.sources.back();
    out.type = out.source->type;
    out.primary = out.source;
    return true;
}

bool Compiler::hl7_source(const YAML::Node& n, std::size_t pos, std::string_view token, SourceRef& s, bool for_each) {
    if (token[0] == '/' || token[0] == '.' || token[0] == '@' || token.find(':') != std::string_view::npos) {
        error(at(n, pos), ErrorCode::invalid_value,
              fmt::format("'{}' can never match: this mapping's input is hl7, which is read with HL7 paths", token),
              "HL7 paths look like PID-5.1, RQD-2.1, NTE[2]-3");
        return false;
    }
    if (for_each) {
        const bool seg = token.size() == 3 && std::all_of(token.begin(), token.end(), [](char ch) {
                             return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
                         });
        if (!seg) {
            error(at(n, pos), ErrorCode::invalid_value,
                  fmt::format("$each over HL7 input takes a segment name (e.g. RQD), not '{}'", token));
            return false;
        }
        s.hl7.segment = {token[0], token[1], token[2]};
        s.hl7.field = 1;
    } else {
        auto p = hl7::compile_path(token);
        if (!p) {
            const auto& e = p.error();
            std::string hint = "HL7 paths look like PID-5.1, RQD-2.1, NTE[2]-3";
            if (token.size() >= 1 && std::all_of(token.begin(), token.end(), is_ident_char))
                hint = did_you_mean(std::string(token), function_names()).empty()
                           ? hint
                           : did_you_mean(std::string(token), function_names()) + " (functions need '(...)')";
            error(at(n, pos), ErrorCode::invalid_value, fmt::format("'{}' is not an HL7 path: {}", token, e.message), hint);
            return false;
        }
        s.hl7 = *p;
    }
    // The innermost HL7 $each whose group holds this segment reads relative to that group.
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
        const auto name = std::string(s.hl7.segment_name());
        if (std::find(it->group.begin(), it->group.end(), name) != it->group.end()) {
            s.frame = it->depth;
            s.parent = it->source;
            break;
        }
    }
    return true;
}

bool Compiler::xml_source(const YAML::Node& n, std::size_t pos, std::string_view token, SourceRef& s) {
    // Check the prefixes: the input is normalised to the mapping's prefixes, so an undeclared one never matches.
    char quote = 0;
    for (std::size_t i = 0; i < token.size(); ++i) {
        const char ch = token[i];
        if (quote) {
            if (ch == quote) quote = 0;
            continue;
        }
        if (ch == '\'' || ch == '"') {
            quote = ch;
            continue;
        }
        if (ch != ':' || (i + 1 < token.size() && token[i + 1] == ':') || (i > 0 && token[i - 1] == ':')) continue;
        std::size_t b = i;
        while (b > 0 && (is_ident_char(token[b - 1]) || token[b - 1] == '-' || token[b - 1] == '.')) --b;
        const std::string prefix(token.substr(b, i - b));
        const bool known = std::any_of(plan_.namespaces.begin(), plan_.namespaces.end(),
                                       [&](const auto& ns) { return ns.first == prefix; });
        if (!known) {
            std::vector<std::string> prefixes;
            for (const auto& ns : plan_.namespaces) prefixes.push_back(ns.first);
            auto hint = did_you_mean(prefix, prefixes);
            error(at(n, pos + b), ErrorCode::invalid_value,
                  fmt::format("namespace prefix '{}' is not declared under namespaces:", prefix),
                  hint.empty() ? "declare it: namespaces: {" + prefix + ": URI}" : hint);
            return false;
        }
    }
    if (token.size() >= 3 && token[0] >= 'A' && token[0] <= 'Z' && token.find('-') == 3 && token.find(':') == std::string_view::npos) {
        error(at(n, pos), ErrorCode::invalid_value,
              fmt::format("'{}' looks like an HL7 path, but this mapping's input is xml (use an XPath)", token));
        return false;
    }
    const bool absolute = token[0] == '/';
    std::string expr(token);
    if (!absolute) {
        for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
            if (it->kind != Format::xml) continue;
            s.frame = it->depth;
            s.parent = it->source;
            break;
        }
    }
    try {
        s.xpath = std::make_shared<pugi::xpath_query>(expr.c_str());
    } catch (const pugi::xpath_exception& e) {
        error(at(n, pos + static_cast<std::size_t>(std::max<std::ptrdiff_t>(e.result().offset, 0))),
              ErrorCode::invalid_value, fmt::format("invalid XPath '{}': {}", token, e.what()));
        return false;
    }
    if (!*s.xpath) {
        error(at(n, pos), ErrorCode::invalid_value, fmt::format("invalid XPath '{}'", token));
        return false;
    }
    return true;
}

bool Compiler::json_source(const YAML::Node& n, std::size_t pos, std::string_view token, SourceRef& s) {
    std::string_view p = token;
    if (p == ".") {
        p = {};
    } else if (p.rfind("./", 0) == 0) {
        p.remove_prefix(1);
    } else if (p[0] != '/') {
        error(at(n, pos), ErrorCode::invalid_value,
              fmt::format("'{}' can never match: this mapping's input is json, which is read with JSON pointers", token),
              "write /items/0/sku (from the document root) or ./sku (from the current $each item)");
        return false;
    } else {
        s.frame = -1;
    }
    if (token[0] == '.') {
        bool found = false;
        for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
            if (it->kind != Format::json) continue;
            s.frame = it->depth;
            s.parent = it->source;
            found = true;
            break;
        }
        if (!found) {
            error(at(n, pos), ErrorCode::invalid_value,
                  fmt::format("'{}' is relative, but there is no $each around it", token), "use /... from the root");
            return false;
        }
    }
    while (!p.empty()) {
        p.remove_prefix(1);
        const auto slash = p.find('/');
        std::string key(p.substr(0, slash));
        for (std::size_t i = 0; (i = key.find('~', i)) != std::string::npos; ++i) {
            if (i + 1 < key.size() && key[i + 1] == '1') key.replace(i, 2, "/");
            else if (i + 1 < key.size() && key[i + 1] == '0') key.replace(i, 2, "~");
        }
        s.keys.push_back(std::move(key));
        p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash);
    }
    return true;
}

void Compiler::check_personal(const YAML::Node& n, std::size_t pos, const std::string& abs_path) {
    for (const auto& allowed : plan_.personal_data) {
        if (abs_path == allowed || abs_path.rfind(allowed + ".", 0) == 0) return;
    }
    error(at(n, pos), ErrorCode::invalid_value,
          fmt::format("'{}' is personal data and is not in this vendor's allow-list", abs_path),
          "add it to personal_data: only if the grocer's contract allows it (privacy: data minimisation)");
}

bool Compiler::canonical_source(const YAML::Node& n, std::size_t pos, std::string_view token, SourceRef& s,
                                const FieldDef** field_out, std::string* abs_path_out) {
    if (token[0] == '/' || token[0] == '.' || token[0] == '@' ||
        (token.size() > 3 && token[3] == '-' && token[0] >= 'A' && token[0] <= 'Z')) {
        error(at(n, pos), ErrorCode::invalid_value,
              fmt::format("'{}' can never match: this mapping's input is {}, which is read by field name", token,
                          to_string(plan_.input)),
              "canonical fields look like recipient.address.street; inside $each: lines use line.gtin");
        return false;
    }
    std::vector<std::string> parts;
    std::size_t b = 0;
    while (b <= token.size()) {
        const auto dot = token.find('.', b);
        parts.emplace_back(token.substr(b, dot == std::string_view::npos ? std::string_view::npos : dot - b));
        if (dot == std::string_view::npos) break;
        b = dot + 1;
    }
    std::span<const FieldDef> fields = canonical_fields(plan_.input);
    std::string abs_path;
    std::size_t first = 0;
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
        if (!it->as.empty() && it->as == parts[0]) {
            s.frame = it->depth;
            s.parent = it->source;
            fields = it->fields;
            abs_path = it->canonical_path;
            first = 1;
            break;
        }
    }
    if (first == 1 && parts.size() == 1) {
        s.type = StaticType::any;
        if (field_out) *field_out = nullptr;
        return true;
    }
    const FieldDef* def = nullptr;
    std::size_t col = 0;
    for (std::size_t i = 0; i < first; ++i) col += parts[i].size() + 1;
    for (std::size_t i = first; i < parts.size(); ++i) {
        def = find_field(fields, parts[i]);
        if (!def) {
            std::vector<std::string> names = field_names(fields);
            for (const auto& sc : scopes_)
                if (!sc.as.empty() && i == 0) names.push_back(sc.as);
            auto hint = did_you_mean(parts[i], names);
            std::string known;
            for (const auto& nm : names) known += (known.empty() ? "" : ", ") + nm;
            error(at(n, pos + col), ErrorCode::unknown_key,
                  fmt::format("unknown canonical field '{}' in {}", parts[i], to_string(plan_.input)),
                  hint.empty() ? "fields here: " + known : hint);
            return false;
        }
        abs_path += (abs_path.empty() ? "" : ".") + parts[i];
        if (def->kind == FieldKind::array && i + 1 < parts.size()) {
            error(at(n, pos + col), ErrorCode::invalid_value,
                  fmt::format("'{}' is a list: iterate it with $each (and $as) to read its items", parts[i]));
            return false;
        }
        s.keys.push_back(parts[i]);
        col += parts[i].size() + 1;
        fields = def->children;
    }
    // Personal data: any field marked personal, or inside a personal object, needs the allow-list.
    if (personal_check_) {
        std::span<const FieldDef> walk = canonical_fields(plan_.input);
        std::string prefix;
        bool personal = false;
        std::string_view rest = abs_path;
        while (!rest.empty()) {
            const auto dot = rest.find('.');
            const auto part = rest.substr(0, dot);
            const FieldDef* f = find_field(walk, part);
            if (!f) break;
            personal = personal || f->personal;
            walk = f->children;
            rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
        }
        if (personal) check_personal(n, pos, abs_path);
    }
    s.type = def ? static_type(def->kind) : StaticType::any;
    if (def && def->kind == FieldKind::object) s.type = StaticType::any;
    if (field_out) *field_out = def;
    if (abs_path_out) *abs_path_out = abs_path;
    return true;
}

// ---- control keys -------------------------------------------------------------------------------------------

bool Compiler::control(const YAML::Node& map, Control& out, bool each_allowed, bool& pushed) {
    pushed = false;
    if (const YAML::Node when = map["$when"]; when && !when.IsScalar())
        error(when.Mark(), ErrorCode::wrong_type, "$when takes one expression (=...)");
    if (const YAML::Node when = map["$when"]; when && when.IsScalar() && (when.Scalar().empty() || when.Scalar()[0] != '='))
        error(when.Mark(), ErrorCode::invalid_value, "$when needs an expression starting with '='");
    const YAML::Node each = map["$each"];
    if (!each) {
        if (map["$as"]) error(map["$as"].Mark(), ErrorCode::invalid_value, "$as only makes sense with $each");
        if (map["$group"]) error(map["$group"].Mark(), ErrorCode::invalid_value, "$group only makes sense with $each");
        if (const YAML::Node when = map["$when"]; when && when.IsScalar()) {
            bool is_expr = false;
            Expr e;
            if (scalar_expr(when, e, is_expr) && is_expr) out.when = std::move(e);
        }
        return true;
    }
    if (!each_allowed) {
        error(each.Mark(), ErrorCode::invalid_value, "$each is only allowed on a list item (- $each: ...)",
              "write the field as a list: key: [ {$each: ..., ...} ]");
        return false;
    }
    if (!each.IsScalar()) {
        error(each.Mark(), ErrorCode::wrong_type, "$each takes a source: a segment name, XPath, JSON pointer or canonical list");
        return false;
    }
    std::string text = each.Scalar();
    std::size_t offset = 0;
    if (!text.empty() && text[0] == '=') {
        text.erase(0, 1);
        offset = 1;
    }
    Expr e;
    Scope scope;
    scope.depth = static_cast<int>(scopes_.size());
    scope.kind = is_canonical(plan_.input) ? plan_.input : plan_.input;
    if (is_canonical(plan_.input)) {
        SourceRef s;
        s.kind = plan_.input;
        s.text = text;
        const FieldDef* def = nullptr;
        std::string abs;
        if (!canonical_source(each, offset, text, s, &def, &abs)) return false;
        if (!def || def->kind != FieldKind::array) {
            error(each.Mark(), ErrorCode::invalid_value, fmt::format("$each: '{}' is not a list", text),
                  "canonical lists: lines");
            return false;
        }
        plan_.sources.push_back(std::move(s));
        scope.fields = def->children;
        scope.canonical_path = abs;
        const YAML::Node as = map["$as"];
        scope.as = as ? as.Scalar() : std::string("item");
        if (find_field(canonical_fields(plan_.input), scope.as)) {
            error(as ? as.Mark() : each.Mark(), ErrorCode::conflict,
                  fmt::format("$as: '{}' hides the canonical field of that name", scope.as));
            return false;
        }
    } else {
        if (map["$as"]) error(map["$as"].Mark(), ErrorCode::invalid_value, "$as is only used with canonical input",
                              "read the item's fields with ./x (JSON) or relative XPaths (XML)");
        if (!source(each, offset, text, e, true)) return false;
        scope.kind = plan_.input;
        if (plan_.input == Format::hl7) {
            scope.group.push_back(text);
            if (const YAML::Node g = map["$group"]) {
                if (!g.IsSequence()) {
                    error(g.Mark(), ErrorCode::wrong_type, "$group is a list of segment names, e.g. [NTE]");
                } else {
                    for (const auto& seg : g) scope.group.push_back(seg.Scalar());
                }
            }
        } else if (map["$group"]) {
            error(map["$group"].Mark(), ErrorCode::invalid_value, "$group is only used with HL7 input");
        }
    }
    scope.source = &plan_.sources.back();
    out.each = Each{scope.source, scope.depth};
    scopes_.push_back(std::move(scope));
    plan_.frames = std::max(plan_.frames, static_cast<int>(scopes_.size()));
    pushed = true;
    if (const YAML::Node when = map["$when"]; when && when.IsScalar()) {
        bool is_expr = false;
        Expr w;
        if (scalar_expr(when, w, is_expr) && is_expr) out.when = std::move(w);
    }
    return true;
}

// ---- JSON / canonical templates -----------------------------------------------------------------------------

void Compiler::check_canonical_scalar(const YAML::Node& n, const FieldDef& f, const Expr* e, const std::string& where) {
    if (f.kind == FieldKind::object || f.kind == FieldKind::array) {
        error(n.Mark(), ErrorCode::wrong_type,
              fmt::format("type mismatch: canonical field '{}' is {}, not a single value", where,
                          f.kind == FieldKind::object ? "an object" : "a list"));
        return;
    }
    if (e && e->kind != Expr::Kind::constant) {
        if (!compatible(static_type(f.kind), e->type))
            error(n.Mark(), ErrorCode::wrong_type,
                  fmt::format("type mismatch: canonical field '{}' is {}, but the expression gives {}", where,
                              to_string(f.kind), to_string(e->type)));
        return;
    }
    const std::string& v = n.Scalar();
    if (f.kind == FieldKind::enumeration && std::find(f.values.begin(), f.values.end(), v) == f.values.end()) {
        std::vector<std::string> names(f.values.begin(), f.values.end());
        std::string list;
        for (const auto& x : names) list += (list.empty() ? "" : ", ") + x;
        auto hint = did_you_mean(v, names);
        error(n.Mark(), ErrorCode::invalid_value, fmt::format("'{}' is not a valid {}", v, where),
              hint.empty() ? "one of: " + list : hint);
    }
}

void Compiler::json_node(const YAML::Node& n, JsonNode& out, const FieldDef* field, std::span<const FieldDef> fields,
                         const std::string& where) {
    const bool canonical = is_canonical(plan_.output);
    if (n.IsScalar() || n.IsNull()) {
        if (canonical && field && (field->kind == FieldKind::object || field->kind == FieldKind::array)) {
            check_canonical_scalar(n, *field, nullptr, where);
            return;
        }
        bool is_expr = false;
        Expr e;
        if (n.IsNull()) {
            out.kind = JsonNode::Kind::constant;
            out.constant = nullptr;
            return;
        }
        if (!scalar_expr(n, e, is_expr)) return;
        if (canonical && field) check_canonical_scalar(n, *field, is_expr ? &e : nullptr, where);
        if (is_expr) {
            out.kind = JsonNode::Kind::expr;
            out.expr = std::move(e);
            return;
        }
        out.kind = JsonNode::Kind::constant;
        const std::string& s = n.Scalar();
        out.constant = boost::json::string(s);
        if (!canonical && n.Tag() != "!") {
            // Unquoted YAML scalars keep their YAML type in vendor JSON: 42, 1.5, true, null.
            if (s == "true" || s == "false") {
                out.constant = s == "true";
            } else if (s == "null" || s == "~") {
                out.constant = nullptr;
            } else if (!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos && s.size() < 18 &&
                       s != "-") {
                out.constant = static_cast<std::int64_t>(std::stoll(s));
            }
        }
        if (canonical && field && field->kind == FieldKind::integer) {
            if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) {
                error(n.Mark(), ErrorCode::wrong_type, fmt::format("type mismatch: '{}' must be a whole number", where));
            } else {
                out.constant = static_cast<std::int64_t>(std::stoll(s));
            }
        }
        if (canonical && field && field->kind == FieldKind::boolean) {
            if (s != "true" && s != "false") {
                error(n.Mark(), ErrorCode::wrong_type, fmt::format("type mismatch: '{}' must be true or false", where));
            } else {
                out.constant = s == "true";
            }
        }
        return;
    }
    if (n.IsMap()) {
        if (canonical && field && field->kind != FieldKind::object) {
            error(n.Mark(), ErrorCode::wrong_type,
                  fmt::format("type mismatch: canonical field '{}' is {}, not an object", where, to_string(field->kind)));
            return;
        }
        json_object(n, out, field ? field->children : fields, canonical, where);
        return;
    }
    if (n.IsSequence()) {
        if (canonical && field && field->kind != FieldKind::array) {
            error(n.Mark(), ErrorCode::wrong_type,
                  fmt::format("type mismatch: canonical field '{}' is {}, not a list", where, to_string(field->kind)));
            return;
        }
        out.kind = JsonNode::Kind::array;
        for (const auto& item : n) {
            JsonNode child;
            bool pushed = false;
            if (item.IsMap()) {
                if (!control(item, child.control, true, pushed)) continue;
                if (item["$value"]) {
                    // A list of single values: - {$each: ..., $value: =...}
                    for (auto it = item.begin(); it != item.end(); ++it) {
                        const auto k = it->first.Scalar();
                        if (k != "$value" && !is_control_key(k))
                            error(it->first.Mark(), ErrorCode::invalid_value, "$value cannot be combined with other keys");
                    }
                    Control c = std::move(child.control);
                    json_node(item["$value"], child, nullptr, {}, where + "[]");
                    child.control = std::move(c);
                } else {
                    Control c = std::move(child.control);
                    json_object(item, child, field ? field->children : std::span<const FieldDef>{}, canonical, where + "[]");
                    child.control = std::move(c);
                }
            } else {
                json_node(item, child, nullptr, {}, where + "[]");
            }
            if (pushed) scopes_.pop_back();
            out.children.push_back(std::move(child));
        }
    }
}

void Compiler::json_object(const YAML::Node& n, JsonNode& out, std::span<const FieldDef> fields, bool canonical,
                           const std::string& where) {
    out.kind = JsonNode::Kind::object;
    bool pushed = false;
    Control ctl;
    // $each on an object is handled by the list that holds it; $when may stand on any object.
    const bool in_list = where.size() >= 2 && where.substr(where.size() - 2) == "[]";
    if (!in_list) {
        if (!control(n, ctl, false, pushed)) return;
        out.control = std::move(ctl);
    }
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (is_control_key(key)) continue;
        if (key == "$value") continue;
        if (!key.empty() && key[0] == '$') {
            error(it->first.Mark(), ErrorCode::unknown_key, fmt::format("unknown template keyword '{}'", key),
                  did_you_mean(key, {"$each", "$as", "$when", "$group", "$value"}));
            continue;
        }
        const std::string child_where = where.empty() ? key : where + "." + key;
        JsonNode child;
        child.key = key;
        const FieldDef* f = nullptr;
        if (canonical) {
            f = find_field(fields, key);
            if (!f) {
                auto names = field_names(fields);
                auto hint = did_you_mean(key, names);
                std::string known;
                for (const auto& nm : names) known += (known.empty() ? "" : ", ") + nm;
                error(it->first.Mark(), ErrorCode::unknown_key,
                      fmt::format("unknown canonical field '{}' in {}", child_where, to_string(plan_.output)),
                      hint.empty() ? "fields here: " + known : hint);
                continue;
            }
            child.field = f;
        }
        seen.insert(key);
        if (it->second.IsMap() && !canonical) {
            json_object(it->second, child, {}, false, child_where);
        } else {
            json_node(it->second, child, f, {}, child_where);
        }
        out.children.push_back(std::move(child));
    }
    if (canonical) {
        for (const auto& f : fields) {
            if (f.required && !seen.count(std::string(f.name)) && f.name != "gateway_id")
                error(n.Mark(), ErrorCode::missing_required,
                      fmt::format("required canonical field '{}{}{}' is not mapped", where, where.empty() ? "" : ".", f.name));
        }
    }
    if (pushed) scopes_.pop_back();
}

// ---- XML templates ------------------------------------------------------------------------------------------

void Compiler::check_xml_name(const YAML::Node& key, const std::string& name) {
    const auto colon = name.find(':');
    const std::string prefix = colon == std::string::npos ? std::string() : name.substr(0, colon);
    if (colon == std::string::npos) return;
    const bool known = std::any_of(plan_.namespaces.begin(), plan_.namespaces.end(),
                                   [&](const auto& ns) { return ns.first == prefix; });
    if (!known) {
        std::vector<std::string> prefixes;
        for (const auto& ns : plan_.namespaces) prefixes.push_back(ns.first);
        error(key.Mark(), ErrorCode::invalid_value,
              fmt::format("namespace prefix '{}' of <{}> is not declared under namespaces:", prefix, name),
              did_you_mean(prefix, prefixes));
    }
}

void Compiler::xml_element(const std::string& name, const YAML::Node& n, std::vector<XmlNode>& out) {
    if (n.IsSequence()) {
        for (const auto& item : n) xml_element(name, item, out);
        return;
    }
    XmlNode el;
    el.kind = XmlNode::Kind::element;
    el.name = name;
    if (n.IsScalar()) {
        bool is_expr = false;
        if (!scalar_expr(n, el.expr, is_expr)) return;
        el.has_expr = is_expr;
        if (is_expr && el.expr.type == StaticType::list)
            error(n.Mark(), ErrorCode::wrong_type, fmt::format("type mismatch: <{}> needs one value, not a list", name),
                  "use join(...) or first(...), or repeat the element with $each");
        if (!is_expr) el.constant = n.Scalar();
        out.push_back(std::move(el));
        return;
    }
    if (n.IsNull()) {
        out.push_back(std::move(el));
        return;
    }
    bool pushed = false;
    if (!control(n, el.control, true, pushed)) return;
    for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string key = it->first.Scalar();
        if (is_control_key(key)) continue;
        if (key == "$text" || (!key.empty() && key[0] == '@')) {
            XmlNode leaf;
            leaf.kind = key == "$text" ? XmlNode::Kind::text : XmlNode::Kind::attribute;
            leaf.name = key == "$text" ? std::string() : key.substr(1);
            if (!it->second.IsScalar()) {
                error(it->second.Mark(), ErrorCode::wrong_type, fmt::format("'{}' takes one value", key));
                continue;
            }
            bool is_expr = false;
            if (!scalar_expr(it->second, leaf.expr, is_expr)) continue;
            leaf.has_expr = is_expr;
            if (!is_expr) leaf.constant = it->second.Scalar();
            el.children.push_back(std::move(leaf));
            continue;
        }
        if (!key.empty() && key[0] == '$') {
            error(it->first.Mark(), ErrorCode::unknown_key, fmt::format("unknown template keyword '{}'", key),
                  did_you_mean(key, {"$each", "$when", "$text", "$group"}));
            continue;
        }
        check_xml_name(it->first, key);
        xml_element(key, it->second, el.children);
    }
    if (pushed) scopes_.pop_back();
    out.push_back(std::move(el));
}

// ---- HL7 templates ------------------------------------------------------------------------------------------

void Compiler::hl7_items(const YAML::Node& list, std::vector<Hl7Node>& out) {
    for (const auto& item : list) {
        if (!item.IsMap()) {
            error(item.Mark(), ErrorCode::wrong_type, "each HL7 template item is a mapping: - SEG: {field: value}");
            continue;
        }
        Hl7Node group;
        group.kind = Hl7Node::Kind::group;
        bool pushed = false;
        if (!control(item, group.control, true, pushed)) continue;
        for (auto it = item.begin(); it != item.end(); ++it) {
            const std::string key = it->first.Scalar();
            if (is_control_key(key)) continue;
            if (key == "$segments") {
                if (!it->second.IsSequence()) {
                    error(it->second.Mark(), ErrorCode::wrong_type, "$segments is a list of template items");
                    continue;
                }
                hl7_items(it->second, group.children);
                continue;
            }
            Hl7Node seg;
            hl7_segment(it->first, it->second, seg);
            group.children.push_back(std::move(seg));
        }
        if (pushed) scopes_.pop_back();
        if (!group.control.each && !group.control.when && group.children.size() == 1) {
            out.push_back(std::move(group.children[0]));
        } else {
            out.push_back(std::move(group));
        }
    }
}

void Compiler::hl7_segment(const YAML::Node& key, const YAML::Node& fields, Hl7Node& out) {
    const std::string name = key.Scalar();
    const bool valid_name = name.size() == 3 && std::all_of(name.begin(), name.end(), [](char ch) {
                                return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
                            });
    if (!valid_name) {
        error(key.Mark(), ErrorCode::invalid_value, fmt::format("'{}' is not a segment name (3 upper-case characters)", name),
              did_you_mean(name, {"$each", "$when", "$as", "$segments"}));
        return;
    }
    out.kind = Hl7Node::Kind::segment;
    out.name = name;
    if (fields.IsNull()) return;
    if (!fields.IsMap()) {
        error(fields.Mark(), ErrorCode::wrong_type, fmt::format("{} takes a mapping of field: value", name));
        return;
    }
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        const std::string spec = it->first.Scalar();
        auto p = hl7::compile_path(name + "-" + spec);
        if (!p || p->occurrence != 1) {
            error(it->first.Mark(), ErrorCode::invalid_value,
                  fmt::format("'{}' is not a field position (F, F.C, F.C.S or F[r].C)", spec));
            continue;
        }
        if (name == "MSH" && p->field <= 2) {
            error(it->first.Mark(), ErrorCode::invalid_value, "MSH-1 and MSH-2 are the delimiters; the gateway writes them");
            continue;
        }
        Hl7Field f;
        f.field = p->field;
        f.repetition = p->repetition;
        f.component = p->component;
        f.subcomponent = p->subcomponent;
        f.label = name + "-" + spec;
        if (!it->second.IsScalar()) {
            error(it->second.Mark(), ErrorCode::wrong_type, fmt::format("{} takes one value", f.label));
            continue;
        }
        bool is_expr = false;
        if (!scalar_expr(it->second, f.expr, is_expr)) continue;
        f.has_expr = is_expr;
        if (is_expr && f.expr.type == StaticType::list)
            error(it->second.Mark(), ErrorCode::wrong_type,
                  fmt::format("type mismatch: {} needs one value, not a list", f.label), "use join(...) or first(...)");
        if (!is_expr) f.constant = it->second.Scalar();
        out.fields.push_back(std::move(f));
    }
}

}  // namespace

CompileResult compile_mapping_text(std::string_view yaml, const std::string& file, const std::string& base_dir) {
    Diagnostics diag(file);
    CompileResult result;
    auto root = config::parse_yaml(yaml, diag);
    if (root) {
        auto plan = std::make_shared<Plan>();
        plan->file = file;
        plan->name = fs::path(file).stem().string();
        Compiler c(*plan, diag, base_dir);
        try {
            c.run(*root);
        } catch (const YAML::Exception& e) {
            diag.add(e.mark, ErrorCode::parse_error, fmt::format("invalid mapping: {}", e.msg));
        }
        if (diag.ok()) result.plan = std::move(plan);
    }
    result.errors = diag.sorted();
    return result;
}

CompileResult compile_mapping_file(const std::string& path) {
    Diagnostics diag(path);
    auto root = config::load_yaml_file(path, diag);
    if (!root) return CompileResult{nullptr, diag.sorted()};
    std::string text;
    {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    const auto dir = fs::path(path).parent_path().string();
    return compile_mapping_text(text, path, dir);
}

}  // namespace gw::mapping
