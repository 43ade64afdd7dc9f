#include "gateway/cli/cli.hpp"

int main(int argc, char** argv) { return gw::cli::run(argc, argv); }
