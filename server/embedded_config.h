// The text of deploy/config/default.textproto, compiled into the binary
// (generated at build time into embedded_config.cc).
#ifndef FORGE_SERVER_EMBEDDED_CONFIG_H_
#define FORGE_SERVER_EMBEDDED_CONFIG_H_

namespace forge::server {

extern const char kEmbeddedDefaultConfig[];

}  // namespace forge::server

#endif  // FORGE_SERVER_EMBEDDED_CONFIG_H_
