// peppol-ap style: an access point's REST endpoint. POST /peppol-ap/documents takes a UBL 2.1 Order (well-formed,
// root Order in the UBL Order-2 namespace, no DOCTYPE) and answers 202 with a transmission id; after
// response_delay it posts a UBL OrderResponse to callback_url: AP (accepted), CA (accepted with changes: lines
// whose GTIN is configured out of stock get LineStatusCode 7, lines with a configured substitute 3 with a
// cac:SellerSubstitutedLineItem, the others 5) or RE (nothing deliverable).

#include <algorithm>
#include <sstream>
#include <vector>

#include <pugixml.hpp>

#include <fmt/format.h>

#include "routes.hpp"
#include "webhooks.hpp"

namespace sandbox {

namespace json = boost::json;
using gw::http::Verb;

namespace {

constexpr std::string_view order_ns = "urn:oasis:names:specification:ubl:schema:xsd:Order-2";
constexpr const char* response_ns = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2";
constexpr const char* cac_ns = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
constexpr const char* cbc_ns = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

std::string_view local_name(const pugi::xml_node& node) {
    std::string_view name = node.name();
    auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& node, std::string_view local) {
    for (auto c : node.children()) {
        if (c.type() == pugi::node_element && local_name(c) == local) return c;
    }
    return {};
}

std::string text_of(const pugi::xml_node& node) { return node ? std::string(node.text().get()) : std::string(); }

// The namespace URI of an element's prefix, looked up on the element itself (the root declares it in practice).
std::string namespace_of(const pugi::xml_node& node) {
    std::string_view name = node.name();
    auto colon = name.find(':');
    std::string attribute = colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(name.substr(0, colon));
    return node.attribute(attribute.c_str()).value();
}

struct OrderLine {
    std::string id;
    std::string gtin;
    std::string name;
    std::string quantity;
    std::string unit;
    bool rejected = false;
    const PeppolConfig::Substitute* substitute = nullptr;
};

class PeppolAp {
public:
    explicit PeppolAp(Sandbox& sandbox) : sandbox_(sandbox), config_(sandbox.config().peppol) {}

