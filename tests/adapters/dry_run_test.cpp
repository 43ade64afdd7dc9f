// Adapter::render (shadow mode): the shipped vendor folders translate a real order into the requests they would send,
// with nothing sent — there is no grocer listening at the base URL — and an order a vendor's mappings cannot take
// comes back as a readable error naming the step.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "adapters/registry.hpp"
#include "gateway/mapping/mapping.hpp"

namespace gw::adapters {
namespace {

namespace json = boost::json;

json::value canonical_order(const std::string& sample) {
    const std::string root = GATEWAY_SOURCE_DIR;
    auto mapping = mapping::load_mapping(root + "/mappings/inbound/oms-o05.yaml");
    EXPECT_TRUE(mapping.mapping);
    if (!mapping.mapping) return nullptr;
    std::ifstream in(root + "/mappings/inbound/samples/" + sample, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto order = mapping::translate_hl7_to_care_order(*mapping.mapping, ss.str());
    EXPECT_TRUE(order) << order.error().to_string();
    if (!order) return nullptr;
    order->as_object()["gateway_id"] = "GW-DRY-1";
    return std::move(order).value();
}

class DryRun : public ::testing::Test {
protected:
    std::shared_ptr<Adapter> adapter(const std::string& vendor) {
        VendorSettings s;
        s.name = vendor;
        s.folder = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/" + vendor;
        s.base_url = "http://127.0.0.1:9/nobody-listens";  // render() must never connect anywhere
        s.secrets = {{"username", "care"}, {"password", "pw"}, {"client_id", "gw"}, {"client_secret", "s3cret"}};
        s.params = {{"seller_org_number", "987654321"}, {"seller_name", "Grocer AS"}};
        auto load = create_adapter(io_, s);
        EXPECT_TRUE(load.adapter) << (load.errors.empty() ? "" : load.errors.front().to_string());
        return load.adapter;
    }
    static DeliveryRequest request(json::value order) {
        DeliveryRequest r;
        r.order_id = "GW-DRY-1";
        r.idempotency_key = "GW-DRY-1";
        r.order = std::move(order);
        return r;
    }
    boost::asio::io_context io_;
};

TEST_F(DryRun, OdaRendersOneCartLinePerOrderLineThenTheCheckout) {
    auto oda = adapter("oda-web");
    ASSERT_TRUE(oda);
    auto rendered = oda->render(Operation::submit, request(canonical_order("oms-o05-three-lines.hl7")));
    ASSERT_TRUE(rendered) << rendered.error().to_string();
    ASSERT_EQ(rendered->size(), 4u);
    EXPECT_EQ((*rendered)[0].step, "add_line[1]");
    EXPECT_EQ((*rendered)[0].method, "POST");
    EXPECT_EQ((*rendered)[0].path, "/cart/items");
    auto first = json::parse((*rendered)[0].body);
    EXPECT_TRUE(first.as_object().contains("product_id")) << (*rendered)[0].body;
    EXPECT_EQ((*rendered)[3].step, "checkout");
    EXPECT_EQ((*rendered)[3].path, "/checkout");
    EXPECT_EQ(io_.poll(), 0u);  // nothing was started on the network
}

TEST_F(DryRun, LaterStepsSeeStandInsForWhatEarlierStepsCapture) {
    auto instacart = adapter("instacart-connect");
    ASSERT_TRUE(instacart);
    auto rendered = instacart->render(Operation::submit, request(canonical_order("oms-o05-three-lines.hl7")));
    ASSERT_TRUE(rendered) << rendered.error().to_string();
    ASSERT_EQ(rendered->size(), 2u);
    EXPECT_EQ((*rendered)[1].step, "create_order");
    auto body = json::parse((*rendered)[1].body);
    EXPECT_EQ(body.at("service_option_hold_id").as_string(), "shadow-hold_id");
    EXPECT_EQ(body.at("order_id").as_string(), "GW-DRY-1");
}

TEST_F(DryRun, PeppolRendersTheUblOrder) {
    auto peppol = adapter("peppol-bis");
    ASSERT_TRUE(peppol);
    auto rendered = peppol->render(Operation::submit, request(canonical_order("oms-o05-three-lines.hl7")));
    ASSERT_TRUE(rendered) << rendered.error().to_string();
    ASSERT_FALSE(rendered->empty());
    EXPECT_NE(rendered->back().body.find("<Order"), std::string::npos) << rendered->back().body.substr(0, 200);
}

TEST_F(DryRun, AnOrderTheMappingsCannotTakeIsAnErrorNamingTheStep) {
    auto order = canonical_order("oms-o05-three-lines.hl7");
    ASSERT_TRUE(order.is_object());
    // A line known to the care system only by the grocer's SKU: Instacart needs a GTIN for every line.
    auto& line = order.as_object()["lines"].as_array()[1].as_object();
    line.erase("gtin");
    line["vendor_sku"] = "SKU-4711";
    auto instacart = adapter("instacart-connect");
    ASSERT_TRUE(instacart);
    auto rendered = instacart->render(Operation::submit, request(order));
    ASSERT_FALSE(rendered);
    EXPECT_EQ(rendered.error().code, ErrorCode::invalid_value);
    EXPECT_NE(rendered.error().message.find("create_order: mapping"), std::string::npos) << rendered.error().message;
    EXPECT_NE(rendered.error().message.find("Instacart needs a GTIN for every line"), std::string::npos)
        << rendered.error().message;
    // The same order is fine for Oda, which takes vendor SKUs.
    EXPECT_TRUE(adapter("oda-web")->render(Operation::submit, request(order)));
}

TEST_F(DryRun, AnOperationTheVendorDoesNotHaveIsUnsupported) {
    auto oda = adapter("oda-web");
    ASSERT_TRUE(oda);
    auto rendered = oda->render(Operation::cancel, request(canonical_order("oms-o05-three-lines.hl7")));
    ASSERT_FALSE(rendered);
    EXPECT_EQ(rendered.error().code, ErrorCode::unsupported);
}

}  // namespace
}  // namespace gw::adapters
