// `item: {each: lines, as: line}`: a mapping that renders one element of a canonical list (an adapter's for_each
// step sends one request per order line). Load-time checks, the caller choosing the element, and errors.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gateway/mapping/mapping.hpp"

namespace gw::mapping {
namespace {

boost::json::value three_lines() {
    std::ifstream in(std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/example-json/tests/orders/three-lines.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return boost::json::parse(ss.str());
}

constexpr const char* kCartItem = R"(
input: canonical:care_order
output: json
item: {each: lines, as: line}
params: [session]
vars:
  gtin13: =line.gtin | gtin13
template:
  product_id: =$gtin13
  quantity_delta: =line.quantity | int
  order: =source.placer_order_number
  session: =$session
)";

TEST(MappingItem, RendersTheChosenLine) {
    auto loaded = load_mapping_text(kCartItem, "cart-item.yaml");
    ASSERT_TRUE(loaded.errors.empty()) << loaded.errors[0].to_string();
    EXPECT_EQ(loaded.mapping->item_list(), "lines");
    const auto order = three_lines();
    const Params params{{"session", "S1"}};
    auto second = render_vendor_request(*loaded.mapping, order, params, 1);
    ASSERT_TRUE(second) << second.error().to_string();
    EXPECT_EQ(boost::json::parse(*second),
              boost::json::parse(R"({"product_id":"7038010000119","quantity_delta":1,"order":"BK-2026-004711",
                                     "session":"S1"})"));
    auto third = render_vendor_request(*loaded.mapping, order, params, 2);
    ASSERT_TRUE(third);
    EXPECT_EQ(boost::json::parse(*third).at("product_id"), "7038010000126");
}

TEST(MappingItem, TheCallerMustNameAnElementThatExists) {
    auto loaded = load_mapping_text(kCartItem, "cart-item.yaml");
    ASSERT_TRUE(loaded.mapping);
    const auto order = three_lines();
    auto none = render_vendor_request(*loaded.mapping, order);
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("renders one element of lines"), std::string::npos) << none.error().message;
    auto beyond = render_vendor_request(*loaded.mapping, order, {}, 3);
    ASSERT_FALSE(beyond);
    EXPECT_NE(beyond.error().message.find("item 3 does not exist, lines has 3"), std::string::npos)
        << beyond.error().message;
}

TEST(MappingItem, WholeDocumentMappingsRefuseAnItem) {
    auto loaded = load_mapping_text("input: canonical:care_order\noutput: json\ntemplate: {ref: =source.placer_order_number}\n",
                                    "order.yaml");
    ASSERT_TRUE(loaded.mapping);
    EXPECT_TRUE(loaded.mapping->item_list().empty());
    auto r = render_vendor_request(*loaded.mapping, three_lines(), {}, 0);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("has no item:"), std::string::npos);
}

TEST(MappingItem, DataErrorsNameTheLine) {
    auto loaded = load_mapping_text(R"(
input: canonical:care_order
output: json
item: {each: lines, as: line}
template:
  sku: =line.vendor_sku | required('no vendor SKU')
  count: =line.description | int
)",
                                    "sku.yaml");
    ASSERT_TRUE(loaded.mapping);
    auto r = render_vendor_request(*loaded.mapping, three_lines(), {}, 1);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("no vendor SKU"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("line.vendor_sku"), std::string::npos) << r.error().message;
    // A present value names the element it came from.
    auto other = load_mapping_text("input: canonical:care_order\noutput: json\nitem: {each: lines, as: line}\n"
                                   "template: {count: =line.description | int}\n",
                                   "count.yaml");
    ASSERT_TRUE(other.mapping);
    auto bad = render_vendor_request(*other.mapping, three_lines(), {}, 1);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().to_string().find("lines[1].description"), std::string::npos) << bad.error().to_string();
    EXPECT_NE(bad.error().to_string().find("Grovbrød 750 g"), std::string::npos) << bad.error().to_string();
}

TEST(MappingItem, LoadErrorsAtFileLineColumn) {
    auto unknown_field = load_mapping_text(R"(input: canonical:care_order
output: json
item: {each: lines, as: line}
template:
  gtin: =line.gtn
)",
                                           "bad.yaml");
    ASSERT_EQ(unknown_field.errors.size(), 1u);
    EXPECT_NE(unknown_field.errors[0].to_string().find("bad.yaml:5:"), std::string::npos);
    EXPECT_NE(unknown_field.errors[0].to_string().find("did you mean 'gtin'"), std::string::npos)
        << unknown_field.errors[0].to_string();

    auto not_a_list = load_mapping_text("input: canonical:care_order\noutput: json\nitem: {each: delivery, as: d}\n"
                                        "template: {a: 1}\n",
                                        "bad.yaml");
    ASSERT_FALSE(not_a_list.errors.empty());
    EXPECT_NE(not_a_list.errors[0].to_string().find("bad.yaml:3:"), std::string::npos);
    EXPECT_NE(not_a_list.errors[0].message.find("is not a list"), std::string::npos);

    auto typo = load_mapping_text("input: canonical:care_order\noutput: json\nitem: {each: lines, ass: line}\n"
                                  "template: {a: 1}\n",
                                  "bad.yaml");
    ASSERT_FALSE(typo.errors.empty());
    EXPECT_NE(typo.errors[0].to_string().find("did you mean 'as'"), std::string::npos) << typo.errors[0].to_string();

    auto hl7 = load_mapping_text("input: hl7\noutput: json\nitem: {each: RQD}\ntemplate: {a: 1}\n", "bad.yaml");
    ASSERT_FALSE(hl7.errors.empty());
    EXPECT_NE(hl7.errors[0].message.find("only used with canonical input"), std::string::npos);
}

}  // namespace
}  // namespace gw::mapping
