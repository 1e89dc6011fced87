// Files compiled into the binary at build time (generated into
// embedded_config.cc), so forge-execd runs with no file at all.
#ifndef FORGE_SERVER_EMBEDDED_CONFIG_H_
#define FORGE_SERVER_EMBEDDED_CONFIG_H_

namespace forge::server {

// deploy/config/default.textproto
extern const char kEmbeddedDefaultConfig[];
// deploy/cars/rules.textproto
extern const char kEmbeddedCarsRules[];

}  // namespace forge::server

#endif  // FORGE_SERVER_EMBEDDED_CONFIG_H_