    Response receive(const Request& req) {
        std::string lowered(req.body.substr(0, std::min<std::size_t>(req.body.size(), 4096)));
        std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
        if (lowered.find("<!doctype") != std::string::npos) {
            return Sandbox::vendor_error(Vendor::peppol, 400, "DOCTYPE is not allowed in PEPPOL documents");
        }
        pugi::xml_document doc;
        auto parsed = doc.load_buffer(req.body.data(), req.body.size(), pugi::parse_default | pugi::parse_doctype);
        if (!parsed) {
            return Sandbox::vendor_error(Vendor::peppol, 400,
                                         fmt::format("XML is not well-formed: {} at byte {}", parsed.description(),
                                                     parsed.offset));
        }
        for (auto node : doc.children()) {
            if (node.type() == pugi::node_doctype) {
                return Sandbox::vendor_error(Vendor::peppol, 400, "DOCTYPE is not allowed in PEPPOL documents");
            }
        }
        auto root = doc.document_element();
        if (local_name(root) != "Order" || namespace_of(root) != order_ns) {
            return Sandbox::vendor_error(Vendor::peppol, 400,
                                         fmt::format("root element must be Order in namespace {}", order_ns));
        }
        auto order_id = text_of(child(root, "ID"));
        if (order_id.empty()) return Sandbox::vendor_error(Vendor::peppol, 400, "Order/cbc:ID is missing");

        std::vector<OrderLine> lines;
        for (auto line : root.children()) {
            if (local_name(line) != "OrderLine") continue;
            auto item = child(line, "LineItem");
            OrderLine l;
            l.id = text_of(child(item, "ID"));
            auto article = child(item, "Item");
            l.gtin = text_of(child(child(article, "StandardItemIdentification"), "ID"));
            l.name = text_of(child(article, "Name"));
            auto quantity = child(item, "Quantity");
            l.quantity = text_of(quantity);
            l.unit = quantity.attribute("unitCode").value();
            l.rejected = std::find(config_.out_of_stock.begin(), config_.out_of_stock.end(), l.gtin) !=
                         config_.out_of_stock.end();
            if (auto s = config_.substitutes.find(l.gtin); !l.rejected && s != config_.substitutes.end()) {
                l.substitute = &s->second;
            }
            lines.push_back(std::move(l));
        }
        auto document_id = "doc-" + sandbox_.random_hex(16);
        sandbox_.record_order(Vendor::peppol, json::value(order_id), json::value(req.body));

        Callback callback;
        callback.vendor = Vendor::peppol;
        callback.url = sandbox_.callback_url(Vendor::peppol);
        callback.body = order_response(root, order_id, lines);
        callback.headers.set("Content-Type", "application/xml");
        if (!config_.callback_token.empty()) callback.headers.set("Authorization", "Bearer " + config_.callback_token);
        callback.headers.set("X-Peppol-Document-Id", document_id);
        callback.label = fmt::format("OrderResponse for {}", order_id);
        send_later(sandbox_, std::move(callback), config_.response_delay);

        return json_response(Status::accepted, json::object{{"document_id", document_id},
                                                            {"order_id", order_id},
                                                            {"status", "received"}});
    }

private:
    std::string order_response(const pugi::xml_node& order, const std::string& order_id,
                               const std::vector<OrderLine>& lines) {
        auto rejected = std::count_if(lines.begin(), lines.end(), [](const OrderLine& l) { return l.rejected; });
        auto substituted = std::count_if(lines.begin(), lines.end(), [](const OrderLine& l) { return l.substitute; });
        std::string code = rejected == static_cast<long>(lines.size()) && rejected > 0 ? "RE"
                           : rejected + substituted == 0                                ? "AP"
                                                                                        : "CA";

        pugi::xml_document doc;
        auto decl = doc.append_child(pugi::node_declaration);
        decl.append_attribute("version") = "1.0";
        decl.append_attribute("encoding") = "UTF-8";
        auto root = doc.append_child("OrderResponse");
        root.append_attribute("xmlns") = response_ns;
        root.append_attribute("xmlns:cac") = cac_ns;
        root.append_attribute("xmlns:cbc") = cbc_ns;
        auto add = [](pugi::xml_node parent, const char* name, const std::string& value) {
            auto node = parent.append_child(name);
            node.text().set(value.c_str());
            return node;
        };
        add(root, "cbc:CustomizationID", "urn:fdc:peppol.eu:poacc:trns:order_response:3");
        add(root, "cbc:ProfileID", "urn:fdc:peppol.eu:poacc:bis:ordering:3");
        add(root, "cbc:ID", "R-" + order_id);
        add(root, "cbc:IssueDate", sandbox_.now_iso().substr(0, 10));
        add(root, "cbc:OrderResponseCode", code);
        if (code == "RE") add(root, "cbc:Note", "None of the ordered items can be delivered");
        add(root.append_child("cac:OrderReference"), "cbc:ID", order_id);
        for (auto party : {"SellerSupplierParty", "BuyerCustomerParty"}) {
            if (auto node = child(order, party)) root.append_copy(node);
        }
        if (code == "CA") {
            for (const auto& line : lines) {
                auto order_line = root.append_child("cac:OrderLine");
                auto item = order_line.append_child("cac:LineItem");
                add(item, "cbc:ID", line.id);
                add(item, "cbc:LineStatusCode", line.rejected ? "7" : line.substitute ? "3" : "5");
                if (!line.quantity.empty()) {
                    auto q = add(item, "cbc:Quantity", line.quantity);
                    if (!line.unit.empty()) q.append_attribute("unitCode") = line.unit.c_str();
                }
                auto article = item.append_child("cac:Item");
                if (!line.name.empty()) add(article, "cbc:Name", line.name);
                if (!line.gtin.empty()) {
                    auto id = add(article.append_child("cac:StandardItemIdentification"), "cbc:ID", line.gtin);
                    id.append_attribute("schemeID") = "0160";
                }
                if (line.substitute) {
                    auto sub = order_line.append_child("cac:SellerSubstitutedLineItem");
                    add(sub, "cbc:ID", line.id);
                    if (!line.quantity.empty()) {
                        auto q = add(sub, "cbc:Quantity", line.quantity);
                        if (!line.unit.empty()) q.append_attribute("unitCode") = line.unit.c_str();
                    }
                    auto sub_item = sub.append_child("cac:Item");
                    add(sub_item, "cbc:Name", line.substitute->name);
                    auto id = add(sub_item.append_child("cac:StandardItemIdentification"), "cbc:ID",
                                  line.substitute->gtin);
                    id.append_attribute("schemeID") = "0160";
                }
                add(order_line.append_child("cac:OrderLineReference"), "cbc:LineID", line.id);
            }
        }
        std::ostringstream out;
        doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
        return out.str();
    }

    Sandbox& sandbox_;
    const PeppolConfig& config_;
};

}  // namespace

void add_peppol_routes(gw::http::Router& router, Sandbox& sandbox) {
    auto ap = std::make_shared<PeppolAp>(sandbox);
    sandbox.route(router, Vendor::peppol, Verb::post, "/peppol-ap/documents",
                  [ap](const Request& req, const CallInfo&) { return ap->receive(req); });
}

}  // namespace sandbox
